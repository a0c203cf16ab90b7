"""The one error a loader raises: it names the file (and line) and says what is wrong."""

from __future__ import annotations

from pathlib import Path


class LoadError(Exception):
    """A source cannot be turned into a plan; the message is meant for the person who gave the file."""

    def __init__(self, path: Path | str, problem: str, line: int | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[type[LoadError], tuple[str, str, int | None]]:
        # Raised in a build worker process, it is pickled back to the parent with its parts.
        return type(self), (self.path, self.problem, self.line)
