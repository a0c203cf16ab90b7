"""Build the graph from sources and publish it atomically.

sources → loaders (plan model → RDF) → validate (SHACL) → publish (dumps, VoID, store).
A failed build raises before anything is moved into place, so the previous output survives.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, URIRef

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


def build_dataset(sources: Iterable[Path | str], base: str = DEFAULT_BASE) -> tuple[Dataset, list[Plan]]:
    """The whole graph: the vocabulary graph, one named graph per plan, and the similarity links.

    Similarity links join tasks of different pilots, so they live in a named graph of their own
    (``{base}graph/similarity``) rather than in either pilot's graph.
    """
    from pilotkg.graph.similarity import similarity_graph
    from pilotkg.graph.vocab import vocab_graph

    vocabulary = Vocabulary.load(base=base)
    plans = load_plans(source_files(sources), vocabulary)
    dataset = Dataset()
    vocab = dataset.graph(URIRef(f"{base}graph/vocab"))
    for triple in vocab_graph(base):
        vocab.add(triple)
    for plan in plans:
        named = dataset.graph(URIRef(f"{base}graph/{plan.slug}"))
        for triple in plan_graph(plan, base):
            named.add(triple)
    links = similarity_graph(plans, base)
    if len(links):
        similar = dataset.graph(URIRef(f"{base}{SIMILARITY_GRAPH}"))
        for triple in links:
            similar.add(triple)
    return dataset, plans


def build(sources: Iterable[Path | str], out: Path | str, base: str = DEFAULT_BASE,
          validate: bool = True) -> BuildResult:
    """Build and publish into ``out``; on any error ``out`` is left as it was."""
    out = Path(out)
    dataset, plans = build_dataset(sources, base)
    if validate:
        from pilotkg.graph.validate import validate as shacl

        result = shacl(dataset)
        if not result.conforms:
            raise BuildError("the graph does not conform to the shapes; nothing was published\n"
                             + result.report_text())
    quads = publish.sorted_quads(dataset)
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
