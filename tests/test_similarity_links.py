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
    import pyoxigraph as ox

    from pilotkg.graph.gate import Gate, link_types
    from pilotkg.graph.publish import ox_triples
    from pilotkg.graph.vocab import vocab_graph

    vocab = ox_triples(vocab_graph("https://w3id.org/pilotkg/"))
    assert Gate.for_pilots(vocab).check("https://w3id.org/pilotkg/graph/vocab", vocab) is None
    links = [ox.Triple(ox.NamedNode(f"{TASK}1-1"), ox.NamedNode(str(PILOT.similarTo)), ox.NamedNode(f"{TASK}1-2"))]
    gate = Gate.for_links()
    assert gate.check("https://w3id.org/pilotkg/graph/similarity", links + link_types(links)) is not None
    report = gate.check("https://w3id.org/pilotkg/graph/similarity", links + link_types(links))
    assert "must go both ways" in report and "links tasks or measures" not in report
    both = [*links, ox.Triple(links[0].object, links[0].predicate, links[0].subject)]
    assert gate.check("https://w3id.org/pilotkg/graph/similarity", both + link_types(both)) is None


def test_the_link_rule_finds_the_same_links_for_all_at_once_as_one_by_one():
    """The gate runs the links' SPARQL rule once for a batch (focus nodes joined in); it finds the
    subjects that pre-binding each focus node finds: a one-way link, and a task linked to a measure."""
    import pyoxigraph as ox

    from pilotkg.graph.gate import Gate, link_types

    similar = ox.NamedNode(str(PILOT.similarTo))
    task = [ox.NamedNode(f"{TASK}1-{n}") for n in range(1, 7)]
    measure = ox.NamedNode(f"{TASK}1-6/measure/1")
    links = [
        ox.Triple(task[0], similar, task[1]),  # both ways: fine
        ox.Triple(task[1], similar, task[0]),
        ox.Triple(task[2], similar, task[3]),  # one way
        ox.Triple(task[4], similar, measure),  # a task and a measure, both ways
        ox.Triple(measure, similar, task[4]),
    ]
    gate = Gate.for_links()
    data = links + link_types(links)
    found = gate.sparql_violations(data)
    assert found == gate.sparql_violations(data, joined=False)
    # the rule flags a task whose partner is no task; a measure's partner is the core shapes' concern
    assert set().union(*found.values()) == {f"<{task[2].value}>", f"<{task[4].value}>"}
