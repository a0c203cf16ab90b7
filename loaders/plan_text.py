"""Load a plan from its text: layout → narrative alignment → the plan model.

Nothing here is about one plan: names, counts, cities and dates all come from the document's
own headings, and the vocabularies (sectors, categories, agencies, places, measure rules) come
from data files through ``Vocabulary``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from pilotkg.loaders import align, layout
from pilotkg.loaders.document import Document, split_lines
from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.fragment import Fragment, clean
from pilotkg.loaders.gazetteer import Place
from pilotkg.loaders.measures import split_measures
from pilotkg.loaders.model import (
    Finding,
    Measure,
    Notice,
    Paragraph,
    Plan,
    Section,
    Task,
    TaskGroup,
    TaskTable,
)
from pilotkg.loaders.readers import read_document
from pilotkg.loaders.source import SourceText
from pilotkg.loaders.vocabulary import Vocabulary

PILOT_TITLE = re.compile(r"^(?P<city>.+?)服务业扩大开放综合")
APPROVAL = re.compile(r"已经(?P<who>[^，。、]{2,12}?)(?:批准|同意)")
PERIOD = re.compile(r"经过\s*(?P<n>\d{1,2}|[一二三四五六七八九十]{1,2})\s*年(?:的)?试点")
IMPLEMENTING_SECTION = re.compile(r"组织实施|保障措施")
GOVERNMENT = "人民政府"


def load_plan_text(path: Path | str, vocabulary: Vocabulary) -> Plan:
    """Read the plan at ``path`` — text, web page, PDF or Word file, told apart by content — and
    return it; LoadError names the file and the line (or page, or element) for anything wrong."""
    return parse_document(read_document(path), vocabulary)


def parse_plan(src: SourceText, vocabulary: Vocabulary) -> Plan:
    """The plan of an already decoded text file."""
    return parse_document(Document(src, split_lines(src.text)), vocabulary)


def parse_document(document: Document, vocabulary: Vocabulary) -> Plan:
    src, lines = document.source, document.lines
    notice_layout = layout.read_notice(src, lines)
    plan_layout = layout.read_plan(src, lines, notice_layout)
    tables_layout = layout.read_task_list(src, lines, plan_layout.tasks_start, notice_layout.after)
    findings: list[Finding] = [Finding("reader", src.kind, note) for note in document.notes]
    notice = _notice(src, notice_layout, vocabulary, findings)
    city, place = _city(src, notice_layout, vocabulary)

    paragraphs = [_paragraph(src, p) for p in plan_layout.paragraphs]
    sections = [
        Section(
            s.number,
            s.title,
            layout.span_of(src.text, s.lines),
            [layout.join_paragraph(b) for b in s.body],
            list(s.paragraphs),
            list(s.children),
        )
        for s in plan_layout.sections
    ]
    tables = _tables(src, tables_layout, sections, paragraphs, vocabulary, findings)
    _check_complete(src, tables, tables_layout, sections)
    for table in tables:
        for task in table.tasks:
            derive_task_facts(task, vocabulary)
    findings.extend(find_repeats(tables))

    first = plan_layout.title_lines[0]
    last_narrative = lines[plan_layout.end - 1] if plan_layout.end > 0 else first
    plan_lines = [
        line
        for line in lines[first.number - 1 : last_narrative.number]
        if not layout.blank(line) and line.number not in notice_layout.after
    ]
    task_list_title = layout.join_paragraph(plan_layout.task_list_lines) if plan_layout.task_list_lines else None
    return Plan(
        source=src,
        city=city,
        city_en=place.name_en,
        city_slug=place.slug,
        province_slug=place.province_level_slug,
        title=layout.join_paragraph(plan_layout.title_lines),
        span=layout.span_of(src.text, plan_lines),
        notice=notice,
        approved_by=_approver(notice, vocabulary),
        implemented_by=_implementers(sections, paragraphs, vocabulary),
        period_years=_period(sections),
        sections=sections,
        paragraphs=paragraphs,
        intro=[layout.join_paragraph(b) for b in plan_layout.intro],
        task_list_title=task_list_title,
        tables=tables,
        findings=findings,
    )


# --- notice and pilot -----------------------------------------------------------------------

_MISSING = {
    "notice title": "the copy prints no covering notice (…关于印发《…》的通知) before the plan",
    "document number": "no document number (such as 商资发〔2022〕211号) is printed",
    "addressees": "no addressee line (ending in '：') is printed",
    "date": "no date of issue is printed",
    "signature": "no signature is printed above the date",
}


def _notice(src: SourceText, n: layout.NoticeLayout, vocabulary: Vocabulary, findings: list[Finding]) -> Notice:
    for what in n.missing:
        if n.kind is None and what != "notice title":
            continue  # without a notice, its parts are missing as a matter of course
        findings.append(Finding("missing", "notice", _MISSING[what]))
    names = layout.addressees(n.addressee_lines) if n.addressee_lines else []
    addressee_ref = n.addressee_lines[-1].ref if n.addressee_lines else None
    issuer: str | None = None
    if n.issuer is not None:
        agency = vocabulary.agencies.resolve(n.issuer)
        if agency is None:
            findings.append(_unknown_agency("issuer", n.issuer, n.title_line))
        else:
            issuer = agency.slug
    slugs: list[str] = []
    for name in _shared_suffixes(names, vocabulary):
        agency = vocabulary.agencies.resolve(name)
        if agency is None:
            findings.append(_unknown_agency("addressee", name, n.addressee_lines[-1]))
        elif agency.slug not in slugs:
            slugs.append(agency.slug)
    body = [layout.join_paragraph(b) for b in layout.split_paragraphs(n.body_lines)]
    if n.addressee_lines:
        body.insert(0, layout.join_paragraph(n.addressee_lines))
    parts = [
        *n.title_lines,
        *n.addressee_lines,
        *n.body_lines,
        *([n.signature_line] if n.signature_line else []),
        *([n.date_line] if n.date_line and n.date_line.number not in n.after else []),
    ]
    parts = sorted({line.number: line for line in parts if not layout.blank(line)}.values(), key=lambda x: x.number)
    year = None
    if n.number is not None and (m := layout.DOC_NUMBER.search(n.number.text)):
        year = int(m["year"])
    return Notice(
        title=layout.join_paragraph(n.title_lines) if n.title_lines else None,
        document_number=n.number,
        issuer=issuer,
        issued=n.issued,
        addressees=slugs,
        addressee_line=addressee_ref,
        body=body,
        span=layout.span_of(src.text, parts) if parts else None,
        kind=n.kind or "notice",
        signature=clean(n.signature_line.fragment()) if n.signature_line else None,
        year_from_number=year,
    )


def _unknown_agency(role: str, name: str, line: layout.Line | None) -> Finding:
    """An agency the gazetteer does not hold is not linked (an IRI is never guessed); the report
    says so, so that it can be added to vocab/agencies.csv."""
    where = f" ({_where(line)})" if line is not None else ""
    return Finding(
        "missing",
        "notice",
        f"{role} “{name}”{where} is not in the gazetteer vocab/agencies.csv: "
        "not linked (add its full name, short forms and English name)",
    )


def _shared_suffixes(names: list[str], vocabulary: Vocabulary) -> list[str]:
    """Addressees that share the last one's suffix (天津市、上海市、重庆市人民政府: three governments)."""
    out = list(names)
    for k, name in enumerate(names):
        if vocabulary.agencies.resolve(name) is not None or vocabulary.places.resolve(name) is None:
            continue
        for later in names[k + 1 :]:
            head = next((p.name_zh for p in vocabulary.places if later.startswith(p.name_zh)), None)
            if head is None:
                break
            suffix = later[len(head) :]
            if suffix and vocabulary.agencies.resolve(name + suffix) is not None:
                out[k] = name + suffix
                break
            if suffix:
                break
    return out


def _city(src: SourceText, n: layout.NoticeLayout, vocabulary: Vocabulary) -> tuple[str, Place]:
    """The pilot's region, named at the head of the plan's title (a city, province or municipality)."""
    m = PILOT_TITLE.match(n.plan_title)
    ref = n.plan_title_lines[0].ref
    if not m:
        raise LoadError(
            src.path, f"the plan title '{n.plan_title}' does not name a city ('…服务业扩大开放综合试点总体方案')", ref
        )
    head = m["city"]
    place = vocabulary.places.resolve(head)
    if place is None:
        # A title that leads with other words (深化北京市…): the longest place name it holds.
        named = [p for p in vocabulary.places if p.name_zh in head]
        place = max(named, key=lambda p: (len(p.name_zh), -head.index(p.name_zh)), default=None)
        if place is not None:
            head = place.name_zh
    if place is None:
        raise LoadError(src.path, f"city '{head}' is not in the gazetteer vocab/places.csv", ref)
    return head, place


def _approver(notice: Notice, vocabulary: Vocabulary) -> str | None:
    if notice.kind == "approval":
        return notice.issuer  # the approval itself: its issuer approved the plan
    for paragraph in notice.body:
        if m := APPROVAL.search(paragraph.text):
            agency = vocabulary.agencies.resolve(m["who"])
            return agency.slug if agency is not None else None  # not linked where not in the gazetteer
    return None


def _implementers(sections: list[Section], paragraphs: list[Paragraph], vocabulary: Vocabulary) -> list[str]:
    """Governments named in the organisation-and-implementation section, in order of mention."""
    found: list[str] = []
    for section in sections:
        if not IMPLEMENTING_SECTION.search(section.title.text):
            continue
        texts = [*section.body, *(p.text for p in paragraphs if p.number in section.paragraphs)]
        for text in texts:
            for agency, _, _ in vocabulary.agencies.find_in(text.text):
                if agency.name_zh.endswith(GOVERNMENT) and agency.slug not in found:
                    found.append(agency.slug)
    return found


def _period(sections: list[Section]) -> int | None:
    for section in sections:
        for text in section.body:
            if m := PERIOD.search(text.text):
                return int(m["n"]) if m["n"].isdigit() else layout.cn_number(m["n"])
    return None


def _paragraph(src: SourceText, p: layout.NumberedLayout) -> Paragraph:
    text = layout.join_paragraph(p.lines)
    heading, _ = align.heading_and_body(text)
    return Paragraph(p.number, heading, text, layout.span_of(src.text, [x for x in p.lines if x.bare]), p.section)


# --- task list ------------------------------------------------------------------------------


def _task_text(row: layout.TaskRow) -> Fragment:
    """The task's text: its cell without the number, and the cell's continuation after a page break."""
    return clean(Fragment.join([row.cell[row.number_end :], *row.extra]))


def _where(line: layout.Line) -> str:
    return f"line {line.number}" if line.where is None else line.where


def _mirrored_section(title: Fragment, sections: list[Section]) -> Section | None:
    """The narrative sub-section a table repeats: the one whose title is closest to the table's."""
    candidates = {k: s.title.text for k, s in enumerate(sections) if s.paragraphs}
    best = align.best_label(title.text, candidates)
    return None if best is None else sections[best]


def _tables(
    src: SourceText,
    tables_layout: list[layout.TableLayout],
    sections: list[Section],
    paragraphs: list[Paragraph],
    vocabulary: Vocabulary,
    findings: list[Finding],
) -> list[TaskTable]:
    tables = [_TableReader(src, tl, sections, paragraphs, vocabulary, findings).read() for tl in tables_layout]
    _label_variants(tables_layout, tables, findings)
    return tables


class _TableReader:
    """Reads one table: each row's task, placed in the narrative, with its group and sector."""

    def __init__(
        self,
        src: SourceText,
        tl: layout.TableLayout,
        sections: list[Section],
        paragraphs: list[Paragraph],
        vocabulary: Vocabulary,
        findings: list[Finding],
    ) -> None:
        self.src, self.tl, self.vocabulary, self.findings = src, tl, vocabulary, findings
        self.paragraphs = {p.number: p for p in paragraphs}
        self.table = TaskTable(tl.number, tl.title, layout.span_of(src.text, tl.lines))
        section = _mirrored_section(tl.title, sections)
        self.units: list[align.Unit] = []
        if section is not None:
            self.table.narrative_section = section.number
            self.units = align.narrative_units([(n, self.paragraphs[n].text) for n in section.paragraphs])
        self.choices = [u.fragment.text for u in self.units]
        self.headings = {n: self.paragraphs[n].heading.text for n in (section.paragraphs if section else [])}
        # With two label columns (类别 spanning both), the second is the sector (领域).
        self.sector_column = tl.sector_column
        self.groups: dict[int | str, TaskGroup] = {}  # by narrative paragraph, or by label text
        self.unknown_sectors: set[str] = set()

    def read(self) -> TaskTable:
        covered: set[int] = set()
        group_of: dict[int, TaskGroup] = {}
        for row in self.tl.rows:
            text = _task_text(row)
            placement = align.place(text, self.units, self.choices)
            covered.update(placement.units, placement.other_units)
            first = self.units[placement.units[0]] if placement.units else None
            narrative = Fragment.join(self.units[k].fragment for k in placement.units) if first else None
            paragraph = first.paragraph if first else None
            task = Task(
                self.tl.number,
                row.number,
                text,
                _cell_span(self.src, row),
                0,
                self.sector(row, first),
                paragraph,
                narrative,
            )
            group_of[row.number] = self.group(row, paragraph)
            _report_placement(task, placement, f"task {self.tl.number}-{row.number}", self.findings)
            self.table.tasks.append(task)
        for unit in self.units:
            if unit.index not in covered:
                self.findings.append(
                    Finding(
                        "uncovered",
                        f"paragraph {unit.paragraph}",
                        "a narrative sentence no task of the table carries",
                        [unit.fragment.text],
                    )
                )
        _number_groups(self.table, group_of)
        _check_numbers(self.src, self.tl)
        return self.table

    def group(self, row: layout.TaskRow, paragraph: int | None) -> TaskGroup:
        """The narrative paragraph the task stands in; the layout's group label where there is none."""
        raw = row.labels.get(self.tl.group_column)
        label = clean(raw) if raw is not None else None
        label_paragraph = align.best_label(label.text, self.headings) if label is not None else None
        if paragraph is not None and paragraph in self.headings:
            if label is not None and label_paragraph is not None and label_paragraph != paragraph:
                self.findings.append(
                    Finding(
                        "layout",
                        f"task {self.tl.number}-{row.number}",
                        (
                            f"the task list prints it beside group “{label.text}” ({_where(row.line)}), "
                            f"but the narrative has it in paragraph {paragraph} “{self.headings[paragraph]}”; "
                            "the narrative is followed"
                        ),
                    )
                )
            key: int | str = paragraph
            name = _first_label_for(self.tl, paragraph, self.headings) or self.paragraphs[paragraph].heading
        elif label is not None:
            key, name, paragraph = label_paragraph or label.text, label, label_paragraph
        else:
            raise LoadError(
                self.src.path,
                f"table {self.tl.number}, task {row.number}: no group label and not found in the narrative",
                row.line.ref,
            )
        if key not in self.groups:
            category = self.vocabulary.categories.resolve(name.text)
            self.groups[key] = TaskGroup(self.tl.number, 0, name, category, paragraph)
        return self.groups[key]

    def sector(self, row: layout.TaskRow, unit: align.Unit | None) -> str | None:
        """The narrative's "…领域：" lead-in over the task; the layout's sector column otherwise."""
        if self.sector_column is None:
            return None
        raw = row.labels.get(self.sector_column)
        layout_label = clean(raw).text if raw is not None else None
        narrative_label = unit.sector_label if unit is not None else None
        resolved = {}
        for name in (narrative_label, layout_label):
            if name and name not in resolved:
                resolved[name] = self.vocabulary.sectors.resolve(name)
                if resolved[name] is None and name not in self.unknown_sectors:
                    self.unknown_sectors.add(name)
                    self.findings.append(
                        Finding(
                            "missing",
                            f"table {self.tl.number}",
                            (
                                f"sector “{name}” ({_where(row.line)}) is not in the sector scheme vocab/sectors.ttl: "
                                "not linked (add it as a concept or a label)"
                            ),
                        )
                    )
        narrative_sector = resolved.get(narrative_label) if narrative_label else None
        layout_sector = resolved.get(layout_label) if layout_label else None
        if narrative_sector and layout_sector and narrative_sector != layout_sector:
            self.findings.append(
                Finding(
                    "layout",
                    f"task {self.tl.number}-{row.number}",
                    (
                        f"the task list's sector column reads “{layout_label}”, the narrative has it under "
                        f"“{narrative_label}”; the narrative is followed"
                    ),
                )
            )
        return narrative_sector or layout_sector


def _first_label_for(tl: layout.TableLayout, paragraph: int, headings: dict[int, str]) -> Fragment | None:
    """The group label as the task list first prints it, when it names this paragraph."""
    for row in tl.rows:
        label = row.labels_here.get(tl.group_column)
        if label is not None and align.best_label(clean(label).text, headings) == paragraph:
            return clean(label)
    return None


def _cell_span(src: SourceText, row: layout.TaskRow) -> Fragment:
    parts = [p for p in (row.number_cell, row.cell, *row.extra) if p]
    return Fragment.raw(src.text, min(p.start for p in parts), max(p.end for p in parts))


def _number_groups(table: TaskTable, group_of: dict[int, TaskGroup]) -> None:
    """Number groups in the order of their first task, and point each task at its group's number."""
    for task in table.tasks:
        group = group_of[task.number]
        if group not in table.groups:
            table.groups.append(group)
            group.number = len(table.groups)
        task.group = group.number


def _check_numbers(src: SourceText, tl: layout.TableLayout) -> None:
    for expected, row in enumerate(tl.rows, start=1):
        if row.number != expected:
            raise LoadError(
                src.path,
                f"table {tl.number}: task {row.number} where task {expected} was expected (numbers must run 1, 2, 3 …)",
                row.line.ref,
            )


def _check_complete(
    src: SourceText, tables: list[TaskTable], tables_layout: list[layout.TableLayout], sections: list[Section]
) -> None:
    """Refuse a task list that was cut off: too few tables, an empty table, a task cut mid-sentence."""
    if not tables:
        raise LoadError(src.path, "the task list has no tables ('表 1 …')")
    mirrored = [s for s in sections if s.paragraphs]
    if len(mirrored) > 1 and len(tables) < len(mirrored):
        raise LoadError(
            src.path,
            f"the task list looks truncated: {len(tables)} tables for the plan's {len(mirrored)} task sub-sections",
            tables_layout[-1].lines[-1].ref,
        )
    for table, tl in zip(tables, tables_layout, strict=True):
        if not table.tasks:
            raise LoadError(
                src.path, f"table {table.number} has no tasks (the task list looks truncated)", tl.lines[-1].ref
            )
    last, last_line = tables[-1].tasks[-1], tables_layout[-1].rows[-1].line
    if not last.text.text.endswith(("。", "；", "！", "？", "）", "”")):
        raise LoadError(
            src.path,
            f"the task list looks truncated: task {last.table}-{last.number} ends "
            f"mid-sentence (“…{last.text.text[-12:]}”)",
            last_line.ref,
        )


def _report_placement(task: Task, placement: align.Placement, subject: str, findings: list[Finding]) -> None:
    if task.narrative is None:
        findings.append(Finding("wording", subject, "not found in the narrative", [task.text.text]))
        return
    if task.narrative.text != task.text.text:
        findings.append(
            Finding(
                "wording",
                subject,
                f"differs from narrative paragraph {task.narrative_paragraph}",
                align.word_diff(task.narrative.text, task.text.text),
            )
        )
    for sentence in placement.unmatched:
        findings.append(Finding("wording", subject, "a sentence not found in the narrative", [sentence]))


def _label_variants(tables_layout: list[layout.TableLayout], tables: list[TaskTable], findings: list[Finding]) -> None:
    """Group labels the task list prints in another form (e.g. a repeated header on a new page)."""
    for tl, table in zip(tables_layout, tables, strict=True):
        names = {g.label.text for g in table.groups}
        seen: set[str] = set()
        for row in tl.rows:
            label = row.labels_here.get(tl.group_column)
            if label is None:
                continue
            text = clean(label).text
            if text in names or text in seen:
                continue
            seen.add(text)
            closest = align.best_label(text, dict(enumerate(sorted(names))))
            if closest is not None:
                findings.append(
                    Finding(
                        "layout",
                        f"table {tl.number}",
                        (f"{_where(row.line)} prints group label “{text}” for “{sorted(names)[closest]}”"),
                    )
                )


def derive_task_facts(task: Task, vocabulary: Vocabulary) -> None:
    """What the rules kept as data derive from a task's text: its sector where none is printed,
    its measures (split and typed by policy verb; those opening a market to foreign providers placed
    in STRI areas), and the agencies it names."""
    if task.sector is None and (derived := vocabulary.sector_lexicon.derive(task.text.text)) is not None:
        task.derived_sector, task.derived_terms = derived.sector, derived.terms
    for number, piece in enumerate(split_measures(task.text.text, vocabulary.rules), start=1):
        stri = vocabulary.stri.derive(piece.text, piece.measure_type)
        task.measures.append(Measure(number, task.text[piece.start : piece.end], piece.measure_type, piece.verb, stri))
    # Agencies the task names, in its own wording or in the narrative's (the authority where they
    # differ: Wuhan's task 4-5 misprints 人民银行 as 人民币).
    texts = [task.text.text] + ([task.narrative.text] if task.narrative is not None else [])
    for text in texts:
        for agency, _, _ in vocabulary.agencies.find_in(text):
            if agency.slug not in task.agencies:
                task.agencies.append(agency.slug)


def find_repeats(tables: list[TaskTable]) -> list[Finding]:
    """Tasks that repeat one another: a sentence of one task is a sentence of another."""
    owners: dict[str, list[Task]] = defaultdict(list)
    for table in tables:
        for task in table.tasks:
            for sentence in align.sentences(task.text):
                if len(sentence) >= 8 and task not in owners[sentence.text]:
                    owners[sentence.text].append(task)
    findings = []
    for sentence, tasks in owners.items():
        if len(tasks) > 1:
            names = ", ".join(f"{t.table}-{t.number}" for t in tasks)
            findings.append(Finding("repeat", f"tasks {names}", "repeat the same sentence", [sentence]))
    return findings
