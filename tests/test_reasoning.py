"""OWL reasoning: HermiT finds the ontology plus the data consistent, and catches contradictions.

Also the end-to-end check of section 4: the real Wuhan graph conforms to the shapes and is
consistent (marked slow; skipped until the graph builder can be imported and run).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from pilotkg.graph.reason import ReasoningResult, check_consistency, load_ontology
from pilotkg.graph.validate import union_graph, validate
from pilotkg.paths import SOURCES_DIR

FIXTURES = Path(__file__).parent / "fixtures"
PILOT = Namespace("https://w3id.org/pilotkg/ontology#")
P = Namespace("https://w3id.org/pilotkg/id/pilot/wuhan-2022/")
EX = Namespace("https://example.org/test#")

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java on the PATH")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology()


@pytest.fixture
def mini() -> Graph:
    ds = Dataset()
    ds.parse(FIXTURES / "mini.trig", format="trig")
    return union_graph(ds)


def test_ontology_and_fixture_are_consistent(mini: Graph, ontology: Graph) -> None:
    result = check_consistency(mini, ontology=ontology)
    assert result.consistent, str(result)
    assert result.unsatisfiable == []
    assert result.ok
    assert "consistent, no unsatisfiable class" in str(result)


def test_ontology_files_are_added_when_the_data_lacks_them(mini: Graph) -> None:
    """The fixture carries no ontology: a contradiction that needs the ontology's disjointness axiom
    (Task ⊓ Measure = ∅) is only found if check_consistency loads ontology/ itself."""
    assert (None, OWL.disjointWith, None) not in mini
    mini.add((P["task/1-1"], RDF.type, PILOT.Measure))
    assert not check_consistency(mini).consistent


def test_individual_in_two_disjoint_classes_is_inconsistent(mini: Graph, ontology: Graph) -> None:
    assert (PILOT.Task, OWL.disjointWith, PILOT.Measure) in ontology
    mini.add((P["task/1-1"], RDF.type, PILOT.Measure))
    result = check_consistency(mini, ontology=ontology)
    assert not result.consistent
    assert not result.ok
    assert "INCONSISTENT" in str(result)


def test_functional_property_with_two_distinct_values_is_inconsistent(mini: Graph, ontology: Graph) -> None:
    """pilot:inTable is functional; two tables that are also declared different cannot both hold."""
    assert (PILOT.inTable, RDF.type, OWL.FunctionalProperty) in ontology
    other = P["table/2"]
    mini.add((other, RDF.type, PILOT.TaskTable))
    mini.add((P["task/1-1"], PILOT.inTable, other))
    mini.add((other, OWL.differentFrom, P["table/1"]))
    assert not check_consistency(mini, ontology=ontology).consistent


def test_unsatisfiable_class_is_reported(mini: Graph, ontology: Graph) -> None:
    """A class below two disjoint classes has no possible member: consistent, but unsatisfiable."""
    mini.add((EX.TaskMeasure, RDF.type, OWL.Class))
    mini.add((EX.TaskMeasure, RDFS.subClassOf, PILOT.Task))
    mini.add((EX.TaskMeasure, RDFS.subClassOf, PILOT.Measure))
    result = check_consistency(mini, ontology=ontology)
    assert result.consistent
    assert result.unsatisfiable == [str(EX.TaskMeasure)]
    assert not result.ok
    assert "unsatisfiable" in str(result)


def test_dates_outside_the_owl2_datatype_map_do_not_break_hermit(mini: Graph, ontology: Graph) -> None:
    """The graph carries xsd:date and xsd:gYear literals, which HermiT would otherwise reject."""
    assert any(o.datatype == XSD.date for o in mini.objects(None, None) if isinstance(o, Literal))
    assert check_consistency(mini, ontology=ontology).consistent


def test_reasoning_leaves_no_temporary_files(mini: Graph, ontology: Graph, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    check_consistency(mini, ontology=ontology)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------ the real Wuhan graph


@pytest.fixture(scope="module")
def wuhan_dataset() -> Dataset:
    try:
        from pilotkg.graph.build import build_dataset
    except ImportError as exc:
        pytest.skip(f"the graph builder is not importable yet: {exc}")
    try:
        built = build_dataset([SOURCES_DIR / "wuhan-2022.txt"])
    except ImportError as exc:  # the builder imports parts that may not have landed yet
        pytest.skip(f"the graph builder cannot run yet: {exc}")
    return built[0] if isinstance(built, tuple) else built


@pytest.mark.slow
def test_real_wuhan_graph_conforms(wuhan_dataset: Dataset) -> None:
    validate(wuhan_dataset)  # warm-up
    started = time.perf_counter()
    result = validate(wuhan_dataset)
    elapsed = time.perf_counter() - started
    assert result.conforms, result.report_text()
    assert elapsed < 5.0, f"validation took {elapsed:.2f} s"


@pytest.mark.slow
def test_real_wuhan_graph_is_consistent(wuhan_dataset: Dataset) -> None:
    result: ReasoningResult = check_consistency(wuhan_dataset)
    assert result.consistent, str(result)
    assert result.unsatisfiable == [], str(result)


@pytest.mark.slow
def test_real_wuhan_graph_with_a_broken_task_is_refused(wuhan_dataset: Dataset) -> None:
    """The shapes bite on the real graph too, not only on the fixture: a core rule (language tag)
    and a SPARQL rule (numbering) on one task."""
    graph = union_graph(wuhan_dataset) + Graph()
    task = graph.value(predicate=PILOT.taskNumber, object=Literal(2))
    assert isinstance(task, URIRef)
    table = graph.value(task, PILOT.inTable)
    graph.set((task, PILOT.text, Literal("no language tag")))
    graph.set((task, PILOT.taskNumber, Literal(1)))
    result = validate(graph)
    assert not result.conforms
    assert any(v.focus == task and v.path == "pilot:text" for v in result.violations)
    assert any(v.focus == table and "task number 1 is used more than once" in v.message for v in result.violations), (
        result.report_text()
    )
