"""The query workers: two lanes of pebble processes with hard deadlines, admission control, and
an answer cache bounded in bytes.

pyoxigraph cannot cancel a running query and releases the GIL while it runs, so a thread cannot
enforce a time limit. Each query runs in a worker process; pebble kills a worker whose query
overruns and starts a replacement, while the other workers keep answering.

Fair scheduling: every query starts in the **fast lane** with a short budget
(``PILOTKG_FAST_BUDGET``). One that outlives it is stopped there and runs again in the **slow
lane**, a few workers of their own, for what is left of its deadline; its text is remembered, so
when it comes again it goes to the slow lane at once. Runaway queries therefore hold slow-lane
workers only, and the fast lane stays free for the short queries that are nearly all the
traffic. The slow lane admits at most ``slow_workers + slow_queue`` queries (503 with
Retry-After past that) and each client at most ``client_slow_limit`` of them (429 with
Retry-After), in the manner of the Wikidata Query Service's per-client limits.

A lane whose pool broke (a worker killed from outside, the store briefly gone) is stopped and
replaced, never left running beside its successor. The pools are made lazily in the process
that uses them (each web worker process makes its own).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import OrderedDict
from concurrent.futures import TimeoutError as FutureTimeout

from pebble import ProcessExpired, ProcessPool

from pilotkg.server import engine
from pilotkg.server.config import Settings

log = logging.getLogger(__name__)

SLOW_MEMORY = 4096  # query texts remembered as slow (least recently seen forgotten first)
SLOW_MEMORY_SECONDS = 600.0  # and for how long


class _Lane:
    """One pebble pool that heals: a broken pool is stopped before a new one is made."""

    def __init__(self, name: str, owner: QueryPool, workers: int):
        self.name, self.owner, self.workers = name, owner, workers
        self._pool: ProcessPool | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self.restarts = 0

    @property
    def settings(self) -> Settings:
        return self.owner.settings

    def pool(self) -> ProcessPool:
        pid = os.getpid()
        pool = self._pool
        if pool is not None and self._pid == pid and pool.active:
            return pool
        with self._lock:
            if self._pool is not None and self._pid == pid and self._pool.active:
                return self._pool
            if self._pool is not None and self._pid == pid:  # broken: stop it, do not leak it
                self._stop(self._pool)
                self.restarts += 1
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["pilotkg.server.engine", "rdflib.plugins.sparql.parser"])
            # Workers that call an allowed SERVICE, or the remote store, need the network; the
            # grammar check (server/safety.py) then alone keeps SERVICE to the allow-list.
            backend = self.settings.backend
            isolate = self.settings.isolate_network and not self.settings.service_allowlist and not backend
            self._pool = ProcessPool(
                max_workers=self.workers,
                initializer=engine.init_worker,
                initargs=(
                    str(self.settings.store),
                    isolate,
                    self.settings.effective_worker_memory_mb(),
                    backend,
                    self.settings.query_timeout,
                ),
                context=ctx,
            )
            self._pid = pid
            return self._pool

    def broken(self, pool: ProcessPool) -> None:
        """Called when ``pool`` failed as a whole: the next call makes a fresh one."""
        with self._lock:
            if self._pool is pool:
                self._stop(pool)
                self._pool = None
                self.restarts += 1

    @staticmethod
    def _stop(pool: ProcessPool) -> None:
        try:
            pool.stop()
            pool.join(timeout=5)
        except Exception:  # pragma: no cover - a pool that cannot even stop is dropped
            log.exception("stopping a broken query pool failed")

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                self._stop(self._pool)
            self._pool = None


class QueryPool:
    def __init__(self, settings: Settings):
        self.settings = settings
        slow = settings.effective_slow_workers()
        self.fast = _Lane("fast", self, max(1, settings.pool_workers - slow))
        self.slow = _Lane("slow", self, slow)
        self._cache: OrderedDict[tuple, engine.Answer] = OrderedDict()
        self._cache_bytes = 0
        self._cache_lock = threading.Lock()
        self._slow_texts: OrderedDict[tuple, float] = OrderedDict()
        self._admission = threading.Lock()
        self._slow_running = 0
        self._slow_by_client: dict[str, int] = {}
        self.timeouts = 0
        self.rejections = 0
        self.cache_hits = 0

    @property
    def restarts(self) -> int:
        return self.fast.restarts + self.slow.restarts

    def close(self) -> None:
        self.fast.close()
        self.slow.close()

    # -- running --------------------------------------------------------------------------
    def run(self, job: engine.Job, timeout: float | None = None, client: str | None = None) -> engine.Answer:
        """Run a job with a hard deadline, through the fast lane and, if it needs longer, the
        slow lane; 503 when it overruns its deadline or the slow lane is full, 429 when this
        client already holds its share of the slow lane (``client`` None: the server's own
        queries, which have no share to exceed)."""
        key = self._key(job)
        if key is not None:
            with self._cache_lock:
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
                    self.cache_hits += 1
                    return hit
        deadline = self.settings.query_timeout if timeout is None else timeout
        started = time.monotonic()
        budget = min(self.settings.fast_budget, deadline)
        text_key = (job.query, tuple(job.default_graphs or ()), tuple(job.named_graphs or ()))
        answer = None
        if budget > 0 and not self._known_slow(text_key):
            answer = self._in(self.fast, job, budget, final=budget >= deadline)
            if answer is None:
                self._remember_slow(text_key)
        if answer is None:
            left = deadline - (time.monotonic() - started)
            answer = self._slow(job, max(left, 0.1), deadline, client)
        if key is not None and answer.status == 200:
            self._store(key, answer)
        return answer

    def _slow(self, job: engine.Job, left: float, deadline: float, client: str | None) -> engine.Answer:
        settings = self.settings
        with self._admission:
            if client is not None and self._slow_by_client.get(client, 0) >= settings.client_slow_limit:
                self.rejections += 1
                return _busy(
                    429,
                    "This client already has its share of long-running queries "
                    f"({settings.client_slow_limit}, PILOTKG_CLIENT_SLOW_LIMIT) running or waiting; "
                    "retry when one has finished.",
                    deadline,
                )
            if self._slow_running >= self.slow.workers + settings.slow_queue:
                self.rejections += 1
                return _busy(
                    503,
                    "The endpoint is busy with long-running queries (PILOTKG_SLOW_WORKERS, "
                    "PILOTKG_SLOW_QUEUE); retry later, or make the query more selective.",
                    deadline,
                )
            self._slow_running += 1
            if client is not None:
                self._slow_by_client[client] = self._slow_by_client.get(client, 0) + 1
        try:
            answer = self._in(self.slow, job, left, final=True, deadline=deadline)
            assert answer is not None
            return answer
        finally:
            with self._admission:
                self._slow_running -= 1
                if client is not None:
                    if self._slow_by_client[client] <= 1:
                        del self._slow_by_client[client]
                    else:
                        self._slow_by_client[client] -= 1

    def _in(
        self, lane: _Lane, job: engine.Job, budget: float, final: bool, deadline: float | None = None
    ) -> engine.Answer | None:
        """The answer from ``lane`` within ``budget`` seconds; None when the budget ran out and
        this is not the last lane (the query then goes on to the slow lane)."""
        for attempt in (1, 2):
            pool = lane.pool()
            try:
                future = pool.schedule(engine.run, args=(job,), timeout=budget)
            except RuntimeError:  # the pool stopped between pool() and schedule(): make another
                lane.broken(pool)
                continue
            try:
                return future.result(timeout=budget + 30)  # pebble enforces `budget` itself
            except (FutureTimeout, TimeoutError):
                future.cancel()
                if not final:
                    return None
                self.timeouts += 1
                limit = deadline if deadline is not None else budget
                return engine.Answer(
                    503,
                    message=(
                        f"The query was stopped after its time limit of {limit:g} s "
                        "(PILOTKG_QUERY_TIMEOUT). Try a more selective query or add a LIMIT."
                    ),
                )
            except ProcessExpired as exc:
                return engine.Answer(503, message=_crash_message(exc.exitcode, self.settings))
            except Exception as exc:  # a broken pool (BrokenProcessPool …): heal it and retry once
                lane.broken(pool)
                if attempt == 2:
                    log.exception("query failed twice in a fresh %s pool", lane.name)
                    return engine.Answer(
                        503, message="The query workers are restarting; retry in a moment.", retry_after=1
                    )
                log.warning("query pool (%s lane) broke (%s); starting a new one", lane.name, type(exc).__name__)
        return engine.Answer(503, message="The query workers are restarting; retry in a moment.", retry_after=1)

    def ping(self, timeout: float = 30) -> dict:
        for attempt in (1, 2):
            pool = self.fast.pool()
            try:
                return pool.schedule(engine.ping, timeout=timeout).result()
            except ProcessExpired:
                if attempt == 2:
                    raise
            except Exception:
                self.fast.broken(pool)
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")

    # -- what is remembered ---------------------------------------------------------------
    def _known_slow(self, key: tuple) -> bool:
        with self._cache_lock:
            seen = self._slow_texts.get(key)
            if seen is None:
                return False
            if time.monotonic() - seen > SLOW_MEMORY_SECONDS:
                del self._slow_texts[key]
                return False
            self._slow_texts.move_to_end(key)
            return True

    def _remember_slow(self, key: tuple) -> None:
        with self._cache_lock:
            self._slow_texts[key] = time.monotonic()
            self._slow_texts.move_to_end(key)
            while len(self._slow_texts) > SLOW_MEMORY:
                self._slow_texts.popitem(last=False)

    def _store(self, key: tuple, answer: engine.Answer) -> None:
        size = len(answer.body) + len(answer.message) + 256
        limit = self.settings.cache_bytes
        if size > limit // 8:  # one answer never takes more than an eighth of the cache
            return
        with self._cache_lock:
            old = self._cache.pop(key, None)
            if old is not None:
                self._cache_bytes -= len(old.body) + len(old.message) + 256
            self._cache[key] = answer
            self._cache_bytes += size
            while self._cache and (self._cache_bytes > limit or len(self._cache) > self.settings.cache_entries):
                _, dropped = self._cache.popitem(last=False)
                self._cache_bytes -= len(dropped.body) + len(dropped.message) + 256

    @property
    def cache_bytes(self) -> int:
        return self._cache_bytes

    @property
    def cache_entries(self) -> int:
        return len(self._cache)

    @property
    def slow_in_use(self) -> int:
        return self._slow_running

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()
            self._cache_bytes = 0

    def _key(self, job: engine.Job) -> tuple | None:
        if self.settings.cache_entries <= 0 or self.settings.cache_bytes <= 0:
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


def _busy(status: int, message: str, deadline: float) -> engine.Answer:
    return engine.Answer(status, message=message, retry_after=max(1, round(deadline / 2)))


def _crash_message(exitcode: int | None, settings: Settings) -> str:
    """What a worker's death says: a signal is a crash; an abort under a memory limit is memory."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == signal.SIGABRT and settings.effective_worker_memory_mb() > 0:
            return (
                f"The query worker stopped ({name}): the query needed more memory than a worker may "
                f"use ({settings.effective_worker_memory_mb()} MB, PILOTKG_WORKER_MEMORY_MB)."
            )
        if -exitcode == signal.SIGKILL:
            return "The query worker was killed (SIGKILL) before it answered; the query was not run to the end."
        return f"The query worker crashed ({name}) on this query; it was not answered. Please report it."
    return f"The query worker stopped unexpectedly (exit code {exitcode}); the query was not answered."
