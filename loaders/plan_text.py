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
from pilotkg.loaders.source import SourceText, read_source
from pilotkg.loaders.vocabulary import Vocabulary

PILOT_TITLE = re.compile(r"^(?P<city>.+?)服务业扩大开放综合试点")
APPROVAL = re.compile(r"已经(?P<who>[^，。、]{2,12}?)(?:批准|同意)")
PERIOD = re.compile(r"经过\s*(?P<n>\d{1,2}|[一二三四五六七八九十]{1,2})\s*年(?:的)?试点")
IMPLEMENTING_SECTION = re.compile(r"组织实施|保障措施")
GOVERNMENT = "人民政府"


def load_plan_text(path: Path | str, vocabulary: Vocabulary) -> Plan:
    """Read ``path`` and return its plan; LoadError names the file and line for anything wrong."""
    return parse_plan(read_source(path), vocabulary)


def parse_plan(src: SourceText, vocabulary: Vocabulary) -> Plan:
    lines = layout.split_lines(src.text)
    notice_layout, after_notice = layout.read_notice(src, lines)
    plan_layout = layout.read_plan(src, lines, after_notice, notice_layout.plan_title)
    tables_layout = layout.read_task_list(src, lines, plan_layout.end)
    notice = _notice(src, notice_layout, vocabulary)
    city, place = _city(src, notice_layout, plan_layout, vocabulary)

    paragraphs = [_paragraph(src, p) for p in plan_layout.paragraphs]
    sections = [
        Section(s.number, s.title, layout.span_of(src.text, s.lines),
                [layout.join_paragraph(b) for b in s.body], list(s.paragraphs), list(s.children))
        for s in plan_layout.sections
    ]
    findings: list[Finding] = []
    tables = _tables(src, tables_layout, sections, paragraphs, vocabulary, findings)
    _check_complete(src, tables, tables_layout, sections)
    for table in tables:
        for task in table.tasks:
            add_measures_and_agencies(task, vocabulary)
    findings.extend(find_repeats(tables))

    plan_lines = lines[plan_layout.title_line.number - 1: plan_layout.end]
    return Plan(
        source=src,
        city=city,
        city_en=place.name_en,
        city_slug=place.slug,
        province_slug=place.province_level_slug,
        title=clean(plan_layout.title_line.fragment()),
        span=layout.span_of(src.text, [line for line in plan_lines if line.bare]),
        notice=notice,
        approved_by=_approver(src, notice, vocabulary),
        implemented_by=_implementers(sections, paragraphs, vocabulary),
        period_years=_period(sections),
        sections=sections,
        paragraphs=paragraphs,
        intro=[layout.join_paragraph(b) for b in plan_layout.intro],
        task_list_title=clean(plan_layout.task_list_line.fragment()),
        tables=tables,
        findings=findings,
    )


# --- notice and pilot -----------------------------------------------------------------------


def _notice(src: SourceText, n: layout.NoticeLayout, vocabulary: Vocabulary) -> Notice:
    names = layout.addressees(n.addressee_line)
    slugs: list[str] = []
    for name in [n.issuer, *names]:
        agency = vocabulary.agencies.resolve(name)
        if agency is None:
            raise LoadError(src.path, f"agency '{name}' is not in the gazetteer vocab/agencies.csv "
                                      "(add its full name, short forms and English name)",
                            n.addressee_line.number if name in names else n.title_line.number)
        if agency.slug not in slugs[1:]:
            slugs.append(agency.slug)
    body = [layout.join_paragraph(b) for b in layout.split_paragraphs(n.body_lines)]
    span_lines = [n.title_line, n.date_line]
    return Notice(
        title=clean(n.title_line.fragment()),
        document_number=layout.document_number(n.number_line),
        issuer=slugs[0],
        issued=n.issued,
        addressees=slugs[1:],
        addressee_line=n.addressee_line.number,
        body=[clean(n.addressee_line.fragment()), *body],
        span=layout.span_of(src.text, span_lines),
    )


def _city(src: SourceText, n: layout.NoticeLayout, p: layout.PlanLayout,
          vocabulary: Vocabulary) -> tuple[str, Place]:
    m = PILOT_TITLE.match(re.sub(r"\s+", "", n.plan_title))
    if not m:
        raise LoadError(src.path, f"the plan title '{n.plan_title}' does not name a city "
                                  "('…服务业扩大开放综合试点总体方案')", p.title_line.number)
    place = vocabulary.places.resolve(m["city"])
    if place is None:
        raise LoadError(src.path, f"city '{m['city']}' is not in the gazetteer vocab/places.csv",
                        p.title_line.number)
    return m["city"], place


def _approver(src: SourceText, notice: Notice, vocabulary: Vocabulary) -> str | None:
    for paragraph in notice.body:
        if m := APPROVAL.search(paragraph.text):
            agency = vocabulary.agencies.resolve(m["who"])
            if agency is None:
                raise LoadError(src.path, f"approving authority '{m['who']}' is not in vocab/agencies.csv")
            return agency.slug
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


def _task_text(cell: Fragment, extra: list[Fragment]) -> Fragment:
    text = clean(Fragment.join([cell, *extra]))
    m = layout.TASK_CELL.match(text.text)
    assert m is not None
    return text[m.end():]


def _mirrored_section(title: Fragment, sections: list[Section]) -> Section | None:
    """The narrative sub-section a table repeats: the one whose title is closest to the table's."""
    candidates = {k: s.title.text for k, s in enumerate(sections) if s.paragraphs}
    best = align.best_label(title.text, candidates)
    return None if best is None else sections[best]


def _tables(src: SourceText, tables_layout: list[layout.TableLayout], sections: list[Section],
            paragraphs: list[Paragraph], vocabulary: Vocabulary, findings: list[Finding]) -> list[TaskTable]:
    tables = [_TableReader(src, tl, sections, paragraphs, vocabulary, findings).read() for tl in tables_layout]
    _label_variants(tables_layout, tables, findings)
    return tables


class _TableReader:
    """Reads one table: each row's task, placed in the narrative, with its group and sector."""

    def __init__(self, src: SourceText, tl: layout.TableLayout, sections: list[Section],
                 paragraphs: list[Paragraph], vocabulary: Vocabulary, findings: list[Finding]) -> None:
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
        self.sector_column = tl.task_column - 1 if tl.task_column and tl.task_column > 1 else None
        self.groups: dict[int | str, TaskGroup] = {}  # by narrative paragraph, or by label text

    def read(self) -> TaskTable:
        covered: set[int] = set()
        group_of: dict[int, TaskGroup] = {}
        for row in self.tl.rows:
            text = _task_text(row.cell, row.extra)
            placement = align.place(text, self.units, self.choices)
            covered.update(placement.units, placement.other_units)
            first = self.units[placement.units[0]] if placement.units else None
            narrative = Fragment.join(self.units[k].fragment for k in placement.units) if first else None
            paragraph = first.paragraph if first else None
            task = Task(self.tl.number, row.number, text, _cell_span(self.src, row), 0,
                        self.sector(row, first), paragraph, narrative)
            group_of[row.number] = self.group(row, paragraph)
            _report_placement(task, placement, f"task {self.tl.number}-{row.number}", self.findings)
            self.table.tasks.append(task)
        for unit in self.units:
            if unit.index not in covered:
                self.findings.append(Finding("uncovered", f"paragraph {unit.paragraph}",
                                             "a narrative sentence no task of the table carries",
                                             [unit.fragment.text]))
        _number_groups(self.table, group_of)
        _check_numbers(self.src, self.tl)
        return self.table

    def group(self, row: layout.TaskRow, paragraph: int | None) -> TaskGroup:
        """The narrative paragraph the task stands in; the layout's group label where there is none."""
        raw = row.labels.get(0)
        label = clean(raw) if raw is not None else None
        label_paragraph = align.best_label(label.text, self.headings) if label is not None else None
        if paragraph is not None and paragraph in self.headings:
            if label is not None and label_paragraph is not None and label_paragraph != paragraph:
                self.findings.append(Finding("layout", f"task {self.tl.number}-{row.number}", (
                    f"the task list prints it beside group “{label.text}” (line {row.line.number}), "
                    f"but the narrative has it in paragraph {paragraph} “{self.headings[paragraph]}”; "
                    "the narrative is followed")))
            key: int | str = paragraph
            name = _first_label_for(self.tl, paragraph, self.headings) or self.paragraphs[paragraph].heading
        elif label is not None:
            key, name, paragraph = label_paragraph or label.text, label, label_paragraph
        else:
            raise LoadError(self.src.path, f"table {self.tl.number}, task {row.number}: no group label and "
                                           "not found in the narrative", row.line.number)
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
            if name:
                resolved[name] = self.vocabulary.sectors.resolve(name)
                if resolved[name] is None:
                    raise LoadError(self.src.path, f"sector '{name}' is not in vocab/sectors.ttl", row.line.number)
        narrative_sector = resolved.get(narrative_label) if narrative_label else None
        layout_sector = resolved.get(layout_label) if layout_label else None
        if narrative_sector and layout_sector and narrative_sector != layout_sector:
            self.findings.append(Finding("layout", f"task {self.tl.number}-{row.number}", (
                f"the task list's sector column reads “{layout_label}”, the narrative has it under "
                f"“{narrative_label}”; the narrative is followed")))
        return narrative_sector or layout_sector


def _first_label_for(tl: layout.TableLayout, paragraph: int, headings: dict[int, str]) -> Fragment | None:
    """The group label as the task list first prints it, when it names this paragraph."""
    for row in tl.rows:
        label = row.labels_here.get(0)
        if label is not None and align.best_label(clean(label).text, headings) == paragraph:
            return clean(label)
    return None


def _cell_span(src: SourceText, row: layout.TaskRow) -> Fragment:
    parts = [row.cell, *row.extra]
    return Fragment.raw(src.text, parts[0].start, parts[-1].end)


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
            raise LoadError(src.path, f"table {tl.number}: task {row.number} where task {expected} was "
                                      "expected (numbers must run 1, 2, 3 …)", row.line.number)


def _check_complete(src: SourceText, tables: list[TaskTable], tables_layout: list[layout.TableLayout],
                    sections: list[Section]) -> None:
    """Refuse a task list that was cut off: too few tables, an empty table, a task cut mid-sentence."""
    if not tables:
        raise LoadError(src.path, "the task list has no tables ('表 1 …')")
    mirrored = [s for s in sections if s.paragraphs]
    if len(mirrored) > 1 and len(tables) < len(mirrored):
        raise LoadError(src.path, f"the task list looks truncated: {len(tables)} tables for the plan's "
                                  f"{len(mirrored)} task sub-sections", tables_layout[-1].lines[-1].number)
    for table, tl in zip(tables, tables_layout, strict=True):
        if not table.tasks:
            raise LoadError(src.path, f"table {table.number} has no tasks (the task list looks truncated)",
                            tl.lines[-1].number)
    last, last_line = tables[-1].tasks[-1], tables_layout[-1].rows[-1].line
    if not last.text.text.endswith(("。", "；", "！", "？", "）", "”")):
        raise LoadError(src.path, f"the task list looks truncated: task {last.table}-{last.number} ends "
                                  f"mid-sentence (“…{last.text.text[-12:]}”)", last_line.number)


def _report_placement(task: Task, placement: align.Placement, subject: str, findings: list[Finding]) -> None:
    if task.narrative is None:
        findings.append(Finding("wording", subject, "not found in the narrative", [task.text.text]))
        return
    if task.narrative.text != task.text.text:
        findings.append(Finding("wording", subject,
                                f"differs from narrative paragraph {task.narrative_paragraph}",
                                align.word_diff(task.narrative.text, task.text.text)))
    for sentence in placement.unmatched:
        findings.append(Finding("wording", subject, "a sentence not found in the narrative", [sentence]))


def _label_variants(tables_layout: list[layout.TableLayout], tables: list[TaskTable],
                    findings: list[Finding]) -> None:
    """Group labels the task list prints in another form (e.g. a repeated header on a new page)."""
    for tl, table in zip(tables_layout, tables, strict=True):
        names = {g.label.text for g in table.groups}
        seen: set[str] = set()
        for row in tl.rows:
            label = row.labels_here.get(0)
            if label is None:
                continue
            text = clean(label).text
            if text in names or text in seen:
                continue
            seen.add(text)
            closest = align.best_label(text, dict(enumerate(sorted(names))))
            if closest is not None:
                findings.append(Finding("layout", f"table {tl.number}", (
                    f"line {row.line.number} prints group label “{text}” for “{sorted(names)[closest]}”")))


def add_measures_and_agencies(task: Task, vocabulary: Vocabulary) -> None:
    for number, piece in enumerate(split_measures(task.text.text, vocabulary.rules), start=1):
        task.measures.append(Measure(number, task.text[piece.start: piece.end], piece.measure_type, piece.verb))
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
