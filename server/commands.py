"""``pilotkg serve``: serve the built store with gunicorn (not Flask's development server)."""

from __future__ import annotations

import contextlib
import os
import threading
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


def gunicorn_options(settings: Settings, host: str, port: int, web_workers: int, threads: int, access_log: bool):
    def post_worker_init(worker) -> None:  # start the query pool before the first request
        try:
            worker.wsgi.extensions["pilotkg"].pool.ping()
        except Exception as exc:  # pragma: no cover - logged, the pool retries on demand
            worker.log.warning("query pool did not start: %s", exc)
        threading.Thread(target=warm_up, args=(worker.wsgi, worker.log), daemon=True).start()

    def worker_exit(_server, worker) -> None:
        with contextlib.suppress(Exception):
            worker.wsgi.extensions["pilotkg"].pool.close()

    return {
        "bind": f"{host}:{port}",
        "workers": web_workers,
        "worker_class": "gthread",
        "threads": threads,
        # a worker is busy for at most a query's deadline; leave room for the kill and restart
        "timeout": int(settings.query_timeout) + 60,
        "graceful_timeout": 10,
        "keepalive": 5,
        "limit_request_line": 0,  # long GET queries get a clear 413 from the app instead
        "accesslog": "-" if access_log else None,
        "access_log_format": '%(h)s "%(r)s" %(s)s %(B)s %(M)sms',
        "control_socket_disable": True,  # several servers (tests, bench) may run side by side
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "pilotkg-serve",
        "post_worker_init": post_worker_init,
        "worker_exit": worker_exit,
    }


def warm_up(app, log) -> None:
    """Compute the home page's summary and the pyLODE page once, in the background."""
    from pilotkg.server import ontology, pages

    with app.app_context():
        for name, job in (("summary", pages.summary), ("ontology", ontology.warm)):
            try:
                job()
            except Exception as exc:  # pragma: no cover - shown on first request instead
                log.warning("warm-up of %s failed: %s", name, exc)


def run_gunicorn(settings: Settings, options: dict) -> None:
    from gunicorn.app.base import BaseApplication

    from pilotkg.server.app import create_app

    class Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None and key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return create_app(settings)

    Application().run()


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
@click.option("--web-workers", default=None, type=int, help="gunicorn worker processes [PILOTKG_WEB_WORKERS; 1].")
@click.option("--threads", default=None, type=int, help="Threads per gunicorn worker [PILOTKG_THREADS; 32].")
@click.option("--access-log/--no-access-log", default=False, show_default=True, help="Log every request.")
@click.option("--no-build", is_flag=True, help="Fail instead of building the graph when the store is missing.")
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
    )
    if no_build:
        if not store_ready(settings.store):
            raise click.ClickException(f"No store at {settings.store}; run `pilotkg build`.")
    else:
        ensure_store(settings)
    web_workers = web_workers or int(os.environ.get("PILOTKG_WEB_WORKERS", "1"))
    threads = threads or int(os.environ.get("PILOTKG_THREADS", "32"))
    click.echo(f"pilotkg: serving {settings.store} at http://{host}:{port}/ (base {settings.base})", err=True)
    run_gunicorn(settings, gunicorn_options(settings, host, port, web_workers, threads, access_log))
