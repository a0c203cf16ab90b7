"""Load a plan from a CSV task list and its metadata file (the format of docs/csv-format.md).

Some plans exist only as tables (a spreadsheet someone typed up, an export from another
database). This loader turns such a table into the same ``Plan`` the text loader produces, so
the RDF writer, the shapes and the server treat both alike.

Provenance stays exact: the CSV file is the plan's ``SourceText``, and every task's span is the
character range of its ``text`` cell in the decoded CSV (inside the quotes, if it is quoted).
Python's csv module cannot report where a cell stands, so the file is read by a small RFC 4180
reader here that keeps the offset of every character. The notice's data (title, number, date,
issuer, addressees …) come from ``<name>.meta.toml`` beside the CSV; they are not in the CSV, so
they carry no offsets into it (see ``detached``).

What a table cannot give — the plan's sections and numbered paragraphs, the narrative wording of
each task — is left empty (``[]`` / ``None``).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.fragment import Fragment, clean
from pilotkg.loaders.layout import TASK_CELL
from pilotkg.loaders.model import Notice, Plan, Task, TaskGroup, TaskTable
from pilotkg.loaders.plan_text import derive_task_facts, find_repeats
from pilotkg.loaders.source import SourceText, read_source
from pilotkg.loaders.vocabulary import Vocabulary

COLUMNS = ("table", "table_title", "group", "sector", "number", "text")
META_SUFFIX = ".meta.toml"
NOT_IN_SOURCE = -1  # offset of a character that is not in the plan's source (metadata values)

REQUIRED_META = (
    "city",
    "notice_title",
    "document_number",
    "issued",
    "issuer",
    "addressees",
    "approved_by",
    "implemented_by",
)
OPTIONAL_META = ("plan_title", "task_list_title", "notice_text", "period_years")
_PLAN_IN_TITLE = re.compile(r"《(?P<plan>[^》]+)》")
_NAME_SEPARATORS = re.compile(r"[，,、；;|]")


def detached(text: str) -> Fragment:
    """A fragment for text that is not in the source (read from the metadata file).

    Its offsets are ``NOT_IN_SOURCE``, so that a span computed from it by mistake is visibly
    invalid instead of pointing at unrelated characters of the CSV.
    """
    return Fragment(text, (NOT_IN_SOURCE,) * len(text))


def meta_path(path: Path | str) -> Path:
    """The metadata file of a CSV plan: ``hangzhou-2023.csv`` → ``hangzhou-2023.meta.toml``."""
    path = Path(path)
    return path.with_name(path.stem + META_SUFFIX)


def is_meta_file(path: Path | str) -> bool:
    """Whether ``path`` is a metadata file (so that a folder scan does not take it for a plan)."""
    return Path(path).name.endswith(META_SUFFIX)


# --- an RFC 4180 reader that keeps offsets ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """One CSV record: the line it starts on, its cells (quotes removed, offsets kept), its range."""

    line: int
    cells: list[Fragment]
    start: int
    end: int  # exclusive, before the line break

    @property
    def blank(self) -> bool:
        return len(self.cells) == 1 and not self.cells[0].text.strip()


def read_records(path: Path, text: str) -> Iterator[Record]:
    """The records of ``text``; a quoted cell may hold commas, doubled quotes and line breaks.

    A cell's fragment holds its characters without the enclosing quotes; a doubled quote inside
    a quoted cell reads as one quote, standing at the offset of the first of the two.
    """
    i, n, line = 0, len(text), 1
    while i < n:
        first_line, start = line, i
        cells: list[Fragment] = []
        while True:
            chars: list[str] = []
            offsets: list[int] = []
            if i < n and text[i] == '"':
                opened_on = line
                i += 1
                while True:
                    if i >= n:
                        raise LoadError(path, 'a quoted cell is never closed (missing ")', opened_on)
                    ch = text[i]
                    if ch == '"':
                        if i + 1 < n and text[i + 1] == '"':
                            chars.append('"')
                            offsets.append(i)
                            i += 2
                            continue
                        i += 1
                        break
                    if ch == "\n" or (ch == "\r" and text[i + 1 : i + 2] != "\n"):
                        line += 1
                    chars.append(ch)
                    offsets.append(i)
                    i += 1
                if i < n and text[i] not in ",\r\n":
                    raise LoadError(path, f"text after the closing quote of a cell: '{text[i : i + 10]}'", line)
            else:
                while i < n and text[i] not in ",\r\n":
                    chars.append(text[i])
                    offsets.append(i)
                    i += 1
            cells.append(Fragment("".join(chars), tuple(offsets)))
            if i < n and text[i] == ",":
                i += 1
                continue
            break
        end = i
        if text.startswith("\r\n", i):
            i += 2
        elif i < n:
            i += 1
        line += 1
        yield Record(first_line, cells, start, end)


# --- metadata -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Meta:
    path: Path
    raw: str
    values: dict[str, Any]

    def line(self, key: str) -> int | None:
        """The line of ``key = …`` in the file, for error messages."""
        m = re.search(rf"^\s*{re.escape(key)}\s*=", self.raw, re.MULTILINE)
        return None if m is None else self.raw.count("\n", 0, m.start()) + 1

    def error(self, key: str, problem: str) -> LoadError:
        return LoadError(self.path, f"{key}: {problem}", self.line(key))

    def text(self, key: str) -> str:
        value = self.values[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"expected a non-empty string, got {value!r}")
        return value.strip()

    def names(self, key: str) -> list[str]:
        """A list of names: a TOML array of strings, or one string separated by 、，, ; or |."""
        value = self.values[key]
        if isinstance(value, str):
            value = _NAME_SEPARATORS.split(value.rstrip("：:"))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f"expected an array of names, got {value!r}")
        names = [re.sub(r"\s+", "", v) for v in value]
        names = [v for v in names if v]
        if not names:
            raise self.error(key, "no names given")
        return names


def _read_meta(csv_path: Path) -> _Meta:
    path = meta_path(csv_path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoadError(
            path,
            f"metadata file not found: a CSV plan needs {path.name} beside {csv_path.name} (see docs/csv-format.md)",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(path, f"cannot be read as UTF-8 text ({exc})") from None
    try:
        values = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise LoadError(path, f"not valid TOML: {exc}", int(m[1]) if m else None) from None
    meta = _Meta(path, raw, values)
    for key in values:
        if key not in REQUIRED_META and key not in OPTIONAL_META:
            raise meta.error(key, f"unknown field; the fields are {', '.join(REQUIRED_META + OPTIONAL_META)}")
    missing = [key for key in REQUIRED_META if key not in values]
    if missing:
        raise LoadError(path, f"missing field(s): {', '.join(missing)}")
    return meta


def _issued(meta: _Meta) -> dt.date:
    value = meta.values["issued"]
    if isinstance(value, dt.datetime):
        raise meta.error("issued", f"expected a date such as 2023-05-04, not a date and time ({value})")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise meta.error("issued", f"bad date {value!r}: expected YYYY-MM-DD, e.g. 2023-05-04")


def _agency(meta: _Meta, key: str, name: str, vocabulary: Vocabulary) -> str:
    agency = vocabulary.agencies.resolve(name)
    if agency is None:
        raise meta.error(
            key,
            f"agency '{name}' is not in the gazetteer vocab/agencies.csv "
            "(add its full name, short forms and English name)",
        )
    return agency.slug


def _distinct(slugs: list[str]) -> list[str]:
    return list(dict.fromkeys(slugs))


# --- the task table -------------------------------------------------------------------------


def _header(path: Path, record: Record) -> dict[str, int]:
    names = [re.sub(r"\s+", "", c.text).lstrip("\ufeff").lower() for c in record.cells]
    missing = [c for c in COLUMNS if c not in names]
    unknown = [n for n in names if n not in COLUMNS]
    problems = [
        f"missing: {', '.join(missing)}" if missing else "",
        f"unknown: {', '.join(unknown)}" if unknown else "",
        "a column is named twice" if len(set(names)) != len(names) else "",
    ]
    if any(problems):
        raise LoadError(
            path,
            f"the header must name the columns {','.join(COLUMNS)} (in any order, each "
            "once); " + "; ".join(p for p in problems if p),
            record.line,
        )
    return {name: k for k, name in enumerate(names)}


def _integer(path: Path, record: Record, column: str, cell: Fragment) -> int:
    value = cell.text.strip()
    if not re.fullmatch(r"\d{1,4}", value) or int(value) < 1:
        raise LoadError(path, f"column {column}: '{value}' is not a positive whole number", record.line)
    return int(value)


def _tables(src: SourceText, records: list[Record], columns: dict[str, int], vocabulary: Vocabulary) -> list[TaskTable]:
    path = src.path
    tables: list[TaskTable] = []
    groups: dict[str, TaskGroup] = {}
    ends: dict[int, int] = {}
    for record in records:
        if len(record.cells) != len(columns):
            raise LoadError(
                path,
                f"{len(record.cells)} cells where the header has {len(columns)} columns "
                "(a missing column, or an unquoted comma in a cell?)",
                record.line,
            )
        cell = {name: record.cells[k] for name, k in columns.items()}
        table_number = _integer(path, record, "table", cell["table"])
        number = _integer(path, record, "number", cell["number"])
        if not tables or table_number != tables[-1].number:
            if table_number != len(tables) + 1:
                raise LoadError(
                    path,
                    f"table {table_number} where table {len(tables) + 1} was expected "
                    "(tables must run 1, 2, 3 … and each table's rows stand together)",
                    record.line,
                )
            title = clean(cell["table_title"])
            if not title:
                raise LoadError(path, f"table {table_number}: its first row needs the table_title", record.line)
            tables.append(TaskTable(table_number, title, Fragment.raw(src.text, record.start, record.end)))
            groups = {}
        table = tables[-1]
        title = clean(cell["table_title"])
        if title and title.text != table.title.text:
            raise LoadError(
                path,
                f"table {table_number}: table_title '{title.text}' differs from the "
                f"table's title '{table.title.text}' given on its first row",
                record.line,
            )
        expected = len(table.tasks) + 1
        if number != expected:
            raise LoadError(
                path,
                f"table {table_number}: task {number} where task {expected} was expected "
                "(numbers must run 1, 2, 3 … within a table)",
                record.line,
            )
        label = clean(cell["group"])
        if not label:
            raise LoadError(path, f"table {table_number}, task {number}: empty group", record.line)
        if label.text not in groups:
            group = TaskGroup(table_number, len(groups) + 1, label, vocabulary.categories.resolve(label.text))
            groups[label.text] = group
            table.groups.append(group)
        sector = None
        sector_label = clean(cell["sector"])
        if sector_label:
            sector = vocabulary.sectors.resolve(sector_label.text)
            if sector is None:
                raise LoadError(path, f"sector '{sector_label.text}' is not in vocab/sectors.ttl", record.line)
        text = clean(cell["text"])
        if (m := TASK_CELL.match(text.text)) and int(m["num"]) == number:
            text = text[m.end() :]  # the number repeated in front of the text ("3. 支持…")
        if not text:
            raise LoadError(path, f"table {table_number}, task {number}: empty text", record.line)
        raw = cell["text"]
        span = Fragment.raw(src.text, raw.offsets[0], raw.offsets[-1] + 1)
        table.tasks.append(Task(table_number, number, text, span, groups[label.text].number, sector))
        ends[table_number] = record.end
    for table in tables:
        table.span = Fragment.raw(src.text, table.span.start, ends[table.number])
    return tables


def load_plan_csv(path: Path | str, vocabulary: Vocabulary) -> Plan:
    """Read the CSV plan at ``path`` and its metadata file; LoadError names file and line."""
    path = Path(path)
    src = read_source(path)
    meta = _read_meta(path)
    records = [r for r in read_records(path, src.text) if not r.blank]
    if not records:
        raise LoadError(path, "no header row")
    columns = _header(path, records[0])
    if len(records) == 1:
        raise LoadError(path, "no tasks: the file has a header row only", records[0].line)
    tables = _tables(src, records[1:], columns, vocabulary)
    for table in tables:
        for task in table.tasks:
            derive_task_facts(task, vocabulary)

    city = meta.text("city")
    place = vocabulary.places.resolve(city)
    if place is None:
        raise meta.error("city", f"city '{city}' is not in the gazetteer vocab/places.csv")
    notice_title = meta.text("notice_title")
    if "plan_title" in meta.values:
        plan_title = meta.text("plan_title")
    elif m := _PLAN_IN_TITLE.search(notice_title):
        plan_title = m["plan"]
    else:
        raise meta.error("notice_title", "names no plan in 《…》; give plan_title")
    addressees = meta.names("addressees")
    period = meta.values.get("period_years")
    if period is not None and (not isinstance(period, int) or isinstance(period, bool) or period < 1):
        raise meta.error("period_years", f"expected a positive whole number of years, got {period!r}")
    whole = Fragment.raw(src.text, records[0].start, records[-1].end)
    notice = Notice(
        title=detached(notice_title),
        document_number=detached(meta.text("document_number")),
        issuer=_agency(meta, "issuer", meta.text("issuer"), vocabulary),
        issued=_issued(meta),
        addressees=_distinct([_agency(meta, "addressees", a, vocabulary) for a in addressees]),
        addressee_line=meta.line("addressees") or 0,
        body=[detached(meta.text("notice_text"))] if "notice_text" in meta.values else [],
        # The notice is not in the CSV; until the writer can cite the metadata file as a second
        # source, its span is the task list it issued (see docs/csv-format.md, Provenance).
        span=whole,
    )
    return Plan(
        source=src,
        city=city,
        city_en=place.name_en,
        city_slug=place.slug,
        province_slug=place.province_level_slug,
        title=detached(plan_title),
        span=whole,
        notice=notice,
        approved_by=_agency(meta, "approved_by", meta.text("approved_by"), vocabulary),
        implemented_by=_distinct(
            [_agency(meta, "implemented_by", name, vocabulary) for name in meta.names("implemented_by")]
        ),
        period_years=period,
        sections=[],
        paragraphs=[],
        intro=[],
        task_list_title=detached(meta.text("task_list_title")) if "task_list_title" in meta.values else detached(""),
        tables=tables,
        findings=find_repeats(tables),
    )
