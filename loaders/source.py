"""Read a plan's source file: bytes, checksum and decoded text, refusing what is not plan text.

PDF-to-text extractions of Chinese government documents arrive as UTF-8 or GB18030; the loader
detects which rather than guessing, because character offsets (provenance) are counted in the
decoded text and must be reproducible.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pilotkg.loaders.errors import LoadError

_CJK = re.compile(r"[\u4e00-\u9fff]")
# Control characters other than tab, newline, carriage return and form feed mark a binary file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class SourceText:
    """A decoded source file. ``text`` is what every character offset in the graph counts into."""

    path: Path
    sha256: str
    encoding: str
    text: str
    byte_size: int

    @property
    def name(self) -> str:
        return self.path.name


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    if b"\x00" in data:
        raise LoadError(path, "binary file (contains NUL bytes), expected plan text")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8" and text.startswith("\ufeff"):
            text = text[1:]
            encoding = "utf-8-sig"
        return text, {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030"}[encoding]
    raise LoadError(path, "not UTF-8 or GB18030 text")


def read_source(path: Path | str) -> SourceText:
    """Read and decode ``path``; raise LoadError naming the file for anything that is not plan text."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError(path, "file not found") from None
    except IsADirectoryError:
        raise LoadError(path, "is a directory, expected a text file") from None
    except OSError as exc:
        raise LoadError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise LoadError(path, "file is empty")
    text, encoding = _decode(path, data)
    controls = len(_CONTROL.findall(text))
    if controls > max(3, len(text) // 1000):
        raise LoadError(path, f"binary file ({controls} control characters), expected plan text")
    if not _CJK.search(text):
        raise LoadError(path, f"no Chinese text found (decoded as {encoding}); is this a plan?")
    return SourceText(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        text=text,
        byte_size=len(data),
    )
