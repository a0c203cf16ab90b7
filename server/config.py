"""Server settings: defaults, overridden by environment variables, overridden by flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from pilotkg.paths import DIST_DIR, ONTOLOGY_DIR, QUERIES_DIR
from pilotkg.server.isolation import targets

DEFAULT_BASE = "https://w3id.org/pilotkg/"


def _default_pool_workers() -> int:
    return max(4, 2 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know; see docs/server.md for the environment variables."""

    base: str = DEFAULT_BASE
    store: Path = DIST_DIR / "store"
    dist: Path = DIST_DIR
    ontology: Path = ONTOLOGY_DIR / "pilotkg.ttl"
    queries: Path = QUERIES_DIR
    query_timeout: float = 10.0  # seconds, hard deadline per query (worker is killed after it)
    max_rows: int = 10_000  # result rows (SELECT) or triples (CONSTRUCT/DESCRIBE) per answer
    max_query_bytes: int = 64 * 1024  # a longer query text gets 413
    max_request_bytes: int = 256 * 1024  # a longer request body gets 413
    service_allowlist: tuple[str, ...] = ()  # SERVICE endpoints a query may call (exact IRIs)
    pool_workers: int = field(default_factory=_default_pool_workers)  # query worker processes (per web worker)
    web_workers: int = 0  # web worker processes (each with its own query workers and cache); 0 = up to 2, one per CPU
    cache_entries: int = 512  # answers kept per web process (the store is read-only); 0 disables
    worker_memory_mb: int = -1  # data (heap) limit per query worker in MB; -1 = from the machine, 0 = none
    memory_store_mb: int = 64  # a store whose files take at most this many MB is copied into each worker's memory
    fast_budget: float = 1.0  # seconds a query may run in the fast lane before it moves to the slow lane
    slow_workers: int = 0  # query workers of the slow lane; 0 = a quarter of pool_workers (at least 1)
    slow_queue: int = 2  # slow-lane queries that may wait beyond those running (503 past it)
    client_slow_limit: int = 2  # slow-lane queries one client may have running or waiting (429 past it)
    cache_bytes: int = 64 * 1024 * 1024  # bytes of answers the cache keeps per web process
    public_url: str = ""  # the site's public address (https://example.org/); "" = the request's own host
    access_log: bool = False  # one escaped line per request (pilotkg serve --access-log)
    reload_interval: float = 1.0  # seconds between looks for a new build under the store path; 0: never
    isolate_network: bool = True  # query workers try to drop into an empty network namespace
    backend: str = ""  # a remote SPARQL 1.1 endpoint queries are sent to instead of the embedded store
    cors_origin: str = "*"

    def effective_slow_workers(self) -> int:
        return self.slow_workers if self.slow_workers > 0 else max(1, self.pool_workers // 4)

    def effective_web_workers(self) -> int:
        """One web process is bound by its GIL under load, so two by default on two CPUs or more:
        they switch builds together (server/switch.py)."""
        if self.web_workers > 0:
            return self.web_workers
        return min(2, os.cpu_count() or 1)

    def effective_worker_memory_mb(self) -> int:
        """The limit in MB, 0 for none. By default the machine's memory shared by the query
        workers of every web process and the web processes (a runaway ORDER BY grew one worker
        to 5.8 GB)."""
        if self.worker_memory_mb >= 0:
            return self.worker_memory_mb
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError):  # pragma: no cover - not Linux
            return 0
        web = self.effective_web_workers()
        return max(512, total // (1024 * 1024) // (web * (self.pool_workers + 1) + 1))

    @property
    def id_prefix(self) -> str:
        return self.base + "id/"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults < PILOTKG_* environment variables < keyword overrides (None means unset)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("PILOTKG_" + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.name, raw)
        for key, value in overrides.items():
            if value is not None:
                values[key] = _coerce(key, value) if isinstance(value, str) else value
        settings = cls(**values)
        return settings.normalised()

    def to_env(self) -> dict[str, str]:
        """These settings as ``PILOTKG_*`` variables, which :meth:`from_env` reads back."""
        env = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                text = "1" if value else "0"
            elif isinstance(value, tuple):
                text = " ".join(value)
            else:
                text = str(value)
            env["PILOTKG_" + f.name.upper()] = text
        return env

    def normalised(self) -> Settings:
        base = self.base if self.base.endswith(("/", "#")) else self.base + "/"
        try:  # an IRI, so that queries can name it (it holds no quote nor backslash)
            ox.NamedNode(base)
        except ValueError as exc:
            raise ValueError(f"base: not an absolute IRI: {self.base!r} ({exc})") from None
        allow = tuple(self.service_allowlist)
        if self.backend and not self.backend.startswith(("http://", "https://")):
            raise ValueError(f"backend: not an http(s) URL: {self.backend!r}")
        targets(allow)  # each allowed endpoint has a host and port the workers' relay can reach
        return replace(
            self,
            base=base,
            store=Path(self.store),
            dist=Path(self.dist),
            ontology=Path(self.ontology),
            queries=Path(self.queries),
            service_allowlist=allow,
        )


_FLOATS = {"query_timeout", "fast_budget", "reload_interval"}
_INTS = {
    "max_rows",
    "max_query_bytes",
    "max_request_bytes",
    "pool_workers",
    "web_workers",
    "cache_entries",
    "worker_memory_mb",
    "memory_store_mb",
    "slow_workers",
    "slow_queue",
    "client_slow_limit",
    "cache_bytes",
}
_BOOLS = {"isolate_network", "access_log"}
_PATHS = {"store", "dist", "ontology", "queries"}


def _coerce(name: str, raw: str) -> Any:
    if name in _FLOATS:
        return float(raw)
    if name in _INTS:
        return int(raw)
    if name in _BOOLS:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if name in _PATHS:
        return Path(raw)
    if name == "service_allowlist":
        return tuple(part for part in raw.replace(",", " ").split() if part)
    return raw
