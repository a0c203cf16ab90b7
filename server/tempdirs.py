"""Private folders of a running server in the temporary directory, swept when their process is gone.

The egress relay's socket (server/egress.py) and the web processes' build switch
(server/switch.py) live in folders of their own; a server that is killed cannot remove them,
so each new one removes those whose process no longer runs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def make(kind: str) -> Path:
    """A new folder (mode 0700) named for ``kind`` and this process; stale ones of ``kind`` go."""
    sweep(kind)
    return Path(tempfile.mkdtemp(prefix=f"pilotkg-{kind}-{os.getpid()}-"))


def sweep(kind: str) -> None:
    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"pilotkg-{kind}-*-*"):
        try:
            pid = int(folder.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if not running(pid) and folder.stat().st_uid == os.getuid():
            shutil.rmtree(folder, ignore_errors=True)


def running(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one rename: another process reads the old text or the new, never a part."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(temporary, path)
