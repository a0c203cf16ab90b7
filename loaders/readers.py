"""Choose a reader by what a file holds (its leading bytes first, its suffix second) and read it.

A plan arrives as text, a web page, a PDF or a Word file, often under the wrong name (a web page
saved as .txt, a PDF without a suffix). Content decides; the suffix only tells a web page from
text when the content cannot. Kinds no reader takes get an error that says what the file is and
what to give instead.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from pilotkg.loaders.document import Document, split_lines
from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.source import read_bytes, read_source

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
SUFFIXES = {".txt", ".text", ".pdf", ".docx", *HTML_SUFFIXES}  # what a build takes from a folder
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta)\b", re.IGNORECASE | re.DOTALL
)
_HTML_TAGS = re.compile(rb"<(?:p|div|table|br|span)\b[^>]*>", re.IGNORECASE)

# Leading bytes of kinds that hold no readable plan text, and what to say about them.
REFUSED = [
    (b"\xd0\xcf\x11\xe0", "a Word 97–2003 (.doc) or other legacy Office file: save it as .docx or PDF"),
    (b"\x89PNG", "an image (PNG): a scanned plan needs OCR first; give the plan as text, PDF, web page or .docx"),
    (b"\xff\xd8\xff", "an image (JPEG): a scanned plan needs OCR first; give the plan as text, PDF, web page or .docx"),
    (b"GIF8", "an image (GIF), not a plan"),
    (b"II*\x00", "an image (TIFF): a scanned plan needs OCR first"),
    (b"MM\x00*", "an image (TIFF): a scanned plan needs OCR first"),
    (b"{\\rtf", "an RTF file: save it as .docx or PDF"),
    (b"\x1f\x8b", "a gzip archive: unpack it first"),
    (b"7z\xbc\xaf", "a 7-Zip archive: unpack it first"),
    (b"Rar!", "a RAR archive: unpack it first"),
]


def kind_of(path: Path, data: bytes) -> str:
    """ "pdf", "docx", "html" or "text"; LoadError for a kind no reader takes."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    for magic, what in REFUSED:
        if data.startswith(magic):
            raise LoadError(path, f"unsupported kind of file: {what}")
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            raise LoadError(path, "a damaged ZIP archive (a .docx file is one): cannot be read") from None
        if "word/document.xml" in names:
            return "docx"
        raise LoadError(path, "unsupported kind of file: a ZIP archive that is not a Word (.docx) file")
    text_head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(text_head) or (path.suffix.lower() in HTML_SUFFIXES and _HTML_TAGS.search(text_head)):
        return "html"
    if len(_HTML_TAGS.findall(data[:20000])) >= 5 and b"</" in head:
        return "html"  # a fragment of a page saved without <html>
    return "text"


def _read_text(path: Path, data: bytes) -> Document:
    source = read_source(path, data)
    return Document(source, split_lines(source.text))


def _readers() -> dict[str, Callable[[Path, bytes], Document]]:
    from pilotkg.loaders.read_docx import read_docx
    from pilotkg.loaders.read_html import read_html
    from pilotkg.loaders.read_pdf import read_pdf

    return {"text": _read_text, "html": read_html, "pdf": read_pdf, "docx": read_docx}


def read_document(path: Path | str) -> Document:
    """The document-layout model of the file at ``path``, whatever its kind."""
    path = Path(path)
    data = read_bytes(path)
    return _readers()[kind_of(path, data)](path, data)
