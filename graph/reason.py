"""OWL consistency of a pilotkg graph: the ontology plus the data, checked by HermiT.

SHACL (graph/validate.py) checks the closed-world shape of the data; this module asks the
open-world question: do the data and the ontology's axioms (disjoint classes, functional
properties, domains and ranges) contradict each other, and does any class become unsatisfiable?
It runs offline: owlready2 ships HermiT, and Java is all it needs.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from owlready2 import OwlReadyInconsistentOntologyError, World, sync_reasoner_hermit
from rdflib import Dataset, Graph

from pilotkg.graph.turtle import read_turtle_dir
from pilotkg.graph.validate import union_graph
from pilotkg.paths import ONTOLOGY_DIR

__all__ = ["ReasoningResult", "check_consistency", "load_ontology"]


@dataclass
class ReasoningResult:
    """HermiT's verdict on the ontology together with the data."""

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    detail: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Consistent and without unsatisfiable classes: what a publishable graph needs."""
        return self.consistent and not self.unsatisfiable

    def __str__(self) -> str:
        if not self.consistent:
            text = "OWL reasoning (HermiT): the ontology and the data are INCONSISTENT"
            return text + (f"\n{self.detail}" if self.detail else "")
        if self.unsatisfiable:
            return "OWL reasoning (HermiT): consistent, but unsatisfiable classes: " + ", ".join(self.unsatisfiable)
        return f"OWL reasoning (HermiT): consistent, no unsatisfiable class ({self.seconds:.1f} s)."


def load_ontology(ontology_dir: Path = ONTOLOGY_DIR) -> Graph:
    """The ontology: every Turtle file of ``ontology_dir`` in one graph."""
    return read_turtle_dir(ontology_dir, "ontology")


def check_consistency(
    graph: Graph | Dataset,
    ontology_dir: Path = ONTOLOGY_DIR,
    *,
    ontology: Graph | None = None,
) -> ReasoningResult:
    """Run HermiT over the ontology plus ``graph`` (a graph, or a dataset seen as its union).

    The ontology files are always added, whether or not the data already carries the ontology
    (as the built dataset does in its vocab graph): RDF set semantics make the repeat harmless,
    and a data graph without it is still judged against the axioms. Everything is written to one
    N-Triples file in a temporary folder and loaded into a fresh owlready2 World, so nothing leaks
    between calls or into owlready2's default world; the folder is removed afterwards.

    Inferred property values are not computed (only consistency and class satisfiability are
    asked). Literals whose datatypes are outside the OWL 2 datatype map (xsd:date, xsd:gYear) are
    ignored by HermiT rather than rejected; the ontology keeps such properties as annotations,
    and SHACL checks their datatypes.
    """
    started = time.perf_counter()
    combined = union_graph(graph) + (ontology if ontology is not None else load_ontology(ontology_dir))
    with tempfile.TemporaryDirectory(prefix="pilotkg-reason-") as tmp:
        path = Path(tmp) / "graph.nt"
        combined.serialize(path, format="nt", encoding="utf-8")
        world = World()
        try:
            world.get_ontology(path.as_uri()).load(format="ntriples")
            try:
                sync_reasoner_hermit(world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True)
            except OwlReadyInconsistentOntologyError as exc:
                detail = str(exc).strip() or "HermiT found a contradiction between the axioms and the data."
                return ReasoningResult(False, [], detail, time.perf_counter() - started)
            unsatisfiable = sorted(str(c.iri) for c in world.inconsistent_classes() if str(c.iri) != _NOTHING)
        finally:
            world.close()
    return ReasoningResult(True, unsatisfiable, "", time.perf_counter() - started)


_NOTHING = "http://www.w3.org/2002/07/owl#Nothing"
