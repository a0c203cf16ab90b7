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
HEADING_START = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d{1,3}\s*[.．、]"
    r"|表\s*\d)"
)

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
        raise LoadError(
            path, "the PDF has no text layer (a scanned document?): run OCR on it first, or give the plan as text"
        )
    out = TextBuilder("page")
    _render(items, out)
    pages = max((item.page for item in items), default=0)
    rows = sum(1 for item in items if item.cells is not None)
    notes = [
        f"{pages} pages, {rows} ruled table rows; page numbers at the foot of pages dropped, "
        "lines wrapped inside paragraphs joined (also across pages)"
    ]
    source = SourceText(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=None,
        text=out.text(),
        byte_size=len(data),
        kind="pdf",
        media_type="application/pdf",
        locators=out.locators,
    )
    return Document(source, out.lines, notes)


def _items(path: Path, data: bytes) -> list[_Item]:
    import io

    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    items: list[_Item] = []
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        reader = _PageReader()
        for number, page in enumerate(PDFPage.create_pages(document), start=1):
            items.extend(_page_items(reader.read(page), number))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise LoadError(path, "the PDF is encrypted and needs a password; give an unprotected copy") from None
    except LoadError:
        raise
    except Exception as exc:  # pdfminer raises many kinds for a damaged file
        raise LoadError(path, f"the PDF is damaged or not a PDF ({type(exc).__name__}: {exc})") from None
    return items


class _Page:
    """A page as pdfplumber's table finder and text map need it: characters and ruling edges as
    pdfplumber's dicts (top-left origin), nothing else. Made straight from pdfminer's layout
    objects: pdfplumber's own page makes every attribute of every object, which costs more than
    reading the page."""

    def __init__(self, chars: list[dict], edges: list[dict], bbox: tuple[float, float, float, float]) -> None:
        self.chars, self.edges, self.bbox = chars, edges, bbox


class _PageReader:
    def __init__(self) -> None:
        from pdfminer.converter import PDFPageAggregator
        from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager

        manager = PDFResourceManager(caching=True)
        self.device = PDFPageAggregator(manager, laparams=None)
        self.interpreter = PDFPageInterpreter(manager, self.device)

    def read(self, page) -> _Page:
        from pdfminer.layout import LTChar, LTContainer, LTCurve
        from pdfplumber.utils import obj_to_edges

        self.interpreter.process_page(page)
        layout = self.device.get_result()
        x0, y0, x1, y1 = page.mediabox
        height = y1 - y0
        chars: list[dict] = []
        edges: list[dict] = []
        stack = list(layout)
        while stack:
            obj = stack.pop()
            if isinstance(obj, LTChar):
                top, bottom = height - (obj.y1 - y0), height - (obj.y0 - y0)
                chars.append(
                    {
                        "text": obj.get_text(),
                        "x0": obj.x0 - x0,
                        "x1": obj.x1 - x0,
                        "top": top,
                        "bottom": bottom,
                        "doctop": top,
                        "width": obj.width,
                        "height": obj.height,
                        "upright": obj.upright,
                        "size": obj.size,
                        "object_type": "char",
                    }
                )
            elif isinstance(obj, LTCurve):
                kind = type(obj).__name__.removeprefix("LT").lower()  # rect, line or curve
                top, bottom = height - (obj.y1 - y0), height - (obj.y0 - y0)
                shape = {
                    "object_type": kind,
                    "x0": obj.x0 - x0,
                    "x1": obj.x1 - x0,
                    "top": top,
                    "bottom": bottom,
                    "doctop": top,
                    "y0": obj.y0 - y0,
                    "y1": obj.y1 - y0,
                    "width": obj.width,
                    "height": obj.height,
                    "pts": [(px - x0, height - (py - y0)) for px, py in obj.pts],
                }
                edges.extend(obj_to_edges(shape))
            elif isinstance(obj, LTContainer):
                stack.extend(obj)
        chars.reverse()  # the stack read them backwards; content order is the order lines collate in
        return _Page(chars, edges, (0.0, 0.0, x1 - x0, height))


def _page_items(page: _Page, number: int) -> list[_Item]:
    from pdfplumber.table import TableFinder
    from pdfplumber.utils.text import chars_to_textmap

    tables = TableFinder(page).tables if page.edges else []
    items: list[_Item] = []
    boxes = [t.bbox for t in tables]
    for table in tables:
        for row, cells in zip(table.rows, table.extract(), strict=False):
            x0, top, x1, _ = row.bbox
            items.append(_Item(number, top, x0, x1, 0.0, cells=[_cell_text(c) for c in cells]))

    def inside(char: dict) -> bool:
        middle = (char["top"] + char["bottom"]) / 2
        return any(b[1] <= middle <= b[3] and b[0] <= char["x0"] <= b[2] for b in boxes)

    outside = [c for c in page.chars if not inside(c)]
    for line in chars_to_textmap(outside).extract_text_lines(strip=True, return_chars=True) if outside else []:
        if PAGE_NUMBER.match(line["text"]):
            continue
        sizes = sorted(c["size"] for c in line["chars"])
        size = sizes[len(sizes) // 2] if sizes else 10.0
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
        joins = (
            last is not None
            and pending
            and last.x1 >= right - 1.5 * last.size
            and item.x0 <= left + 0.8 * item.size
            and not HEADING_START.match(item.text)
        )
        if not joins:
            flush()
            pending_where = f"page {item.page}"
        elif pending and not (_WIDE.match(pending[-1][0][-1]) or _WIDE.match(item.text[0])):
            pending.append((" ", label))
        pending.append((item.text, label))
        last = item
    flush()
