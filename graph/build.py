"""Build the graph from sources and publish it atomically.

sources → loaders (plan model → RDF) → validate (SHACL) → publish (dumps, VoID, store).
A failed build raises before anything is moved into place, so the previous output survives.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Dataset, Graph, Namespace, URIRef

from pilotkg.graph import publish
from pilotkg.graph.report import discrepancy_report
from pilotkg.graph.void import void_graph
from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.model import Plan
from pilotkg.loaders.plan_csv import is_meta_file, load_plan_csv
from pilotkg.loaders.plan_text import load_plan_text
from pilotkg.loaders.to_rdf import plan_graph
from pilotkg.loaders.vocabulary import DEFAULT_BASE, Vocabulary

# Which loader reads which source; a CSV plan's metadata file (*.meta.toml) is read by its loader.
LOADERS = {".txt": load_plan_text, ".csv": load_plan_csv}
SIMILARITY_GRAPH = "graph/similarity"
PILOT = Namespace("https://w3id.org/pilotkg/ontology#")


class BuildError(Exception):
    """The build cannot publish: bad input or a graph that does not conform."""


@dataclass(slots=True)
class BuildResult:
    out: Path
    plans: list[Plan]
    triples: int
    report: str
    files: list[Path]


def source_files(sources: Iterable[Path | str]) -> list[Path]:
    """Files named directly, and the plan files (by suffix) inside folders, in a stable order."""
    files: list[Path] = []
    for item in map(Path, sources):
        if item.is_dir():
            files += sorted(p for p in item.iterdir()
                            if p.suffix in LOADERS and p.is_file() and not is_meta_file(p))
        else:
            files.append(item)  # a missing file is reported by the loader, naming it
    if not files:
        raise BuildError("no plan sources found in " + ", ".join(map(str, sources)))
    return files


def load_plans(files: list[Path], vocabulary: Vocabulary) -> list[Plan]:
    plans: list[Plan] = []
    seen: dict[str, Path] = {}
    for path in files:
        loader = LOADERS.get(path.suffix)
        if loader is None:
            raise LoadError(path, f"unknown kind of source (expected {' or '.join(sorted(LOADERS))})")
        plan = loader(path, vocabulary)
        if plan.slug in seen:
            raise LoadError(path, f"a second plan for {plan.city} {plan.year} (pilot {plan.slug}); "
                                  f"the first is {seen[plan.slug]}")
        seen[plan.slug] = path
        plans.append(plan)
    return plans


def named_graphs(plans: list[Plan], base: str) -> Iterator[tuple[URIRef, Graph]]:
    """The graphs of a build, one at a time: vocabulary, one per plan, then the similarity links.

    Similarity links join tasks of different pilots, so they live in a named graph of their own
    (``{base}graph/similarity``) rather than in either pilot's graph.
    """
    from pilotkg.graph.similarity import similarity_graph
    from pilotkg.graph.vocab import vocab_graph

    yield URIRef(f"{base}graph/vocab"), vocab_graph(base)
    for plan in plans:
        yield URIRef(f"{base}graph/{plan.slug}"), plan_graph(plan, base)
    links = similarity_graph(plans, base)
    if len(links):
        yield URIRef(f"{base}{SIMILARITY_GRAPH}"), links


def build_dataset(sources: Iterable[Path | str], base: str = DEFAULT_BASE) -> tuple[Dataset, list[Plan]]:
    """The whole graph as one rdflib Dataset (for ``pilotkg validate`` and tests; small builds)."""
    plans = load_plans(source_files(sources), Vocabulary.load(base=base))
    dataset = Dataset()
    for name, graph in named_graphs(plans, base):
        named = dataset.graph(name)
        for triple in graph:
            named.add(triple)
    return dataset, plans


class _Gate:
    """SHACL, graph by graph: each pilot's graph is checked with the vocabulary beside it (for
    classes and concept schemes), the similarity links with the types of what they link. The cost
    is linear in the number of plans, where one validation of the union was not."""

    def __init__(self, vocab: Graph) -> None:
        from pilotkg.graph.validate import load_shapes

        self.shapes = load_shapes()
        self.link_shapes = _shapes_about(self.shapes, PILOT.Similarity, PILOT.similarTo)
        self.vocab = vocab

    def check(self, name: URIRef, graph: Graph) -> str | None:
        """None when ``graph`` conforms, else a readable report naming it."""
        from pilotkg.graph.validate import validate

        shapes = self.shapes
        if graph is self.vocab:
            data = graph
        elif str(name).endswith(SIMILARITY_GRAPH):
            # The links alone, with the types of what they join (checked in the pilots' graphs).
            shapes, data = self.link_shapes, graph + self.vocab
            for node in set(graph.subjects(PILOT.similarTo, None)) | set(graph.objects(None, PILOT.similarTo)):
                data.add((node, RDF.type, PILOT.Measure if "/measure/" in str(node) else PILOT.Task))
        else:
            data = graph + self.vocab
        result = validate(data, shapes=shapes)
        return None if result.conforms else f"graph <{name}>:\n{result.report_text()}"


def _shapes_about(shapes: Graph, cls: URIRef, prop: URIRef) -> Graph:
    """The shapes that target ``cls`` or the subjects of ``prop``, with everything they hold."""
    sh = Namespace("http://www.w3.org/ns/shacl#")
    roots = set(shapes.subjects(sh.targetClass, cls)) | set(shapes.subjects(sh.targetSubjectsOf, prop))
    roots |= set(shapes.objects(None, sh.prefixes))  # prefix declarations the SPARQL rules use
    selected, todo = Graph(), list(roots)
    seen: set = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in shapes.predicate_objects(node):
            selected.add((node, p, o))
            if not isinstance(o, (URIRef,)) or o in roots:
                todo.append(o)
    return selected


_WORKER: dict[str, object] = {}


def _start_worker(base: str, validate: bool) -> None:
    """A build worker: the vocabulary graph and the shapes, loaded once per process."""
    from pilotkg.graph.vocab import vocab_graph

    vocab = vocab_graph(base)
    _WORKER.update(base=base, gate=_Gate(vocab) if validate else None)


def _pilot_job(plan: Plan) -> tuple[str | None, bytes]:
    """One pilot's graph: validated, then as canonically ordered N-Quads (compact to send back)."""
    base = str(_WORKER["base"])
    gate = _WORKER["gate"]
    name = URIRef(f"{base}graph/{plan.slug}")
    graph = plan_graph(plan, base)
    problem = gate.check(name, graph) if isinstance(gate, _Gate) else None
    return problem, ox.serialize(publish.graph_quads(graph, name), format=ox.RdfFormat.N_QUADS)


def _pilot_graphs(plans: list[Plan], base: str, validate: bool) -> list[tuple[str | None, bytes]]:
    """Every pilot's graph, on all cores when there are several plans (SHACL is the build's cost)."""
    workers = min(len(plans), os.cpu_count() or 1)
    if workers <= 1:
        _start_worker(base, validate)
        return [_pilot_job(plan) for plan in plans]
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(base, validate)) as pool:
        return list(pool.map(_pilot_job, plans, chunksize=max(1, len(plans) // (4 * workers))))


def build(sources: Iterable[Path | str], out: Path | str, base: str = DEFAULT_BASE,
          validate: bool = True) -> BuildResult:
    """Build and publish into ``out``; on any error ``out`` is left as it was."""
    from pilotkg.graph.similarity import similarity_graph
    from pilotkg.graph.vocab import vocab_graph

    out = Path(out)
    plans = load_plans(source_files(sources), Vocabulary.load(base=base))
    vocab_name, vocab = URIRef(f"{base}graph/vocab"), vocab_graph(base)
    gate = _Gate(vocab) if validate else None
    problems = [gate.check(vocab_name, vocab)] if gate else []
    per_graph: list[tuple[str, list[ox.Quad]]] = [(str(vocab_name), publish.graph_quads(vocab, vocab_name))]
    for plan, (problem, nquads) in zip(plans, _pilot_graphs(plans, base, validate), strict=True):
        problems.append(problem)
        per_graph.append((f"{base}graph/{plan.slug}", list(ox.parse(nquads, ox.RdfFormat.N_QUADS))))
    links = similarity_graph(plans, base)
    if len(links):
        name = URIRef(f"{base}{SIMILARITY_GRAPH}")
        problems.append(gate.check(name, links) if gate else None)
        per_graph.append((str(name), publish.graph_quads(links, name)))
    reports = [p for p in problems if p]
    if reports:
        raise BuildError("the graph does not conform to the shapes; nothing was published\n" + "\n".join(reports))
    quads = [q for _, graph_quads in sorted(per_graph, key=lambda item: item[0]) for q in graph_quads]
    triples = publish.triples_of(quads)
    report = discrepancy_report(plans)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a published folder is world-readable
    try:
        files = publish.write_dumps(quads, staging)
        (staging / "discrepancies.md").write_text(report, encoding="utf-8")
        files.append(staging / "discrepancies.md")
        issued = max((p.notice.issued for p in plans), default=None)
        void = void_graph(quads, triples, [f for f in files if f.suffix != ".md"], base,
                          issued.isoformat() if isinstance(issued, dt.date) else None)
        publish.write_graph(void, staging / "void.ttl")
        files.append(staging / "void.ttl")
        files.append(publish.sha256sums(files, staging))
        publish.write_store(quads, staging / "store")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(out, plans, len(triples), report, [out / f.name for f in files])


def _swap(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` with two renames, so readers never see a half-written folder."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
