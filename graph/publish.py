"""Write the dumps, VoID/DCAT description, checksums and the Oxigraph store into a folder.

Every dump is written by pyoxigraph's serialisers from one sorted list of quads, so the same
graph always gives the same bytes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.term import BNode, Literal, URIRef

PREFIXES = {
    "pilot": "https://w3id.org/pilotkg/ontology#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "vann": "http://purl.org/vocab/vann/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}

# name, format, whether it carries named graphs
DUMPS = (
    ("pilotkg.ttl", ox.RdfFormat.TURTLE, False),
    ("pilotkg.nt", ox.RdfFormat.N_TRIPLES, False),
    ("pilotkg.trig", ox.RdfFormat.TRIG, True),
    ("pilotkg.nq", ox.RdfFormat.N_QUADS, True),
    ("pilotkg.jsonld", ox.RdfFormat.JSON_LD, True),
)


def to_ox(term: URIRef | Literal | BNode) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"unexpected RDF term {term!r}")


def sorted_quads(dataset: Dataset) -> list[ox.Quad]:
    """Every quad of the named graphs, in one canonical order (graph, then N-Triples order)."""
    quads = []
    for graph in dataset.graphs():
        if not isinstance(graph.identifier, URIRef) or len(graph) == 0:
            continue
        name = ox.NamedNode(str(graph.identifier))
        quads.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), name) for s, p, o in graph)
    quads.sort(key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    return quads


def graph_quads(graph: Graph, name: URIRef) -> list[ox.Quad]:
    """One named graph's quads in canonical order (N-Triples order of subject, predicate, object)."""
    node = ox.NamedNode(str(name))
    quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), node) for s, p, o in graph]
    quads.sort(key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))
    return quads


def triples_of(quads: list[ox.Quad]) -> list[ox.Triple]:
    """The union of the graphs, each triple once, in the same canonical order."""
    unique = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return sorted(unique, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def write_dumps(quads: list[ox.Quad], out: Path) -> list[Path]:
    triples = triples_of(quads)
    written = []
    for name, fmt, datasets in DUMPS:
        path = out / name
        ox.serialize(quads if datasets else triples, str(path), fmt,
                     prefixes=PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None)
        written.append(path)
    return written


def write_store(quads: list[ox.Quad], path: Path) -> None:
    store = ox.Store(str(path))
    store.bulk_extend(quads)
    store.optimize()
    store.flush()
    del store


def write_graph(graph: Graph, path: Path) -> None:
    """A small rdflib graph (VoID) through the same canonical writer."""
    triples = sorted((ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph),
                     key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    ox.serialize(triples, str(path), ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def sha256sums(paths: list[Path], out: Path) -> Path:
    lines = []
    for path in sorted(paths):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.name}\n")
    target = out / "SHA256SUMS"
    target.write_text("".join(lines), encoding="utf-8")
    return target
