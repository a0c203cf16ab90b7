"""Thin readers for the curated gazetteers and concept schemes in vocab/.

The data — agencies with their official and short names, places, sectors, competition
categories and measure types — lives in vocab/ (CSV and Turtle). These readers load it, check
that it is coherent (unique slugs and labels, references that resolve), and answer the questions
a loader asks: which agency is "发展改革委"? which place is "武汉"? which sector is "金融服务领域"?
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, SKOS, Graph, URIRef

PILOT = "https://w3id.org/pilotkg/ontology#"

AGENCY_KINDS = frozenset(
    {
        "government",
        "party",
        "court",
        "ministry",
        "commission",
        "administration",
        "office",
        "central-bank",
        "academy",
        "other",
    }
)
PLACE_KINDS = frozenset({"city", "province", "municipality"})
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE = re.compile(r"^\d{4}(?:-\d{2}-\d{2})?$")  # a year, or a full xsd:date
_SPACE = re.compile(r"\s+")
# An agency name right after one of these characters is a local body of the same name
# (湖北省统计局 is not 国家统计局), unless the agency is itself a government.
_LOCAL_PREFIX = frozenset("省市区县州")


def normalise(name: str) -> str:
    """A name as compared: without any whitespace (PDF extraction scatters spaces into names)."""
    return _SPACE.sub("", name)


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (cell or "").split("|") if x.strip())


def _rows(path: Path, columns: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a gazetteer CSV with their line numbers; the header must start with ``columns``."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or reader.fieldnames[: len(columns)] != columns:
            raise ValueError(f"{path}: expected the columns {','.join(columns)}, got {reader.fieldnames}")
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}


# --- agencies --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Agency:
    """One organisation of vocab/agencies.csv; ``name_zh`` is its full official name."""

    slug: str
    name_zh: str
    name_en: str
    alt_labels_zh: tuple[str, ...] = ()
    alt_labels_en: tuple[str, ...] = ()
    kind: str = "other"
    parent_slug: str | None = None
    place_slug: str | None = None
    predecessor_slugs: tuple[str, ...] = ()
    successor_slugs: tuple[str, ...] = ()
    change_date: str | None = None  # when it was formed from its predecessors: YYYY or YYYY-MM-DD
    dissolved: str | None = None
    change_note: str | None = None  # @zh: the reform that formed it

    @property
    def labels_zh(self) -> tuple[str, ...]:
        """The full name first, then the short forms documents use."""
        return (self.name_zh, *self.alt_labels_zh)


_AGENCY_COLUMNS = ["slug", "name_zh", "name_en", "alt_labels_zh"]


@dataclass(frozen=True, slots=True)
class Agencies:
    """The agency gazetteer: resolve a name to its agency, find agencies named in a text."""

    agencies: tuple[Agency, ...]
    _by_slug: dict[str, Agency] = field(repr=False)
    _by_label: dict[str, Agency] = field(repr=False)
    _pattern: re.Pattern[str] = field(repr=False)

    @classmethod
    def load(cls, path: Path | str) -> Agencies:
        """Read and check vocab/agencies.csv; ValueError names the file, line and problem."""
        path = Path(path)
        agencies: list[Agency] = []
        lines: dict[str, int] = {}
        for line, row in _rows(path, _AGENCY_COLUMNS):
            agency = Agency(
                slug=row["slug"],
                name_zh=normalise(row["name_zh"]),
                name_en=row["name_en"],
                alt_labels_zh=tuple(normalise(x) for x in _split(row["alt_labels_zh"])),
                alt_labels_en=_split(row.get("alt_labels_en")),
                kind=row.get("kind") or "other",
                parent_slug=row.get("parent_slug") or None,
                place_slug=row.get("place_slug") or None,
                predecessor_slugs=_split(row.get("predecessor_slug")),
                successor_slugs=_split(row.get("successor_slug")),
                change_date=row.get("change_date") or None,
                dissolved=row.get("dissolved") or None,
                change_note=row.get("change_note") or None,
            )
            problem = _agency_problem(agency, lines)
            if problem:
                raise ValueError(f"{path}:{line}: {problem}")
            lines[agency.slug] = line
            agencies.append(agency)
        return cls.of(agencies, path)

    @classmethod
    def of(cls, agencies: list[Agency], source: Path | str = "<agencies>") -> Agencies:
        """Index ``agencies``, checking that labels are unambiguous and references resolve."""
        by_slug = {a.slug: a for a in agencies}
        by_label: dict[str, Agency] = {}
        for agency in agencies:
            for label in agency.labels_zh:
                other = by_label.setdefault(label, agency)
                if other is not agency:
                    raise ValueError(f"{source}: '{label}' names both {other.slug} and {agency.slug}")
            refs = [agency.parent_slug, *agency.predecessor_slugs, *agency.successor_slugs]
            for ref in filter(None, refs):
                if ref not in by_slug:
                    raise ValueError(f"{source}: {agency.slug} refers to unknown agency '{ref}'")
            for pred in agency.predecessor_slugs:
                if agency.slug not in by_slug[pred].successor_slugs:
                    raise ValueError(
                        f"{source}: {agency.slug} has predecessor {pred}, but {pred} does not list it as successor"
                    )
            for succ in agency.successor_slugs:
                if agency.slug not in by_slug[succ].predecessor_slugs:
                    raise ValueError(
                        f"{source}: {agency.slug} has successor {succ}, but {succ} does not list it as predecessor"
                    )
        labels = sorted(by_label, key=lambda s: (-len(s), s))
        pattern = re.compile("|".join(map(re.escape, labels))) if labels else re.compile(r"(?!)")
        return cls(tuple(agencies), by_slug, by_label, pattern)

    def __iter__(self) -> Iterator[Agency]:
        return iter(self.agencies)

    def __len__(self) -> int:
        return len(self.agencies)

    def get(self, slug: str) -> Agency:
        """The agency with this slug (KeyError if there is none)."""
        return self._by_slug[slug]

    def resolve(self, name: str) -> Agency | None:
        """The agency whose full name or short form is ``name`` (whitespace ignored), else None."""
        return self._by_label.get(normalise(name))

    def find_in(self, text: str) -> list[tuple[Agency, int, int]]:
        """Agencies named in ``text``: (agency, start, end) offsets into ``text``, in text order.

        Mentions do not overlap; at each position the longest name wins (国务院港澳事务办公室,
        not 国务院). Names are matched across stray whitespace. A national body's name right after
        省/市/区/县/州 (湖北省统计局) or a ministry's short form before 门 (教育部门) is not a mention.
        """
        chars = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
        bare = "".join(ch for _, ch in chars)
        found: list[tuple[Agency, int, int]] = []
        for m in self._pattern.finditer(bare):
            agency = self._by_label[m.group()]
            before = bare[m.start() - 1] if m.start() else ""
            after = bare[m.end()] if m.end() < len(bare) else ""
            if before in _LOCAL_PREFIX and agency.kind != "government":
                continue
            if m.group().endswith("部") and after == "门":
                continue
            found.append((agency, chars[m.start()][0], chars[m.end() - 1][0] + 1))
        return found


def _agency_problem(agency: Agency, seen: dict[str, int]) -> str | None:
    if not SLUG.match(agency.slug):
        return f"slug '{agency.slug}' is not lower-case words joined by hyphens"
    if agency.slug in seen:
        return f"slug '{agency.slug}' already on line {seen[agency.slug]}"
    if not agency.name_zh or not agency.name_en:
        return f"{agency.slug}: name_zh and name_en are required"
    if agency.kind not in AGENCY_KINDS:
        return f"{agency.slug}: kind '{agency.kind}' is not one of {sorted(AGENCY_KINDS)}"
    for date in (agency.change_date, agency.dissolved):
        if date and not DATE.match(date):
            return f"{agency.slug}: '{date}' is not YYYY or YYYY-MM-DD"
    if agency.predecessor_slugs and not agency.change_date:
        return f"{agency.slug}: an agency with predecessors needs the change_date it was formed"
    return None


# --- places ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """A city, province or municipality of vocab/places.csv."""

    slug: str
    name_zh: str
    name_en: str
    kind: str
    province_slug: str | None = None  # the province of a city; None for provinces and municipalities

    @property
    def short_zh(self) -> str:
        """The name without its 市/省 suffix, as documents often write it (武汉市 → 武汉)."""
        return self.name_zh[:-1] if self.name_zh.endswith(("市", "省")) else self.name_zh

    @property
    def province_level_slug(self) -> str:
        """The province-level division it is in: its province, or itself for a province or municipality."""
        return self.province_slug or self.slug


@dataclass(frozen=True, slots=True)
class Places:
    """The place gazetteer: resolve "武汉市", "武汉" or "Wuhan" to its place."""

    places: tuple[Place, ...]
    _by_slug: dict[str, Place] = field(repr=False)
    _by_name: dict[str, Place] = field(repr=False)

    @classmethod
    def load(cls, path: Path | str) -> Places:
        """Read and check vocab/places.csv; ValueError names the file, line and problem."""
        path = Path(path)
        places: list[Place] = []
        by_slug: dict[str, Place] = {}
        by_name: dict[str, Place] = {}
        for line, row in _rows(path, ["slug", "name_zh", "name_en", "kind", "province_slug"]):
            place = Place(
                row["slug"],
                normalise(row["name_zh"]),
                row["name_en"],
                row["kind"],
                row["province_slug"] or None,
            )
            if not SLUG.match(place.slug) or place.slug in by_slug:
                raise ValueError(f"{path}:{line}: slug '{place.slug}' is malformed or repeated")
            if place.kind not in PLACE_KINDS:
                raise ValueError(f"{path}:{line}: kind '{place.kind}' is not one of {sorted(PLACE_KINDS)}")
            if (place.kind == "city") != (place.province_slug is not None):
                raise ValueError(f"{path}:{line}: a city, and only a city, names its province_slug")
            for name in {place.name_zh, place.short_zh, place.name_en.casefold()}:
                other = by_name.setdefault(name, place)
                if other is not place:
                    raise ValueError(f"{path}:{line}: '{name}' names both {other.slug} and {place.slug}")
            by_slug[place.slug] = place
            places.append(place)
        for place in places:
            if place.province_slug and by_slug.get(place.province_slug, place).kind != "province":
                raise ValueError(f"{path}: {place.slug}: province_slug '{place.province_slug}' is not a province")
        return cls(tuple(places), by_slug, by_name)

    def __iter__(self) -> Iterator[Place]:
        return iter(self.places)

    def __len__(self) -> int:
        return len(self.places)

    def get(self, slug: str) -> Place:
        """The place with this slug (KeyError if there is none)."""
        return self._by_slug[slug]

    def resolve(self, name: str) -> Place | None:
        """The place named ``name``: full Chinese name, name without 市/省, or English name."""
        key = normalise(name)
        return self._by_name.get(key) or self._by_name.get(key.casefold())


# --- concept schemes -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConceptScheme:
    """A SKOS concept scheme of vocab/ (sectors, categories, measure types) under a given base.

    The Turtle files use relative IRIs (<id/sector/finance>) and no @base, so that parsing with
    ``publicID=base`` puts the concepts under the configured base.
    """

    iri: URIRef
    concepts: dict[str, URIRef]  # slug (skos:notation) → concept IRI
    _by_label: dict[str, URIRef] = field(repr=False)

    @classmethod
    def load(cls, ttl_path: Path | str, base: str, scheme: str | None = None) -> ConceptScheme:
        """Read a scheme file; ``scheme`` (an IRI) is needed only when the file holds several
        schemes whose concepts are pilot: classes."""
        if not base.endswith("/"):
            raise ValueError(f"the base IRI must end with '/': {base}")
        graph = Graph().parse(str(ttl_path), format="turtle", publicID=base)
        return cls.from_graph(graph, Path(ttl_path), scheme)

    @classmethod
    def from_graph(cls, graph: Graph, source: Path | str = "<graph>", scheme: str | None = None) -> ConceptScheme:
        """The scheme of ``graph`` whose concepts are typed with a pilot: class (pilot:Sector …)."""
        if scheme is None:
            candidates = {
                o
                for s, o in graph.subject_objects(SKOS.inScheme)
                if any(str(t).startswith(PILOT) for t in graph.objects(s, RDF.type))
            }
            if len(candidates) != 1:
                raise ValueError(f"{source}: expected one scheme of pilot concepts, found {sorted(candidates)}")
            scheme_iri = URIRef(next(iter(candidates)))
        else:
            scheme_iri = URIRef(scheme)
        concepts: dict[str, URIRef] = {}
        by_label: dict[str, URIRef] = {}
        for concept in sorted(graph.subjects(SKOS.inScheme, scheme_iri)):
            concept = URIRef(concept)
            slug = str(graph.value(concept, SKOS.notation) or concept.rsplit("/", 1)[-1])
            concepts[slug] = concept
            labels = [*graph.objects(concept, SKOS.prefLabel), *graph.objects(concept, SKOS.altLabel)]
            for label in labels:
                for key in {_label_key(str(label)), _label_key(str(label), strip_suffix=True)}:
                    other = by_label.setdefault(key, concept)
                    if other != concept:
                        raise ValueError(f"{source}: label '{label}' names both {other} and {concept}")
        return cls(scheme_iri, concepts, by_label)

    def resolve(self, label: str) -> URIRef | None:
        """The concept labelled ``label`` (zh or en; whitespace and a trailing 领域 ignored)."""
        exact = self._by_label.get(_label_key(label))
        return exact or self._by_label.get(_label_key(label, strip_suffix=True))

    def slug_of(self, iri: URIRef | str) -> str | None:
        """The slug (skos:notation) of a concept of this scheme."""
        return next((slug for slug, c in self.concepts.items() if str(c) == str(iri)), None)

    def __contains__(self, slug: object) -> bool:
        return slug in self.concepts

    def __iter__(self) -> Iterator[str]:
        return iter(self.concepts)


def _label_key(label: str, strip_suffix: bool = False) -> str:
    key = normalise(label).casefold()
    if strip_suffix and key.endswith("领域") and len(key) > 2:
        key = key[:-2]
    return key
