"""The document-layout model every reader produces and the plan reader consumes.

A plan reaches users as a text file, a web page, a PDF or a Word file. Each reader (read_text,
read_html, read_pdf, read_docx) turns its kind into the same thing: the document's *linear text*
(paragraphs as lines, table rows as lines of tab-separated cells) and the ``Line`` objects over
it, each table row carrying its cells with their grid columns and spans. Every offset in the
graph counts into the linear text; for a text file that is the decoded file itself, for the other
kinds the reader's rendering, with ``Locators`` saying where each character stands in the file
(a PDF page, an element's XPath), so provenance reaches the file whatever its kind.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from pilotkg.loaders.fragment import Fragment
from pilotkg.loaders.source import SourceText


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a table row: its first grid column, how many columns and rows it spans, its text."""

    column: int
    fragment: Fragment  # stripped; offsets into the linear text
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True, slots=True)
class Line:
    """A line of the document: a paragraph or heading, or one row of a table."""

    number: int  # 1-based line number in the linear text
    start: int
    end: int  # exclusive, before the line break
    text: str
    cells: tuple[Cell, ...] | None = None  # a table row's cells; None for a line of text
    table: int | None = None  # the reader's table number (1-based, in document order) for a row
    where: str | None = None  # where the line stands in the file when it is not a text file

    def fragment(self) -> Fragment:
        return Fragment(self.text, range(self.start, self.end))

    @property
    def bare(self) -> str:
        """The line without markdown bold marks and surrounding spaces, for matching headings."""
        return self.text.replace("**", "").strip()

    @property
    def ref(self) -> int | str:
        """What an error message names: the line number of a text file, the place in any other file."""
        return self.number if self.where is None else self.where

    def tail(self, offset: int) -> Line:
        """The rest of the line from character ``offset`` (a heading's body on the same line)."""
        return Line(self.number, self.start + offset, self.end, self.text[offset:], None, None, self.where)


@dataclass(frozen=True, slots=True)
class Locators:
    """Where the characters of a rendered document stand in its file: ``labels[i]`` holds from
    offset ``starts[i]`` up to the next start (a PDF page number, an element's XPath)."""

    kind: str  # "page" (PDF, RFC 8118 page numbers) or "xpath" (HTML, DOCX)
    starts: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def add(self, offset: int, label: str) -> None:
        if self.labels and self.labels[-1] == label:
            return
        if self.starts and self.starts[-1] == offset:
            self.labels[-1] = label
            return
        self.starts.append(offset)
        self.labels.append(label)

    def at(self, offset: int) -> str:
        index = bisect.bisect_right(self.starts, offset) - 1
        return self.labels[max(index, 0)]


@dataclass(slots=True)
class Document:
    """What a reader read: the source (linear text, checksum, kind) and its lines."""

    source: SourceText
    lines: list[Line]
    notes: list[str] = field(default_factory=list)  # what the reader read, repaired or skipped, for inspect


def split_lines(text: str) -> list[Line]:
    """A text file's lines: the linear text is the file's decoded text itself."""
    lines: list[Line] = []
    pos = 0
    for number, raw in enumerate(text.splitlines(keepends=True), start=1):
        body = raw.rstrip("\r\n")
        lines.append(Line(number, pos, pos + len(body), body))
        pos += len(raw)
    return lines


class TextBuilder:
    """Builds a rendered document's linear text line by line, with its locators and lines."""

    def __init__(self, kind: str) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.lines: list[Line] = []
        self.locators = Locators(kind)

    def _put(self, text: str, label: str) -> int:
        start = self.length
        self.locators.add(start, label)
        self.parts.append(text)
        self.length += len(text)
        return start

    def line(self, pieces: list[tuple[str, str]], where: str) -> Line | None:
        """A line of text made of ``(text, locator)`` pieces; nothing for a blank one."""
        pieces = [(t, loc) for t, loc in pieces if t]
        if not "".join(t for t, _ in pieces).strip():
            return None
        start = self.length
        for text, label in pieces:
            self._put(text, label)
        line = Line(len(self.lines) + 1, start, self.length, "".join(t for t, _ in pieces), where=where)
        self._newline()
        self.lines.append(line)
        return line

    def row(self, cells: list[tuple[int, int, int, list[tuple[str, str]]]], table: int, where: str) -> Line | None:
        """A table row: ``(column, colspan, rowspan, pieces)`` for each cell, written tab-separated."""
        if not any(_joined(pieces).strip() for *_, pieces in cells):
            return None
        start = self.length
        made: list[Cell] = []
        texts: list[str] = []
        for k, (column, colspan, rowspan, pieces) in enumerate(cells):
            if k:
                self._put("\t", self.locators.labels[-1] if self.locators.labels else where)
                texts.append("\t")
            cell_start = self.length
            for text, label in pieces:
                if text:
                    self._put(text, label)
            texts.append(_joined(pieces))
            frag = Fragment(texts[-1], range(cell_start, self.length)).strip()
            if frag:
                made.append(Cell(column, frag, colspan, rowspan))
        line = Line(len(self.lines) + 1, start, self.length, "".join(texts), tuple(made), table, where)
        self._newline()
        self.lines.append(line)
        return line

    def _newline(self) -> None:
        self._put("\n", self.locators.labels[-1] if self.locators.labels else "")

    def text(self) -> str:
        return "".join(self.parts)


def _joined(pieces: list[tuple[str, str]]) -> str:
    return "".join(t for t, _ in pieces)
