"""Read a plan's source file: bytes, checksum and decoded text, refusing what is not plan text.

PDF-to-text extractions of Chinese government documents arrive as UTF-8 or GB18030; the loader
detects which rather than guessing, because character offsets (provenance) are counted in the
decoded text and must be reproducible. Readers of other kinds (web pages, PDF, Word) keep the
same record, with their rendering as ``text`` and ``locators`` into the file (loaders/document.py).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pilotkg.loaders.errors import LoadError

if TYPE_CHECKING:
    from pilotkg.loaders.document import Locators

_CJK = re.compile(r"[\u4e00-\u9fff]")
# Control characters other than tab, newline, carriage return and form feed mark a binary file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class SourceText:
    """A decoded source file. ``text`` is what every character offset in the graph counts into."""

    path: Path
    sha256: str
    encoding: str | None  # None for a binary kind (PDF, Word)
    text: str
    byte_size: int
    kind: str = "text"  # "text" | "html" | "pdf" | "docx"
    media_type: str = "text/plain"
    locators: Locators | None = None  # where each character of ``text`` stands in the file (not text)

    @property
    def name(self) -> str:
        return self.path.name


def decode(path: Path, data: bytes, declared: str | None = None) -> tuple[str, str]:
    """The text of ``data`` and its encoding: a byte-order mark, then a declared encoding, then
    UTF-8, then GB18030 (a superset of GBK and GB2312)."""
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError(path, "binary file (contains NUL bytes), expected plan text")
    for bom, name in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(name), "UTF-16"
            except UnicodeDecodeError:
                raise LoadError(path, "not valid UTF-16 text after its byte-order mark") from None
    candidates = ["utf-8", "gb18030"]
    if declared:
        declared = declared.lower().replace("_", "-")
        declared = "gb18030" if declared in ("gb2312", "gbk", "x-gbk", "gb-2312", "cp936") else declared
        candidates = [declared, *(c for c in candidates if c != declared)]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        except LookupError:
            continue  # an encoding name the page declares but Python does not know
        if text.startswith("\ufeff"):
            text = text[1:]
        return text, {"utf-8": "UTF-8", "gb18030": "GB18030"}.get(encoding, encoding.upper())
    raise LoadError(path, "not UTF-8 or GB18030 text")


def read_bytes(path: Path | str) -> bytes:
    """The file's bytes; LoadError naming the file when it is missing, a folder, unreadable or empty."""
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
    return data


def read_source(path: Path | str, data: bytes | None = None) -> SourceText:
    """Read and decode ``path``; raise LoadError naming the file for anything that is not plan text."""
    path = Path(path)
    if data is None:
        data = read_bytes(path)
    text, encoding = decode(path, data)
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
