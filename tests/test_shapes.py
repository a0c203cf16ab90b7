"""SHACL shapes: the hand-made fixture conforms, and each rule refuses a graph broken against it.

Every negative test changes one thing in tests/fixtures/mini.trig and checks that validation fails
with the rule's message on the right focus node — so a rule that silently stopped firing (a typo
in a path, a SPARQL query that never matches) makes a test fail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from pilotkg.graph.gate import Gate
from pilotkg.graph.publish import ox_triples
from pilotkg.graph.validate import SH, ValidationResult, load_shapes, union_graph, validate

FIXTURES = Path(__file__).parent / "fixtures"
PILOT = Namespace("https://w3id.org/pilotkg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
DCT = Namespace("http://purl.org/dc/terms/")
ORG = Namespace("http://www.w3.org/ns/org#")
ID = Namespace("https://w3id.org/pilotkg/id/")
P = Namespace("https://w3id.org/pilotkg/id/pilot/wuhan-2022/")
PILOT_IRI = URIRef("https://w3id.org/pilotkg/id/pilot/wuhan-2022")
TABLE, PLAN, NOTICE, SOURCE = P["table/1"], P["plan"], P["notice"], P["source"]
T1, T2, T3 = P["task/1-1"], P["task/1-2"], P["task/1-3"]
SECTOR = ID["sector/science-technology"]


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset()
    ds.parse(FIXTURES / "mini.trig", format="trig")
    return ds


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def gate() -> Gate:
    """The build's gate (core shapes compiled to SPARQL, and the SPARQL rules); the fixture holds its vocabulary."""
    return Gate.for_pilots([])


@pytest.fixture
def mini(dataset: Dataset) -> Graph:
    """A fresh, mutable union of the fixture's graphs."""
    return union_graph(dataset) + Graph()


# --------------------------------------------------------------------------------------- positive


def test_fixture_conforms(dataset: Dataset) -> None:
    result = validate(dataset)
    assert result.conforms, result.report_text()
    assert result.violations == []
    assert "conforms" in result.report_text()


def test_the_build_gate_accepts_the_fixture(dataset: Dataset, gate: Gate) -> None:
    assert gate.check("urn:test:mini", ox_triples(union_graph(dataset))) is None


def test_fixture_spans_are_faithful_to_its_source(dataset: Dataset) -> None:
    """The fixture is only a fair stand-in if its own provenance is right."""
    raw = (FIXTURES / "mini-source.txt").read_bytes()
    text = raw.decode("utf-8")
    g = union_graph(dataset)
    assert g.value(SOURCE, PILOT.characterCount).toPython() == len(text)
    assert str(g.value(SOURCE, PILOT.sha256)) == hashlib.sha256(raw).hexdigest()
    positions = list(g.subjects(RDF.type, OA.TextPositionSelector))
    assert len(positions) == 17
    for position in positions:
        start = g.value(position, OA.start).toPython()
        end = g.value(position, OA.end).toPython()
        assert str(g.value(URIRef(str(position).replace("/position", "/quote")), OA.exact)) == text[start:end]
    for thing in (T1, T2, T3):  # a task's source span holds exactly its text
        span = g.value(thing, PILOT.sourceSpan)
        position = URIRef(f"{span}/position")
        quote = URIRef(str(position).replace("/position", "/quote"))
        assert str(g.value(quote, OA.exact)) == str(g.value(thing, PILOT.text))


def test_every_class_of_the_model_has_a_shape(shapes: Graph) -> None:
    targets = set(shapes.objects(None, SH.targetClass))
    model_classes = {
        PILOT[name]
        for name in [
            "Pilot",
            "Notice",
            "PlanDocument",
            "Section",
            "Paragraph",
            "TaskTable",
            "TaskGroup",
            "Task",
            "Measure",
            "SourceText",
            "Agency",
            "Sector",
            "MeasureType",
            "City",
            "Province",
        ]
    } | {OA.SpecificResource, OA.TextPositionSelector}
    assert model_classes <= targets, model_classes - targets
    assert PILOT.category in set(shapes.objects(None, SH.targetObjectsOf))


def test_sparql_shapes_carry_only_sparql_rules(shapes: Graph) -> None:
    """validate() runs shapes with sh:sparql on Oxigraph and the rest on rdflib; a core constraint
    slipped into a SPARQL shape would run on the engine where pyshacl's core checks misbehave."""
    allowed = {
        RDF.type,
        SH.targetClass,
        SH.targetObjectsOf,
        SH.targetSubjectsOf,
        SH.sparql,
        URIRef(str(SH) + "message"),
    }
    for shape in set(shapes.subjects(SH.sparql, None)):
        assert set(shapes.predicates(shape, None)) <= allowed, shape


def test_dataset_and_union_graph_give_the_same_verdict(dataset: Dataset, mini: Graph) -> None:
    mini.remove((T2, PILOT.text, None))
    broken = Dataset()
    broken.graph(URIRef("https://w3id.org/pilotkg/graph/wuhan-2022")).__iadd__(mini)
    assert not validate(broken).conforms
    assert not validate(mini).conforms


def test_report_groups_results_by_message(mini: Graph) -> None:
    for task in (T1, T2, T3):
        mini.remove((task, PILOT.ofPilot, None))
    result = validate(mini)
    text = result.report_text()
    assert not result.conforms
    assert text.count("A task needs exactly one pilot:ofPilot") == 1
    assert "(3×)" in text
    assert "task/1-2" in text
    assert len(text.splitlines()) < 20


# --------------------------------------------------------------------------------------- negative


@dataclass(frozen=True)
class Case:
    mutate: Callable[[Graph], None]
    message: str  # a fragment of the expected sh:resultMessage
    focus: URIRef | None = None
    path: str | None = None


def _set(s: URIRef, p: URIRef, o: object) -> Callable[[Graph], None]:
    return lambda g: g.set((s, p, o))


def _remove(s: URIRef | None, p: URIRef | None, o: object = None) -> Callable[[Graph], None]:
    return lambda g: g.remove((s, p, o))


def _position(thing: URIRef, g: Graph, prop: URIRef = PILOT.sourceSpan) -> URIRef:
    return URIRef(f"{g.value(thing, prop)}/position")


def _drop_quote(thing: URIRef) -> Callable[[Graph], None]:
    def mutate(g: Graph) -> None:
        span = g.value(thing, PILOT.sourceSpan)
        quote = URIRef(f"{span}/quote")
        g.remove((span, OA.hasSelector, quote))
        g.remove((quote, None, None))

    return mutate


def _page_selector(thing: URIRef, value: str) -> Callable[[Graph], None]:
    """A PDF page selector added to the thing's span, with ``value`` as its rdf:value."""

    def mutate(g: Graph) -> None:
        span = g.value(thing, PILOT.sourceSpan)
        page = URIRef(f"{span}/page")
        g.add((span, OA.hasSelector, page))
        g.add((page, RDF.type, OA.FragmentSelector))
        g.add((page, URIRef("http://purl.org/dc/terms/conformsTo"), URIRef("http://tools.ietf.org/rfc/rfc8118")))
        g.add((page, RDF.value, Literal(value)))

    return mutate


def _span_end(thing: URIRef, end: int) -> Callable[[Graph], None]:
    def mutate(g: Graph) -> None:
        g.set((_position(thing, g), OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))

    return mutate


def _span_start(thing: URIRef, start: int) -> Callable[[Graph], None]:
    def mutate(g: Graph) -> None:
        g.set((_position(thing, g), OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))

    return mutate


def _swap_measure_numbers(g: Graph) -> None:
    g.set((P["task/1-3/measure/1"], PILOT.measureNumber, Literal(2)))
    g.set((P["task/1-3/measure/2"], PILOT.measureNumber, Literal(1)))


def _drop_last_measure(g: Graph) -> None:
    g.remove((T3, PILOT.hasMeasure, P["task/1-3/measure/2"]))
    g.remove((P["task/1-3/measure/2"], None, None))


def _duplicate_paragraph_number(g: Graph) -> None:
    other = P["paragraph/2"]
    for _, p, o in list(g.triples((P["paragraph/1"], None, None))):
        g.add((other, p, o))


def _sector_in_measure_type_scheme(g: Graph) -> None:
    g.set((SECTOR, SKOS.inScheme, ID["measure-type"]))


def _second_zh_label(g: Graph) -> None:
    g.add((ID["agency/mofcom"], SKOS.prefLabel, Literal("商务部（另称）", lang="zh")))


def _blank_agency(g: Graph) -> None:
    agency = BNode()
    g.add((agency, RDF.type, PILOT.Agency))
    g.add((agency, RDF.type, ORG.Organization))
    g.add((agency, SKOS.prefLabel, Literal("某机构", lang="zh")))
    g.add((agency, SKOS.prefLabel, Literal("Some agency", lang="en")))


CASES: dict[str, Case] = {
    # --- task numbering (SPARQL)
    "duplicate task number": Case(
        _set(T3, PILOT.taskNumber, Literal(2)), "task number 2 is used more than once", TABLE
    ),
    "gap in task numbers": Case(_set(T3, PILOT.taskNumber, Literal(4)), "task number 3 is missing", TABLE),
    "task numbers not from 1": Case(
        lambda g: [g.set((t, PILOT.taskNumber, Literal(n + 1))) for n, t in enumerate((T1, T2, T3), 1)],
        "task number 1 is missing",
        TABLE,
    ),
    "gap in measure numbers": Case(
        _set(P["task/1-3/measure/2"], PILOT.measureNumber, Literal(3)), "measure number 2 is missing", T3
    ),
    "gap in table numbers": Case(_set(TABLE, PILOT.tableNumber, Literal(2)), "table number 1 is missing", PLAN),
    "duplicate paragraph number": Case(_duplicate_paragraph_number, "paragraph number 1 is used more than once", PLAN),
    # --- task cardinalities and datatypes (core)
    "task without text": Case(_remove(T2, PILOT.text), "Needs exactly one pilot:text", T2, "pilot:text"),
    "task text without @zh": Case(
        _set(T2, PILOT.text, Literal("支持武汉市创建中国软件名园。")), "tagged @zh", T2, "pilot:text"
    ),
    "task text in English": Case(
        _set(T2, PILOT.text, Literal("Support Wuhan.", lang="en")), "tagged @zh", T2, "pilot:text"
    ),
    "non-integer task number": Case(
        _set(T2, PILOT.taskNumber, Literal("2")), "pilot:taskNumber, an xsd:integer", T2, "pilot:taskNumber"
    ),
    "task number 0": Case(
        _set(T1, PILOT.taskNumber, Literal(0)), "pilot:taskNumber, an xsd:integer ≥ 1", T1, "pilot:taskNumber"
    ),
    "task without table": Case(_remove(T1, PILOT.inTable), "exactly one pilot:inTable", T1, "pilot:inTable"),
    "task in two groups": Case(
        lambda g: g.add((T1, PILOT.inGroup, P["group/1-2"])), "exactly one pilot:inGroup", T1, "pilot:inGroup"
    ),
    "task without pilot": Case(_remove(T1, PILOT.ofPilot), "exactly one pilot:ofPilot", T1, "pilot:ofPilot"),
    "task of another pilot": Case(
        _set(T1, PILOT.ofPilot, ID["pilot/other-2022"]), "exactly one pilot:ofPilot, a pilot:Pilot", T1
    ),
    "task without measures": Case(
        _remove(T2, PILOT.hasMeasure), "at least one pilot:hasMeasure", T2, "pilot:hasMeasure"
    ),
    "non-boolean matchesNarrative": Case(
        _set(T1, PILOT.matchesNarrative, Literal("yes")), "pilot:matchesNarrative, an xsd:boolean", T1
    ),
    "numberInferred false": Case(
        lambda g: g.add((T1, PILOT.numberInferred, Literal(False))), "absent or exactly true", T1
    ),
    # --- the narrative (core: sh:xone, sh:disjoint)
    "matchesNarrative false without narrativeText": Case(
        _remove(T3, PILOT.narrativeText),
        "false exactly when it keeps a pilot:narrativeText",
        T3,
    ),
    "matchesNarrative true with narrativeText": Case(
        lambda g: g.add((T1, PILOT.narrativeText, Literal("另一种表述。", lang="zh"))),
        "false exactly when it keeps a pilot:narrativeText",
        T1,
    ),
    "narrativeText equal to text": Case(
        _set(T3, PILOT.narrativeText, Literal("规范探索知识产权证券化，实现首单产品发行。", lang="zh")),
        "different from its pilot:text",
        T3,
    ),
    # --- sectors (core sh:class + SPARQL scheme check)
    "sector that is not a Sector": Case(
        _set(T1, PILOT.sector, ID["measure-type/support"]), "a pilot:Sector concept of the sector scheme", T1
    ),
    "sector outside any scheme": Case(_remove(SECTOR, SKOS.inScheme), "a skos:Concept of a skos:ConceptScheme", SECTOR),
    "sector in another concept scheme": Case(
        _sector_in_measure_type_scheme, "All sectors must belong to one concept scheme", SECTOR
    ),
    "two sectors on one task": Case(
        lambda g: g.add((T1, PILOT.sector, ID["sector/other"])), "at most one pilot:sector", T1
    ),
    # --- spans (core sh:lessThan + SPARQL against the source)
    "span beyond the document": Case(_span_end(T3, 400), "ends beyond the end of its source text", SOURCE),
    "span with start after end": Case(_span_start(T2, 370), "oa:start must be less than its oa:end"),
    "span exact of the wrong length": Case(_span_end(T2, 368), "does not have the length oa:end − oa:start", SOURCE),
    "span start as plain integer": Case(
        lambda g: g.set((_position(T1, g), OA.start, Literal(322))), "oa:start, an xsd:nonNegativeInteger"
    ),
    "span without source": Case(
        lambda g: g.remove((g.value(T1, PILOT.sourceSpan), OA.hasSource, None)), "exactly one oa:hasSource"
    ),
    "task span from another source": Case(
        lambda g: g.set((T1, PROV_DERIVED, P["other-source"])), "same source text", T1
    ),
    # --- measures against their task (SPARQL)
    "measure text not inside its task": Case(
        _set(P["task/1-3/measure/2"], PILOT.text, Literal("实现首单发行。", lang="zh")),
        "does not occur in its task's text",
        T3,
    ),
    "measures out of order": Case(_swap_measure_numbers, "is not where its task's measures", T3),
    "measures not covering the task": Case(_drop_last_measure, "do not give the task's text", T3),
    "measure claimed by another task": Case(
        _set(P["task/1-2/measure/1"], PILOT.ofTask, T1), "must list it with pilot:hasMeasure"
    ),
    "measure without type": Case(_remove(P["task/1-2/measure/1"], PILOT.measureType), "exactly one pilot:measureType"),
    # --- documents
    "span without a text quote": Case(_drop_quote(T1), "needs an oa:TextQuoteSelector"),
    "PDF page selector not of the form page=N": Case(_page_selector(T1, "p3"), "page=N (RFC 8118)"),
    "addressee that is no agency": Case(
        _set(NOTICE, PILOT.addressedTo, T1), "pilot:addressedTo values are pilot:Agency", NOTICE, "pilot:addressedTo"
    ),
    "notice date as a string": Case(
        _set(NOTICE, DCT.issued, Literal("2022-12-29")), "dcterms:issued, an xsd:date", NOTICE
    ),
    "notice title without language": Case(
        _set(NOTICE, DCT.title, Literal("通知")), "dcterms:title, tagged @zh", NOTICE
    ),
    "pilot year not the notice's": Case(
        _set(PILOT_IRI, PILOT.year, Literal("2021", datatype=XSD.gYear)),
        "is not the year its notice was issued",
        PILOT_IRI,
    ),
    "paragraph without heading": Case(
        _remove(P["paragraph/1"], PILOT.heading), "exactly one pilot:heading", P["paragraph/1"]
    ),
    "bad section number": Case(
        _set(P["section/2-1"], PILOT.sectionNumber, Literal("二")), "pilot:sectionNumber", P["section/2-1"]
    ),
    "table with two narrative sections": Case(
        lambda g: g.add((TABLE, PILOT.narrativeSection, ID["pilot/wuhan-2022/section/1"])),
        "pilot:narrativeSection",
        TABLE,
    ),
    "located task without its narrative paragraph": Case(
        _remove(T1, PILOT.narrativeParagraph),
        "a task not located has none of them",
        T1,
    ),
    "bad sha256": Case(_set(SOURCE, PILOT.sha256, Literal("ABC")), "64 lower-case hex digits", SOURCE),
    # --- vocabularies
    "agency with two Chinese labels": Case(
        _second_zh_label, "at most one per language", ID["agency/mofcom"], "skos:prefLabel"
    ),
    "agency without English label": Case(
        lambda g: g.remove(
            (
                ID["agency/mfa"],
                SKOS.prefLabel,
                Literal("Ministry of Foreign Affairs of the People's Republic of China", lang="en"),
            )
        ),
        "one Chinese (@zh) and one English (@en)",
        ID["agency/mfa"],
    ),
    "sector label in French": Case(
        lambda g: g.add((SECTOR, SKOS.prefLabel, Literal("services scientifiques", lang="fr"))),
        "tagged @zh or @en",
        SECTOR,
    ),
    "blank-node agency": Case(_blank_agency, "An agency must be an IRI"),
}

PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


@pytest.mark.parametrize("name", list(CASES))
def test_broken_graph_is_refused(name: str, mini: Graph, shapes: Graph) -> None:
    case = CASES[name]
    case.mutate(mini)
    result: ValidationResult = validate(mini, shapes=shapes)
    assert not result.conforms, f"{name}: the broken graph was accepted"
    matching = [v for v in result.violations if case.message in v.message]
    assert matching, f"{name}: expected {case.message!r} in\n{result.report_text()}"
    if case.focus is not None:
        assert case.focus in {v.focus for v in matching}, result.report_text()
    if case.path is not None:
        assert case.path in {v.path for v in matching}, result.report_text()


@pytest.mark.parametrize("name", list(CASES))
def test_the_build_gate_refuses_it_too(name: str, mini: Graph, gate: Gate) -> None:
    """The build's gate refuses every broken graph pyshacl refuses, and its report (pyshacl's)
    names the rule (tests/test_shacl_sparql.py compares the compiled core shapes result for result)."""
    CASES[name].mutate(mini)
    report = gate.check("urn:test:mini", ox_triples(mini))
    assert report is not None, f"{name}: the build gate accepted the broken graph"
    assert CASES[name].message in report, report


@pytest.mark.parametrize("name", [None, *CASES])
def test_the_gate_runs_each_sparql_rule_once_a_graph_with_the_same_findings(
    name: str | None, mini: Graph, gate: Gate, shapes: Graph
) -> None:
    """The gate joins the focus nodes into each SPARQL rule (one query a graph); for the fixture
    and every broken case that finds exactly the focus nodes that pre-binding $this one node at a
    time finds, which is how SHACL-SPARQL defines a rule."""
    if name is not None:
        CASES[name].mutate(mini)
    triples = ox_triples(mini)
    per_node = gate.sparql_violations(triples, joined=False)
    assert gate.sparql_violations(triples) == per_node
    sparql_messages = {str(m) for rule in shapes.objects(None, SH.sparql) for m in shapes.objects(rule, SH.message)}
    if name is not None and any(CASES[name].message in message for message in sparql_messages):
        assert any(per_node.values()), f"{name}: no SPARQL rule found the break"
