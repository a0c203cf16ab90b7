"""Sectors derived from a task's wording, for the tasks whose table prints no 领域 column.

Only table 1 of a plan prints sectors; the other tables' tasks concern sectors too ("支持…跨境电商
…", "…医疗机构…"). A lexicon kept as data (vocab/sector-lexicon.csv: one term a row, under a sector
of the sector scheme, reviewable by a person) names the terms that signal each sector. A task's
derived sector is the sector whose terms its text names most often (ties: the one named first),
recorded apart from any printed sector (pilot:derivedSector, with its matched terms and method),
so that no query confuses the two.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

METHOD = (
    "the sector of the lexicon vocab/sector-lexicon.csv whose terms the task's text names most "
    "often (ties: the one named first); derived only for tasks whose table prints no sector"
)


@dataclass(frozen=True, slots=True)
class Derived:
    sector: str  # slug in the sector scheme
    terms: tuple[str, ...]  # the lexicon's terms the text names, in order of first mention


@dataclass(frozen=True, slots=True)
class SectorLexicon:
    sector_of: dict[str, str]  # term -> sector slug
    pattern: re.Pattern[str] | None

    @classmethod
    def load(cls, path: Path | str, sectors: set[str]) -> SectorLexicon:
        """Read the lexicon; ValueError naming the file and line for a sector the scheme lacks, a
        repeated term, or a missing column."""
        path = Path(path)
        sector_of: dict[str, str] = {}
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or reader.fieldnames[:2] != ["sector", "term"]:
                raise ValueError(f"{path}: expected the columns sector,term, got {reader.fieldnames}")
            for row in reader:
                sector, term = (row["sector"] or "").strip(), (row["term"] or "").strip()
                if sector not in sectors:
                    raise ValueError(f"{path}:{reader.line_num}: sector '{sector}' is not in vocab/sectors.ttl")
                if not term or term in sector_of:
                    raise ValueError(f"{path}:{reader.line_num}: term '{term}' is empty or listed twice")
                sector_of[term] = sector
        terms = sorted(sector_of, key=lambda t: (-len(t), t))  # longest first: 工业互联网 before 互联网
        return cls(sector_of, re.compile("|".join(map(re.escape, terms))) if terms else None)

    def derive(self, text: str) -> Derived | None:
        if self.pattern is None:
            return None
        counts: dict[str, int] = {}
        first: dict[str, int] = {}
        terms: dict[str, list[str]] = {}
        for m in self.pattern.finditer(text):
            sector = self.sector_of[m.group()]
            counts[sector] = counts.get(sector, 0) + 1
            first.setdefault(sector, m.start())
            if m.group() not in terms.setdefault(sector, []):
                terms[sector].append(m.group())
        if not counts:
            return None
        best = min(counts, key=lambda s: (-counts[s], first[s]))
        return Derived(best, tuple(terms[best]))
