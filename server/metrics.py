"""``/metrics``: the endpoint's counters in the Prometheus text format.

Requests by route and status and their latency are counted as they are answered; what the
query pool knows (timeouts, rejections, slow-lane queries waiting or running, cache hits and
bytes, worker restarts, switches to a new build) is read from it at each scrape, so the figures
follow the pool across live rebuilds. Each web process counts its own requests (one by default,
PILOTKG_WEB_WORKERS).
"""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

bp = Blueprint("metrics", __name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class _PoolCollector:
    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        rt = self.app.extensions["pilotkg"]
        pool = rt.pool
        for name, help_text, value in (
            ("pilotkg_query_timeouts", "Queries stopped at their deadline.", pool.timeouts),
            ("pilotkg_query_rejections", "Queries refused by slow-lane admission (429 and 503).", pool.rejections),
            ("pilotkg_cache_hits", "Answers served from the answer cache.", pool.cache_hits),
            ("pilotkg_worker_restarts", "Query workers replaced after a deadline or a crash.", pool.restarts),
            ("pilotkg_build_switches", "Switches to a new build without a restart.", rt.switches),
        ):
            family = CounterMetricFamily(name, help_text)
            family.add_metric([], value)
            yield family
        for name, help_text, value in (
            ("pilotkg_slow_lane_queries", "Slow-lane queries running or waiting.", pool.slow_in_use),
            ("pilotkg_cache_bytes", "Bytes of answers in the answer cache.", pool.cache_bytes),
            ("pilotkg_cache_entries", "Answers in the answer cache.", pool.cache_entries),
        ):
            family = GaugeMetricFamily(name, help_text)
            family.add_metric([], value)
            yield family


def install(app: Flask) -> None:
    """Count every request of ``app`` and serve the figures at /metrics."""
    registry = CollectorRegistry()
    requests = Counter("pilotkg_requests", "HTTP requests answered.", ["route", "method", "status"], registry=registry)
    latency = Histogram(
        "pilotkg_request_seconds", "Time to answer a request.", ["route"], buckets=LATENCY_BUCKETS, registry=registry
    )
    registry.register(_PoolCollector(app))
    app.extensions["pilotkg.metrics"] = registry

    @app.before_request
    def _start() -> None:
        g.pilotkg_started = time.perf_counter()

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
