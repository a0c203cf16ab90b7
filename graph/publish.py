"""Write the dumps, checksums and the Oxigraph store of a build, streaming from sorted part files.

A build writes each named graph once, as a *part*: its N-Triples lines sorted bytewise (``.nt``)
and the same lines with the graph name (``.nq``). Everything published is made from the parts
without holding the graph in memory: the N-Quads dump is the parts one after another (in order
of graph IRI), the N-Triples dump their merge with duplicates dropped, Turtle, TriG and JSON-LD
are pyoxigraph's serialisers fed by its parsers, and the store bulk-loads N-Quads. Sorted parts
make every dump byte-identical from run to run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import BNode, Literal, URIRef

from pilotkg.loaders.vocabulary import DEFAULT_BASE
from pilotkg.prefixes import prefixes

NT, NQ = "pilotkg.nt", "pilotkg.nq"
# derived dumps: name, format, made from the N-Quads (named graphs) or the N-Triples (union) dump
DERIVED = (
    ("pilotkg.ttl", ox.RdfFormat.TURTLE, False),
    ("pilotkg.trig", ox.RdfFormat.TRIG, True),
    ("pilotkg.jsonld", ox.RdfFormat.JSON_LD, True),
)
RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
MERGE_FAN_IN = 128  # open files a merge reads at once (a build may have thousands of parts)


def to_ox(term: URIRef | Literal | BNode) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"unexpected RDF term {term!r}")


def ox_triples(graph: Iterable[tuple]) -> list[ox.Triple]:
    """rdflib triples as pyoxigraph triples (each IRI converted once)."""
    iris: dict[URIRef, ox.NamedNode] = {}

    def term(t: URIRef | Literal | BNode) -> ox.NamedNode | ox.Literal | ox.BlankNode:
        if type(t) is URIRef:
            node = iris.get(t)
            if node is None:
                node = iris[t] = ox.NamedNode(t)
            return node
        return to_ox(t)

    return [ox.Triple(term(s), term(p), term(o)) for s, p, o in graph]


@dataclass(frozen=True, slots=True)
class Part:
    """One named graph, written: its name, its two files and how many triples it holds."""

    graph: str
    nt: Path
    nq: Path
    triples: int


def write_part(triples: list[ox.Triple], graph: str, folder: Path, stem: str) -> Part:
    """Write ``triples`` as the part of graph ``graph``: sorted, each triple once."""
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    lines = sorted(set(data.splitlines(keepends=True)))
    suffix = f" <{graph}> .\n".encode()
    nt, nq = folder / f"{stem}.nt", folder / f"{stem}.nq"
    nt.write_bytes(b"".join(lines))
    nq.write_bytes(b"".join(line[:-3] + suffix for line in lines))  # N-Triples lines end with " .\n"
    return Part(graph, nt, nq, len(lines))


def merge_parts(parts: list[Part], folder: Path, stem: str) -> Part:
    """Parts of one graph (written in batches) as one part."""
    nt, nq = folder / f"{stem}.nt", folder / f"{stem}.nq"
    counts = Counts()
    merge_lines([part.nt for part in parts], nt, counts)
    merge_lines([part.nq for part in parts], nq)
    for part in parts:
        part.nt.unlink()
        part.nq.unlink()
    return Part(parts[0].graph, nt, nq, counts.triples)


@dataclass(slots=True)
class Counts:
    """What VoID says of a build: counted while the union is merged."""

    triples: int = 0
    subjects: int = 0
    properties: set[bytes] = field(default_factory=set)
    classes: Counter[str] = field(default_factory=Counter)
    graphs: dict[str, int] = field(default_factory=dict)


def write_nquads(parts: list[Part], target: Path) -> Path:
    """N-Quads: the parts one after another, in order of graph IRI."""
    with target.open("wb") as out:
        for part in sorted(parts, key=lambda part: part.graph):
            with part.nq.open("rb") as source:
                shutil.copyfileobj(source, out, 1 << 20)
    return target


def write_dumps(
    parts: list[Part],
    out: Path,
    pool: Executor | None = None,
    merged: list[Path] | None = None,
    base: str = DEFAULT_BASE,
) -> tuple[list[Path], Counts]:
    """The five dumps of ``parts`` into ``out``, and the counts of the union.

    ``merged`` are files of sorted N-Triples lines that already merge some of the parts (the
    N-Triples dump then merges those files and the other parts' lines). With a process ``pool``,
    TriG and JSON-LD are written by its workers while this process merges the N-Triples dump, and
    Turtle once that is done: each serialiser is a whole core's work.
    """
    counts = Counts(graphs={part.graph: part.triples for part in parts})
    nq, nt = write_nquads(parts, out / NQ), out / NT
    jobs = [_run(pool, write_derived, nq, out / name, base) for name, _, datasets in DERIVED if datasets]
    merge_lines(merged or [part.nt for part in parts], nt, counts)
    jobs += [_run(pool, write_derived, nt, out / name, base) for name, _, datasets in DERIVED if not datasets]
    return sorted([nq, nt, *(job.result() for job in jobs)]), counts


def write_derived(source: Path, target: Path, base: str = DEFAULT_BASE) -> Path:
    """``target`` (in the format of its name) from the N-Quads or N-Triples dump ``source``, streamed,
    with the project's prefixes for ``base`` (vocab/prefixes.csv); read leniently, as the store
    (:func:`load_store`): a quarter off the parse."""
    source_format = ox.RdfFormat.N_QUADS if source.suffix == ".nq" else ox.RdfFormat.N_TRIPLES
    fmt = next(fmt for name, fmt, _ in DERIVED if name == target.name)
    ox.serialize(
        ox.parse(path=source, format=source_format, lenient=True),
        target,
        fmt,
        prefixes=prefixes(base) if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None,
    )
    return target


def _run(pool: Executor | None, fn: Callable, *args: object) -> Future:
    if pool is not None:
        return pool.submit(fn, *args)
    future: Future = Future()
    future.set_result(fn(*args))
    return future


def merge_lines(paths: list[Path], target: Path, counts: Counts | None = None) -> None:
    """Merge sorted line files into ``target``, each line once, and count the union when asked.

    GNU sort merges (``sort -m -u`` in the C locale compares bytes, as Python sorts the parts):
    a merge of a thousand parts in Python, line by line through heapq, was a tenth of a build.
    """
    paths = list(paths)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".merge-") as tmp:
        if not paths:
            target.write_bytes(b"")
        else:
            command = ["sort", "-m", "-u", f"--batch-size={MERGE_FAN_IN}", "-T", tmp, "-o", str(target), "--"]
            subprocess.run([*command, *map(str, paths)], check=True, env={**os.environ, "LC_ALL": "C"})
    if counts is not None:
        with target.open("rb", buffering=1 << 20) as lines:
            _count(lines, counts)


def _count(lines: Iterable[bytes], counts: Counts) -> None:
    subject = b""
    for line in lines:
        s, p, rest = line.split(b" ", 2)  # IRIs hold no spaces and the graph has no blank nodes
        counts.triples += 1
        if s != subject:  # sorted lines: one subject's triples are together
            counts.subjects += 1
            subject = s
        counts.properties.add(p)
        if p == RDF_TYPE:
            counts.classes[rest[1:-4].decode()] += 1  # "<class> .\n"


def load_store(nquads: Path, path: Path) -> ox.Store:
    """An on-disk Oxigraph store at ``path``, bulk-loaded from an N-Quads file the build wrote.

    Lenient: the parts are Oxigraph's serialisations of terms it validated when they were made
    (graph names made from the same base); not validating them again is 10 % off the load."""
    store = ox.Store(str(path))
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS, lenient=True)
    return store


def close_store(store: ox.Store) -> None:
    """Flush the store the server will open read-only. Not compacted: its data came in through
    the bulk loader, whose sorted files RocksDB reads as they are; compacting them (``optimize``)
    took 15 s at 300 plans (~50 s at 1,000) for ~18 % off a scan of every quad, nothing
    measurable on selective queries, and a smaller store (5.5 GiB uncompacted at 1,000 plans;
    session 2's compacted store of the same plans took 4.1 GiB)."""
    store.flush()
    del store


def write_graph(graph: Graph, path: Path, base: str = DEFAULT_BASE) -> None:
    """A small rdflib graph (VoID) through the same canonical writer."""
    triples = sorted(ox_triples(graph), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    ox.serialize(triples, str(path), ox.RdfFormat.TURTLE, prefixes=prefixes(base))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)  # hashlib lets go of the GIL over large blocks
    return digest.hexdigest()


def sha256sums(paths: list[Path], out: Path) -> Path:
    """``SHA256SUMS`` of ``paths``, the files hashed side by side on every core (gigabytes of
    dumps at a thousand plans)."""
    ordered = sorted(paths)
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        digests = list(pool.map(_sha256, ordered))
    lines = []
    for path, digest in zip(ordered, digests, strict=True):
        lines.append(f"{digest}  {path.relative_to(out).as_posix()}\n")  # as sha256sum -c reads it
    target = out / "SHA256SUMS"
    target.write_text("".join(lines), encoding="utf-8")
    return target
