"""The build's output folder, switched in one atomic step.

``OUT`` (``dist/``) is a symbolic link to a sibling folder ``.OUT-XXXXXXXX`` that holds one whole
build. A build writes a new sibling, then points a fresh link at it and renames that link over
``OUT``: a rename is atomic, so a reader — a person, a web server, ``make`` — sees the old build or
the new one, never none and never half of one, whenever the build is killed.

The folder of the build before is kept (a running server may still have its store open, and
switches over when it notices the new one); older folders and the staging folders of killed
builds are removed by the next build. Builds into one ``OUT`` take turns (a lock file beside it),
so the sweep never removes a folder another build is writing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

COMPLETE = "SHA256SUMS"  # written last into a build folder: the folder is a whole build


def staging_prefix(out: Path) -> str:
    return f".{out.name}-"


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold ``.OUT.lock`` for the whole build: builds into one folder wait for one another."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def new_staging(out: Path) -> Path:
    staging = Path(tempfile.mkdtemp(prefix=staging_prefix(out), dir=out.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a published folder is world-readable
    return staging


def current(out: Path) -> Path | None:
    """The build folder ``out`` points at, if it is a link (an older build wrote a plain folder)."""
    if out.is_symlink():
        return out.parent / os.readlink(out)
    return None


def switch(staging: Path, out: Path) -> None:
    """Point ``out`` at ``staging`` in one rename, then sweep what no reader needs any more."""
    previous = current(out)
    link = out.with_name(f"{staging_prefix(out)}link-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    os.symlink(staging.name, link)
    if out.exists() and not out.is_symlink():  # a plain folder from before: moved aside once
        legacy = Path(tempfile.mkdtemp(prefix=staging_prefix(out), dir=out.parent))
        legacy.rmdir()
        out.rename(legacy)
        previous = legacy
    os.replace(link, out)
    sweep(out, keep=previous)


def sweep(out: Path, keep: Path | None = None) -> list[Path]:
    """Remove the sibling folders of ``out`` that no reader needs: every ``.OUT-*`` but the one
    ``out`` points at and ``keep`` (the build before, or else the newest other whole build).
    Call it holding :func:`locked`. Returns what was removed."""
    target = current(out)
    siblings = [p for p in out.parent.glob(f"{staging_prefix(out)}*") if p != target]
    if keep is None or not keep.exists():
        whole = [p for p in siblings if p.is_dir() and not p.is_symlink() and (p / COMPLETE).exists()]
        keep = max(whole, key=lambda p: p.stat().st_mtime, default=None)
    removed = []
    for path in siblings:
        if keep is not None and path == keep:
            continue
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed
