"""Read the layout of a plan's text: notice, plan headings and paragraphs, task-list rows.

This module only finds where things are; it knows the layout every pilot plan shares (a notice
``…关于印发《…》的通知``, a plan with ``一、`` sections, ``（一）`` sub-sections and numbered
paragraphs, then a ``…任务清单`` with ``表 N`` tables whose header row starts with ``类别``), and
nothing about any one plan. Deciding which group or sector a task belongs to is left to
``assemble``, which can consult the narrative.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.fragment import Fragment, clean
from pilotkg.loaders.source import SourceText

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "[一二三四五六七八九十]+"

NOTICE_TITLE = re.compile(r"^(?P<issuer>\S+?)关于印发《(?P<plan>[^》]+)》的通知$")
DOC_NUMBER = re.compile(r"^[（(]\s*(?P<number>[^（()）]*?〔\d{4}〕\s*\d+\s*号)\s*[)）]$")
DATE = re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日$")
SECTION = re.compile(rf"^(?P<num>{_CN_NUM})、\s*(?P<title>.+?)$")
SUBSECTION = re.compile(rf"^[（(](?P<num>{_CN_NUM})[)）]\s*(?P<title>.+?)$")
NUMBERED = re.compile(r"^(?P<num>\d{1,3})\s*[.．]\s*(?=\S)")
TASK_LIST = re.compile(r"任务清单$")
TABLE = re.compile(r"^表\s*(?P<num>\d{1,2})\s*(?P<title>\S.*?)$")
TASK_CELL = re.compile(r"^\s*(?P<num>\d{1,3})\s*[.．、]\s*")
SENTENCE_END = ("。", "！", "？", "：", "；")


def cn_number(numeral: str) -> int:
    """Chinese numerals up to 99 (一 … 十 … 九十九), as used for headings."""
    if numeral == "十":
        return 10
    if "十" in numeral:
        tens, _, units = numeral.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[numeral]


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1-based line number in the file
    start: int
    end: int  # exclusive, before the line break
    text: str

    def fragment(self) -> Fragment:
        return Fragment(self.text, tuple(range(self.start, self.end)))

    @property
    def bare(self) -> str:
        """The line without markdown bold marks and surrounding spaces, for matching headings."""
        return self.text.replace("**", "").strip()


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    for number, raw in enumerate(text.splitlines(keepends=True), start=1):
        body = raw.rstrip("\r\n")
        lines.append(Line(number, pos, pos + len(body), body))
        pos += len(raw)
    return lines


def span_of(source: str, lines: list[Line]) -> Fragment:
    """The raw source characters from the first to the last of ``lines``."""
    return Fragment.raw(source, lines[0].start, lines[-1].end)


def join_paragraph(lines: list[Line]) -> Fragment:
    """Lines that belong to one paragraph, with page and line breaks removed."""
    return clean(Fragment.join(line.fragment() for line in lines))


def split_paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Group body lines into paragraphs: a line that ends a sentence ends a paragraph.

    A page break inside a sentence leaves a line that does not end with sentence punctuation;
    it is joined to the next non-empty line however many blank lines lie between.
    """
    paragraphs: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if not line.bare:
            continue
        current.append(line)
        if line.bare.endswith(SENTENCE_END):
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


# --- notice ---------------------------------------------------------------------------------


@dataclass(slots=True)
class NoticeLayout:
    title_line: Line
    issuer: str
    plan_title: str
    number_line: Line
    addressee_line: Line
    body_lines: list[Line]
    signature_line: Line | None
    date_line: Line
    issued: dt.date


def _next_nonempty(lines: list[Line], i: int) -> int:
    while i < len(lines) and not lines[i].bare:
        i += 1
    return i


def read_notice(src: SourceText, lines: list[Line]) -> tuple[NoticeLayout, int]:
    """The notice at the head of the file; returns it and the index of the line after its date."""
    i = _next_nonempty(lines, 0)
    if i == len(lines) or not (m := NOTICE_TITLE.match(lines[i].bare)):
        at = lines[i].number if i < len(lines) else None
        raise LoadError(src.path, "no notice title of the form '…关于印发《…》的通知' at the top", at)
    title_line, issuer, plan_title = lines[i], m["issuer"], m["plan"]
    i = _next_nonempty(lines, i + 1)
    if i == len(lines) or not DOC_NUMBER.match(lines[i].bare):
        raise LoadError(src.path, "no document number such as '（商资发〔2022〕211号）' after the title",
                        lines[min(i, len(lines) - 1)].number)
    number_line = lines[i]
    i = _next_nonempty(lines, i + 1)
    if i == len(lines) or not lines[i].bare.endswith(("：", ":")):
        raise LoadError(src.path, "no addressee line (ending in '：') after the document number",
                        lines[min(i, len(lines) - 1)].number)
    addressee_line = lines[i]
    body: list[Line] = []
    for j in range(i + 1, len(lines)):
        if m := DATE.match(lines[j].bare):
            try:
                issued = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError as exc:
                raise LoadError(src.path, f"invalid date '{lines[j].bare}': {exc}", lines[j].number) from None
            signature = None
            nonempty = [line for line in body if line.bare]
            if nonempty and nonempty[-1].bare == issuer:
                signature = nonempty[-1]
                body = body[: body.index(signature)]
            return NoticeLayout(title_line, issuer, plan_title, number_line, addressee_line, body,
                                signature, lines[j], issued), j + 1
        body.append(lines[j])
    raise LoadError(src.path, "the notice has no date line such as '2022年12月29日'", addressee_line.number)


def document_number(line: Line) -> Fragment:
    m = DOC_NUMBER.match(line.text.strip())
    assert m is not None
    lead = len(line.text) - len(line.text.lstrip())
    return clean(line.fragment()[lead + m.start("number"): lead + m.end("number")])


def addressees(line: Line) -> list[str]:
    """The addressees in order, each once (documents sometimes list one twice)."""
    names: list[str] = []
    for part in re.split(r"[，,、；;]", line.bare.rstrip("：:")):
        name = re.sub(r"\s+", "", part)
        if name and name not in names:
            names.append(name)
    return names


# --- plan narrative -------------------------------------------------------------------------


@dataclass(slots=True)
class NumberedLayout:
    number: int
    section: str
    lines: list[Line]


@dataclass(slots=True)
class SectionLayout:
    number: str
    title: Fragment
    heading_line: Line
    lines: list[Line] = field(default_factory=list)  # every line up to the next heading of its level
    body: list[list[Line]] = field(default_factory=list)  # unnumbered paragraphs
    paragraphs: list[int] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PlanLayout:
    title_line: Line
    intro: list[list[Line]]
    sections: list[SectionLayout]
    paragraphs: list[NumberedLayout]
    task_list_line: Line
    end: int  # index of the task-list title line


def _heading_title(line: Line, pattern: re.Pattern[str]) -> Fragment:
    """A heading's title: the cleaned line without its numeral and closing full stop."""
    title = clean(line.fragment())
    m = pattern.match(title.text)
    assert m is not None
    title = title[m.start("title"):]
    while title and title.text[-1] in "。．.":
        title = title[:-1]
    return title


def read_plan(src: SourceText, lines: list[Line], start: int, plan_title: str) -> PlanLayout:
    """The plan's narrative: from its title line to the task-list title."""
    wanted = re.sub(r"\s+", "", plan_title)
    i = start
    while i < len(lines) and re.sub(r"\s+", "", lines[i].bare) != wanted:
        i += 1
    if i == len(lines):
        raise LoadError(src.path, f"the plan title '{plan_title}' named in the notice does not appear "
                                  "as a heading after the notice")
    title_line = lines[i]
    end = next((k for k in range(i + 1, len(lines)) if TASK_LIST.search(lines[k].bare)), None)
    if end is None:
        raise LoadError(src.path, "no task list: no heading ending in '任务清单' after the plan")

    intro: list[Line] = []
    sections: list[SectionLayout] = []
    paragraphs: list[NumberedLayout] = []
    section: SectionLayout | None = None
    sub: SectionLayout | None = None
    para: NumberedLayout | None = None
    loose: list[Line] = []  # unnumbered lines of the innermost open section

    def flush_loose() -> None:
        target = sub or section
        if target is not None and loose:
            target.body.extend(split_paragraphs(loose))
        loose.clear()

    for line in lines[i + 1: end]:
        bare = line.bare
        if m := SECTION.match(bare):
            flush_loose()
            para = None
            sub = None
            section = SectionLayout(str(cn_number(m["num"])), _heading_title(line, SECTION), line, [line])
            if int(section.number) != 1 + sum("-" not in s.number for s in sections):
                raise LoadError(src.path, f"section '{bare}' is out of order", line.number)
            sections.append(section)
            continue
        if section is None:
            if bare:
                intro.append(line)
            continue
        section.lines.append(line)
        if m := SUBSECTION.match(bare):
            flush_loose()
            para = None
            number = f"{section.number}-{cn_number(m['num'])}"
            sub = SectionLayout(number, _heading_title(line, SUBSECTION), line, [line])
            section.children.append(number)
            sections.append(sub)
            continue
        if sub is not None:
            sub.lines.append(line)
        if (m := NUMBERED.match(bare)) and int(m["num"]) == len(paragraphs) + 1:
            flush_loose()
            para = NumberedLayout(int(m["num"]), (sub or section).number, [line])
            paragraphs.append(para)
            (sub or section).paragraphs.append(para.number)
            continue
        if para is not None:
            para.lines.append(line)
        else:
            loose.append(line)
    flush_loose()
    return PlanLayout(title_line, split_paragraphs(intro), sections, paragraphs, lines[end], end)


# --- task list ------------------------------------------------------------------------------


@dataclass(slots=True)
class Cell:
    column: int
    fragment: Fragment  # raw, stripped


@dataclass(slots=True)
class TaskRow:
    line: Line
    number: int
    column: int  # where the task cell stands (it can land left of the task column)
    cell: Fragment  # raw task cell, number included
    labels: dict[int, Fragment]  # label column -> raw label in effect for this row
    labels_here: dict[int, Fragment]  # labels written on this very row
    extra: list[Fragment] = field(default_factory=list)  # wrapped continuation text


@dataclass(slots=True)
class TableLayout:
    number: int
    title: Fragment
    heading_line: Line
    lines: list[Line]
    task_column: int | None = None
    label_names: list[str] = field(default_factory=list)
    rows: list[TaskRow] = field(default_factory=list)


def _cells(line: Line) -> list[Cell]:
    cells: list[Cell] = []
    pos = 0
    for column, text in enumerate(line.text.split("\t")):
        frag = Fragment(text, tuple(range(line.start + pos, line.start + pos + len(text)))).strip()
        if frag:
            cells.append(Cell(column, frag))
        pos += len(text) + 1
    return cells


def _ends_sentence(row: TaskRow) -> bool:
    last = (row.extra or [row.cell])[-1].text.replace("**", "").rstrip()
    return last.endswith(SENTENCE_END)


def _is_header(cells: list[Cell]) -> bool:
    return bool(cells) and re.sub(r"\s+", "", cells[0].fragment.text.replace("**", "")) == "类别"


def read_task_list(src: SourceText, lines: list[Line], start: int) -> list[TableLayout]:
    """The tables of the task list; rows are kept raw, labels carried down merged cells."""
    tables: list[TableLayout] = []
    table: TableLayout | None = None
    current: dict[int, Fragment] = {}
    for line in lines[start + 1:]:
        bare = line.bare
        if not bare:
            continue
        if m := TABLE.match(bare):
            number = int(m["num"])
            if number != len(tables) + 1:
                raise LoadError(src.path, f"table '{bare}' is out of order (expected 表 {len(tables) + 1})",
                                line.number)
            lead = len(line.text) - len(line.text.lstrip())
            title = clean(line.fragment()[lead + m.start("title"): lead + m.end("title")])
            table = TableLayout(number, title, line, [line])
            tables.append(table)
            current = {}
            continue
        if table is None:
            raise LoadError(src.path, f"text before the first table of the task list: '{bare[:30]}'",
                            line.number)
        table.lines.append(line)
        cells = _cells(line)
        if _is_header(cells):
            if table.task_column is None:
                task_cells = [c for c in cells if "任务" in c.fragment.text]
                table.task_column = task_cells[0].column if task_cells else cells[-1].column
                table.label_names = [re.sub(r"\s+", "", c.fragment.text) for c in cells
                                     if c.column < table.task_column]
            continue
        if table.task_column is None:
            raise LoadError(src.path, f"table {table.number} has no header row starting with '类别'",
                            line.number)
        task_index = next((k for k, c in enumerate(cells) if TASK_CELL.match(c.fragment.text)), None)
        if task_index is None and table.rows and not _ends_sentence(table.rows[-1]):
            # A page break inside a task cell: the rest of the cell, whatever column it lands in.
            table.rows[-1].extra.extend(c.fragment for c in cells)
            continue
        if task_index is None:
            labels = [c for c in cells if c.column < table.task_column]
            rest = [c for c in cells if c.column >= table.task_column]
            for cell in labels:
                current[cell.column] = cell.fragment
                for deeper in [k for k in current if k > cell.column]:
                    del current[deeper]
            if rest:
                if not table.rows:
                    raise LoadError(src.path, f"table {table.number}: text with no task number before "
                                              f"its first task: '{bare[:30]}'", line.number)
                table.rows[-1].extra.extend(c.fragment for c in rest)
            continue
        here: dict[int, Fragment] = {}
        for cell in cells[:task_index]:
            if cell.column < table.task_column:
                here[cell.column] = cell.fragment
        for column, frag in sorted(here.items()):
            current[column] = frag
            for deeper in [k for k in current if k > column and k not in here]:
                del current[deeper]
        task_cell = cells[task_index]
        row = TaskRow(line, int(TASK_CELL.match(task_cell.fragment.text)["num"]), task_cell.column,
                      task_cell.fragment, dict(current), here)
        row.extra.extend(c.fragment for c in cells[task_index + 1:])
        table.rows.append(row)
    return tables
