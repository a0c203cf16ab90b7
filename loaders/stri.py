"""Measures that open a market to foreign or outside providers, placed in the policy areas of the
OECD Services Trade Restrictiveness Index (STRI).

Researchers ask which pilots opened which services to foreign capital and people, and how. The
plans do not say "this is an STRI foreign-entry measure"; the rules of vocab/stri-rules.csv (kept as
data, reviewable by a person) derive it from a measure's wording and its measure type's instrument
(vocab/measure-instruments.ttl). What they derive is recorded apart from the text, with the terms
matched and the method (pilot:StriDerivation), so no query takes it for the plan's own words.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SKOS

METHOD = (
    "rules of vocab/stri-rules.csv: a measure whose text names a foreign or outside provider and "
    "whose type falls under a listed instrument, or whose text names an opening term, is "
    "liberalising; its STRI areas are those whose terms the text names"
)
RULES = ("provider", "instrument", "opening", "area")


@dataclass(frozen=True, slots=True)
class StriDerived:
    """A liberalising measure: the terms that made it one and the STRI areas its text names."""

    terms: tuple[str, ...]  # provider and opening terms matched, in order of first mention
    areas: tuple[tuple[str, tuple[str, ...]], ...]  # (area slug, its terms matched), in scheme order


def _alternation(terms: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(terms), key=lambda t: (-len(t), t))  # longest first: 外商投资 before 外商
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


def _found(pattern: re.Pattern[str] | None, text: str) -> tuple[str, ...]:
    if pattern is None:
        return ()
    return tuple(dict.fromkeys(m.group() for m in pattern.finditer(text)))


def instruments_of(measure_types: Path | str, base: str) -> dict[str, str]:
    """Measure-type slug → instrument slug, from the types' skos:broader in ``measure_types``."""
    graph = Graph().parse(str(measure_types), format="turtle", publicID=base)
    prefix = f"{base}id/measure-instrument/"
    return {
        str(t).rsplit("/", 1)[-1]: str(i)[len(prefix) :]
        for t, i in graph.subject_objects(SKOS.broader)
        if str(i).startswith(prefix)
    }


@dataclass(frozen=True, slots=True)
class StriRules:
    instrument_of: dict[str, str]  # measure type → instrument
    instruments: frozenset[str]  # instruments whose measures qualify with a provider term
    provider: re.Pattern[str] | None
    opening: re.Pattern[str] | None
    area_of: dict[str, str]  # area term → area slug
    area_terms: re.Pattern[str] | None
    area_order: tuple[str, ...]

    @classmethod
    def load(cls, path: Path | str, areas: Iterable[str], instrument_of: dict[str, str]) -> StriRules:
        """Read the rules; ValueError naming the file and line for an unknown rule, area or
        instrument, a repeated row, or a missing column."""
        path = Path(path)
        known_areas, known_instruments = list(areas), set(instrument_of.values())
        rows: dict[str, list[str]] = {rule: [] for rule in RULES}
        area_of: dict[str, str] = {}
        seen: set[tuple[str, str]] = set()
        with path.open(encoding="utf-8", newline="") as f:
            lines = (line for line in f if not line.startswith("#"))
            reader = csv.DictReader(lines)
            if reader.fieldnames != ["rule", "term", "stri_area"]:
                raise ValueError(f"{path}: expected the columns rule,term,stri_area, got {reader.fieldnames}")
            for number, row in enumerate(reader, start=2):
                rule, term, area = ((row[k] or "").strip() for k in ("rule", "term", "stri_area"))
                where = f"{path}: row {number}"
                if rule not in rows:
                    raise ValueError(f"{where}: rule '{rule}' is not one of {', '.join(RULES)}")
                if not term or (rule, term) in seen:
                    raise ValueError(f"{where}: term '{term}' is empty or listed twice")
                if (rule == "area") != bool(area):
                    raise ValueError(f"{where}: stri_area is needed for rule 'area' and only there")
                if rule == "area" and area not in known_areas:
                    raise ValueError(f"{where}: '{area}' is not an area of vocab/stri-areas.ttl")
                if rule == "instrument" and term not in known_instruments:
                    raise ValueError(f"{where}: '{term}' is no instrument of vocab/measure-instruments.ttl")
                seen.add((rule, term))
                rows[rule].append(term)
                if rule == "area":
                    area_of[term] = area
        return cls(
            instrument_of=dict(instrument_of),
            instruments=frozenset(rows["instrument"]),
            provider=_alternation(rows["provider"]),
            opening=_alternation(rows["opening"]),
            area_of=area_of,
            area_terms=_alternation(rows["area"]),
            area_order=tuple(known_areas),
        )

    def derive(self, text: str, measure_type: str) -> StriDerived | None:
        """The derivation for a measure with this text and type, or None if it is not liberalising
        for foreign or outside providers."""
        providers = _found(self.provider, text)
        if not providers:
            return None
        openings = _found(self.opening, text)
        if self.instrument_of.get(measure_type) not in self.instruments and not openings:
            return None
        by_area: dict[str, list[str]] = {}
        for term in _found(self.area_terms, text):
            by_area.setdefault(self.area_of[term], []).append(term)
        areas = tuple((a, tuple(by_area[a])) for a in self.area_order if a in by_area)
        return StriDerived(tuple(dict.fromkeys(providers + openings)), areas)
