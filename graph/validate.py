"""SHACL validation of a pilotkg graph against the shapes in shapes/.

The rules themselves are data (Turtle files in ``shapes/``); this module only loads them, runs
pyshacl over the union of the graph's named graphs and turns pyshacl's report graph into plain
Python objects plus a short human-readable report. ``pilotkg build`` refuses to publish a graph
for which :func:`validate` returns ``conforms = False``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import RDF
from rdflib.term import Node

from pilotkg.graph.publish import to_ox
from pilotkg.graph.turtle import read_turtle_dir
from pilotkg.paths import SHAPES_DIR

SH = Namespace("http://www.w3.org/ns/shacl#")

__all__ = [
    "SHAPES_DIR",
    "ValidationResult",
    "Violation",
    "load_shapes",
    "split_shapes",
    "to_oxigraph",
    "union_graph",
    "validate",
]


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result, reduced to what a reader of the report needs."""

    focus: Node
    path: str | None
    value: Node | None
    message: str
    severity: str
    shape: Node | None
    component: str


@dataclass
class ValidationResult:
    """The outcome of :func:`validate`: a verdict and the results behind it."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0

    def report_text(self, *, examples: int = 5) -> str:
        """A short report grouped by message, so a thousand results of one broken rule read as one line.

        Each message is followed by its count and up to ``examples`` offending focus nodes (with
        their value where the rule reports one).
        """
        if self.conforms:
            return f"SHACL validation: the graph conforms ({len(self.violations)} non-blocking results)."
        groups: dict[tuple[str, str], list[Violation]] = defaultdict(list)
        for v in self.violations:
            groups[(v.severity, v.message)].append(v)
        lines = [f"SHACL validation: the graph does NOT conform — {len(self.violations)} results:"]
        order = sorted(groups.items(), key=lambda kv: (kv[0][0] != "Violation", -len(kv[1]), kv[0][1]))
        for (severity, message), items in order:
            lines.append(f"- [{severity}] {message} ({len(items)}×)")
            for v in sorted(items, key=lambda v: (str(v.focus), str(v.value)))[:examples]:
                detail = f"    {_short(v.focus)}"
                if v.path:
                    detail += f"  path {v.path}"
                if v.value is not None and v.value != v.focus:
                    detail += f"  value {_short(v.value)}"
                lines.append(detail)
            if len(items) > examples:
                lines.append(f"    … and {len(items) - examples} more")
        return "\n".join(lines)


def load_shapes(shapes_dir: Path = SHAPES_DIR) -> Graph:
    """Read every Turtle file of ``shapes_dir`` into one shapes graph."""
    return read_turtle_dir(shapes_dir, "SHACL shapes")


def union_graph(data: Graph | Dataset) -> Graph:
    """Flatten a dataset's named graphs into one plain graph.

    pyshacl validates each named graph of a Dataset separately, but the pilot graphs point at the
    shared vocabulary graph (sectors, agencies, the ontology), so the shapes must see the union.
    A plain graph is also the fastest thing for pyshacl's many small SPARQL queries.
    """
    if isinstance(data, Dataset | ConjunctiveGraph):
        union = Graph()
        for s, p, o, _ in data.quads((None, None, None, None)):
            union.add((s, p, o))
        for prefix, ns in data.namespaces():
            union.bind(prefix, ns, override=False)
        return union
    return data


def validate(
    data: Graph | Dataset,
    shapes_dir: Path = SHAPES_DIR,
    *,
    shapes: Graph | None = None,
    ont_graph: Graph | None = None,
) -> ValidationResult:
    """Validate ``data`` (a graph, or a dataset seen as the union of its graphs) against the shapes.

    No inference is run: the data must state the classes the shapes target (the loaders type every
    node explicitly), which keeps validation fast and predictable. ``ont_graph`` is added to the data
    (for ``rdfs:subClassOf`` in ``sh:class``) when the ontology is not already part of it. ``shapes``
    lets callers that validate many graphs load the shapes once (see :func:`load_shapes`).

    pyshacl runs twice, each shape on the engine that is fast and correct for it: core shapes on
    rdflib (pyshacl's core constraints are slow and unreliable on Oxigraph), SPARQL-based shapes on
    an in-memory Oxigraph copy (rdflib re-parses the query for every focus node, which made the
    SPARQL rules take seconds on one pilot, against tens of milliseconds on Oxigraph).
    """
    started = time.perf_counter()
    shapes_graph = shapes if shapes is not None else load_shapes(shapes_dir)
    graph = union_graph(data)
    if ont_graph is not None:
        graph = graph + ont_graph  # a new graph: the caller's data is never modified
    import pyshacl  # the reference engine: the build gate needs it only to report a refusal (import ~0.25 s)

    core_shapes, sparql_shapes = split_shapes(shapes_graph)
    conforms = True
    violations: list[Violation] = []
    for engine_data, engine_shapes in ((graph, core_shapes), (to_oxigraph(graph), sparql_shapes)):
        ok, report, _text = pyshacl.validate(
            engine_data,
            shacl_graph=engine_shapes,
            inference="none",
            advanced=False,
            allow_warnings=True,
            allow_infos=True,
        )
        if not isinstance(report, Graph):  # pyshacl returns a failing rule set as an exception object
            raise RuntimeError(f"SHACL validation could not run: {report}")
        conforms = conforms and bool(ok)
        violations.extend(_violations(report))
    violations.sort(key=lambda v: (v.message, str(v.focus), str(v.value), v.path or ""))
    return ValidationResult(conforms, violations, time.perf_counter() - started)


TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)


def split_shapes(shapes: Graph) -> tuple[Graph, Graph]:
    """Two copies of the shapes graph: one where only the shapes without ``sh:sparql`` have targets,
    one where only the shapes with ``sh:sparql`` have. See :func:`validate` for why.

    Untargeted shapes stay in both copies, so shapes referenced with ``sh:property`` or ``sh:node``
    keep working (pyshacl's own ``use_shapes`` filter drops named property shapes).
    """
    targeted = {s for p in TARGETS for s in shapes.subjects(p, None)}
    sparql = {s for s in targeted if (s, SH.sparql, None) in shapes}
    core_graph, sparql_graph = Graph(), Graph()
    for triple in shapes:
        s, p, _ = triple
        if p in TARGETS:
            (sparql_graph if s in sparql else core_graph).add(triple)
        else:
            core_graph.add(triple)
            sparql_graph.add(triple)
    return core_graph, sparql_graph


def to_oxigraph(graph: Graph) -> ox.Store:
    """An in-memory Oxigraph copy of ``graph`` (default graph only)."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph)
    return store


def _violations(report: Graph) -> Iterable[Violation]:
    for result in report.subjects(RDF.type, SH.ValidationResult):
        messages = [str(m) for m in report.objects(result, SH.resultMessage)]
        severity = report.value(result, SH.resultSeverity)
        component = report.value(result, SH.sourceConstraintComponent)
        yield Violation(
            focus=report.value(result, SH.focusNode),
            path=_path_text(report, report.value(result, SH.resultPath)),
            value=report.value(result, SH.value),
            message=messages[0] if messages else "(no message)",
            severity=_local(severity) if severity is not None else "Violation",
            shape=report.value(result, SH.sourceShape),
            component=_local(component) if component is not None else "",
        )


def _path_text(report: Graph, path: Node | None) -> str | None:
    """Render a SHACL path (an IRI, or the blank-node forms of sequence and inverse paths)."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return _short(path)
    if isinstance(path, BNode):
        inverse = report.value(path, SH.inversePath)
        if inverse is not None:
            return f"^{_path_text(report, inverse)}"
        if report.value(path, RDF.first) is not None:
            return "/".join(_path_text(report, item) or "?" for item in report.items(path))
    return str(path)


_PREFIXES = {
    "https://w3id.org/pilotkg/ontology#": "pilot:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://purl.org/dc/terms/": "dcterms:",
    "http://www.w3.org/ns/oa#": "oa:",
    "http://www.w3.org/ns/prov#": "prov:",
    "http://www.w3.org/ns/org#": "org:",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
}


def _short(node: Node) -> str:
    if isinstance(node, Literal):
        text = str(node)
        return repr(text if len(text) <= 60 else text[:57] + "…")
    text = str(node)
    for ns, prefix in _PREFIXES.items():
        if text.startswith(ns):
            return prefix + text[len(ns) :]
    return f"<{text}>"


def _local(node: Node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
