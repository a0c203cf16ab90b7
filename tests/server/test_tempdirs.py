"""A killed server's private folders are removed by the next one (server/tempdirs.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pilotkg.server import tempdirs


def test_folders_of_gone_processes_are_swept_and_live_ones_kept():
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    root = Path(tempfile.gettempdir())
    stale = root / f"pilotkg-sweeptest-{dead_pid}-abc"
    live = root / f"pilotkg-sweeptest-{os.getppid()}-def"
    stale.mkdir()
    live.mkdir()
    made = None
    try:
        made = tempdirs.make("sweeptest")
        assert made.is_dir() and made.name.startswith(f"pilotkg-sweeptest-{os.getpid()}-")
        assert oct(made.stat().st_mode & 0o777) == "0o700"
        assert not stale.exists() and live.exists()
    finally:
        for folder in (stale, live, made):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
