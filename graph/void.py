"""The VoID and DCAT description of a build: what is in it, under which licence, where the dumps are."""

from __future__ import annotations

from pathlib import Path

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID

from pilotkg.graph.publish import Counts

LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".trig": "application/trig",
    ".nq": "application/n-quads",
    ".jsonld": "application/ld+json",
}


def _count(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def void_graph(counts: Counts, dumps: list[Path], base: str, issued: str | None) -> Graph:
    """Counts per dataset, per named graph and per class; one DCAT distribution per dump."""
    g = Graph()
    dataset = URIRef(f"{base}dataset")
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, Literal("pilotkg: China's service-industry opening-up pilot programmes", lang="en")))
    g.add((dataset, DCTERMS.title, Literal("服务业扩大开放综合试点知识图谱", lang="zh")))
    g.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "The plans and task lists of the pilot programmes as linked data, each task traced to the "
                "characters of its source document.",
                lang="en",
            ),
        )
    )
    g.add((dataset, DCTERMS.license, LICENCE))
    if issued:
        g.add((dataset, DCTERMS.modified, Literal(issued, datatype=XSD.date)))
    g.add((dataset, VOID.uriSpace, Literal(f"{base}id/")))
    g.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}sparql")))
    g.add((dataset, VOID.vocabulary, URIRef("https://w3id.org/pilotkg/ontology#")))
    g.add((dataset, VOID.triples, _count(counts.triples)))
    g.add((dataset, VOID.distinctSubjects, _count(counts.subjects)))
    g.add((dataset, VOID.properties, _count(len(counts.properties))))
    classes = counts.classes
    g.add((dataset, VOID.classes, _count(len(classes))))
    for cls, n in sorted(classes.items()):
        part = URIRef(f"{base}dataset/class/{cls.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}")
        g.add((dataset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, _count(n)))
    for name, n in sorted(counts.graphs.items()):
        subset = URIRef(f"{base}dataset/graph/{name.rstrip('/').rsplit('/', 1)[-1]}")
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, DCTERMS.identifier, URIRef(name)))
        g.add((subset, VOID.triples, _count(n)))
    for path in dumps:
        url = URIRef(f"{base}dumps/{path.name}")
        g.add((dataset, VOID.dataDump, url))
        dist = URIRef(f"{base}dataset/distribution/{path.name}")
        g.add((dataset, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add(
            (dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES[path.suffix]}"))
        )
        g.add((dist, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        g.add((dist, DCTERMS.license, LICENCE))
    return g
