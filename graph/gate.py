"""The build's SHACL gate: every graph of a build is checked on its own, in Oxigraph.

pyshacl (graph/validate.py) is the reference engine: its reports carry each rule's ``sh:message``
and are what a person reads. It is also slow, ~0.6 s for one pilot's core shapes, which made
validation most of a build's time. So the gate runs

- the **core** shapes compiled to SPARQL (graph/shacl_sparql.py; ~0.15 s a pilot, where the Rust
  engine rudof took ~0.4 s), and
- the **SPARQL-based** constraints as Oxigraph queries, one query per rule and graph: the
  focus nodes' query joined into the rule's WHERE clause (``SparqlRule.joined``), which finds
  what pre-binding ``$this`` for each focus node finds (SHACL-SPARQL's definition) at a small
  part of the cost — a query per focus node was a third of a build's time,

and when either refuses a graph, validates it again with pyshacl to write the report. The gate
is held to the same rules as pyshacl by tests/test_shapes.py and tests/test_shacl_sparql.py: on
the fixture, every broken case and 144 random breakages, the compiled shapes find exactly the
focus nodes and source shapes pyshacl finds (one allowed difference is explained there). Should
the gate refuse a graph pyshacl accepts, it says so and fails closed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Namespace, URIRef

from pilotkg.graph.shacl_sparql import CompiledShapes, exact_store
from pilotkg.graph.validate import SH, TARGETS, load_shapes, split_shapes, validate
from pilotkg.paths import SHAPES_DIR

__all__ = ["Gate", "SparqlRule", "Staged", "link_types", "range_types", "shapes_about", "sparql_rules"]

PILOT = Namespace("https://w3id.org/pilotkg/ontology#")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_RANGE = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#range")


def _shapes() -> Graph:
    """The shapes graph, parsed once a process for as long as the files stay as they are (a
    build makes three gates from it; parsing the Turtle cost more than the checks). Read only."""
    files = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(SHAPES_DIR.glob("*.ttl")))
    return _parsed_shapes(files)


@functools.cache
def _parsed_shapes(files: tuple[tuple[str, int, int], ...]) -> Graph:
    return load_shapes()


def shapes_about(shapes: Graph, classes: Iterable[URIRef], props: Iterable[URIRef]) -> Graph:
    """The shapes that target one of ``classes`` or the subjects of one of ``props``, with everything
    they hold."""
    roots = {s for c in classes for s in shapes.subjects(SH.targetClass, c)}
    roots |= {s for p in props for s in shapes.subjects(SH.targetSubjectsOf, p)}
    roots |= set(shapes.objects(None, SH.prefixes))  # prefix declarations the SPARQL rules use
    selected, todo = Graph(), list(roots)
    seen: set = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in shapes.predicate_objects(node):
            if node not in roots and p in TARGETS:
                continue  # a shape reached through another applies where that one does, not to its own targets
            selected.add((node, p, o))
            if not isinstance(o, URIRef) or (o, None, None) in shapes:  # blank nodes, and named shapes
                todo.append(o)
    return selected


@dataclass(frozen=True, slots=True)
class SparqlRule:
    """One SPARQL-based constraint: its SELECT (with its prefixes) and the focus nodes' query."""

    shape: str
    select: str
    targets: str

    @property
    def joined(self) -> str:
        """The SELECT for every focus node at once: the focus nodes' query joined into the
        top-level group of its WHERE clause, so that ``$this`` is bound wherever the rule's filters
        see it, as pre-binding binds it. SHACL requires a sub-select to project ``$this``, so
        sub-selects join on it too. One query a graph instead of one a focus node: the same
        violations (tests/test_shapes.py checks both forms on every broken case)."""
        where = self.select.index("{")  # prefixes hold no brace, and neither does a SELECT clause
        return f"{self.select[: where + 1]} {{ {self.targets} }}{self.select[where + 1 :]}"


def sparql_rules(shapes: Graph) -> list[SparqlRule]:
    """The SPARQL-based constraints of ``shapes``; a feature the gate does not run is an error here,
    never a rule silently skipped."""
    rules = []
    for shape in sorted(set(shapes.subjects(SH.sparql, None))):
        if (shape, SH.deactivated, None) in shapes:
            raise ValueError(f"{shape}: sh:deactivated is not supported by the build gate")
        classes = list(shapes.objects(shape, SH.targetClass))
        subjects_of = list(shapes.objects(shape, SH.targetSubjectsOf))
        if len(classes) + len(subjects_of) != 1 or set(shapes.predicates(shape, None)) & {
            SH.targetNode,
            SH.targetObjectsOf,
            SH.target,
            SH.path,
        }:
            raise ValueError(
                f"{shape}: the build gate runs SPARQL constraints of node shapes with one "
                "sh:targetClass or sh:targetSubjectsOf"
            )
        targets = (
            f"SELECT DISTINCT ?this WHERE {{ ?this a/<{RDF_SUBCLASS}>* <{classes[0]}> }}"
            if classes
            else f"SELECT DISTINCT ?this WHERE {{ ?this <{subjects_of[0]}> ?any }}"
        )
        for constraint in shapes.objects(shape, SH.sparql):
            select = shapes.value(constraint, SH.select)
            if select is None or (constraint, SH.deactivated, None) in shapes:
                raise ValueError(f"{shape}: the build gate runs active sh:select constraints only")
            prefixes = [
                f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>"
                for ontology in shapes.objects(constraint, SH.prefixes)
                for d in shapes.objects(ontology, SH.declare)
            ]
            rules.append(SparqlRule(str(shape), "\n".join([*sorted(prefixes), str(select)]), targets))
    return rules


RDF_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


class Staged:
    """A graph to check, serialised once, and its in-memory store with ``context`` beside it, made
    when first asked for: the SPARQL rules query it, and a build's statistics of the pilot too."""

    def __init__(self, triples: list[ox.Triple], context_nt: str = "") -> None:
        self.nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        self.context_nt = context_nt

    @functools.cached_property
    def store(self) -> ox.Store:
        """The context and the data (parsed in Rust: no Python term a triple). Read only."""
        store = ox.Store()
        # lenient: the text is Oxigraph's own serialisation of terms it validated when they were
        # made; parsing it again strictly took a third of the load
        store.bulk_load(self.context_nt + self.nt, format=ox.RdfFormat.N_TRIPLES, lenient=True)
        return store


THIS = ox.Variable("this")


class Gate:
    """Checks one graph at a time against ``shapes``, with ``context`` beside it.

    ``context`` is what the graph points at but does not hold (the vocabulary graph: classes,
    concept schemes, agencies); it is part of the data the shapes see.
    """

    def __init__(self, shapes: Graph, context: list[ox.Triple]) -> None:
        self.shapes = shapes
        core, sparql = split_shapes(shapes)
        self.sparql_rules = sparql_rules(sparql)
        self.context = context
        self.context_nt = ox.serialize(context, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        self.core = CompiledShapes(core)

    @classmethod
    def for_pilots(cls, context: list[ox.Triple]) -> Gate:
        """Every shape: a pilot's graph (or the vocabulary) is checked against the whole model."""
        return cls(_shapes(), context)

    @classmethod
    def for_links(cls) -> Gate:
        """The shapes about similarity links only, which need nothing beside the links but the types
        of what they join (see :func:`link_types`): the tasks are checked in their pilots' graphs."""
        return cls(shapes_about(_shapes(), [PILOT.Similarity], [PILOT.similarTo]), [])

    @classmethod
    def for_derived(cls, triples: list[ox.Triple], context: list[ox.Triple]) -> Gate:
        """The shapes that target what ``triples`` hold (their classes, the subjects of their
        predicates): for a graph derived from the others, such as the statistics."""
        classes = {URIRef(t.object.value) for t in triples if t.predicate == RDF_TYPE}
        return cls(shapes_about(_shapes(), classes, {URIRef(t.predicate.value) for t in triples}), context)

    def check(self, name: str, triples: list[ox.Triple] | Staged) -> str | None:
        """None when the graph ``name`` holding ``triples`` conforms, else a readable report."""
        data = triples if isinstance(triples, Staged) else Staged(triples, self.context_nt)
        if data.context_nt != self.context_nt:
            raise ValueError("a graph staged with another context than this gate's")
        if not self.core.violated(exact_store(self.context_nt + data.nt)) and self._sparql_conforms(data):
            return None
        return self._report(name, data.nt)

    def core_findings(self, triples: list[ox.Triple]) -> set[tuple[ox.NamedNode | ox.BlankNode, object]]:
        """Each (focus node, source shape) the compiled core shapes find in error, ``context``
        beside ``triples`` (what tests compare with pyshacl's results)."""
        data_nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        return self.core.findings(exact_store(self.context_nt + data_nt))

    def _sparql_conforms(self, data: Staged) -> bool:
        if not self.sparql_rules:
            return True
        store = data.store
        return not any(next(iter(store.query(rule.joined)), None) is not None for rule in self.sparql_rules)

    def sparql_violations(self, triples: list[ox.Triple], joined: bool = True) -> dict[str, set[str]]:
        """The focus nodes each SPARQL rule finds in error, by shape: with every focus node at once
        (``joined``, as the gate runs them) or one focus node at a time, pre-bound as SHACL-SPARQL
        defines it (the reference the joined form is tested against)."""
        store = Staged(triples, self.context_nt).store
        found: dict[str, set[str]] = {}
        for rule in self.sparql_rules:
            if joined:
                focus = {str(row["this"]) for row in store.query(rule.joined)}
            else:
                focus = {
                    str(node)
                    for (node,) in store.query(rule.targets)
                    if next(iter(store.query(rule.select, substitutions={THIS: node})), None) is not None
                }
            found.setdefault(rule.shape, set()).update(focus)
        return found

    def _report(self, name: str, data_nt: str) -> str:
        """pyshacl's report on a graph the gate refused (slow, and only on bad input)."""
        graph = Graph()
        graph.parse(data=self.context_nt + data_nt, format="nt")
        result = validate(graph, shapes=self.shapes)
        if result.conforms:  # the gate refused what pyshacl accepts: fail closed, and say so
            store = exact_store(self.context_nt + data_nt)
            found = sorted(f"{focus} ({shape})" for focus, shape in self.core.findings(store))
            return (
                f"graph <{name}>: the build gate refuses what pyshacl accepts (compiled core shapes: "
                + ("; ".join(found[:5]) or "no core violation")
                + "); a gate rule needs mending"
            )
        return f"graph <{name}>:\n{result.report_text()}"


def range_types(triples: list[ox.Triple], context: list[ox.Triple]) -> list[ox.Triple]:
    """The class of each IRI ``triples`` point at, from the ontology's ``rdfs:range`` in ``context``
    (what RDFS entails), for nodes the context does not type: a derived graph refers to pilots
    and task groups whose own graphs were checked already."""
    ranges = {t.subject: t.object for t in context if t.predicate == RDFS_RANGE and isinstance(t.object, ox.NamedNode)}
    typed = {t.subject for t in context if t.predicate == RDF_TYPE}
    found = {
        ox.Triple(t.object, RDF_TYPE, ranges[t.predicate])
        for t in triples
        if t.predicate in ranges and isinstance(t.object, ox.NamedNode) and t.object not in typed
    }
    return sorted(found, key=str)


def link_types(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The class of every task or measure a link graph joins (their IRIs say which), so that the
    link shapes' ``sh:class`` checks see them without the pilots' graphs."""
    similar = str(PILOT.similarTo)
    nodes = {t.subject for t in triples if t.predicate.value == similar}
    nodes |= {t.object for t in triples if t.predicate.value == similar}
    task, measure = ox.NamedNode(str(PILOT.Task)), ox.NamedNode(str(PILOT.Measure))
    return [
        ox.Triple(n, RDF_TYPE, measure if "/measure/" in n.value else task)
        for n in sorted(nodes, key=lambda n: n.value)
    ]
