"""The shared vocabulary graph: ontology, concept schemes, agencies and places.

Everything here is read from data files (ontology/pilotkg.ttl, vocab/*.ttl, vocab/*.csv); this
module only turns the two CSV gazetteers into RDF and puts the instance IRIs under the configured
base. The result has no blank nodes and is the same for the same files and base.

Agencies are typed pilot:Agency and org:Organization. A reorganisation (e.g. 银保监会 →
国家金融监督管理总局, 2023) is an org:ChangeEvent named after the agency it formed,
``{base}id/agency-change/{slug}``: org:originalOrganization → each predecessor,
org:resultingOrganization → the new agency, which points back with org:resultedFrom (and each
predecessor with org:changedBy); pilot:predecessor / pilot:successor link the agencies directly.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, SKOS

from pilotkg.loaders.gazetteer import Agencies, Places
from pilotkg.paths import ONTOLOGY_DIR, VOCAB_DIR
from pilotkg.prefixes import prefixes

PILOT = Namespace("https://w3id.org/pilotkg/ontology#")
ONTOLOGY_FILE = ONTOLOGY_DIR / "pilotkg.ttl"
SCHEME_FILES = (
    "sectors.ttl",
    "categories.ttl",
    "measure-types.ttl",
    "measure-instruments.ttl",
    "stri-areas.ttl",
    "alignment-statuses.ttl",
)
PLACE_CLASSES = {
    "city": (PILOT.City,),
    "province": (PILOT.Province,),
    "municipality": (PILOT.Municipality, PILOT.City, PILOT.Province),
}


def vocab_graph(base: str, vocab_dir: Path = VOCAB_DIR, ontology: Path = ONTOLOGY_FILE) -> Graph:
    """The ontology plus the concept schemes (sectors, categories, measure types and instruments,
    STRI areas, alignment statuses), agencies and places."""
    if not base.endswith("/"):
        raise ValueError(f"the base IRI must end with '/': {base}")
    graph = Graph()
    graph.parse(str(ontology), format="turtle")
    for name in SCHEME_FILES:
        graph.parse(str(vocab_dir / name), format="turtle", publicID=base)
    add_agencies(graph, Agencies.load(vocab_dir / "agencies.csv"), base)
    add_places(graph, Places.load(vocab_dir / "places.csv"), base)
    bind_prefixes(graph, base)
    return graph


def bind_prefixes(graph: Graph, base: str) -> None:
    """The project's prefixes (vocab/prefixes.csv: one per kind of shared resource)."""
    for prefix, namespace in prefixes(base).items():
        graph.bind(prefix, Namespace(namespace), replace=True)


def agency_iri(base: str, slug: str) -> URIRef:
    """The IRI of an agency of the gazetteer."""
    return URIRef(f"{base}id/agency/{slug}")


def place_iri(base: str, slug: str) -> URIRef:
    """The IRI of a place of the gazetteer."""
    return URIRef(f"{base}id/place/{slug}")


def add_agencies(graph: Graph, agencies: Agencies, base: str) -> None:
    """Each agency with its names, parent, place and reorganisation events."""
    for agency in agencies:
        node = agency_iri(base, agency.slug)
        graph.add((node, RDF.type, PILOT.Agency))
        graph.add((node, RDF.type, ORG.Organization))
        graph.add((node, SKOS.prefLabel, Literal(agency.name_zh, lang="zh")))
        graph.add((node, SKOS.prefLabel, Literal(agency.name_en, lang="en")))
        for label in agency.alt_labels_zh:
            graph.add((node, SKOS.altLabel, Literal(label, lang="zh")))
        for label in agency.alt_labels_en:
            graph.add((node, SKOS.altLabel, Literal(label, lang="en")))
        if agency.parent_slug:
            graph.add((node, ORG.subOrganizationOf, agency_iri(base, agency.parent_slug)))
        if agency.place_slug:
            graph.add((node, DCTERMS.spatial, place_iri(base, agency.place_slug)))
        for slug in agency.successor_slugs:
            graph.add((node, PILOT.successor, agency_iri(base, slug)))
        if agency.predecessor_slugs:
            _add_change(graph, agencies, agency.slug, base)


def _add_change(graph: Graph, agencies: Agencies, slug: str, base: str) -> None:
    """The org:ChangeEvent that formed agency ``slug`` from its predecessors."""
    agency = agencies.get(slug)
    node = agency_iri(base, slug)
    event = URIRef(f"{base}id/agency-change/{slug}")
    graph.add((event, RDF.type, ORG.ChangeEvent))
    predecessors = [agencies.get(p) for p in agency.predecessor_slugs]
    graph.add(
        (
            event,
            RDFS.label,
            Literal(f"{'、'.join(p.name_zh for p in predecessors)} → {agency.name_zh}", lang="zh"),
        )
    )
    graph.add(
        (
            event,
            RDFS.label,
            Literal(f"{'; '.join(p.name_en for p in predecessors)} → {agency.name_en}", lang="en"),
        )
    )
    if agency.change_date:
        datatype = XSD.date if len(agency.change_date) == 10 else XSD.gYear
        graph.add((event, DCTERMS.date, Literal(agency.change_date, datatype=datatype)))
    if agency.change_note:
        graph.add((event, DCTERMS.description, Literal(agency.change_note, lang="zh")))
    graph.add((event, ORG.resultingOrganization, node))
    graph.add((node, ORG.resultedFrom, event))
    for predecessor in predecessors:
        old = agency_iri(base, predecessor.slug)
        graph.add((event, ORG.originalOrganization, old))
        graph.add((old, ORG.changedBy, event))
        graph.add((node, PILOT.predecessor, old))


def add_places(graph: Graph, places: Places, base: str) -> None:
    """Each city, province and municipality with its names and, for a city, its province."""
    for place in places:
        node = place_iri(base, place.slug)
        for cls in PLACE_CLASSES[place.kind]:
            graph.add((node, RDF.type, cls))
        graph.add((node, SKOS.prefLabel, Literal(place.name_zh, lang="zh")))
        graph.add((node, SKOS.prefLabel, Literal(place.name_en, lang="en")))
        if place.short_zh != place.name_zh:
            graph.add((node, SKOS.altLabel, Literal(place.short_zh, lang="zh")))
        if place.province_slug:
            graph.add((node, PILOT.inProvince, place_iri(base, place.province_slug)))
