"""One switch to a new build for all the web processes of one server.

Each web process (``PILOTKG_WEB_WORKERS``) has its own query pool. Were each to switch to a new
build on its own clock, identical requests would be answered from two graphs for up to the
reload interval, depending on the process that took them. So the processes agree through a
folder of their own, made by ``pilotkg serve`` and named in ``PILOTKG_SWITCH_DIR``:

- ``current`` names the store every process serves; it is replaced in one rename, and that
  rename is the moment of the switch;
- a process with a pool ready on a new build says so with a ``ready-…`` file; the process that
  sees every process ready writes ``current``;
- every process reads ``current`` before each request (one ``stat`` while it is unchanged) and
  follows it at once — to the pool it has ready, or, if it was not among the ready ones (a
  process started again meanwhile), to one it opens there and then.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pilotkg.server import tempdirs

ENV = "PILOTKG_SWITCH_DIR"


class Switchboard:
    def __init__(self, folder: Path, processes: int) -> None:
        self.folder = folder
        self.processes = processes
        self._seen: tuple[int, int] | None = None
        self._current: Path | None = None

    @classmethod
    def from_env(cls, processes: int) -> Switchboard | None:
        folder = os.environ.get(ENV)
        return cls(Path(folder), processes) if folder and processes > 1 else None

    @staticmethod
    def create(initial: Path) -> Path:
        """A new folder whose ``current`` is ``initial``, for the processes about to start."""
        folder = tempdirs.make("switch")
        tempdirs.write_atomically(folder / "current", str(initial))
        return folder

    def current(self) -> Path | None:
        """The store every process serves (None if the folder has none)."""
        try:
            st = os.stat(self.folder / "current")
        except FileNotFoundError:
            return None
        seen = (st.st_ino, st.st_mtime_ns)
        if seen != self._seen:
            self._current = Path((self.folder / "current").read_text(encoding="utf-8"))
            self._seen = seen
        return self._current

    def ready(self, target: Path) -> bool:
        """Say this process has a pool ready on ``target``; True once every process has, when
        ``current`` names it."""
        name = hashlib.sha1(str(target).encode()).hexdigest()[:16]
        (self.folder / f"ready-{name}-{os.getpid()}").touch()
        if len(list(self.folder.glob(f"ready-{name}-*"))) < self.processes:
            return False
        if self.current() != target:
            tempdirs.write_atomically(self.folder / "current", str(target))
        return True
