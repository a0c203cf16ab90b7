"""Read a PDF (pdfplumber): its text lines joined into paragraphs, its ruled tables as rows of cells.

A plan's PDF wraps lines inside sentences, prints a page number (``— 3 —``) at the foot of each
page, and breaks the task list's ruled tables over pages, printing the header row and the group
(and sector) cells again on each new page. The reader drops the page numbers, joins a line to the
one before it when that one runs to the right margin and this one is not indented (also across a
page break), and gives each table row its cells by grid column, a merged cell written once (where
pdfplumber answers None). What repeats at a page break is left for the plan reader, which knows
what a header row and a group label are. Each character keeps its page (RFC 8118 ``page=N``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pilotkg.loaders.document import Document, TextBuilder
from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.source import SourceText

PAGE_NUMBER = re.compile(r"^[—－\-–~\s]*(?:第\s*)?\d{1,4}\s*(?:页)?[—－\-–~\s]*$")
_WIDE = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef“”‘’…—]")
HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d{1,3}\s*[.．、]"
                           r"|表\s*\d)")

# pdfminer logs every odd object of a damaged file; the error the reader raises says it once.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


@dataclass(slots=True)
class _Item:
    page: int
    top: float
    x0: float
    x1: float
    size: float
    text: str = ""
    cells: list[str | None] | None = None


def read_pdf(path: Path, data: bytes) -> Document:
    items = _items(path, data)
    if not any(item.text.strip() or item.cells for item in items):
        raise LoadError(path, "the PDF has no text layer (a scanned document?): run OCR on it first, "
                              "or give the plan as text")
    out = TextBuilder("page")
    _render(items, out)
    source = SourceText(path=path, sha256=hashlib.sha256(data).hexdigest(), encoding=None, text=out.text(),
                        byte_size=len(data), kind="pdf", media_type="application/pdf", locators=out.locators)
    return Document(source, out.lines)


def _items(path: Path, data: bytes) -> list[_Item]:
    import io

    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    items: list[_Item] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                items.extend(_page_items(page))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise LoadError(path, "the PDF is encrypted and needs a password; give an unprotected copy") from None
    except LoadError:
        raise
    except Exception as exc:  # pdfminer raises many kinds for a damaged file
        raise LoadError(path, f"the PDF is damaged or not a PDF ({type(exc).__name__}: {exc})") from None
    return items


def _page_items(page) -> list[_Item]:
    number = page.page_number
    tables = page.find_tables()
    items: list[_Item] = []
    boxes = [t.bbox for t in tables]
    for table in tables:
        texts = table.extract()
        for row, cells in zip(table.rows, texts, strict=False):
            x0, top, x1, _ = row.bbox
            items.append(_Item(number, top, x0, x1, 0.0, cells=[_cell_text(c) for c in cells]))
    for line in page.extract_text_lines(strip=True):
        middle = (line["top"] + line["bottom"]) / 2
        if any(b[1] <= middle <= b[3] and b[0] <= line["x0"] <= b[2] for b in boxes):
            continue
        if PAGE_NUMBER.match(line["text"]):
            continue
        sizes = [c.get("size", 0) for c in line.get("chars", [])]
        size = sorted(sizes)[len(sizes) // 2] if sizes else 10.0
        items.append(_Item(number, line["top"], line["x0"], line["x1"], size, line["text"]))
    items.sort(key=lambda item: item.top)
    return items


def _cell_text(value: str | None) -> str | None:
    """A cell's wrapped lines run together (a line break beside Chinese text is layout, not text)."""
    if value is None:
        return None
    lines = [part.strip() for part in value.split("\n")]
    out = ""
    for part in lines:
        if not part:
            continue
        if out and not (_WIDE.match(out[-1]) or _WIDE.match(part[0])):
            out += " "
        out += part
    return out


def _render(items: list[_Item], out: TextBuilder) -> None:
    texts = [i for i in items if i.cells is None]
    left = Counter(round(i.x0) for i in texts).most_common(1)[0][0] if texts else 0
    right = max((i.x1 for i in texts), default=0)
    pending: list[tuple[str, str]] = []
    pending_where = ""
    last: _Item | None = None
    tables = 0
    in_table = False

    def flush() -> None:
        nonlocal pending
        if pending:
            out.line(pending, pending_where)
        pending = []

    for item in items:
        label = str(item.page)
        if item.cells is not None:
            flush()
            if not in_table:
                tables += 1
                in_table = True
            cells = [(k, 1, 1, [(c, label)]) for k, c in enumerate(item.cells) if c]
            out.row(cells, tables, f"page {item.page}")
            last = None
            continue
        in_table = False
        joins = (last is not None and pending and last.x1 >= right - 1.5 * last.size
                 and item.x0 <= left + 0.8 * item.size and not HEADING_START.match(item.text))
        if not joins:
            flush()
            pending_where = f"page {item.page}"
        elif pending and not (_WIDE.match(pending[-1][0][-1]) or _WIDE.match(item.text[0])):
            pending.append((" ", label))
        pending.append((item.text, label))
        last = item
    flush()
