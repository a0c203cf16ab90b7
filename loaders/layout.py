"""Read the layout of a plan from its document's lines: notice, plan headings and paragraphs, tasks.

This module only finds where things are; it knows the layout every pilot plan shares (a notice
``…关于印发《…》的通知`` or an approval ``…的批复``, a plan with ``一、`` sections, ``（一）``
sub-sections and numbered paragraphs, then a ``…任务清单`` with ``表 N`` tables whose header row
names ``类别`` and the tasks), and nothing about any one plan. It works on the document-layout
model (loaders/document.py), so it reads a text file, a web page, a PDF and a Word file alike; a
text file's table rows are its lines of tab-separated cells. Every part of the notice is optional:
what is not found is left out and said in ``missing``. Deciding which group or sector a task
belongs to is left to plan_text, which can consult the narrative.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from pilotkg.loaders.document import Cell, Line
from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.fragment import Fragment, clean
from pilotkg.loaders.source import SourceText

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "[一二三四五六七八九十]+"

# A notice sending out a plan (《…》 may be missing, or name several plans), or an approval.
# The issuer is a name, not a breadcrumb (首页 > 通知公告 > 商务部关于…) or a site's label.
_ISSUER = r"(?P<issuer>[^\s>›»/|：:，,。、]{2,30}?)"
NOTICE_TITLE = re.compile(rf"^{_ISSUER}关于印发(?:《(?P<plan>[^》]+)》(?:等\S{{0,8}})?|(?P<loose>\S+?))的通知$")
APPROVAL_TITLE = re.compile(rf"^{_ISSUER}关于(?P<subject>\S+?)的批复$")
APPROVED_PLAN = re.compile(r"(?:原则)?同意《(?P<plan>[^》]+)》")
PLAN_TITLE = re.compile(r"^(?P<title>\S{2,40}?服务业扩大开放综合(?:试点|示范区)\S{0,12}?方案)$")
# A document number as printed: 商资发〔2022〕211号, 国函[2020]123号, 商资函（2025）84号.
DOC_NUMBER = re.compile(
    r"(?P<number>[\u4e00-\u9fff]{1,8}\s*[〔\[［【(（]\s*(?P<year>\d{4})\s*[〕\]］】)）]"
    r"\s*第?\s*\d{1,4}\s*号)"
)
DATE = re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日$")
ISO_DATE = re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)")
SECTION = re.compile(rf"^(?P<num>{_CN_NUM})\s*、\s*(?P<title>.+?)$")
SUBSECTION = re.compile(rf"^[（(]\s*(?P<num>{_CN_NUM})\s*[)）]\s*(?P<title>.+?)$")
NUMBERED = re.compile(r"^(?P<num>\d{1,3})\s*[.．、]")
TASK_LIST = re.compile(r"任务清单[）)]?$")
TABLE = re.compile(rf"^表\s*(?P<num>\d{{1,2}}|{_CN_NUM})\s*[:：.．、]?\s*(?P<title>.*?)$")
TASK_CELL = re.compile(r"^\s*(?P<num>\d{1,3})\s*[.．、]\s*")
BARE_NUMBER = re.compile(r"^\s*(?P<num>\d{1,3})\s*[.．、]?\s*$")
# A page number printed at the foot of a page (— 3 —, - 3 -, 第3页): layout, read as a blank line.
PAGE_NUMBER = re.compile(r"^[—－\-–~]+\s*\d{1,4}\s*[—－\-–~]+$|^第\s*\d{1,4}\s*页(?:\s*[/，,共]\s*\d{1,4}\s*页?)?$")
# Site chrome around a web page's article: publication data, print and close links.
CHROME = re.compile(
    r"发布时间|发布日期|来源[:：]|浏览次数|字号[:：]|打印|关闭|分享|【[大中小]】|索引号|主题分类|"
    r"当前位置|首页"
)
LIST_SEPARATOR = ("、", "，", ",", "；", ";")
SENTENCE_END = ("。", "！", "？", "：", "；")
HEADER_LABELS = {"类别", "领域", "类型", "分类", "重点领域", "行业领域", "行业", "类别领域"}
NUMBER_HEADERS = {"序号", "编号", "序"}


def cn_number(numeral: str) -> int:
    """Chinese numerals up to 99 (一 … 十 … 九十九), as used for headings."""
    if numeral == "十":
        return 10
    if "十" in numeral:
        tens, _, units = numeral.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[numeral]


def blank(line: Line) -> bool:
    """A line that carries no text of the document: empty, or a page number."""
    bare = line.bare
    return not bare or (line.cells is None and PAGE_NUMBER.match(bare) is not None)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("**", ""))


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
        if blank(line):
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
    """The covering notice (or approval) and where the plan's title stands; all parts optional."""

    kind: str | None  # "notice" (…的通知), "approval" (…的批复) or None when the copy prints none
    title_lines: list[Line]
    issuer: str | None
    plan_title: str  # as the plan's own heading reads, whitespace removed
    plan_title_lines: list[Line]
    number: Fragment | None
    number_line: Line | None
    addressee_lines: list[Line]
    body_lines: list[Line]
    signature_line: Line | None
    date_line: Line | None
    issued: dt.date | None
    issued_from: str | None  # "date line" | "document metadata" | None
    after: set[int] = field(default_factory=set)  # line numbers of the signature and date after the plan
    missing: list[str] = field(default_factory=list)
    plan_start: int = 0  # index of the line after the plan title

    @property
    def title_line(self) -> Line | None:
        return self.title_lines[0] if self.title_lines else None


def _nonblank(lines: list[Line], start: int, stop: int | None = None) -> list[int]:
    stop = len(lines) if stop is None else stop
    return [k for k in range(start, stop) if not blank(lines[k])]


def _heading_at(
    lines: list[Line], order: list[int], k: int, pattern: re.Pattern[str], most: int = 3
) -> tuple[re.Match[str], list[int]] | None:
    """``pattern`` matched by the text line ``order[k]``, or by it joined with the next ones (a page
    break or a wrapped heading inside a title)."""
    joined = ""
    taken: list[int] = []
    for j in order[k : k + most]:
        if lines[j].cells is not None:
            break
        joined += squeeze(lines[j].text)
        taken.append(j)
        if m := pattern.match(joined):
            if len(taken) > 1 and pattern.match(joined[len(squeeze(lines[taken[0]].text)) :]):
                return None  # the heading starts on a later line; this one is something else
            return m, taken
    return None


def _date(m: re.Match[str], src: SourceText, line: Line) -> dt.date:
    try:
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError as exc:
        raise LoadError(src.path, f"invalid date '{line.bare}': {exc}", line.ref) from None


def _find_plan_title(
    lines: list[Line], order: list[int], start: int, wanted: str | None
) -> tuple[int, list[int]] | None:
    """The position in ``order`` and the lines of the plan's heading: the title the notice names,
    else the first heading of the family's form."""
    for want in ([re.compile("^" + re.escape(wanted) + "$")] if wanted else []) + [PLAN_TITLE]:
        for k in range(start, len(order)):
            if (found := _heading_at(lines, order, k, want)) is not None:
                return k, found[1]
    return None


def read_notice(src: SourceText, lines: list[Line]) -> NoticeLayout:
    """The notice ahead of the plan, as far as the copy prints it, and where the plan begins."""
    order = _nonblank(lines, 0)
    notice_at: int | None = None
    kind = issuer = named = None
    title_idx: list[int] = []
    for k in range(len(order)):
        for pattern, what in ((NOTICE_TITLE, "notice"), (APPROVAL_TITLE, "approval")):
            found = _heading_at(lines, order, k, pattern)
            if found is not None and (what == "notice" or re.search("方案|试点", found[0]["subject"])):
                m, title_idx = found
                notice_at, kind, issuer = k, what, m["issuer"]
                named = m["plan"] if what == "notice" else None
                break
        if notice_at is not None:
            break
        if _heading_at(lines, order, k, PLAN_TITLE) is not None:
            break  # the plan comes first: this copy prints no notice
    missing: list[str] = []
    head_end = notice_at + len(title_idx) if notice_at is not None else 0
    if kind == "approval":
        for k in order[head_end:]:
            if m := APPROVED_PLAN.search(squeeze(lines[k].text)):
                named = m["plan"]
                break
    found = _find_plan_title(lines, order, head_end, squeeze(named) if named else None)
    if found is None:
        where = lines[order[head_end]].ref if head_end < len(order) else None
        raise LoadError(
            src.path,
            "no plan title of the form '…服务业扩大开放综合试点总体方案'"
            + (f" (the notice names 《{named}》)" if named else ""),
            where,
        )
    plan_k, plan_idx = found
    plan_title = "".join(squeeze(lines[j].text) for j in plan_idx)
    if notice_at is None:
        missing.append("notice title")

    # The notice's own lines: between its title and the plan's title (metadata may stand above it).
    region = order[head_end:plan_k] if notice_at is not None else order[:plan_k]
    above = order[max(0, notice_at - 3) : notice_at] if notice_at is not None else []
    number = number_line = None
    for j in [*region[:6], *above]:
        if m := DOC_NUMBER.search(lines[j].text):
            lead = m.start("number")
            number, number_line = clean(lines[j].fragment()[lead : m.end("number")]), lines[j]
            break
    if number is None:
        missing.append("document number")

    addressee_at = _addressees_end(lines, region, number_line)
    addressee_idx: list[int] = []
    if addressee_at is not None:
        addressee_idx = _addressee_lines(lines, region, addressee_at, number_line)
    else:
        missing.append("addressees")
    body_from = region.index(addressee_at) + 1 if addressee_at is not None else 0
    if addressee_at is None and number_line is not None and number_line.number - 1 in region:
        body_from = region.index(number_line.number - 1) + 1
    body = [lines[j] for j in region[body_from:] if not CHROME.search(lines[j].bare) and lines[j].cells is None]

    # Signature and date: the last date line before the plan, else the first one after it.
    date_line = signature = None
    issued = None
    issued_from = None
    after: set[int] = set()
    for pos in range(len(body) - 1, -1, -1):
        if m := DATE.match(body[pos].bare):
            date_line, issued = body[pos], _date(m, src, body[pos])
            if pos and _signature_like(body[pos - 1].bare, issuer):
                signature = body[pos - 1]
            cut = pos - 1 if signature is not None else pos
            body = body[:cut] + body[pos + 1 :]
            break
    if date_line is None:
        rest = order[plan_k + len(plan_idx) :]
        for n, j in enumerate(rest):
            if lines[j].cells is None and (m := DATE.match(lines[j].bare)):
                date_line, issued = lines[j], _date(m, src, lines[j])
                after.add(lines[j].number)
                if n and _signature_like(lines[rest[n - 1]].bare, issuer) and lines[rest[n - 1]].cells is None:
                    signature = lines[rest[n - 1]]
                    after.add(signature.number)
                break
    if issued is not None:
        issued_from = "date line"
    elif number_line is not None and (m := ISO_DATE.search(number_line.text)):
        issued, issued_from = _date(m, src, number_line), "document metadata"
    else:
        missing.append("date")
    if signature is None:
        missing.append("signature")
    if number_line is not None:
        body = [line for line in body if line is not number_line]
    return NoticeLayout(
        kind,
        [lines[j] for j in title_idx],
        issuer,
        plan_title,
        [lines[j] for j in plan_idx],
        number,
        number_line,
        [lines[j] for j in addressee_idx],
        body,
        signature,
        date_line,
        issued,
        issued_from,
        after,
        missing,
        plan_idx[-1] + 1,
    )


def _signature_like(text: str, issuer: str | None) -> bool:
    text = squeeze(text)
    return bool(text) and (text == issuer or (len(text) <= 24 and not any(c in text for c in "。，；：:、")))


def _addressees_end(lines: list[Line], region: list[int], number_line: Line | None) -> int | None:
    """The line that ends the addressee list (``…：``), if the notice prints one."""
    for j in region[:12]:
        line = lines[j]
        bare = line.bare
        if line.cells is not None or line is number_line or CHROME.search(bare):
            continue
        if bare.endswith(("：", ":")) and "。" not in bare and len(squeeze(bare)) >= 3:
            return j
        if bare.endswith(("。", "！")):
            return None  # the body has begun: no addressees
    return None


def _addressee_lines(lines: list[Line], region: list[int], end: int, number_line: Line | None) -> list[int]:
    """The addressee list's lines, back from its last: a page break can fall anywhere inside it."""
    taken = [end]
    pos = region.index(end)
    while pos > 0:
        pos -= 1
        line = lines[region[pos]]
        bare = squeeze(line.bare)
        if line is number_line or line.cells is not None or CHROME.search(bare) or bare.endswith(("。", "：", ":")):
            break
        if bare.endswith(LIST_SEPARATOR) or any(sep in bare for sep in LIST_SEPARATOR):
            taken.insert(0, region[pos])
            continue
        break
    return taken


def addressees(lines: list[Line]) -> list[str]:
    """The addressees in order, each once (documents sometimes list one twice)."""
    joined = join_paragraph(lines).text
    names: list[str] = []
    for part in re.split(r"[，,、；;]", joined.rstrip("：:")):
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
    title_lines: list[Line]
    intro: list[list[Line]]
    sections: list[SectionLayout]
    paragraphs: list[NumberedLayout]
    task_list_line: Line | None  # the task list's title (``…任务清单``), when it prints one
    end: int  # index of the line where the task list begins (its title, or its first table)
    task_list_lines: list[Line] = field(default_factory=list)  # the title's lines (a page break can split it)
    tasks_start: int = 0  # index of the first line after the task list's title

    @property
    def title_line(self) -> Line:
        return self.title_lines[0]


def _heading(lines: list[Line], pattern: re.Pattern[str]) -> tuple[Fragment, Line | None]:
    """A heading's title (numeral and closing full stop dropped) and, when the heading's line runs
    on into its body (``(一)指导思想。以…``), that body as a line of its own."""
    whole = clean(Fragment.join(line.fragment() for line in lines))
    m = pattern.match(whole.text)
    assert m is not None
    title = whole[m.start("title") :]
    body: Line | None = None
    stop = title.find("。")
    if 0 <= stop < len(title) - 1:
        last = lines[-1]
        cut = title.offsets[stop] + 1 - last.start  # the body starts after the full stop, in the last line
        if 0 < cut < len(last.text) and last.text[cut:].strip():
            body = last.tail(cut)
        title = title[:stop]
    while title and title.text[-1] in "。．.":
        title = title[:-1]
    return title, body


def _continues_heading(line: Line, nxt: Line | None) -> bool:
    """A heading broken by a page break: its line ends without a full stop and the next is a short
    remainder that no pattern claims."""
    if nxt is None or nxt.cells is not None or line.bare.endswith(("。", "：", ":")):
        return False
    bare = nxt.bare
    if len(squeeze(bare)) > 12 or any(p.match(bare) for p in (SECTION, SUBSECTION, NUMBERED, TABLE)):
        return False
    return bare.endswith("。") or not any(c in bare for c in "。，；：、")


def read_plan(src: SourceText, lines: list[Line], notice: NoticeLayout) -> PlanLayout:
    """The plan's narrative: from after its title to the task list."""
    start = notice.plan_start
    skip = notice.after
    end, title_lines = _task_list_title(lines, start, skip)
    task_list_line = title_lines[0] if title_lines else None
    if end is None:
        end = next(
            (
                k
                for k in range(start, len(lines))
                if (lines[k].cells is None and (m := TABLE.match(lines[k].bare)) and m["num"] in ("1", "一"))
                or _is_header(_cells(lines[k]))
            ),
            None,
        )
    if end is None:
        raise LoadError(src.path, "no task list: no heading ending in '任务清单' and no table '表 1' after the plan")

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

    body = [line for line in lines[start:end] if line.number not in skip and not blank(line)]
    k = 0
    while k < len(body):
        line = body[k]
        k += 1
        bare = line.bare
        heading = SECTION.match(bare) and not NUMBERED.match(bare)
        subheading = not heading and SUBSECTION.match(bare)
        if heading or subheading:
            parts = [line]
            if _continues_heading(line, body[k] if k < len(body) else None):
                parts.append(body[k])
                k += 1
            pattern = SECTION if heading else SUBSECTION
            title, rest = _heading(parts, pattern)
            numeral = pattern.match(bare)["num"]
            flush_loose()
            para = None
            if heading:
                sub = None
                section = SectionLayout(str(cn_number(numeral)), title, line, list(parts))
                if int(section.number) != 1 + sum("-" not in s.number for s in sections):
                    raise LoadError(src.path, f"section '{bare}' is out of order", line.ref)
                sections.append(section)
            elif section is None:
                intro.extend(parts)
                continue
            else:
                section.lines.extend(parts)
                number = f"{section.number}-{cn_number(numeral)}"
                sub = SectionLayout(number, title, line, list(parts))
                section.children.append(number)
                sections.append(sub)
            if rest is not None:
                body.insert(k, rest)
            continue
        if section is None:
            intro.append(line)
            continue
        section.lines.append(line)
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
    tasks_start = title_lines[-1].number if title_lines else end  # lines[n] is the line after line n
    return PlanLayout(
        notice.plan_title_lines,
        split_paragraphs(intro),
        sections,
        paragraphs,
        task_list_line,
        end,
        title_lines,
        tasks_start,
    )


def _task_list_title(lines: list[Line], start: int, skip: set[int]) -> tuple[int | None, list[Line]]:
    """Where the task list's title (``…任务清单``) stands, and its lines: a page break can split it."""
    order = [k for k in range(start, len(lines)) if not blank(lines[k]) and lines[k].number not in skip]
    for n, k in enumerate(order):
        line = lines[k]
        if line.cells is not None:
            continue
        if TASK_LIST.search(line.bare):
            return k, [line]
        nxt = lines[order[n + 1]] if n + 1 < len(order) else None
        if (
            nxt is not None
            and nxt.cells is None
            and len(squeeze(line.bare + nxt.bare)) <= 40
            and "任务" in line.bare
            and TASK_LIST.search(squeeze(line.bare + nxt.bare))
            and not line.bare.endswith(SENTENCE_END)
        ):
            return k, [line, nxt]
    return None, []


# --- task list ------------------------------------------------------------------------------


@dataclass(slots=True)
class TaskRow:
    line: Line
    number: int
    column: int  # where the task cell stands (it can land left of the task column)
    cell: Fragment  # raw task cell; its first ``number_end`` characters are the task's number
    labels: dict[int, Fragment]  # label column -> raw label in effect for this row
    labels_here: dict[int, Fragment]  # labels written on this very row
    extra: list[Fragment] = field(default_factory=list)  # wrapped continuation text
    number_end: int = 0
    number_cell: Fragment | None = None  # the number, when printed in a cell (or line) of its own

    @property
    def start(self) -> int:
        return (self.number_cell or self.cell).start


@dataclass(slots=True)
class TableLayout:
    number: int
    title: Fragment
    heading_line: Line
    lines: list[Line]
    task_column: int | None = None
    group_column: int = 0
    sector_column: int | None = None  # the 领域 column (table 1 of most plans)
    label_names: list[str] = field(default_factory=list)
    one_per_line: bool = False  # a copy that put each cell on a line of its own (no tabs)
    rows: list[TaskRow] = field(default_factory=list)


def _cells(line: Line) -> list[Cell]:
    """A row's cells: as the reader gave them, or a text line's tab-separated cells."""
    if line.cells is not None:
        return list(line.cells)
    cells: list[Cell] = []
    pos = 0
    for column, text in enumerate(line.text.split("\t")):
        frag = Fragment(text, range(line.start + pos, line.start + pos + len(text))).strip()
        if frag:
            cells.append(Cell(column, frag))
        pos += len(text) + 1
    return cells


def _ends_sentence(row: TaskRow) -> bool:
    last = (row.extra or [row.cell])[-1].text.replace("**", "").rstrip()
    return last.endswith(SENTENCE_END)


def _is_header(cells: list[Cell]) -> bool:
    """The task list's header row: a 类别 (or 领域) cell first, or among the cells with a 任务 cell."""
    names = [squeeze(c.fragment.text) for c in cells]
    if not names:
        return False
    if names[0] == "类别":
        return True
    return any(n in HEADER_LABELS for n in names) and any("任务" in n for n in names)


def _set_columns(table: TableLayout, cells: list[Cell]) -> None:
    """Which column holds the tasks, the group labels and the sectors, from the header row."""
    if len(cells) == 1 and squeeze(cells[0].fragment.text) in HEADER_LABELS:
        # The header's cells on lines of their own: so are every row's. Labels get columns of
        # their own left of the tasks: a group's at -2, a sector's (…领域) at -1.
        table.one_per_line = True
        table.task_column, table.group_column, table.sector_column = 0, -2, -1
        return
    task_cells = [c for c in cells if "任务" in c.fragment.text]
    table.task_column = task_cells[0].column if task_cells else cells[-1].column
    labels = [c for c in cells if c.column < table.task_column and squeeze(c.fragment.text) not in NUMBER_HEADERS]
    table.label_names = [squeeze(c.fragment.text) for c in labels]
    if not labels:
        table.group_column, table.sector_column = 0, None
        return
    table.group_column = labels[0].column
    if len(labels) == 1 and "领域" in labels[0].fragment.text and "类别" not in labels[0].fragment.text:
        table.sector_column = labels[0].column  # one label column, headed 领域: its groups are sectors
        return
    sectors = [c for c in labels[1:] if "领域" in c.fragment.text or "行业" in c.fragment.text]
    if sectors:
        table.sector_column = sectors[0].column
    elif len(labels) > 1:
        table.sector_column = labels[1].column
    else:
        # One label heading over two columns (类别 spanning group and sector), as table 1 prints it.
        first = labels[0]
        spans = max(first.colspan, table.task_column - first.column)
        table.sector_column = first.column + 1 if spans > 1 else None


def _task_cell(cells: list[Cell], task_column: int) -> tuple[int, int | None] | None:
    """The index of the cell holding the task's number, and of the task's text when the number
    stands in a cell of its own (a 序号 column)."""
    for k, cell in enumerate(cells):
        text = cell.fragment.text.replace("**", "")
        if BARE_NUMBER.match(text):
            rest = [j for j in range(k + 1, len(cells)) if cells[j].column >= min(task_column, cells[k].column + 1)]
            text_at = next((j for j in rest if cells[j].column >= task_column), rest[-1] if rest else None)
            if text_at is not None or TASK_CELL.match(text):
                return k, text_at
        elif TASK_CELL.match(text):
            return k, None
    return None


def _table_line(
    src: SourceText, lines: list[Line], k: int, tables: list[TableLayout], skip: set[int]
) -> tuple[TableLayout, int] | None:
    """A ``表 N …`` heading at ``lines[k]`` (as a line or a table's one-cell row), its title on the
    same line or the next."""
    line = lines[k]
    cells = _cells(line)
    if line.cells is not None and len(cells) != 1:
        return None
    text = cells[0].fragment if line.cells is not None else line.fragment()
    lead = len(text.text) - len(text.text.lstrip(" *\u3000\t"))
    m = TABLE.match(text.text[lead:].rstrip(" *"))
    if not m:
        return None
    numeral = m["num"]
    number = int(numeral) if numeral.isdigit() else cn_number(numeral)
    if number != len(tables) + 1:
        raise LoadError(src.path, f"table '{line.bare}' is out of order (expected 表 {len(tables) + 1})", line.ref)
    used = k
    if m["title"]:
        title = clean(text[lead + m.start("title") : lead + m.end("title")])
    else:
        nxt = next((j for j in range(k + 1, len(lines)) if not blank(lines[j]) and lines[j].number not in skip), None)
        if nxt is not None and lines[nxt].cells is None and not _is_header(_cells(lines[nxt])):
            title, used = clean(lines[nxt].fragment()), nxt
        else:
            title = clean(text[len(text) :])
    return TableLayout(number, title, line, [line] + ([lines[used]] if used != k else [])), used


def read_task_list(src: SourceText, lines: list[Line], start: int, skip: set[int] | None = None) -> list[TableLayout]:
    """The tables of the task list; rows are kept raw, labels carried down merged cells."""
    skip = skip or set()
    structured = any(line.cells is not None for line in lines[start:])
    tables: list[TableLayout] = []
    table: TableLayout | None = None
    current: dict[int, Fragment] = {}
    k = start
    pending_title: Line | None = None  # a text line that may title the next table (no 表 N headings)
    while k < len(lines):
        line = lines[k]
        k += 1
        if blank(line) or line.number in skip:
            continue
        found = _table_line(src, lines, k - 1, tables, skip)
        if found is not None:
            table, used = found
            k = used + 1
            tables.append(table)
            current = {}
            continue
        cells = _cells(line)
        if (
            table is not None
            and table.task_column is None
            and not table.rows
            and line.cells is None
            and "\t" not in line.text
            and not _is_header(cells)
            and len(table.lines) <= 2
            and not table.title.text.endswith(SENTENCE_END)
        ):
            # A page break inside the table's title: the rest of it, before the header row.
            table.title = clean(Fragment.join([table.title, line.fragment()]))
            table.lines.append(line)
            continue
        if _is_header(cells):
            if table is None or (table.rows and pending_title is not None):
                title = clean(pending_title.fragment()) if pending_title is not None else clean(line.fragment()[:0])
                heading = pending_title or line
                table = TableLayout(len(tables) + 1, title, heading, [heading])
                tables.append(table)
                current = {}
            pending_title = None
            table.lines.append(line)
            if table.task_column is None:
                _set_columns(table, cells)
            continue
        if structured and line.cells is None:
            # Between a web page's or a PDF's tables only titles and notes stand; a note is no task.
            pending_title = line
            continue
        if table is None:
            raise LoadError(src.path, f"text before the first table of the task list: '{line.bare[:30]}'", line.ref)
        table.lines.append(line)
        if table.task_column is None:
            raise LoadError(src.path, f"table {table.number} has no header row naming '类别' and the tasks", line.ref)
        found_cell = _task_cell(cells, table.task_column)
        if table.one_per_line and found_cell is None and len(cells) == 1:
            text = squeeze(cells[0].fragment.text)
            if len(text) <= 6 and (text in HEADER_LABELS or "任务" in text):
                continue  # the rest of the header, or the header repeated at a page break
            if (
                (not table.rows or _ends_sentence(table.rows[-1]))
                and len(text) <= 60
                and not text.endswith(SENTENCE_END)
            ):
                column = -1 if text.endswith("领域") else -2
                current[column] = cells[0].fragment
                if column == -2:
                    current.pop(-1, None)
                continue
        if found_cell is None and table.rows and not _ends_sentence(table.rows[-1]):
            # A page break inside a task cell: the rest of the cell, whatever column it lands in,
            # less the group and sector labels printed again at the top of the new page.
            table.rows[-1].extra.extend(c.fragment for c in cells if not _repeated_label(c, table, current))
            continue
        if found_cell is None:
            labels = [c for c in cells if c.column < table.task_column]
            rest = [c for c in cells if c.column >= table.task_column]
            for cell in labels:
                current[cell.column] = cell.fragment
                for deeper in [c for c in current if c > cell.column]:
                    del current[deeper]
            if rest:
                if not table.rows:
                    raise LoadError(
                        src.path,
                        f"table {table.number}: text with no task number before its first task: '{line.bare[:30]}'",
                        line.ref,
                    )
                table.rows[-1].extra.extend(c.fragment for c in rest)
            continue
        number_at, text_at = found_cell
        here: dict[int, Fragment] = {}
        for cell in cells[:number_at]:
            if cell.column < table.task_column:
                here[cell.column] = cell.fragment
        if text_at is not None:
            for cell in cells[number_at + 1 : text_at]:
                if cell.column < table.task_column:
                    here[cell.column] = cell.fragment
        for column, frag in sorted(here.items()):
            current[column] = frag
            for deeper in [c for c in current if c > column and c not in here]:
                del current[deeper]
        number_cell = cells[number_at]
        number = int(re.match(r"\s*\**\s*(\d+)", number_cell.fragment.text)[1])
        if text_at is None:
            m = TASK_CELL.match(number_cell.fragment.text.replace("**", "  "))
            row = TaskRow(
                line,
                number,
                number_cell.column,
                number_cell.fragment,
                dict(current),
                here,
                number_end=m.end() if m else 0,
            )
            row.extra.extend(c.fragment for c in cells[number_at + 1 :])
        else:
            text_cell = cells[text_at]
            row = TaskRow(
                line,
                number,
                text_cell.column,
                text_cell.fragment,
                dict(current),
                here,
                number_cell=number_cell.fragment,
            )
            row.extra.extend(c.fragment for c in cells[text_at + 1 :])
        table.rows.append(row)
    return tables


def _repeated_label(cell: Cell, table: TableLayout, current: dict[int, Fragment]) -> bool:
    if table.task_column is None or cell.column >= table.task_column:
        return False
    label = current.get(cell.column)
    return label is not None and squeeze(label.text) == squeeze(cell.fragment.text)
