"""Per-app state: settings, the query pool, prefixes and small cached look-ups — and the switch
to a new build when ``pilotkg build`` replaces the output under a running server.

A build points its output link at a new folder in one step (graph/output.py). Each web process
looks at where its store path leads every ``PILOTKG_RELOAD_INTERVAL`` seconds; when it leads
somewhere new, it opens a query pool on the new store, checks that it answers, then switches
over in one assignment and clears its caches. Requests already running finish on the old pool,
which is closed once they have had their deadline; no request ever sees two graphs. Several web
processes switch together (server/switch.py): each gets its pool ready, and all follow the
one ``current`` file, read before every request.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flask import current_app

from pilotkg.prefixes import prefixes as project_prefixes
from pilotkg.server.config import Settings
from pilotkg.server.engine import Job
from pilotkg.server.pool import QueryPool
from pilotkg.server.switch import Switchboard

ONTOLOGY_NS = "https://w3id.org/pilotkg/ontology#"


log = logging.getLogger(__name__)


def store_target(settings: Settings) -> Path:
    """Where the store path leads now (through the output link)."""
    return Path(os.path.realpath(settings.store))


class QueryError(RuntimeError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Runtime:
    settings: Settings
    pool: QueryPool
    prefixes: dict[str, str]
    _memo: dict[str, Any] = field(default_factory=dict)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock)
    serving: Path | None = None  # the store folder the pool answers from
    switches: int = 0
    _watcher: threading.Thread | None = None
    _watch_pid: int | None = None

    board: Switchboard | None = None  # with several web processes: the switch they share
    _pending: tuple[Path, QueryPool] | None = None  # a pool ready on a build not yet switched to
    _switch_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        prefixes = project_prefixes(settings.base)
        board = Switchboard.from_env(settings.effective_web_workers())
        target = (board.current() if board else None) or store_target(settings)
        pool = QueryPool(replace(settings, store=target))
        return cls(settings=settings, pool=pool, prefixes=prefixes, serving=target, board=board)

    # -- live rebuilds --------------------------------------------------------------------
    def watch(self) -> None:
        """Start looking for a new build in this process (idempotent; a fork starts its own)."""
        if self.settings.reload_interval <= 0 or (self._watcher is not None and self._watch_pid == os.getpid()):
            return
        self._watch_pid = os.getpid()
        self._watcher = threading.Thread(target=self._watch, name="pilotkg-reload", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        stop = threading.Event()
        while not stop.wait(self.settings.reload_interval):
            try:
                self.reload_if_changed()
            except Exception:  # pragma: no cover - logged; the old build keeps being served
                log.exception("switching to the new build failed; still serving %s", self.serving)

    def reload_if_changed(self) -> bool:
        """Switch to the build the store path now leads to, if it changed and answers; True if so.
        With several web processes, get a pool ready there and switch when all of them have."""
        self.follow()
        target = store_target(self.settings)
        if target == self.serving or not target.is_dir():
            return False
        if self.board is None:
            self._switch(target, self._opened(target))
            return True
        if self._pending is None or self._pending[0] != target:
            pool = self._opened(target)  # seconds, perhaps: not under the lock requests may take
            with self._switch_lock:
                stale, self._pending = self._pending, (target, pool)
            if stale is not None:
                stale[1].close()
        self.board.ready(target)
        return self.follow()

    def follow(self) -> bool:
        """Serve the build the processes agreed on, if it is not the one served; True if switched.
        Called before each request: a ``stat`` while nothing changes."""
        if self.board is None:
            return False
        current = self.board.current()
        if current is None or current == self.serving:
            return False
        with self._switch_lock:
            if current == self.serving:
                return False
            if self._pending is not None and self._pending[0] == current:
                pool, self._pending = self._pending[1], None
            else:  # this process was not among the ready ones (started again meanwhile)
                pool = self._opened(current)
            self._switch(current, pool)
        return True

    def _opened(self, target: Path) -> QueryPool:
        pool = QueryPool(replace(self.settings, store=target))
        try:
            pool.ping(timeout=30)  # the new store opens and answers before anyone is sent to it
        except Exception:
            pool.close()
            raise
        return pool

    def _switch(self, target: Path, pool: QueryPool) -> None:
        old, self.pool, self.serving = self.pool, pool, target
        with self._memo_lock:
            self._memo.clear()
        self.switches += 1
        log.info("serving the new build at %s", target)
        # requests already running on the old pool finish there; then it is closed
        timer = threading.Timer(self.settings.query_timeout + 5, old.close)
        timer.daemon = True
        timer.start()

    def sparql_prologue(self) -> str:
        return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in self.prefixes.items())

    # -- internal queries -----------------------------------------------------------------
    def select(self, query: str, max_rows: int = 100_000) -> list[dict[str, dict]]:
        """Run a trusted SELECT built by the server; rows as SPARQL-JSON bindings."""
        job = Job(
            query=self.sparql_prologue() + query,
            result_format="json",
            graph_format=None,
            max_rows=max_rows,
            trusted=True,
        )
        answer = self.pool.run(job)
        if answer.status != 200:
            raise QueryError(answer.status, answer.message)
        return json.loads(answer.body)["results"]["bindings"]

    def ask(self, query: str) -> bool:
        job = Job(query=self.sparql_prologue() + query, result_format="json", graph_format=None, trusted=True)
        answer = self.pool.run(job)
        if answer.status != 200:
            raise QueryError(answer.status, answer.message)
        return bool(json.loads(answer.body)["boolean"])

    def construct(self, query: str, fmt: str, max_rows: int = 100_000) -> tuple[bytes, str]:
        job = Job(
            query=self.sparql_prologue() + query,
            result_format=None,
            graph_format=fmt,
            max_rows=max_rows,
            prefixes=self.prefixes,
            trusted=True,
        )
        answer = self.pool.run(job)
        if answer.status != 200:
            raise QueryError(answer.status, answer.message)
        return answer.body, answer.content_type

    def memo(self, key: str, compute):
        """Cache a computed value for the life of the process (the store is read-only)."""
        with self._memo_lock:
            if key in self._memo:
                return self._memo[key]
        value = compute()
        with self._memo_lock:
            self._memo[key] = value
        return value

    # -- service description --------------------------------------------------------------
    def named_graphs(self) -> list[str]:
        """pilotkg's named graphs (under the base IRI): a remote store holds its own graphs too
        (Virtuoso's system graphs, the publisher's data), which are not ours to describe."""
        query = self.graphs_query() + " ORDER BY ?g"
        return [r["g"]["value"] for r in self.memo("graphs", lambda: self.select(query))]

    def graphs_query(self, select: str = "DISTINCT ?g", pattern: str = "") -> str:
        """A query over pilotkg's named graphs: ``GRAPH ?g { pattern }``. The embedded store holds
        only what a build wrote; on a remote store ``?g`` must be under the base IRI (the store has
        graphs of its own), and as Virtuoso binds nothing for ``GRAPH ?g { }``, an empty pattern
        (a list of graphs) asks for a triple in the graph there. No filter on the embedded store:
        it would be read on every quad of a count over all of them."""
        remote = bool(self.settings.backend)
        inner = pattern or ("?s ?p ?o" if remote else "")
        scope = f'FILTER(STRSTARTS(STR(?g), "{self.settings.base}"))' if remote else ""
        return f"SELECT {select} WHERE {{ GRAPH ?g {{ {inner} }} {scope} }}"

    def service_description(self, endpoint: str) -> bytes:
        formats = "http://www.w3.org/ns/formats/"
        result_formats = ", ".join(
            f"<{formats}{name}>"
            for name in (
                "SPARQL_Results_JSON",
                "SPARQL_Results_XML",
                "SPARQL_Results_CSV",
                "SPARQL_Results_TSV",
                "Turtle",
                "N-Triples",
                "RDF_XML",
                "JSON-LD",
            )
        )
        try:
            graphs = self.named_graphs()
        except QueryError:
            graphs = []
        named = "".join(f"      sd:namedGraph [ a sd:NamedGraph ; sd:name <{g}> ] ;\n" for g in graphs if ">" not in g)
        description = (
            "Read-only SPARQL 1.1 endpoint of pilotkg. Updates answer 403; SERVICE is refused unless "
            f"allow-listed; queries stop after {self.settings.query_timeout:g} s; answers hold at most "
            f"{self.settings.max_rows} rows."
        )
        ttl = f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

<{endpoint}> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:feature sd:UnionDefaultGraph ;
  sd:resultFormat {result_formats} ;
  dcterms:description "{description}" ;
  sd:defaultDataset [
      a sd:Dataset ;
      sd:defaultGraph [ a sd:Graph ; dcterms:description "The union of all named graphs." ] ;
{named}  ] .
"""
        return ttl.encode("utf-8")


def runtime() -> Runtime:
    return current_app.extensions["pilotkg"]
