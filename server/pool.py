"""The query worker pool: pebble processes with a hard deadline per query, plus an answer cache.

pyoxigraph cannot cancel a running query and releases the GIL while it runs, so a thread cannot
enforce a time limit. Each query runs in a worker process; pebble kills a worker whose query
overruns its deadline and starts a replacement, while the other workers keep answering.
The pool is created lazily in the process that uses it (each web worker process makes its own).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections import OrderedDict
from concurrent.futures import TimeoutError as FutureTimeout

from pebble import ProcessExpired, ProcessPool

from pilotkg.server import engine
from pilotkg.server.config import Settings

log = logging.getLogger(__name__)


class QueryPool:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._pool: ProcessPool | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, engine.Answer] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.timeouts = 0

    # -- pool lifecycle -------------------------------------------------------------------
    def _get(self) -> ProcessPool:
        pid = os.getpid()
        if self._pool is not None and self._pid == pid and self._pool.active:
            return self._pool
        with self._lock:
            if self._pool is None or self._pid != pid or not self._pool.active:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["pilotkg.server.engine", "rdflib.plugins.sparql.parser"])
                isolate = self.settings.isolate_network and not self.settings.service_allowlist
                self._pool = ProcessPool(
                    max_workers=self.settings.pool_workers,
                    initializer=engine.init_worker,
                    initargs=(str(self.settings.store), isolate, self.settings.worker_memory_mb),
                    context=ctx,
                )
                self._pid = pid
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.stop()
                self._pool.join(timeout=5)
            self._pool = None

    # -- running --------------------------------------------------------------------------
    def run(self, job: engine.Job, timeout: float | None = None) -> engine.Answer:
        """Run a job with a hard deadline; 503 when it overruns (the worker is replaced)."""
        key = self._key(job)
        if key is not None:
            with self._cache_lock:
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
                    return hit
        deadline = self.settings.query_timeout if timeout is None else timeout
        future = self._get().schedule(engine.run, args=(job,), timeout=deadline)
        try:
            answer = future.result(timeout=deadline + 30)  # pebble enforces `deadline` itself
        except (FutureTimeout, TimeoutError):
            self.timeouts += 1
            future.cancel()
            return engine.Answer(
                503,
                message=(
                    f"The query was stopped after its time limit of {deadline:g} s "
                    "(PILOTKG_QUERY_TIMEOUT). Try a more selective query or add a LIMIT."
                ),
            )
        except ProcessExpired as exc:
            return engine.Answer(
                503,
                message=f"The query worker stopped unexpectedly (exit code {exc.exitcode}); "
                "the query may need too much memory.",
            )
        except Exception as exc:  # pragma: no cover - unexpected worker errors
            log.exception("query failed")
            return engine.Answer(500, message=f"Internal error while running the query: {type(exc).__name__}")
        if key is not None and answer.status == 200 and len(answer.body) <= 2_000_000:
            with self._cache_lock:
                self._cache[key] = answer
                while len(self._cache) > self.settings.cache_entries:
                    self._cache.popitem(last=False)
        return answer

    def ping(self, timeout: float = 30) -> dict:
        return self._get().schedule(engine.ping, timeout=timeout).result()

    def _key(self, job: engine.Job) -> tuple | None:
        if self.settings.cache_entries <= 0:
            return None
        return (
            job.query,
            job.result_format,
            job.graph_format,
            tuple(job.default_graphs or ()),
            tuple(job.named_graphs or ()),
            job.max_rows,
            job.trusted,
        )
