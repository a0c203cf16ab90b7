"""Build the graph from sources and publish it atomically.

sources → loaders (plan model → RDF) → SHACL gate → publish (dumps, VoID, store).

The work is graph by graph, so that it grows linearly with the number of plans and runs on
every core: a worker process reads one plan, turns it into its named graph, checks that graph
against the shapes (graph/gate.py) and writes it as a sorted part file (graph/publish.py); the
main process keeps only what crosses plans — the texts to link by similarity, the report
sections — and then links, checks the links in batches on the workers, and publishes from the
part files. A failed build raises before anything is moved into place, so the previous output
survives.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from pilotkg.graph import output, publish, search_index
from pilotkg.graph.report import report_of_sections
from pilotkg.graph.similarity import MAX_LINKS, Item, link_lines, measure_items, task_items
from pilotkg.graph.void import void_graph
from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.model import Plan
from pilotkg.loaders.plan_csv import is_meta_file, load_plan_csv
from pilotkg.loaders.plan_text import load_plan_text
from pilotkg.loaders.readers import SUFFIXES
from pilotkg.loaders.to_rdf import plan_graph, plan_triples
from pilotkg.loaders.vocabulary import DEFAULT_BASE, Vocabulary

# Which loader reads which source; a CSV plan's metadata file (*.meta.toml) is read by its loader.
# A CSV task list goes to its own loader; every other file is read by what it holds (text, web page,
# PDF, Word: loaders/readers.py), so a folder is searched for these suffixes, a named file is taken
# whatever its name.
LOADERS = {".csv": load_plan_csv} | dict.fromkeys(sorted(SUFFIXES), load_plan_text)
SIMILARITY_GRAPH = "graph/similarity"
VOCAB_GRAPH = "graph/vocab"
SOURCES = "sources"  # the source files, copied into the output beside the dumps
VOID_GRAPH = "graph/void"  # in the store only: the VoID description of the dumps (void.ttl)
LOG = logging.getLogger(__name__)
LINK_BATCH = 5_000  # similarity pairs a worker checks at once (7 triples a pair)
STATISTICS_BATCH = 40_000  # statistics triples a worker checks at once
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OBSERVATION = "http://purl.org/linked-data/cube#Observation"


class BuildError(Exception):
    """The build cannot publish: bad input or a graph that does not conform."""


@dataclass(slots=True)
class BuiltPilot:
    """What the main process keeps of one plan once its graph is written and checked."""

    slug: str
    source: Path
    city: str
    year: int
    issued: dt.date
    tasks: int
    report: str  # its section of discrepancies.md
    task_items: list[Item]
    measure_items: list[Item]
    part: publish.Part
    problem: str | None  # the gate's report, None when the graph conforms
    search_rows: list[tuple]  # its rows of the search index (graph/search_index.py)
    statistics: bytes  # its observations of the per-pilot statistics, N-Triples (graph/statistics.py)


@dataclass(slots=True)
class BuildResult:
    out: Path
    pilots: list[BuiltPilot]
    triples: int
    report: str
    files: list[Path]


def source_files(sources: Iterable[Path | str]) -> list[Path]:
    """Files named directly, and the plan files (by suffix) inside folders, in a stable order."""
    files: list[Path] = []
    for item in map(Path, sources):
        if item.is_dir():
            files += sorted(
                p for p in item.iterdir() if p.suffix.lower() in LOADERS and p.is_file() and not is_meta_file(p)
            )
        else:
            files.append(item)  # a missing file is reported by the loader, naming it
    if not files:
        raise BuildError("no plan sources found in " + ", ".join(map(str, sources)))
    return files


def load_plan(path: Path, vocabulary: Vocabulary) -> Plan:
    return LOADERS.get(path.suffix.lower(), load_plan_text)(path, vocabulary)


def load_plans(files: list[Path], vocabulary: Vocabulary) -> list[Plan]:
    plans = [load_plan(path, vocabulary) for path in files]
    _refuse_repeats([(plan.slug, plan.city, plan.year, path) for plan, path in zip(plans, files, strict=True)])
    return plans


def _refuse_repeats(pilots: Iterable[tuple[str, str, int, Path]]) -> None:
    """Two plans for one city and year would merge into one pilot: an error, naming both files."""
    seen: dict[str, Path] = {}
    for slug, city, year, path in pilots:
        if slug in seen:
            raise LoadError(path, f"a second plan for {city} {year} (pilot {slug}); the first is {seen[slug]}")
        seen[slug] = path


def named_graphs(plans: list[Plan], base: str) -> Iterator[tuple[URIRef, Graph]]:
    """The graphs of a build, one at a time: vocabulary, one per plan, then the similarity links.

    Similarity links join tasks of different pilots, so they live in a named graph of their own
    (``{base}graph/similarity``) rather than in either pilot's graph.
    """
    from pilotkg.graph.similarity import similarity_graph
    from pilotkg.graph.vocab import vocab_graph

    yield URIRef(f"{base}{VOCAB_GRAPH}"), vocab_graph(base)
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


# ------------------------------------------------------------------------------------ workers

_WORKER: dict[str, object] = {}


def _start_worker(base: str, validate: bool, parts: str) -> None:
    """A build worker: vocabulary, its graph and the gates, loaded once per process."""
    from pilotkg.graph.gate import Gate
    from pilotkg.graph.vocab import vocab_graph

    vocab = publish.ox_triples(vocab_graph(base))
    _WORKER.clear()
    _WORKER.update(
        base=base,
        parts=Path(parts),
        vocabulary=Vocabulary.load(base=base),
        vocab=vocab,
        pilot_gate=Gate.for_pilots(vocab) if validate else None,
        link_gate=Gate.for_links() if validate else None,
    )


def _read_ahead(files: list[Path]) -> Future | None:
    """A lone PDF's reading, started in a forked child while this process loads the vocabulary
    and the gate (the PDF reader is the one slow reader; on two cores the two overlap).

    Only before any thread runs: a process forked from a threaded one can inherit a held lock.
    """
    import threading

    if len(files) != 1 or threading.active_count() > 1 or files[0].suffix.lower() == ".csv":
        return None
    try:
        with files[0].open("rb") as f:
            if b"%PDF-" not in f.read(1024):
                return None
    except OSError:
        return None  # the loader reports it, naming the file
    reader = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    future = reader.submit(_read_plan, files[0])
    reader.shutdown(wait=False)
    return future


def _read_plan(path: Path) -> Plan:
    return load_plan(path, Vocabulary.load())


def _pilot_job(job: tuple[int, Path]) -> BuiltPilot:
    """Read one plan; write its graph as a part; check it."""
    index, path = job
    from pilotkg.graph.gate import Staged
    from pilotkg.graph.report import plan_section
    from pilotkg.graph.statistics import pilot_statistics

    base = str(_WORKER["base"])
    ahead = _WORKER.pop("read_ahead", None)
    plan = ahead.result() if ahead is not None else load_plan(path, _WORKER["vocabulary"])  # type: ignore[union-attr,arg-type]
    name = f"{base}graph/{plan.slug}"
    triples = plan_triples(plan, base)
    gate = _WORKER["pilot_gate"]
    staged = Staged(triples, gate.context_nt if gate is not None else "")  # type: ignore[attr-defined]
    problem = gate.check(name, staged) if gate is not None else None  # type: ignore[attr-defined]
    statistics = ox.serialize(pilot_statistics(staged.store, base), format=ox.RdfFormat.N_TRIPLES)
    part = publish.write_part(triples, name, _WORKER["parts"], f"pilot-{index:06d}")  # type: ignore[arg-type]
    return BuiltPilot(
        plan.slug,
        path,
        plan.city,
        plan.year,
        plan.notice.issued,
        len(plan.tasks()),
        plan_section(plan),
        task_items([plan], base),
        measure_items([plan], base),
        part,
        problem,
        search_index.rows_of_graph(triples),
        statistics,
    )


def _links_job(job: tuple[int, bytes]) -> tuple[str | None, publish.Part]:
    """Check one batch of similarity pairs (N-Triples; each pair whole in one batch) and write it
    as a part of the similarity graph."""
    from pilotkg.graph.gate import link_types

    index, batch = job
    name = f"{_WORKER['base']}{SIMILARITY_GRAPH}"
    triples = list(ox.parse(batch, ox.RdfFormat.N_TRIPLES))
    gate = _WORKER["link_gate"]
    problem = gate.check(name, triples + link_types(triples)) if gate is not None else None  # type: ignore[attr-defined]
    return problem, publish.write_part(triples, name, _WORKER["parts"], f"similarity-{index:06d}")  # type: ignore[arg-type]


class _Inline(Executor):
    """The workers' jobs in this process: for one plan, a pool costs more than it saves."""

    def submit(self, fn: Callable, /, *args: object, **kwargs: object) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed over as a pool would, through the future
            future.set_exception(exc)
        return future


def _pool(jobs: int, base: str, validate: bool, parts: Path, ahead: Future | None = None) -> Executor:
    workers = min(jobs, os.cpu_count() or 1)
    if workers <= 1:
        _start_worker(base, validate, str(parts))
        if ahead is not None:
            _WORKER["read_ahead"] = ahead
        return _Inline()
    # forkserver, not fork: Oxigraph runs threads, and a process forked from a threaded
    # one can inherit a lock no thread will ever release (the build then hangs).
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=_start_worker,
        initargs=(base, validate, str(parts)),
    )


def _chunksize(jobs: int) -> int:
    """Plans a worker takes at once: a few, so that no worker idles long while the last chunk of
    another is read (a chunk of 60 plans left one core idle for half a minute at the end)."""
    return max(1, min(4, jobs // (8 * (os.cpu_count() or 1))))


# -------------------------------------------------------------------------------------- build


def build(
    sources: Iterable[Path | str], out: Path | str, base: str = DEFAULT_BASE, validate: bool = True
) -> BuildResult:
    """Build and publish into ``out``; on any error ``out`` is left as it was."""
    out = Path(out)
    files = source_files(sources)
    with output.locked(out):
        output.sweep(out)  # staging folders of killed builds, builds older than the one before
        return _build(files, out, base, validate)


def _build(files: list[Path], out: Path, base: str, validate: bool) -> BuildResult:
    staging = output.new_staging(out)
    parts_dir = staging / ".parts"
    parts_dir.mkdir()
    clock = _Clock()
    try:
        with _pool(len(files), base, validate, parts_dir, _read_ahead(files)) as pool:
            try:
                pilots = list(pool.map(_pilot_job, enumerate(files), chunksize=_chunksize(len(files))))
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # the first bad source ends the build
                raise
            clock.lap(f"{len(pilots)} pilot graph(s) read, checked and written")
            _refuse_repeats((p.slug, p.city, p.year, p.source) for p in pilots)
            parts, problems = [p.part for p in pilots], [p.problem for p in pilots]
            inline = isinstance(pool, _Inline)  # the worker's vocabulary and gate are this process's
            vocab = _WORKER["vocab"] if inline else _vocab_triples(base)
            parts.append(publish.write_part(vocab, f"{base}{VOCAB_GRAPH}", parts_dir, "vocab"))  # type: ignore[arg-type]
            if validate:
                from pilotkg.graph.gate import Gate

                gate = _WORKER["pilot_gate"] if inline else Gate.for_pilots(vocab)  # type: ignore[arg-type]
                problems.append(gate.check(f"{base}{VOCAB_GRAPH}", vocab))  # type: ignore[union-attr,arg-type]
            shared: dict[tuple[str, str], int] = {}
            batches = enumerate(_link_batches(pilots, base, shared))
            checked = _bounded_map(pool, _links_job, batches)
            problems += [problem for problem, _ in checked]
            if checked:
                parts.append(publish.merge_parts([part for _, part in checked], parts_dir, "similarity"))
            clock.lap(f"{sum(part.triples for _, part in checked)} similarity triple(s) linked, checked, written")
            alignments = _alignments(pilots, base, shared, pool if validate else None, parts_dir)
            if alignments.triples:
                parts.append(alignments)
            clock.lap(f"alignments made, checked and written ({alignments.triples} triples)")
            reports = [p for p in problems if p]
            if reports:
                raise BuildError(
                    "the graph does not conform to the shapes; nothing was published\n" + "\n".join(reports)
                )
            # The statistics count what the other graphs hold, with SPARQL over the store: load
            # it first, merging the other graphs' N-Triples meanwhile (pyoxigraph lets go of the GIL).
            with ThreadPoolExecutor(1) as loader:
                loading = loader.submit(
                    publish.load_store, publish.write_nquads(parts, parts_dir / "base.nq"), staging / "store"
                )
                publish.merge_lines([part.nt for part in parts], parts_dir / "base.nt")
                store = loading.result()
            clock.lap("store loaded")
            statistics = _statistics(store, base, vocab, pool if validate else None, parts_dir, pilots)
            store.bulk_extend(
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(statistics.graph))
                for t in ox.parse(path=statistics.nt, format=ox.RdfFormat.N_TRIPLES)
            )
            clock.lap(f"statistics counted, checked and stored ({statistics.triples} triples)")
            parts.append(statistics)
            # The search index reads the store while the dumps are written from the part files
            # (pyoxigraph and SQLite let go of the GIL): the two overlap.
            with ThreadPoolExecutor(1) as indexer:
                indexing = indexer.submit(
                    search_index.write_index, store, staging, [row for p in pilots for row in p.search_rows]
                )
                files_out, counts = publish.write_dumps(
                    parts,
                    staging,
                    None if isinstance(pool, _Inline) else pool,
                    merged=[parts_dir / "base.nt", statistics.nt],
                    base=base,
                )
                indexing.result()
            clock.lap(f"dumps and search index written ({counts.triples} triples)")
            issued = max((p.issued for p in pilots), default=None)
            void = void_graph(
                counts,
                [f for f in files_out if f.suffix != ".md"],
                base,
                issued.isoformat() if isinstance(issued, dt.date) else None,
            )
            publish.write_graph(void, staging / "void.ttl", base)
            files_out.append(staging / "void.ttl")
            # VoID describes the dumps, so it is not in them; in the store, in a graph of its own,
            # the endpoint can be asked about itself.
            store.bulk_extend(
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(f"{base}{VOID_GRAPH}"))
                for t in publish.ox_triples(void)
            )
            publish.close_store(store)
            del store
            clock.lap("VoID written, store flushed")
        report = report_of_sections([p.report for p in pilots])
        (staging / "discrepancies.md").write_text(report, encoding="utf-8")
        files_out.append(staging / "discrepancies.md")
        files_out += _copy_sources(pilots, staging / SOURCES)
        files_out.append(publish.sha256sums(files_out, staging))
        shutil.rmtree(parts_dir)
        output.switch(staging, out)
        clock.lap("report, sources and checksums written, output switched")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(out, pilots, counts.triples, report, sorted(out / f.relative_to(staging) for f in files_out))


def _copy_sources(pilots: Sequence[BuiltPilot], folder: Path) -> list[Path]:
    """The source files, published beside the dumps (``sources/{name}``), byte for byte: the
    character offsets and quotes of every span can then be checked against the file itself."""
    folder.mkdir()
    copied: dict[str, Path] = {}
    for pilot in pilots:
        name = pilot.source.name
        if name in copied:
            raise BuildError(f"two sources named {name}: {copied[name]} and {pilot.source}; rename one")
        copied[name] = pilot.source
        shutil.copyfile(pilot.source, folder / name)
    return [folder / name for name in sorted(copied)]


def _statistics(
    store: ox.Store,
    base: str,
    vocab: list[ox.Triple],
    pool: Executor | None,
    folder: Path,
    pilots: Sequence[BuiltPilot],
) -> publish.Part:
    """The statistics graph (graph/statistics.py), checked against its shapes, as a part.

    Observations are checked in batches on the workers, each batch with every data set and
    structure beside it (the observations point at them)."""
    from pilotkg.graph.statistics import STATISTICS_GRAPH, statistics_quads

    counted = (t for p in pilots for t in ox.parse(p.statistics, ox.RdfFormat.N_TRIPLES))
    triples = [quad.triple for quad in statistics_quads(store, base, pilots=counted)]
    if pool is not None:
        observations = {t.subject for t in triples if t.predicate.value == RDF_TYPE and t.object.value == OBSERVATION}
        structure = [t for t in triples if t.subject not in observations]
        rows = [t for t in triples if t.subject in observations]  # sorted: an observation's triples are together
        batches, start = [], 0
        while start < len(rows):
            end = min(start + STATISTICS_BATCH, len(rows))
            while end < len(rows) and rows[end].subject == rows[end - 1].subject:
                end += 1
            batches.append(ox.serialize(structure + rows[start:end], format=ox.RdfFormat.N_TRIPLES))
            start = end
        if not batches:
            batches.append(ox.serialize(structure, format=ox.RdfFormat.N_TRIPLES))
        reports = [r for r in _bounded_map(pool, _statistics_job, batches) if r]
        if reports:
            raise BuildError(
                "the statistics graph does not conform to the shapes; nothing was published\n" + "\n".join(reports)
            )
    return publish.write_part(triples, f"{base}{STATISTICS_GRAPH}", folder, "statistics")


def _statistics_job(batch: bytes) -> str | None:
    from pilotkg.graph.gate import Gate, range_types

    triples = list(ox.parse(batch, ox.RdfFormat.N_TRIPLES))
    vocab = _WORKER["vocab"]
    gate = Gate.for_derived(triples, vocab)  # type: ignore[arg-type]
    return gate.check(f"{_WORKER['base']}graph/statistics", triples + range_types(triples, vocab))  # type: ignore[arg-type]


class _Clock:
    """Logs how long each step of a build took (``pilotkg build -v``, and the scale benchmark)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        LOG.info("%s in %.2f s", what, now - self.last)
        self.last = now


def _vocab_triples(base: str) -> list[ox.Triple]:
    from pilotkg.graph.vocab import vocab_graph

    return publish.ox_triples(vocab_graph(base))


def _pilot_of(iri: URIRef | str, base: str) -> str:
    """The pilot slug of a task or measure IRI ``{base}id/pilot/{slug}/task/…``."""
    return str(iri)[len(base) + len("id/pilot/") :].split("/", 1)[0]


def _alignments(
    pilots: Sequence[BuiltPilot], base: str, shared: dict[tuple[str, str], int], pool: Executor | None, folder: Path
) -> publish.Part:
    """The alignments of each pilot with its most similar pilots (graph/alignment.py), checked
    against their shapes in batches on the workers, as a part."""
    from pilotkg.graph.alignment import ALIGNMENT_GRAPH, Grams, align, alignment_lines, partners

    tasks = {p.slug: p.task_items for p in pilots}
    grams = Grams()
    batches: list[bytes] = []

    def aligned() -> Iterator[bytes]:  # the workers check batches while this process aligns the next
        for a, b in partners(shared, sorted(tasks)):
            batches.append(b"".join(alignment_lines(align(a, tasks[a], b, tasks[b], cache=grams), base)))
            yield batches[-1]

    if pool is None:
        batches += aligned()
    else:
        reports = [r for r in _bounded_map(pool, _alignment_job, _grouped(aligned())) if r]
        if reports:
            raise BuildError(
                "the alignment graph does not conform to the shapes; nothing was published\n" + "\n".join(reports)
            )
    triples = list(ox.parse(b"".join(batches), ox.RdfFormat.N_TRIPLES)) if batches else []
    return publish.write_part(triples, f"{base}{ALIGNMENT_GRAPH}", folder, "alignment")


def _grouped(batches: Iterable[bytes], size: int = 20) -> Iterator[bytes]:
    """``batches`` joined ``size`` at a time (the last group may be smaller)."""
    group: list[bytes] = []
    for batch in batches:
        group.append(batch)
        if len(group) == size:
            yield b"".join(group)
            group = []
    if group:
        yield b"".join(group)


def _alignment_job(batch: bytes) -> str | None:
    from pilotkg.graph.alignment import ALIGNMENT_GRAPH
    from pilotkg.graph.gate import Gate, range_types

    triples = list(ox.parse(batch, ox.RdfFormat.N_TRIPLES))
    vocab = _WORKER["vocab"]
    gate = Gate.for_derived(triples, vocab)  # type: ignore[arg-type]
    return gate.check(f"{_WORKER['base']}{ALIGNMENT_GRAPH}", triples + range_types(triples, vocab))  # type: ignore[arg-type]


def _link_batches(
    pilots: Sequence[BuiltPilot], base: str, shared: dict[tuple[str, str], int] | None = None
) -> Iterator[bytes]:
    """The similarity links of every pilot's tasks and measures as N-Triples, ``LINK_BATCH`` pairs
    (seven triples each, and the compared forms masking changed) a batch: the main process never
    holds them all."""
    tasks = [item for p in pilots for item in p.task_items]
    measures = [item for p in pilots for item in p.measure_items]

    def count(a: URIRef, b: URIRef) -> None:  # links between two pilots' tasks
        x, y = _pilot_of(a, base), _pilot_of(b, base)
        if x != y and shared is not None:
            key = (min(x, y), max(x, y))
            shared[key] = shared.get(key, 0) + 1

    def pairs() -> Iterator[bytes]:
        for items, seen in ((tasks, count), (measures, None)):
            yield from link_lines(items, base, max_links=MAX_LINKS, seen=seen)

    yield from _grouped(pairs(), LINK_BATCH)


def _bounded_map(pool: Executor, fn: Callable, jobs: Iterable, window: int = 4) -> list:
    """``pool.map`` that submits a job only when fewer than ``window`` per worker are pending, so a
    generator of large jobs is not drawn into memory at once; results in order."""
    pending: deque[Future] = deque()
    results = []
    limit = window * (os.cpu_count() or 1)
    for job in jobs:
        pending.append(pool.submit(fn, job))
        if len(pending) >= limit:
            results.append(pending.popleft().result())
    results += [future.result() for future in pending]
    return results
