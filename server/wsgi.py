"""The WSGI application each web worker of ``pilotkg serve`` loads (Granian imports it by name).

The settings reach the worker through its environment (``PILOTKG_*``, written by the serve
command): a worker is a fresh process, so there is nothing else to hand them over with.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

from flask import Flask

log = logging.getLogger("pilotkg.serve")


def make_app() -> Flask:
    """The app over the settings in the environment, with its query pool started and the home
    page's summary and the ontology page computed in the background before the first visitor."""
    from pilotkg.server.app import create_app

    app = create_app()
    app.extensions["pilotkg"].watch()  # serve a new build as soon as `pilotkg build` has switched
    threading.Thread(target=_warm_up, args=(app,), daemon=True).start()
    threading.Thread(target=_stop_with_parent, args=(os.getppid(),), name="pilotkg-parent", daemon=True).start()
    return app


def _stop_with_parent(parent: int) -> None:
    """Stop this web worker when the server process that started it is gone (killed, so it could
    not stop its workers): an orphan would keep its port's share and its query workers."""
    while os.getppid() == parent:
        time.sleep(1.0)
    log.warning("the server process %d is gone; this web worker stops", parent)
    os.kill(os.getpid(), signal.SIGTERM)


def _warm_up(app: Flask) -> None:
    from pilotkg.server import ontology, pages

    try:
        app.extensions["pilotkg"].pool.ping()
    except Exception as exc:  # pragma: no cover - logged, the pool retries on demand
        log.warning("query pool did not start: %s", exc)
    with app.app_context():
        for name, job in (("summary", pages.summary), ("ontology", ontology.warm)):
            try:
                job()
            except Exception as exc:  # pragma: no cover - shown on first request instead
                log.warning("warm-up of %s failed: %s", name, exc)
