"""Read a web page (lxml): the article's paragraphs as lines, its data tables as rows of cells.

A plan published on a government site sits inside site chrome (navigation, breadcrumbs, "发布时间",
print and close links, footer). The reader renders the whole visible page the way a browser lays
out blocks — one line per paragraph, heading or list item, ``<br>`` ending a line — and leaves it
to the plan reader to find the notice and the plan among those lines. Tables that hold no other
table are data tables: each row becomes a line of cells placed on the table's grid (``rowspan``
and ``colspan`` honoured; a spanned cell is written once, in its first row, as a merged cell
prints). Tables that hold tables are page layout and are read as blocks. Each character keeps the
XPath of the element it came from.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import lxml.html
from lxml import etree

from pilotkg.loaders.document import Document, TextBuilder
from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.source import SourceText, decode

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACE = re.compile(r"[ \t\r\n\f]+")  # HTML's white space; no-break and ideographic spaces stay
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

SKIP = {
    "script",
    "style",
    "noscript",
    "template",
    "head",
    "title",
    "select",
    "option",
    "button",
    "input",
    "textarea",
    "iframe",
    "object",
    "embed",
    "svg",
    "nav",
    "aside",
    "map",
    "canvas",
}
BLOCK = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "center",
    "ul",
    "ol",
    "dl",
    "address",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "hr",
    "body",
    "html",
    "form",
    "fieldset",
    "details",
    "summary",
    "menu",
}


def declared_charset(data: bytes) -> str | None:
    m = _CHARSET.search(data[:4096])
    return m.group(1).decode("ascii") if m else None


def read_html(path: Path, data: bytes) -> Document:
    text, encoding = decode(path, data, declared_charset(data))
    try:
        root = lxml.html.document_fromstring(_XML_DECL.sub("", text) or "<html></html>")
    except (etree.ParserError, ValueError) as exc:
        raise LoadError(path, f"not a readable web page ({exc})") from None
    renderer = _Renderer(root.getroottree())
    renderer.block(root)
    renderer.flush()
    out = renderer.out
    if not out.lines:
        raise LoadError(path, "the web page has no visible text")
    source = SourceText(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        text=out.text(),
        byte_size=len(data),
        kind="html",
        media_type="text/html",
        locators=out.locators,
    )
    notes = [f"{renderer.tables} data tables; scripts, styles, navigation and hidden elements skipped"]
    return Document(source, out.lines, notes)


def _visible(el: etree._Element) -> bool:
    if not isinstance(el.tag, str):
        return False  # comments, processing instructions
    if el.tag.lower() in SKIP or el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return False
    return not _HIDDEN.search(el.get("style") or "")


class _Renderer:
    def __init__(self, tree: etree._ElementTree) -> None:
        self.tree = tree
        self.out = TextBuilder("xpath")
        self.pieces: list[tuple[str, str]] = []
        self.where = "/html"
        self.tables = 0

    def path(self, el: etree._Element) -> str:
        return self.tree.getpath(el)

    def text(self, value: str | None, where: str) -> None:
        if value:
            value = _SPACE.sub(" ", value)
            if self.pieces and self.pieces[-1][0].endswith(" ") and value.startswith(" "):
                value = value[1:]
            if value:
                self.pieces.append((value, where))

    def flush(self) -> None:
        if self.pieces:
            pieces = self.pieces
            self.pieces = []
            pieces[0] = (pieces[0][0].lstrip(), pieces[0][1])
            pieces[-1] = (pieces[-1][0].rstrip(), pieces[-1][1])
            where = next((loc for t, loc in pieces if t.strip()), self.where)
            self.out.line(pieces, where)

    def block(self, el: etree._Element) -> None:
        """Render ``el`` and what it holds: blocks end lines, inline elements add to the current one."""
        tag = el.tag.lower()
        if tag == "table" and el.find(".//table") is None:
            self.flush()
            self.table(el)
            return
        where = self.path(el)
        is_block = tag in BLOCK
        if is_block:
            self.flush()
            self.where = where
        if tag == "br":
            self.flush()
        self.text(el.text, where if is_block else self.where)
        for child in el:
            if _visible(child):
                self.block(child)
            elif isinstance(child.tag, str) and child.tag.lower() == "br":
                self.flush()
            self.text(child.tail, where if is_block else self.where)
        if is_block:
            self.flush()

    def cell_pieces(self, cell: etree._Element) -> list[tuple[str, str]]:
        """A cell's text: its paragraphs and lines run together, as a wrapped cell reads."""
        saved, self.pieces = self.pieces, []
        where = self.path(cell)

        def walk(el: etree._Element, at: str) -> None:
            self.text(el.text, at)
            for child in el:
                if _visible(child):
                    walk(child, self.path(child) if child.tag.lower() in BLOCK else at)
                self.text(child.tail, at)

        walk(cell, where)
        pieces, self.pieces = self.pieces, saved
        if pieces:
            pieces[0] = (pieces[0][0].lstrip(), pieces[0][1])
            pieces[-1] = (pieces[-1][0].rstrip(), pieces[-1][1])
        return pieces

    def table(self, table: etree._Element) -> None:
        self.tables += 1
        for caption in table.iterfind("caption"):
            self.out.line(self.cell_pieces(caption), self.path(caption))
        taken: dict[tuple[int, int], bool] = {}  # grid positions filled by cells spanning rows
        rows = [tr for tr in table.iter("tr") if _visible(tr)]
        for r, tr in enumerate(rows):
            cells: list[tuple[int, int, int, list[tuple[str, str]]]] = []
            column = 0
            for cell in tr:
                if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th") or not _visible(cell):
                    continue
                while taken.get((r, column)):
                    column += 1
                colspan, rowspan = _span(cell.get("colspan")), _span(cell.get("rowspan"))
                for dr in range(rowspan):
                    for dc in range(colspan):
                        taken[(r + dr, column + dc)] = True
                cells.append((column, colspan, rowspan, self.cell_pieces(cell)))
                column += colspan
            self.out.row(cells, self.tables, self.path(tr))


def _span(value: str | None) -> int:
    try:
        return max(1, min(int((value or "1").strip()), 1000))
    except ValueError:
        return 1
