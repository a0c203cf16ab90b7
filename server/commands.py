"""``pilotkg serve``: serve the built store with Granian (not Flask's development server)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click

from pilotkg.server.config import Settings


def store_ready(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def ensure_store(settings: Settings) -> None:
    """Build the graph (``pilotkg build``) when the store is missing."""
    if store_ready(settings.store):
        return
    if settings.store.name != "store":  # `pilotkg build` writes OUT/store; never build elsewhere
        raise click.ClickException(f"No store at {settings.store}; run `pilotkg build` first.")
    click.echo(f"No store at {settings.store}: building the graph first …", err=True)
    try:
        from pilotkg.graph.build import build
        from pilotkg.paths import SOURCES_DIR
    except ImportError as exc:
        raise click.ClickException(
            f"No store at {settings.store} and the builder is not available ({exc}); run `pilotkg build`."
        ) from exc
    build(sources=[SOURCES_DIR], out=settings.store.parent, base=settings.base)
    if not store_ready(settings.store):
        raise click.ClickException(f"`pilotkg build` did not write a store at {settings.store}.")


HEADER_TIMEOUT_MS = 10_000  # a client that has not sent its headers by then is disconnected
MAX_HEAD_BYTES = 256 * 1024  # request line and headers; longer get 431 before the app (a query over 64 KiB: 413)


METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's multiprocess folder; set before it is imported
SHUTDOWN_GRACE = 15  # seconds a stopping web worker may take to finish its requests


def server_options(host: str, port: int, web_workers: int, threads: int) -> dict:
    """Granian's settings: its HTTP front (Rust, hyper) reads requests without holding a Python
    thread, so clients that send their headers slowly cost a connection each, not a thread; it
    times them out and refuses over-long request lines and headers at once."""
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    return {
        "target": "pilotkg.server.wsgi:make_app",
        "factory": True,
        "address": host,
        "port": port,
        "interface": Interfaces.WSGI,
        "workers": web_workers,
        "blocking_threads": threads,
        "http1_settings": HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_MS, max_buffer_size=MAX_HEAD_BYTES),
        "log_access": False,  # the app writes access lines itself, escaped (server/access_log.py)
        "respawn_failed_workers": True,
        "workers_kill_timeout": SHUTDOWN_GRACE,  # a web worker that will not stop is killed, not waited for
    }


def run_server(settings: Settings, options: dict) -> None:
    """Serve until stopped. The workers are new processes: the settings go through their environment."""
    from granian import Granian

    from pilotkg.server import tempdirs
    from pilotkg.server.runtime import store_target
    from pilotkg.server.switch import ENV as SWITCH_ENV
    from pilotkg.server.switch import Switchboard

    os.environ.update(settings.to_env())
    shared: dict[str, Path] = {}  # folders the web processes share, named in their environment
    if settings.effective_web_workers() > 1:
        shared[METRICS_ENV] = tempdirs.make("metrics")  # /metrics of all of them (server/metrics.py)
        if settings.reload_interval > 0:  # they switch builds together
            shared[SWITCH_ENV] = Switchboard.create(store_target(settings))
    os.environ.update({name: str(folder) for name, folder in shared.items()})
    try:
        Granian(**options).serve()
    finally:
        for name, folder in shared.items():
            shutil.rmtree(folder, ignore_errors=True)
            os.environ.pop(name, None)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--store", type=click.Path(path_type=Path), help="Oxigraph store folder [env PILOTKG_STORE; dist/store].")
@click.option("--base", help="Base IRI of the graph [env PILOTKG_BASE; https://w3id.org/pilotkg/].")
@click.option("--dist", type=click.Path(path_type=Path), help="Folder of dumps served at /dumps/ [PILOTKG_DIST; dist].")
@click.option("--query-timeout", type=float, help="Seconds before a query is stopped [PILOTKG_QUERY_TIMEOUT; 10].")
@click.option("--max-rows", type=int, help="Rows (or triples) per answer [PILOTKG_MAX_ROWS; 10000].")
@click.option(
    "--service-allow",
    multiple=True,
    help="A SERVICE endpoint queries may call (repeatable) [PILOTKG_SERVICE_ALLOWLIST; none].",
)
@click.option("--query-workers", type=int, help="Query worker processes [PILOTKG_POOL_WORKERS; max(4, 2×CPUs)].")
@click.option(
    "--web-workers", default=None, type=int, help="Web worker processes [PILOTKG_WEB_WORKERS; 2 on 2 CPUs or more]."
)
@click.option("--threads", default=None, type=int, help="Request threads per web worker [PILOTKG_THREADS; 32].")
@click.option("--access-log/--no-access-log", default=False, show_default=True, help="Log every request.")
@click.option("--no-build", is_flag=True, help="Fail instead of building the graph when the store is missing.")
@click.option(
    "--backend",
    help="Answer from this remote SPARQL 1.1 endpoint (e.g. Virtuoso's http://localhost:8890/sparql, "
    "after `pilotkg publish`) instead of the embedded store [PILOTKG_BACKEND; none].",
)
def serve(
    host,
    port,
    store,
    base,
    dist,
    query_timeout,
    max_rows,
    service_allow,
    query_workers,
    web_workers,
    threads,
    access_log,
    no_build,
    backend,
) -> None:
    """Serve SPARQL, Linked Data pages, dumps and the ontology over the built store."""
    settings = Settings.from_env(
        store=store,
        base=base,
        dist=dist,
        query_timeout=query_timeout,
        max_rows=max_rows,
        service_allowlist=tuple(service_allow) or None,
        pool_workers=query_workers,
        web_workers=web_workers,
        access_log=access_log or None,
        backend=backend,
    )
    if no_build:
        if not store_ready(settings.store):
            raise click.ClickException(f"No store at {settings.store}; run `pilotkg build`.")
    else:
        ensure_store(settings)
    web_workers = settings.effective_web_workers()
    threads = threads or int(os.environ.get("PILOTKG_THREADS", "32"))
    source = f"the store at {settings.backend}" if settings.backend else str(settings.store)
    click.echo(f"pilotkg: serving {source} at http://{host}:{port}/ (base {settings.base})", err=True)
    run_server(settings, server_options(host, port, web_workers, threads))
