"""``/metrics``: the endpoint's counters in the Prometheus text format.

Requests by route and status and their latency are counted as they are answered; what the
query pool knows (timeouts, rejections, slow-lane queries waiting or running, cache hits and
bytes, worker restarts, switches to a new build) is read from it at each scrape, so the figures
follow the pool across live rebuilds. With several web processes (PILOTKG_WEB_WORKERS), a scrape
answered by any of them gives the figures of all: the request counters are prometheus_client's
multiprocess values, in a folder ``pilotkg serve`` makes for them; the pool figures are written
there by each process every second.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from pathlib import Path

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from pilotkg.server import tempdirs

bp = Blueprint("metrics", __name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


COUNTERS = (
    ("pilotkg_query_timeouts", "Queries stopped at their deadline."),
    ("pilotkg_query_rejections", "Queries refused by slow-lane admission (429 and 503)."),
    ("pilotkg_cache_hits", "Answers served from the answer cache."),
    ("pilotkg_worker_restarts", "Query workers replaced after a deadline or a crash."),
    ("pilotkg_build_switches", "Switches to a new build without a restart."),
)
GAUGES = (
    ("pilotkg_slow_lane_queries", "Slow-lane queries running or waiting."),
    ("pilotkg_cache_bytes", "Bytes of answers in the answer cache."),
    ("pilotkg_cache_entries", "Answers in the answer cache."),
)
SHARED_ENV = "PROMETHEUS_MULTIPROC_DIR"  # set by `pilotkg serve` for several web processes
MIRROR_SECONDS = 1.0  # how often each web process writes its pool's figures for the others


def pool_figures(app: Flask) -> dict[str, int]:
    rt = app.extensions["pilotkg"]
    pool = rt.pool
    return {
        "pilotkg_query_timeouts": pool.timeouts,
        "pilotkg_query_rejections": pool.rejections,
        "pilotkg_cache_hits": pool.cache_hits,
        "pilotkg_worker_restarts": pool.restarts,
        "pilotkg_build_switches": rt.switches,
        "pilotkg_slow_lane_queries": pool.slow_in_use,
        "pilotkg_cache_bytes": pool.cache_bytes,
        "pilotkg_cache_entries": pool.cache_entries,
    }


def _families(figures: dict[str, int]):
    for name, help_text in COUNTERS:
        family = CounterMetricFamily(name, help_text)
        family.add_metric([], figures.get(name, 0))
        yield family
    for name, help_text in GAUGES:
        family = GaugeMetricFamily(name, help_text)
        family.add_metric([], figures.get(name, 0))
        yield family


class _PoolCollector:
    """The pool's figures, read from it at each scrape (one web process)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        yield from _families(pool_figures(self.app))


class _SharedPoolCollector:
    """Several web processes: each writes its pool's figures to the shared folder every second
    (and the scraped one at the scrape); the counters are summed over every process that wrote
    (one that stopped keeps its count), the gauges over the running ones."""

    def __init__(self, app: Flask, folder: Path):
        self.app, self.folder = app, folder

    def mirror(self) -> None:
        tempdirs.write_atomically(self.folder / f"pool_{os.getpid()}.json", json.dumps(pool_figures(self.app)))

    def collect(self):
        self.mirror()
        total: dict[str, int] = {}
        for path in self.folder.glob("pool_*.json"):
            try:
                figures = json.loads(path.read_text(encoding="utf-8"))
                running = tempdirs.running(int(path.stem.split("_")[1]))
            except (OSError, ValueError):
                continue
            for name, value in figures.items():
                if running or name in dict(COUNTERS):
                    total[name] = total.get(name, 0) + int(value)
        yield from _families(total)


def _mirror(collector: _SharedPoolCollector) -> None:
    while True:
        with contextlib.suppress(Exception):  # the next second tries again
            collector.mirror()
        time.sleep(MIRROR_SECONDS)


def install(app: Flask) -> None:
    """Count every request of ``app`` and serve the figures at /metrics — of every web process
    when there are several (prometheus_client's multiprocess mode, in ``PROMETHEUS_MULTIPROC_DIR``)."""
    own = CollectorRegistry()  # where this process's request metrics are made
    requests = Counter("pilotkg_requests", "HTTP requests answered.", ["route", "method", "status"], registry=own)
    latency = Histogram(
        "pilotkg_request_seconds", "Time to answer a request.", ["route"], buckets=LATENCY_BUCKETS, registry=own
    )
    shared = os.environ.get(SHARED_ENV)
    if shared:
        from prometheus_client.multiprocess import MultiProcessCollector

        scrape = CollectorRegistry()
        MultiProcessCollector(scrape, path=shared)
        collector = _SharedPoolCollector(app, Path(shared))
        scrape.register(collector)
        threading.Thread(target=_mirror, args=(collector,), name="pilotkg-metrics", daemon=True).start()
    else:
        own.register(_PoolCollector(app))
        scrape = own
    app.extensions["pilotkg.metrics"] = scrape

    counters: dict[tuple[str, str, int], Counter] = {}  # labelled children, looked up once each
    timers: dict[str, Histogram] = {}

    def record(route: str, method: str, status: int, seconds: float | None) -> None:
        """Count one answered request (also called by the fast path, server/fastpath.py)."""
        method = method if method in METHODS else "other"  # labels stay a bounded set
        key = (route, method, status)
        counter = counters.get(key)
        if counter is None:
            counter = counters[key] = requests.labels(route, method, str(status))
        counter.inc()
        if seconds is not None:
            timer = timers.get(route)
            if timer is None:
                timer = timers[route] = latency.labels(route)
            timer.observe(seconds)

    app.extensions["pilotkg.record"] = record

    @app.after_request
    def _count(response: Response) -> Response:
        rule = request.url_rule
        started = g.get("pilotkg_started")
        record(
            rule.rule if rule is not None else "(no route)",
            request.method,
            response.status_code,
            None if started is None else time.perf_counter() - started,
        )
        return response

    app.register_blueprint(bp)


@bp.route("/metrics")
def metrics() -> Response:
    from flask import current_app

    return Response(generate_latest(current_app.extensions["pilotkg.metrics"]), content_type=CONTENT_TYPE_LATEST)
