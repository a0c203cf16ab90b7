"""What runs inside a query worker process (server/workers.py).

Each worker opens the on-disk store read-only once (the pool's initializer) and answers jobs:
check the query (:mod:`pilotkg.server.safety`), run it, and serialise the answer with
pyoxigraph's native serialisers. Only bytes travel back to the web process.
"""

from __future__ import annotations

import json
import logging
import os
import resource
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from pilotkg.server.backend import Backend, BackendError
from pilotkg.server.egress import forward
from pilotkg.server.isolation import Target, leave_network, listen_addresses
from pilotkg.server.jsonld import compact_jsonld
from pilotkg.server.safety import Refused, analyse, looks_like_update

log = logging.getLogger(__name__)

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}

_STORE: ox.Store | None = None
_BACKEND: Backend | None = None  # when queries go to a remote store
NETWORK_ISOLATED = False
EGRESS: tuple[str, ...] = ()  # the host:port pairs this worker listens for, leading to the relay
STORE_KIND = ""  # memory (a copy of a small store), disk (the store itself) or remote


def init_worker(
    store_path: str,
    isolate_network: bool = False,
    memory_mb: int = 0,
    backend: str = "",
    timeout: float = 10.0,
    memory_store_mb: int = 0,
    egress: tuple[Target, ...] = (),
    relay: str = "",
    hosts: str = "",
) -> None:
    """Pool initializer: limit memory, leave the network (optionally), open the store.

    With ``isolate_network`` the worker enters an empty network namespace (server/isolation.py);
    the ``egress`` targets (allowed SERVICE endpoints, the remote store) are then reached through
    listeners on its loopback that lead to the web process's ``relay`` only (server/egress.py),
    with ``hosts`` as its /etc/hosts.

    The limit is on the data segment (RLIMIT_DATA: heap and private memory), not the address
    space: the store's files are mapped, and a large store would not even open under RLIMIT_AS.
    An allocation past it aborts the worker, which the pool reports as a query over the limit.
    """
    global _STORE, NETWORK_ISOLATED, _BACKEND, STORE_KIND, EGRESS
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    if isolate_network:  # before the store opens: a user namespace needs a single thread
        addresses = listen_addresses(egress) if egress and relay else None
        NETWORK_ISOLATED = leave_network(addresses, hosts)
        if NETWORK_ISOLATED and addresses:
            EGRESS = tuple(str(t) for t in forward(addresses, relay))
    if backend:  # queries go to the remote store; the empty one only parses them (server/backend.py)
        _BACKEND = Backend(backend, timeout)
        _STORE, STORE_KIND = ox.Store(), "remote"
    else:
        _STORE = ox.Store.read_only(store_path)
        if _fits_in_memory(store_path, memory_store_mb, memory_mb):
            _STORE, STORE_KIND = _in_memory(_STORE), "memory"
        else:
            STORE_KIND = "disk"


COPY_PER_FILE_BYTE = 2  # an in-memory copy took 1.4–1.6× the store's files


def _fits_in_memory(store_path: str, limit_mb: int, worker_memory_mb: int) -> bool:
    """A small store is answered from a copy in memory: the same engine over the same quads,
    about 3.5× faster than through RocksDB on the example queries (bench/endpoint_bench.py).
    Only when its files take at most ``limit_mb`` and the copy would take at most half the
    worker's memory limit (the other half is the queries')."""
    if limit_mb <= 0:
        return False
    size = sum(entry.stat().st_size for entry in os.scandir(store_path) if entry.is_file())
    if size > limit_mb * 1024 * 1024:
        return False
    return worker_memory_mb <= 0 or size * COPY_PER_FILE_BYTE <= worker_memory_mb * 1024 * 1024 // 2


def _in_memory(disk: ox.Store) -> ox.Store:
    memory = ox.Store()
    memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    return memory


def store() -> ox.Store:
    if _STORE is None:
        raise RuntimeError("query worker has no store (initializer not run)")
    return _STORE


class _Full(Exception):
    """Raised from the sink to stop a serialiser once the row cap is reached."""


class _CappedSink:
    """A file-like sink keeping at most ``max_lines`` lines (one row/triple per line)."""

    def __init__(self, max_lines: int):
        self.max_lines = max_lines
        self.lines = 0
        self.chunks: list[bytes] = []
        self.truncated = False

    def write(self, data: bytes) -> int:
        if self.truncated:
            raise _Full
        data = bytes(data)
        count = data.count(b"\n")
        if self.lines + count <= self.max_lines:
            self.chunks.append(data)
            self.lines += count
            return len(data)
        # keep up to the max_lines-th newline, drop the rest and stop the serialiser
        pos = -1
        for _ in range(self.max_lines - self.lines):
            pos = data.index(b"\n", pos + 1)
        self.chunks.append(data[: pos + 1])
        self.lines = self.max_lines
        self.truncated = True
        raise _Full

    def flush(self) -> None:
        return None

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


@dataclass
class Job:
    query: str
    result_format: str | None  # for SELECT / ASK; None = nothing acceptable
    graph_format: str | None  # for CONSTRUCT / DESCRIBE; None = nothing acceptable
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    max_rows: int = 10_000
    allowlist: tuple[str, ...] = ()
    prefixes: dict[str, str] = field(default_factory=dict)
    trusted: bool = False  # internal queries built by the server itself skip the safety check


@dataclass
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    message: str = ""
    form: str = ""  # select | ask | graph
    truncated: bool = False
    rows: int = -1
    retry_after: int | None = None  # seconds, for 429 and 503 answers a client may retry


def run(job: Job) -> Answer:
    """Check, run and serialise one query. Never raises for a bad query: returns an Answer."""
    try:
        analysis = None if job.trusted else analyse(job.query, job.allowlist)
    except Refused as refused:
        return Answer(refused.status, message=refused.message)

    kwargs: dict = {}
    if job.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    elif analysis is None or not analysis.has_dataset:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
        if not job.default_graphs:  # the protocol's dataset replaces the query's
            kwargs.pop("use_default_graph_as_union", None)
            kwargs["default_graph"] = ox.DefaultGraph()
    try:
        result = store().query(job.query, **kwargs)  # with a backend: an empty store, to parse and type it
        if _BACKEND is not None:
            result = _BACKEND.query(job, result)
    except BackendError as exc:
        return Answer(exc.status, message=str(exc))
    except SyntaxError as exc:
        if looks_like_update(job.query):
            return Answer(403, message="This endpoint is read-only: SPARQL Update is not allowed.")
        return Answer(400, message=f"Malformed query: {exc}")
    except (ValueError, TypeError) as exc:
        return Answer(400, message=f"Bad request: {exc}")

    try:
        if isinstance(result, ox.QueryBoolean):
            if job.result_format is None:
                return Answer(406, form="ask", message="An ASK query answers with SPARQL results formats.")
            body = result.serialize(format=RESULT_FORMATS[job.result_format])
            return Answer(200, body, MEDIA_TYPES[job.result_format], form="ask", rows=1)
        if isinstance(result, ox.QuerySolutions):
            if job.result_format is None:
                return Answer(406, form="select", message="A SELECT query answers with SPARQL results formats.")
            return _solutions(result, job)
        if job.graph_format is None:
            if job.result_format not in ("json", "xml"):
                return Answer(406, form="graph", message="A CONSTRUCT or DESCRIBE query answers with RDF formats.")
            # the client accepts SPARQL results JSON or XML only (rdflib's SPARQLStore with returnFormat
            # json or xml sends that for every query): a graph answers in the default RDF format, Turtle
            job = replace(job, graph_format="turtle")
        return _triples(result, job)
    except OSError as exc:  # evaluation errors surface while iterating
        if analysis is not None and analysis.services:  # most likely the remote side: say so
            return Answer(502, message=f"Query evaluation failed; a SERVICE it calls may have failed: {exc}")
        return Answer(500, message=f"Query evaluation failed: {exc}")


def _solutions(result: ox.QuerySolutions, job: Job) -> Answer:
    fmt = job.result_format
    assert fmt is not None
    sink = _CappedSink(job.max_rows + 1)  # TSV: a header line, then one line per row
    try:
        result.serialize(sink, ox.QueryResultsFormat.TSV)
    except (_Full, OSError, RuntimeError):
        if not sink.truncated:
            raise
    tsv = sink.getvalue()
    rows = max(sink.lines - 1, 0)
    if fmt == "tsv":
        body = tsv
    else:
        body = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=RESULT_FORMATS[fmt])
    if sink.truncated:
        body = say_truncated(body, MEDIA_TYPES[fmt], job.max_rows)
    return Answer(200, body, MEDIA_TYPES[fmt], form="select", truncated=sink.truncated, rows=rows)


def _triples(result: ox.QueryTriples, job: Job) -> Answer:
    fmt = job.graph_format
    assert fmt is not None
    sink = _CappedSink(job.max_rows)
    try:
        result.serialize(sink, ox.RdfFormat.N_TRIPLES)
    except (_Full, OSError, RuntimeError):
        if not sink.truncated:
            raise
    nt = sink.getvalue()
    if fmt == "ntriples":
        body = nt
    else:
        quads = ox.parse(nt, ox.RdfFormat.N_TRIPLES)
        prefixes = job.prefixes if fmt in ("turtle", "rdfxml", "jsonld") else None
        try:
            body = ox.serialize(quads, format=GRAPH_FORMATS[fmt], prefixes=prefixes or None)
        except (OSError, ValueError, SyntaxError) as exc:  # e.g. RDF 1.2 triple terms in JSON-LD
            return Answer(406, form="graph", message=f"The answer cannot be written as {MEDIA_TYPES[fmt]}: {exc}.")
        if fmt == "jsonld" and job.prefixes:
            body = compact_jsonld(body, job.prefixes)
    if sink.truncated:
        body = say_truncated(body, MEDIA_TYPES[fmt], job.max_rows)
    return Answer(200, body, MEDIA_TYPES[fmt], form="graph", truncated=sink.truncated, rows=sink.lines)


def ping() -> dict:
    """Health check run inside a worker."""
    return {"pid": os.getpid(), "network_isolated": NETWORK_ISOLATED, "store": STORE_KIND, "egress": list(EGRESS)}


TRUNCATED_LINK = "/sparql#limits"  # the service description's section on the row limit


def say_truncated(body: bytes, content_type: str, max_rows: int) -> bytes:
    """An answer cut at the row limit says so in its body where the format has room: a ``link``
    in the head of SPARQL JSON and XML results (both formats define one for metadata), a comment
    above N-Triples and Turtle. CSV, TSV and JSON-LD have no such place: the header says it."""
    media = content_type.split(";")[0].strip()
    note = f"results cut at {max_rows} rows (PILOTKG_MAX_ROWS): add a LIMIT or make the query more selective"
    if media == "application/sparql-results+json":
        document = json.loads(body)
        document.setdefault("head", {}).setdefault("link", []).append(TRUNCATED_LINK)
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if media == "application/sparql-results+xml" and b"</head>" in body:
        return body.replace(b"</head>", f'<link href="{TRUNCATED_LINK}"/></head>'.encode(), 1)
    if media in ("text/turtle", "application/n-triples", "application/n-quads"):
        return f"# {note}\n".encode() + body
    return body
