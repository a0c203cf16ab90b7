"""SHACL core shapes compiled to SPARQL, so that the build gate checks a graph with Oxigraph queries.

A SHACL engine walks every shape over every focus node; for a build of a thousand plans the Rust
engine we used (rudof) spent most of the build doing that, at 13,000–40,000 triples a second. The
constraints of the core shapes in ``shapes/`` are each a graph pattern, so this module writes
them as SPARQL once (as SHACL's own SPARQL definitions of the core components do) and the gate
runs them as a few hundred small ASK queries a graph in Oxigraph, whose joins are fast (0.09–0.16 s
for a plan of ~12,000 triples with the vocabulary, where rudof took ~0.4 s).

How shapes become SPARQL:

- each way a node can fail a constraint is a :class:`Check`: a pattern over the node's values
  (a value that fails, or a value that is missing) or an expression; nested in another shape
  (``sh:node``, ``sh:or``, ``sh:xone``, ``sh:not``, ``sh:and``, qualified value shapes) a check
  is an ``EXISTS {…}`` or ``NOT EXISTS {…}`` expression, so shapes nest by nesting expressions;
- counts (``sh:minCount`` …) are patterns of distinct values (``maxCount 1``: two values that are
  not the same term), which work inside ``EXISTS`` where aggregates would not; counts above
  :data:`MAX_COUNT` are refused;
- a top-level shape is one :class:`Branch` a source shape (the node shape's own constraints, and
  each of its property shapes); there each check runs over all focus nodes at once, as a join,
  an anti-join (``MINUS``) or a filter; a branch is one ASK for the gate, or one SELECT of the
  focus nodes in error (tests compare these, with their source shapes, with pyshacl's results).

Oxigraph's store keeps typed literals by value ("01"^^xsd:integer as "1", xsd:nonNegativeInteger
as xsd:integer), which would hide what ``sh:datatype`` and the string constraints must see. So the
data is loaded with each typed literal (other than xsd:string) under a stand-in datatype,
``urn:x-pilotkg-exact:`` and the original IRI, which no store rewrites: datatypes and lexical forms
stay as written, and comparisons cast the value back to its datatype first (:func:`exact`; the
hand-written SPARQL rules, which compare numbers, query a store of the data as it is).

Anything this compiler does not implement (a SPARQL constraint reached from a core shape,
``sh:closed`` …) is a ``ValueError`` naming the shape: never a constraint silently skipped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from pilotkg.graph.publish import to_ox
from pilotkg.graph.validate import SH

__all__ = ["EXACT", "MAX_COUNT", "CompiledShapes", "exact", "exact_store"]

EXACT = "urn:x-pilotkg-exact:"
MAX_COUNT = 4
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = URIRef(XSD + "string")
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
TYPE_PATH = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"

# Lexical checks of the datatypes SPARQL can cast to (pyshacl checks the same ones; for others a
# literal of the right datatype IRI passes, as SHACL allows). ``{}`` is the literal's lexical form.
_CASTS = {
    name: f"<{XSD}{name}>({{}})"
    for name in ("integer", "decimal", "double", "float", "boolean", "date", "time", "dateTime")
}
_INTEGER_RANGES = {
    "nonNegativeInteger": ">= 0",
    "positiveInteger": "> 0",
    "nonPositiveInteger": "<= 0",
    "negativeInteger": "< 0",
}
# Core constraint parameters and what else may sit on a shape; anything else is refused.
_IGNORED = {
    SH.message, SH.name, SH.description, SH.order, SH.group, SH.severity, SH.defaultValue,
    RDF.type, SH.path, SH.property, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
}  # fmt: skip
_IGNORED |= {URIRef("http://www.w3.org/2000/01/rdf-schema#" + n) for n in ("comment", "label", "seeAlso")}


_TYPED = re.compile(r'"\^\^<(?!http://www\.w3\.org/2001/XMLSchema#string>)([^>\s]*)> \.$', re.MULTILINE)


def exact(n_triples: str) -> str:
    """N-Triples with each typed literal (but xsd:string) under its stand-in datatype, so that a
    store keeps it exactly as written. A line's typed literal can only be its object, at its end
    (N-Triples escapes line breaks inside literals), which is all the pattern matches."""
    return _TYPED.sub(f'"^^<{EXACT}\\1> .', n_triples)


def exact_store(n_triples: str) -> ox.Store:
    """An in-memory store of ``n_triples`` for :class:`CompiledShapes` (see :func:`exact`)."""
    store = ox.Store()
    store.bulk_load(exact(n_triples), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return store


def _term(node: Node) -> str:
    """A shapes-graph constant as SPARQL, literals under their stand-in datatype (see :func:`exact`)."""
    if isinstance(node, BNode):
        raise ValueError(f"a blank node ({node}) is not a constant a constraint can compare with")
    if isinstance(node, Literal) and not node.language and node.datatype not in (None, XSD_STRING):
        return str(ox.Literal(str(node), datatype=ox.NamedNode(EXACT + str(node.datatype))))
    return str(to_ox(node))


def _value(var: str) -> str:
    """The value of ``var`` for comparisons: a stand-in literal cast back to its own datatype."""
    return (
        f'IF(isLiteral({var}) && STRSTARTS(STR(DATATYPE({var})), "{EXACT}"), '
        f'STRDT(STR({var}), IRI(STRAFTER(STR(DATATYPE({var})), "{EXACT}"))), {var})'
    )


Walk = Callable[[str, str], str]  # a path as a pattern from its first argument to its second


def _any(parts: list[str]) -> str:
    return "(" + " || ".join(parts) + ")" if len(parts) > 1 else parts[0]


@dataclass(frozen=True, slots=True)
class Check:
    """One way a node can fail a constraint, kept as a pattern where it is one, so that at the top
    level it runs as a join or an anti-join (``MINUS``) over all focus nodes at once, which Oxigraph
    evaluates far faster than an ``EXISTS`` a focus node; nested in another shape, it is an
    expression (:attr:`expression`).

    ``kind`` is one of: ``filter`` (``a`` is an expression true on failure), ``exists`` (failure
    when the pattern ``a`` has a solution), ``absent`` (failure when it has none) and ``unmatched``
    (failure when the pattern ``a`` has a solution that the pattern ``b`` does not match).
    """

    kind: str
    a: str
    b: str = ""

    @property
    def expression(self) -> str:
        return {
            "filter": self.a,
            "exists": f"EXISTS {{ {self.a} }}",
            "absent": f"NOT EXISTS {{ {self.a} }}",
            "unmatched": f"EXISTS {{ {self.a} FILTER NOT EXISTS {{ {self.b} }} }}",
        }[self.kind]

    def at(self, targets: str) -> str:
        """A group pattern binding ``?this`` to each focus node of ``targets`` that fails."""
        return {
            "filter": f"{targets} FILTER ({self.a})",
            "exists": f"{targets} . {self.a}",
            "absent": f"{targets} MINUS {{ {self.a} }}",
            "unmatched": f"{targets} . {self.a} MINUS {{ {self.b} }}",
        }[self.kind]


def _expression(checks: list[Check]) -> str:
    return _any([c.expression for c in checks]) if checks else "false"


@dataclass(frozen=True, slots=True)
class Branch:
    """One source shape's checks at the focus nodes of a top-level shape."""

    shape: Node  # the shape a finding is reported under (pyshacl's sh:sourceShape)
    targets: str  # binds ?this to each focus node
    checks: list[Check]

    @property
    def pattern(self) -> str:
        """Binds ?this to each focus node where one of the checks fails."""
        return " UNION ".join(f"{{ {c.at(self.targets)} }}" for c in self.checks)


class CompiledShapes:
    """The core shapes of ``shapes`` as SPARQL: :meth:`violated` (one ASK a source shape) and
    :meth:`findings` (each focus node in error, with its source shape)."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self._fresh = (f"?v{n}" for n in itertools.count())
        self.branches = [b for shape in self._top_level() for b in self._branches(shape) if b.checks]
        # One ASK a source shape: Oxigraph runs a few hundred small queries faster than the same
        # checks as one UNION a top-level shape (0.08 against 0.10 s for a plan), and far faster
        # than one UNION of everything (whose planning alone took 0.4 s).
        self.asks = [f"ASK {{ {b.pattern} }}" for b in self.branches]

    def violated(self, store: ox.Store) -> bool:
        """Whether the data in ``store`` (loaded by :func:`exact_store`) violates any core shape."""
        return any(bool(store.query(ask)) for ask in self.asks)

    def findings(self, store: ox.Store) -> set[tuple[ox.NamedNode | ox.BlankNode, Node]]:
        """Each (focus node, source shape) the core shapes find in error in ``store``."""
        return {
            (row["this"], b.shape)
            for b in self.branches
            for row in store.query(f"SELECT DISTINCT ?this WHERE {{ {b.pattern} }}")
        }

    # ------------------------------------------------------------------------------- structure

    def _top_level(self) -> list[Node]:
        targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
        found = {s for p in targets for s in self.shapes.subjects(p, None)}
        if any(self.shapes.subjects(SH.target, None)):
            raise ValueError("sh:target (SHACL-AF targets) is not supported by the compiled gate")
        return sorted(found, key=str)

    def _targets(self, shape: Node) -> str:
        parts = [f"{{ ?this {TYPE_PATH} {_term(c)} }}" for c in self.shapes.objects(shape, SH.targetClass)]
        parts += [f"{{ VALUES ?this {{ {_term(n)} }} }}" for n in self.shapes.objects(shape, SH.targetNode)]
        parts += [f"{{ ?this {_term(p)} [] }}" for p in self.shapes.objects(shape, SH.targetSubjectsOf)]
        parts += [f"{{ [] {_term(p)} ?this }}" for p in self.shapes.objects(shape, SH.targetObjectsOf)]
        return " UNION ".join(sorted(parts))

    def _branches(self, shape: Node) -> Iterator[Branch]:
        if not self._active(shape):
            return
        targets = self._targets(shape)
        if (shape, SH.path, None) in self.shapes:  # a property shape with targets of its own
            yield Branch(shape, targets, self._property("?this", shape))
            return
        yield Branch(shape, targets, self._node_constraints(shape, "?this"))
        for prop in sorted(self.shapes.objects(shape, SH.property), key=str):
            if self._active(prop):
                yield Branch(prop, targets, self._property("?this", prop))

    def _active(self, shape: Node) -> bool:
        return not any(o == Literal(True) for o in self.shapes.objects(shape, SH.deactivated))

    def _list(self, node: Node) -> list[Node]:
        return list(Collection(self.shapes, node))

    def _check_parameters(self, shape: Node, allowed: set[URIRef]) -> None:
        for p in set(self.shapes.predicates(shape, None)):
            if p not in allowed and p not in _IGNORED and p != SH.deactivated:
                raise ValueError(f"{shape}: {p} is not supported by the compiled SHACL gate")

    # ------------------------------------------------------------------------------- paths

    def path(self, node: Node) -> Walk:
        """A SHACL path as a pattern from one term to another: sequences of predicates and their
        inverses as triple patterns (Oxigraph joins those far faster than the same property path
        with a constant at one end), anything else as a SPARQL property path."""
        if isinstance(node, URIRef):
            p = _term(node)
            return lambda x, y: f"{x} {p} {y}"
        if (node, RDF.first, None) in self.shapes:
            steps = [self.path(step) for step in self._list(node)]

            def sequence(x: str, y: str) -> str:
                ends = [x, *(next(self._fresh) for _ in steps[1:]), y]
                return " . ".join(step(a, b) for step, a, b in zip(steps, ends, ends[1:], strict=False))

            return sequence
        inverse = self.shapes.value(node, SH.inversePath)
        if inverse is not None:
            forward = self.path(inverse)
            return lambda x, y: forward(y, x)
        text = self._property_path(node)
        return lambda x, y: f"{x} {text} {y}"

    def _property_path(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return _term(node)
        if (node, RDF.first, None) in self.shapes:
            return "(" + "/".join(self._property_path(step) for step in self._list(node)) + ")"
        for key, wrap in (
            (SH.inversePath, "^({})"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = self.shapes.value(node, key)
            if inner is not None:
                return wrap.format(self._property_path(inner))
        alternatives = self.shapes.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self._property_path(step) for step in self._list(alternatives)) + ")"
        raise ValueError(f"{node}: not a SHACL path the compiled gate knows")

    # ------------------------------------------------------------------------------- shapes

    def _violates(self, shape: Node, x: str) -> str:
        """True when the node ``x`` violates ``shape`` (a node or property shape), false otherwise."""
        if not self._active(shape):
            return "false"
        if (shape, SH.path, None) in self.shapes:
            return _expression(self._property(x, shape))
        checks = self._node_constraints(shape, x)
        for p in sorted(self.shapes.objects(shape, SH.property), key=str):
            if self._active(p):
                checks += self._property(x, p)
        return _expression(checks)

    def _node_constraints(self, shape: Node, x: str) -> list[Check]:
        """The node shape's own constraints, on the node ``x`` itself."""
        self._check_parameters(shape, set(_VALUE_PARAMETERS) | {SH.hasValue, SH.flags})
        has = [
            Check("filter", f"!sameTerm({x}, {_term(v)})")
            for v in sorted(self.shapes.objects(shape, SH.hasValue), key=str)
        ]
        return self._value_checks(shape, x) + has

    def _value_checks(self, shape: Node, v: str) -> list[Check]:
        """How the value node ``v`` can fail one of ``shape``'s value constraints."""
        checks = []
        for parameter, compile_ in _VALUE_PARAMETERS.items():
            for value in sorted(self.shapes.objects(shape, parameter), key=str):
                checks.append(compile_(self, shape, value, v))
        return checks

    def _property(self, x: str, shape: Node) -> list[Check]:
        """How the property shape ``shape`` can fail at the focus node ``x``."""
        self._check_parameters(shape, set(_VALUE_PARAMETERS) | set(_PATH_PARAMETERS))
        path = self.path(self.shapes.value(shape, SH.path))
        v = next(self._fresh)
        checks = []
        filters = []
        for check in self._value_checks(shape, v):
            if check.kind == "absent":  # a value without what it needs (sh:class): an anti-join
                checks.append(Check("unmatched", path(x, v), check.a))
            else:
                filters.append(check.expression)
        if filters:
            checks.append(Check("exists", f"{path(x, v)} FILTER ({_any(filters)})"))
        for parameter, compile_ in _PATH_PARAMETERS.items():
            for value in sorted(self.shapes.objects(shape, parameter), key=str):
                checks += compile_(self, shape, value, x, path)
        return checks

    # ------------------------------------------------------------------------------- counts

    def _at_least(self, x: str, path: Walk, n: int, conforming: Callable[[str], str] | None = None) -> str:
        """A pattern with a solution when ``x`` has at least ``n`` distinct values on ``path``
        (that conform, if ``conforming`` gives each value's violation)."""
        if n > MAX_COUNT + 1:
            raise ValueError(f"counts above {MAX_COUNT} are not supported by the compiled SHACL gate")
        vs = [next(self._fresh) for _ in range(n)]
        triples = " . ".join(path(x, v) for v in vs)
        filters = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(vs, 2)]
        if conforming is not None:
            filters += [f"!({conforming(v)})" for v in vs]
        return triples + (f" FILTER ({' && '.join(filters)})" if filters else "")


def _count(value: Node, shape: Node) -> int:
    if not isinstance(value, Literal) or not isinstance(value.toPython(), int):
        raise ValueError(f"{shape}: a count must be an integer, not {value}")
    return int(value.toPython())


# Value constraints: (compiler, shape, parameter value, value variable) -> how the value fails.


def _class(c: CompiledShapes, shape: Node, cls: Node, v: str) -> Check:
    return Check("absent", f"{v} {TYPE_PATH} {_term(cls)}")


def _datatype(c: CompiledShapes, shape: Node, datatype: Node, v: str) -> Check:
    iri = str(datatype)
    if iri == RDF_LANGSTRING:
        return Check("filter", f'!(isLiteral({v}) && LANG({v}) != "")')
    if iri == XSD + "string":
        return Check("filter", f"!(isLiteral({v}) && DATATYPE({v}) = <{XSD}string>)")
    matches = f"isLiteral({v}) && DATATYPE({v}) = <{EXACT}{iri}>"
    name = iri.removeprefix(XSD) if iri.startswith(XSD) else None
    if name in _CASTS:
        matches += f" && COALESCE(isLiteral({_CASTS[name].format(f'STR({v})')}), false)"
    elif name in _INTEGER_RANGES:
        matches += f" && COALESCE(<{XSD}integer>(STR({v})) {_INTEGER_RANGES[name]}, false)"
    return Check("filter", f"!({matches})")


def _node_kind(c: CompiledShapes, shape: Node, kind: Node, v: str) -> Check:
    tests = {
        SH.IRI: f"isIRI({v})",
        SH.BlankNode: f"isBlank({v})",
        SH.Literal: f"isLiteral({v})",
        SH.BlankNodeOrIRI: f"(isBlank({v}) || isIRI({v}))",
        SH.BlankNodeOrLiteral: f"(isBlank({v}) || isLiteral({v}))",
        SH.IRIOrLiteral: f"(isIRI({v}) || isLiteral({v}))",
    }
    if kind not in tests:
        raise ValueError(f"{shape}: {kind} is not a node kind")
    return Check("filter", f"!{tests[kind]}")


def _compare(op: str) -> Callable[[CompiledShapes, Node, Node, str], Check]:
    def check(c: CompiledShapes, shape: Node, bound: Node, v: str) -> Check:
        limit = str(to_ox(bound)) if isinstance(bound, Literal) else _term(bound)  # by value, as written
        return Check("filter", f"!COALESCE({_value(v)} {op} {limit}, false)")

    return check


def _length(op: str) -> Callable[[CompiledShapes, Node, Node, str], Check]:
    def check(c: CompiledShapes, shape: Node, n: Node, v: str) -> Check:
        return Check("filter", f"(isBlank({v}) || !(STRLEN(STR({v})) {op} {_count(n, shape)}))")

    return check


def _pattern(c: CompiledShapes, shape: Node, pattern: Node, v: str) -> Check:
    flags = c.shapes.value(shape, SH.flags)
    arguments = f"STR({v}), {ox.Literal(str(pattern))}" + (f", {ox.Literal(str(flags))}" if flags else "")
    return Check("filter", f"(isBlank({v}) || !REGEX({arguments}))")


def _language_in(c: CompiledShapes, shape: Node, tags: Node, v: str) -> Check:
    ranges = [f"LANGMATCHES(LANG({v}), {ox.Literal(str(t))})" for t in c._list(tags)]
    return Check("filter", f"!(isLiteral({v}) && {_any(ranges) if ranges else 'false'})")


def _in(c: CompiledShapes, shape: Node, members: Node, v: str) -> Check:
    same = [f"sameTerm({v}, {_term(m)})" for m in c._list(members)]
    return Check("filter", f"!{_any(same)}" if same else "true")


def _node(c: CompiledShapes, shape: Node, other: Node, v: str) -> Check:
    return Check("filter", f"({c._violates(other, v)})")


def _not(c: CompiledShapes, shape: Node, other: Node, v: str) -> Check:
    return Check("filter", f"!({c._violates(other, v)})")


def _or(c: CompiledShapes, shape: Node, alternatives: Node, v: str) -> Check:
    return Check("filter", "(" + " && ".join(f"({c._violates(s, v)})" for s in c._list(alternatives)) + ")")


def _and(c: CompiledShapes, shape: Node, members: Node, v: str) -> Check:
    return Check("filter", "(" + " || ".join(f"({c._violates(s, v)})" for s in c._list(members)) + ")")


def _xone(c: CompiledShapes, shape: Node, alternatives: Node, v: str) -> Check:
    conforming = " + ".join(f"IF({c._violates(s, v)}, 0, 1)" for s in c._list(alternatives))
    return Check("filter", f"({conforming}) != 1")


_VALUE_PARAMETERS: dict[URIRef, Callable[[CompiledShapes, Node, Node, str], Check]] = {
    SH["class"]: _class,
    SH.datatype: _datatype,
    SH.nodeKind: _node_kind,
    SH.minInclusive: _compare(">="),
    SH.maxInclusive: _compare("<="),
    SH.minExclusive: _compare(">"),
    SH.maxExclusive: _compare("<"),
    SH.minLength: _length(">="),
    SH.maxLength: _length("<="),
    SH.pattern: _pattern,
    SH.languageIn: _language_in,
    SH["in"]: _in,
    SH.node: _node,
    SH["not"]: _not,
    SH["or"]: _or,
    SH["and"]: _and,
    SH.xone: _xone,
}


# Constraints on a property shape's values as a whole: (compiler, shape, value, focus, path) ->
# how the focus node fails; none for a parameter read with another (sh:flags, qualified counts).


def _min_count(c: CompiledShapes, shape: Node, n: Node, x: str, path: Walk) -> list[Check]:
    count = _count(n, shape)
    return [Check("absent", c._at_least(x, path, count))] if count > 0 else []


def _max_count(c: CompiledShapes, shape: Node, n: Node, x: str, path: Walk) -> list[Check]:
    return [Check("exists", c._at_least(x, path, _count(n, shape) + 1))]


def _has_value(c: CompiledShapes, shape: Node, value: Node, x: str, path: Walk) -> list[Check]:
    return [Check("absent", path(x, _term(value)))]


def _qualified(c: CompiledShapes, shape: Node, qualified: Node, x: str, path: Walk) -> list[Check]:
    if c.shapes.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
        raise ValueError(f"{shape}: sh:qualifiedValueShapesDisjoint is not supported by the compiled SHACL gate")

    def violation(v: str) -> str:
        return c._violates(qualified, v)

    checks = []
    least = c.shapes.value(shape, SH.qualifiedMinCount)
    if least is not None and _count(least, shape) > 0:
        checks.append(Check("absent", c._at_least(x, path, _count(least, shape), violation)))
    most = c.shapes.value(shape, SH.qualifiedMaxCount)
    if most is not None:
        checks.append(Check("exists", c._at_least(x, path, _count(most, shape) + 1, violation)))
    return checks


def _unique_lang(c: CompiledShapes, shape: Node, flag: Node, x: str, path: Walk) -> list[Check]:
    if flag != Literal(True):
        return []
    a, b = next(c._fresh), next(c._fresh)
    same = f'!sameTerm({a}, {b}) && LANG({a}) != "" && LCASE(LANG({a})) = LCASE(LANG({b}))'
    return [Check("exists", f"{path(x, a)} . {path(x, b)} FILTER ({same})")]


def _equals(c: CompiledShapes, shape: Node, other: Node, x: str, path: Walk) -> list[Check]:
    v, w = next(c._fresh), next(c._fresh)
    p = _term(other)
    return [Check("unmatched", path(x, v), f"{x} {p} {v}"), Check("unmatched", f"{x} {p} {w}", path(x, w))]


def _disjoint(c: CompiledShapes, shape: Node, other: Node, x: str, path: Walk) -> list[Check]:
    v = next(c._fresh)
    return [Check("exists", f"{path(x, v)} . {x} {_term(other)} {v}")]


def _less(op: str) -> Callable[[CompiledShapes, Node, Node, str, Walk], list[Check]]:
    def check(c: CompiledShapes, shape: Node, other: Node, x: str, path: Walk) -> list[Check]:
        v, w = next(c._fresh), next(c._fresh)
        fails = f"!COALESCE({_value(v)} {op} {_value(w)}, false)"
        return [Check("exists", f"{path(x, v)} . {x} {_term(other)} {w} FILTER ({fails})")]

    return check


def _read_elsewhere(c: CompiledShapes, shape: Node, value: Node, x: str, path: Walk) -> list[Check]:
    return []


_PATH_PARAMETERS: dict[URIRef, Callable[[CompiledShapes, Node, Node, str, Walk], list[Check]]] = {
    SH.minCount: _min_count,
    SH.maxCount: _max_count,
    SH.hasValue: _has_value,
    SH.qualifiedValueShape: _qualified,
    SH.qualifiedMinCount: _read_elsewhere,
    SH.qualifiedMaxCount: _read_elsewhere,
    SH.qualifiedValueShapesDisjoint: _read_elsewhere,
    SH.uniqueLang: _unique_lang,
    SH.equals: _equals,
    SH.disjoint: _disjoint,
    SH.lessThan: _less("<"),
    SH.lessThanOrEquals: _less("<="),
    SH.flags: _read_elsewhere,
}
