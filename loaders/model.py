"""The plan model every loader produces and the RDF writer consumes.

Text loaders and tabular loaders both fill these classes, so validation, publishing and the
server never depend on where a plan came from. Every text field is a ``Fragment``: clean text
with the source offset of each character (-1 for a value the source does not hold, e.g. a CSV
plan's metadata; see plan_csv.detached).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pilotkg.loaders.fragment import Fragment
from pilotkg.loaders.source import SourceText
from pilotkg.loaders.stri import StriDerived


@dataclass(slots=True)
class Notice:
    """The covering notice (or State Council approval) as the copy prints it: every part optional,
    and what is not printed stays None (never guessed)."""

    title: Fragment | None
    document_number: Fragment | None
    issuer: str | None  # agency slug (resolved against the gazetteer)
    issued: dt.date | None
    addressees: list[str]  # agency slugs, distinct, in document order
    addressee_line: int | str | None  # where the addressees stand, for error messages
    body: list[Fragment]  # the addressee line and each paragraph of the notice's text, clean
    span: Fragment | None
    kind: str = "notice"  # "notice" (…的通知) or "approval" (…的批复)
    signature: Fragment | None = None
    year_from_number: int | None = None  # the year in the document number (〔2022〕)


@dataclass(slots=True)
class Paragraph:
    number: int
    heading: Fragment  # lead sentence without number and full stop
    text: Fragment  # whole clean paragraph, number included
    span: Fragment  # raw source characters
    section: str  # number of the section holding it, e.g. "2-1"


@dataclass(slots=True)
class Section:
    number: str  # "2" or "2-1"
    title: Fragment
    span: Fragment
    body: list[Fragment] = field(default_factory=list)  # unnumbered paragraphs, clean
    paragraphs: list[int] = field(default_factory=list)  # numbers of numbered paragraphs
    children: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Measure:
    number: int
    text: Fragment
    measure_type: str  # slug in the measure-type scheme
    verb: str | None
    stri: StriDerived | None = None  # derived (loaders/stri.py): liberalising for foreign providers


@dataclass(slots=True)
class Task:
    table: int
    number: int
    text: Fragment
    span: Fragment  # raw source characters of the task cell (or of the recovered piece)
    group: int
    sector: str | None = None  # slug in the sector scheme
    narrative_paragraph: int | None = None
    narrative: Fragment | None = None  # the narrative's wording of the task
    number_inferred: bool = False
    measures: list[Measure] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)  # agency slugs, in order of mention
    derived_sector: str | None = None  # from the wording (loaders/sector_lexicon.py), only without a printed one
    derived_terms: tuple[str, ...] = ()  # the lexicon terms it matched

    @property
    def matches_narrative(self) -> bool | None:
        if self.narrative is None:
            return None
        return self.narrative.text == self.text.text


@dataclass(slots=True)
class TaskGroup:
    table: int
    number: int
    label: Fragment
    category: str | None = None  # slug in the category scheme (table 1's competition categories)
    narrative_paragraph: int | None = None


@dataclass(slots=True)
class TaskTable:
    number: int
    title: Fragment
    span: Fragment
    narrative_section: str | None = None
    groups: list[TaskGroup] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


@dataclass(slots=True)
class Finding:
    """Something the discrepancy report tells: a wording difference, a layout repair, a repeat."""

    kind: str  # "wording" | "layout" | "repeat" | "uncovered" | "missing" | "reader"
    subject: str  # e.g. "task 1-6"
    message: str
    details: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Plan:
    source: SourceText  # for a web page, PDF or Word file: its rendering (see loaders/document.py)
    city: str  # as written in the plan title, e.g. 武汉市
    city_en: str  # the gazetteer's English name
    city_slug: str
    province_slug: str | None
    title: Fragment
    span: Fragment
    notice: Notice
    approved_by: str | None  # agency slug
    implemented_by: list[str]  # agency slugs
    period_years: int | None
    sections: list[Section]
    paragraphs: list[Paragraph]
    intro: list[Fragment]  # the plan's text before its first section
    task_list_title: Fragment
    tables: list[TaskTable]
    findings: list[Finding] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        """The notice's year: from its date, else from its document number; None when neither is printed."""
        return self.notice.issued.year if self.notice.issued else self.notice.year_from_number

    @property
    def slug(self) -> str:
        return f"{self.city_slug}-{self.year}" if self.year else self.city_slug

    def tasks(self) -> list[Task]:
        return [task for table in self.tables for task in table.tasks]
