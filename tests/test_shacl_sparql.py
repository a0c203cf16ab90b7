"""The core shapes compiled to SPARQL (graph/shacl_sparql.py) find what pyshacl finds.

The build gate checks every graph of a build with the compiled shapes, so a constraint the
compiler got wrong would let a broken graph through. These tests compare the two engines result
for result — each (focus node, source shape) — on the fixture, on every broken case of
tests/test_shapes.py and on random breakages of the fixture (seeded, so a failure repeats), and
test the parts that the fixture does not reach on small graphs and shapes written here.
"""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from pilotkg.graph.gate import Gate
from pilotkg.graph.publish import ox_triples
from pilotkg.graph.shacl_sparql import EXACT, CompiledShapes, exact, exact_store
from pilotkg.graph.validate import SH, load_shapes, split_shapes, union_graph
from tests.test_shapes import CASES, FIXTURES


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def gate(shapes: Graph) -> Gate:
    return Gate(shapes, [])


@pytest.fixture(scope="module")
def fixture_graph() -> Graph:
    ds = Dataset()
    ds.parse(FIXTURES / "mini.trig", format="trig")
    return union_graph(ds)


def _node(node: object) -> str:
    if isinstance(node, (BNode, ox.BlankNode)):
        return "_:"  # blank node labels differ between the engines
    return node.value if isinstance(node, ox.NamedNode) else str(node)


def pyshacl_results(graph: Graph, shapes: Graph) -> set[tuple[str, str]]:
    """pyshacl's results, as (focus node, source shape): the report's own results, not the
    details of a nested shape's failure that pyshacl attaches to some."""
    import pyshacl

    _, report, _ = pyshacl.validate(graph, shacl_graph=shapes, advanced=True)
    return {
        (_node(report.value(result, SH.focusNode)), str(report.value(result, SH.sourceShape)))
        for top in report.subjects(RDF.type, SH.ValidationReport)
        for result in report.objects(top, SH.result)
    }


def pyshacl_core(graph: Graph, shapes: Graph) -> set[tuple[str, str]]:
    return pyshacl_results(graph, split_shapes(shapes)[0])


def compiled(gate: Gate, graph: Graph) -> set[tuple[str, str]]:
    return {(_node(focus), str(shape)) for focus, shape in gate.core_findings(ox_triples(graph))}


def test_the_fixture_has_no_finding(fixture_graph: Graph, gate: Gate, shapes: Graph) -> None:
    assert compiled(gate, fixture_graph) == set() == pyshacl_core(fixture_graph, shapes)


@pytest.mark.parametrize("name", list(CASES))
def test_each_broken_case_gives_pyshacls_findings(name: str, fixture_graph: Graph, gate: Gate, shapes: Graph) -> None:
    graph = fixture_graph + Graph()
    CASES[name].mutate(graph)
    assert compiled(gate, graph) == pyshacl_core(graph, shapes)


def _breakages(graph: Graph, rng: random.Random) -> list[tuple[str, Graph]]:
    """Random single changes of ``graph``, of the kinds a faulty writer makes."""
    triples = sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    literals = [t for t in triples if isinstance(t[2], Literal)]
    iris = [t for t in triples if isinstance(t[2], URIRef) and t[1] != RDF.type]
    typed = [t for t in triples if t[1] == RDF.type]
    changes = []
    for _ in range(8):
        changes.append(("drop", rng.choice(triples), None))
        s, p, o = rng.choice(literals)
        changes.append(("retag", (s, p, o), Literal(str(o), lang=rng.choice(["en", "fr", None]))))
        changes.append(
            (
                "retype",
                (s, p, o),
                Literal(str(o), datatype=rng.choice([XSD.integer, XSD.string, XSD.nonNegativeInteger, XSD.date])),
            )
        )
        changes.append(("again", (s, p, o), Literal(str(o) + "·")))  # a second, different value
        if o.datatype in (None, XSD.string):  # rdflib would rewrite an empty boolean as "false"
            changes.append(("empty", (s, p, o), Literal("", lang=o.language, datatype=o.datatype)))
        s, p, o = rng.choice(iris)
        changes.append(("literal", (s, p, o), Literal(str(o))))
        changes.append(("elsewhere", (s, p, o), rng.choice(iris)[2]))
        changes.append(("blank", (s, p, o), BNode()))
        s, p, o = rng.choice(typed)
        changes.append(("untype", (s, p, o), rng.choice(typed)[2]))
    out = []
    for kind, (s, p, o), new in changes:
        g = graph + Graph()
        if kind != "again":
            g.remove((s, p, o))
        if new is not None:
            g.add((s, p, new))
        out.append((f"{kind} {s} {p} {o} -> {new}", g))
    return out


@pytest.mark.parametrize("seed", range(2))
def test_random_breakages_give_pyshacls_findings(seed: int, fixture_graph: Graph, gate: Gate, shapes: Graph) -> None:
    """The same findings; but where sh:lessThan meets an ill-typed literal, SHACL says values that
    cannot be compared fail (the compiled shapes do), while pyshacl compares rdflib's Python
    values and may let them pass: such extra findings are allowed, in graphs pyshacl refuses."""
    less_than = {str(s) for s in shapes.subjects(SH.lessThan, None)}
    for label, graph in _breakages(fixture_graph, random.Random(seed)):
        ours, theirs = compiled(gate, graph), pyshacl_core(graph, shapes)
        assert theirs <= ours, label
        assert all(shape in less_than for _, shape in ours - theirs) and (ours == theirs or theirs), label


# ------------------------------------------------------------------------ what the fixture does not reach

EX = "http://example.org/"


PREFIXES = (
    "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> . "
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . "
)


def _findings(shapes_ttl: str, data_ttl: str) -> tuple[set, set]:
    """(compiled, pyshacl) findings of shapes written for a test, as (focus, source shape). The
    compiled shapes see the data as Oxigraph parses it (as a build writes it: literals as
    written); pyshacl sees it through rdflib, which writes typed literals in canonical form."""
    shapes = Graph().parse(data=PREFIXES + shapes_ttl, format="turtle")
    data = Graph().parse(data=PREFIXES + data_ttl, format="turtle")
    parsed = ox.parse((PREFIXES + data_ttl).encode(), format=ox.RdfFormat.TURTLE)
    store = exact_store(ox.serialize(parsed, format=ox.RdfFormat.N_TRIPLES).decode())
    ours = {(_node(focus), str(shape)) for focus, shape in CompiledShapes(shapes).findings(store)}
    return ours, pyshacl_results(data, shapes)


def _on(target: str, *props: str) -> str:
    """A node shape ex:S with ``target`` and property shapes ex:P0, ex:P1 … of ``props``."""
    names = ", ".join(f"ex:P{i}" for i in range(len(props)))
    return f"ex:S a sh:NodeShape ; {target} ; sh:property {names} . " + " ".join(
        f"ex:P{i} {p} ." for i, p in enumerate(props)
    )


CANONICAL = object()  # pyshacl cannot see the case: rdflib reads "01"^^xsd:integer as "1"
NNI = "xsd:nonNegativeInteger"


@pytest.mark.parametrize(
    ("shape", "data", "failing"),
    [
        # a count above one, and a qualified maximum
        (
            _on("sh:targetClass ex:C", "sh:path ex:p ; sh:minCount 3 ; sh:maxCount 3"),
            "ex:a a ex:C ; ex:p 1, 2 . ex:b a ex:C ; ex:p 1, 2, 3 . ex:c a ex:C ; ex:p 1, 2, 3, 4 .",
            {"a", "c"},
        ),
        (
            _on(
                "sh:targetClass ex:C",
                "sh:path ex:p ; sh:qualifiedValueShape [ sh:datatype xsd:integer ] ; sh:qualifiedMaxCount 1",
            ),
            'ex:a a ex:C ; ex:p 1, "x" . ex:b a ex:C ; ex:p 1, 2 .',
            {"b"},
        ),
        # datatypes the store would rewrite: derived integers, ill-typed and non-canonical literals
        (
            _on("sh:targetSubjectsOf ex:n", f"sh:path ex:n ; sh:datatype {NNI}"),
            f'ex:a ex:n "5"^^{NNI} . ex:b ex:n 5 . ex:c ex:n "-1"^^{NNI} . ex:d ex:n "05"^^{NNI} .',
            {"b", "c"},
        ),
        (
            _on("sh:targetSubjectsOf ex:n", "sh:path ex:n ; sh:datatype xsd:integer ; sh:maxCount 1"),
            'ex:a ex:n "abc"^^xsd:integer . ex:b ex:n "01"^^xsd:integer, 1 . ex:c ex:n 2 .',
            ({"a", "b"}, CANONICAL),
        ),
        (
            _on("sh:targetSubjectsOf ex:d", "sh:path ex:d ; sh:datatype xsd:date"),
            'ex:a ex:d "2022-02-30"^^xsd:date . ex:b ex:d "2022-02-28"^^xsd:date . ex:c ex:d "2022-02-28" .',
            {"a", "c"},
        ),
        # a lexical length sees the literal as written
        (
            _on("sh:targetSubjectsOf ex:n", "sh:path ex:n ; sh:maxLength 1"),
            'ex:a ex:n "01"^^xsd:integer . ex:b ex:n 1 .',
            ({"a"}, CANONICAL),
        ),
        # comparisons cast the stand-in back: ranges and lessThan on derived integers
        (
            _on("sh:targetSubjectsOf ex:s", "sh:path ex:s ; sh:lessThan ex:e", "sh:path ex:e ; sh:maxExclusive 10"),
            f'ex:a ex:s "2"^^{NNI} ; ex:e "10"^^{NNI} . ex:b ex:s "3"^^{NNI} ; ex:e "3"^^{NNI} . '
            'ex:c ex:s "x" ; ex:e 4 .',
            {"a", "b", "c"},
        ),
        # alternative, inverse and repeated paths; sh:not, sh:and, sh:pattern with flags, node kinds
        (
            _on(
                "sh:targetClass ex:C", "sh:path [ sh:alternativePath ( ex:p [ sh:inversePath ex:q ] ) ] ; sh:minCount 2"
            ),
            "ex:a a ex:C ; ex:p ex:x . ex:y ex:q ex:a . ex:b a ex:C ; ex:p ex:x .",
            {"b"},
        ),
        (
            _on("sh:targetClass ex:C", "sh:path [ sh:oneOrMorePath ex:p ] ; sh:hasValue ex:z"),
            "ex:a a ex:C ; ex:p ex:x . ex:x ex:p ex:z . ex:b a ex:C ; ex:p ex:x2 .",
            {"b"},
        ),
        (
            "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:not [ sh:property [ sh:path ex:p ; sh:minCount 1 ] ] ; "
            'sh:and ( [ sh:nodeKind sh:IRI ] [ sh:pattern "^HTTP://EXAMPLE" ; sh:flags "i" ] ) .',
            "ex:a a ex:C . ex:b a ex:C ; ex:p 1 . _:c a ex:C .",
            {"b", "_"},
        ),
        ("ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b ; sh:in ( ex:a 1 ) .", "ex:a ex:p 1 .", {"b"}),
    ],
)
def test_shapes_the_fixture_does_not_reach(shape: str, data: str, failing: set[str] | tuple) -> None:
    ours, theirs = _findings(shape, data)
    if isinstance(failing, tuple):
        failing, _ = failing
    else:
        assert ours == theirs
    assert {focus.removeprefix(EX)[:1] for focus, _ in ours} == failing


def test_what_it_cannot_compile_is_refused_by_name() -> None:
    for shape in (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .",
        _on("sh:targetClass ex:C", "sh:path ex:p ; sh:minCount 9"),
        _on(
            "sh:targetClass ex:C",
            "sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:D ] ; "
            "sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true",
        ),
    ):
        with pytest.raises(ValueError, match="not supported"):
            CompiledShapes(Graph().parse(data=PREFIXES + shape, format="turtle"))


def test_the_stand_in_datatype_keeps_literals_as_written() -> None:
    """Only a line's final typed literal is renamed, not text that looks like one inside a string."""
    text = (
        '<http://a> <http://b> "x\\"^^<http://t> ."^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        '<http://a> <http://b> "s" .\n<http://a> <http://b> "s"@zh .\n'
        '<http://a> <http://c> "05"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .\n'
    )
    lines = exact(text).splitlines()
    assert (
        lines[0] == f'<http://a> <http://b> "x\\"^^<http://t> ."^^<{EXACT}http://www.w3.org/2001/XMLSchema#integer> .'
    )
    assert lines[1:3] == text.splitlines()[1:3]
    store = exact_store(text)
    kept = {str(q.object) for q in store}
    assert f'"05"^^<{EXACT}http://www.w3.org/2001/XMLSchema#nonNegativeInteger>' in kept
