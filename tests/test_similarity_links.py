"""Similarity links in the built graph: present, symmetric, and guarded by the shapes."""

from __future__ import annotations

import pytest
from rdflib import RDF, Literal, Namespace, URIRef
from rdflib.namespace import XSD

from pilotkg.graph.build import build_dataset
from pilotkg.graph.validate import validate
from pilotkg.paths import SOURCES_DIR

PILOT = Namespace("https://w3id.org/pilotkg/ontology#")
TASK = "https://w3id.org/pilotkg/id/pilot/wuhan-2022/task/"


@pytest.fixture()
def dataset():
    ds, _ = build_dataset([SOURCES_DIR])
    return ds


def _links(ds):
    return ds.graph(URIRef("https://w3id.org/pilotkg/graph/similarity"))


def test_repeated_measures_are_linked_both_ways(dataset):
    links = _links(dataset)
    # Task 5-11 carries the sentence that is task 5-13: their measures of it are linked.
    a, b = URIRef(f"{TASK}5-11/measure/3"), URIRef(f"{TASK}5-13/measure/1")
    assert (a, PILOT.similarTo, b) in links and (b, PILOT.similarTo, a) in links
    (node,) = [s for s in links.subjects(PILOT.between, a) if (s, PILOT.between, b) in links]
    assert links.value(node, PILOT.similarityScore) == Literal("1.000", datatype=XSD.decimal)


def test_one_way_link_is_refused(dataset):
    a, b = URIRef(f"{TASK}1-1"), URIRef(f"{TASK}1-2")
    _links(dataset).add((a, PILOT.similarTo, b))
    result = validate(dataset)
    assert not result.conforms
    assert "must go both ways" in result.report_text()


def test_similarity_with_a_score_above_one_is_refused(dataset):
    links = _links(dataset)
    node = next(links.subjects(RDF.type, PILOT.Similarity))
    links.set((node, PILOT.similarityScore, Literal("1.5", datatype=XSD.decimal)))
    result = validate(dataset)
    assert not result.conforms
    assert "from 0 to 1" in result.report_text()


def test_the_build_gate_checks_the_links_on_their_own():
    """The build validates graph by graph; a one-way link in the similarity graph is caught there."""
    from rdflib import Graph

    from pilotkg.graph.build import _Gate
    from pilotkg.graph.vocab import vocab_graph

    vocab = vocab_graph("https://w3id.org/pilotkg/")
    gate = _Gate(vocab)
    assert gate.check(URIRef("https://w3id.org/pilotkg/graph/vocab"), vocab) is None
    links = Graph()
    links.add((URIRef(f"{TASK}1-1"), PILOT.similarTo, URIRef(f"{TASK}1-2")))
    report = gate.check(URIRef("https://w3id.org/pilotkg/graph/similarity"), links)
    assert report is not None and "must go both ways" in report and "links tasks or measures" not in report
