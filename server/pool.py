"""The query workers: two lanes of worker processes with hard deadlines, admission control, and
an answer cache bounded in bytes.

pyoxigraph cannot cancel a running query and releases the GIL while it runs, so a thread cannot
enforce a time limit. Each query runs in a worker process (server/workers.py); a worker whose
query overruns is killed and replaced, while the other workers keep answering.

Fair scheduling: every query starts in the **fast lane** with a short budget
(``PILOTKG_FAST_BUDGET``). One that outlives it is stopped there and runs again in the **slow
lane**, a few workers of their own, for what is left of its deadline; its text is remembered, so
when it comes again it goes to the slow lane at once. Runaway queries therefore hold slow-lane
workers only, and the fast lane stays free for the short queries that are nearly all the
traffic. The slow lane admits at most ``slow_workers + slow_queue`` queries (503 with
Retry-After past that) and each client at most ``client_slow_limit`` of them (429 with
Retry-After), in the manner of the Wikidata Query Service's per-client limits.

A worker that dies (killed from outside, or on a query) is replaced; one that cannot start (the
store briefly gone) gives 503 and the next query tries again. The workers are made lazily in
the process that uses them (each web worker process makes its own).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import OrderedDict

from pilotkg.server import engine
from pilotkg.server.config import Settings
from pilotkg.server.egress import Relay
from pilotkg.server.isolation import targets
from pilotkg.server.workers import Crashed, Lane, Timeout, Unavailable

log = logging.getLogger(__name__)

SLOW_MEMORY = 4096  # query texts remembered as slow (least recently seen forgotten first)
SLOW_MEMORY_SECONDS = 600.0  # and for how long
QUEUE_GRACE = 30.0  # seconds a query may wait for a free worker beyond its own budget


class QueryPool:
    def __init__(self, settings: Settings):
        self.settings = settings
        slow = settings.effective_slow_workers()
        # The workers leave the network in every configuration; allowed SERVICE endpoints and
        # the remote store are then reached through the relay, which reaches only them.
        backend = settings.backend
        allowed = targets(settings.service_allowlist + ((backend,) if backend else ()))
        self.egress = Relay(allowed) if settings.isolate_network and allowed else None
        fixed = (
            str(settings.store),
            settings.isolate_network,
            settings.effective_worker_memory_mb(),
            backend,
            settings.query_timeout,
            settings.memory_store_mb,
            allowed,
        )

        def initargs() -> tuple:
            if self.egress is None:
                return fixed
            return (*fixed, self.egress.path(), self.egress.hosts_path())

        self.fast = Lane("fast", max(1, settings.pool_workers - slow), engine.init_worker, initargs)
        self.slow = Lane("slow", slow, engine.init_worker, initargs)
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
        if self.egress is not None:
            self.egress.close()

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
            if self._slow_running >= self.slow.size + settings.slow_queue:
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
        self, lane: Lane, job: engine.Job, budget: float, final: bool, deadline: float | None = None
    ) -> engine.Answer | None:
        """The answer from ``lane`` within ``budget`` seconds; None when the budget ran out and
        this is not the last lane (the query then goes on to the slow lane)."""
        try:
            return lane.call(engine.run, (job,), timeout=budget, wait=budget + QUEUE_GRACE)
        except Timeout:
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
        except Crashed as exc:
            return engine.Answer(503, message=_crash_message(exc.exitcode, self.settings))
        except Unavailable as exc:
            log.warning("%s lane: %s", lane.name, exc)
            return engine.Answer(
                503, message=f"The query workers are not available ({exc}); retry in a moment.", retry_after=1
            )

    def ping(self, timeout: float = 30) -> dict:
        """A worker's answer to a health check; starts the fast lane's workers first."""
        for attempt in (1, 2):
            try:
                self.fast.start()
                return self.fast.call(engine.ping, (), timeout=timeout, wait=timeout)
            except (Crashed, Unavailable):  # a worker killed while idle: its successor answers
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

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
