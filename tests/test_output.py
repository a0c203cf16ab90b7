"""The build's output is switched in one atomic step (graph/output.py): killed at any moment, a
build leaves the previous output whole; the next build removes what killed builds left."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from pilotkg.graph import output
from pilotkg.paths import SOURCES_DIR

BUILD = [sys.executable, "-m", "pilotkg.cli", "build", str(SOURCES_DIR / "wuhan-2022.txt"), "-q", "--out"]


def whole(out: Path) -> bool:
    """``out`` is one complete build: every file its SHA256SUMS lists, with that digest."""
    sums = out / "SHA256SUMS"
    if not sums.exists():
        return False
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        if hashlib.sha256((out / name.lstrip("*")).read_bytes()).hexdigest() != digest:
            return False
    return True


def test_kill_nine_at_random_points_never_breaks_the_output(tmp_path):
    out = tmp_path / "dist"
    subprocess.run([*BUILD, str(out)], check=True, capture_output=True)
    assert out.is_symlink() and whole(out)
    rng = random.Random(13)
    for _ in range(20):
        child = subprocess.Popen(
            [*BUILD, str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        time.sleep(rng.uniform(0.2, 4.0))
        os.killpg(child.pid, signal.SIGKILL)  # the build and its workers
        child.wait()
        assert whole(out), "the output is not a whole build after a kill"
    subprocess.run([*BUILD, str(out)], check=True, capture_output=True)
    assert whole(out)
    left = sorted(p for p in tmp_path.iterdir() if p.name.startswith(output.staging_prefix(out)))
    # the build it points at, and at most the one before it (a running server may still use it)
    assert out.resolve() in left and len(left) <= 2, left


def test_a_plain_output_folder_from_an_older_build_is_replaced_whole(tmp_path):
    out = tmp_path / "dist"
    out.mkdir()
    (out / "old.txt").write_text("an older build", encoding="utf-8")
    subprocess.run([*BUILD, str(out)], check=True, capture_output=True)
    assert out.is_symlink() and whole(out) and not (out / "old.txt").exists()
