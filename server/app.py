"""The Flask application factory."""

from __future__ import annotations

import atexit
import logging
from dataclasses import replace
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from pilotkg.server.config import Settings
from pilotkg.server.runtime import Runtime

log = logging.getLogger(__name__)


CDN = "https://cdn.jsdelivr.net"


def create_app(config: Settings | dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` is a Settings, or a dict of Settings fields over the environment."""
    settings = config.normalised() if isinstance(config, Settings) else Settings.from_env(**(config or {}))

    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_request_bytes
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False  # Chinese as itself in JSON answers (Flask 3 reads this one)
    app.jinja_env.autoescape = True  # every template, whatever its extension
    rt = Runtime.create(settings)
    app.extensions["pilotkg"] = rt
    atexit.register(lambda: rt.pool.close())  # the pool of the build served last

    from pilotkg.server import compare, dumps, linkeddata, ontology, pages, search, sparql

    app.register_blueprint(sparql.bp)
    app.register_blueprint(linkeddata.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(dumps.bp)
    app.register_blueprint(ontology.bp)
    app.register_blueprint(search.bp)

    from pilotkg.server import metrics

    metrics.install(app)
    if settings.access_log:
        from pilotkg.server import access_log

        access_log.install(app)
    app.after_request(_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.jinja_env.globals["settings"] = settings
    app.jinja_env.filters["local"] = linkeddata.local_href
    return app


def with_settings(app: Flask, **changes: Any) -> Settings:
    """Replace settings on a running app (tests)."""
    rt: Runtime = app.extensions["pilotkg"]
    rt.settings = replace(rt.settings, **changes)
    rt.pool.settings = replace(rt.settings, store=rt.serving or rt.settings.store)
    return rt.settings


def content_security_policy() -> str:
    from pilotkg.server.pages import yasgui_local

    cdn = "" if yasgui_local() else " https://cdn.jsdelivr.net"
    return (
        "default-src 'self'; "
        f"script-src 'self'{cdn}; "
        f"style-src 'self' 'unsafe-inline'{cdn}; "
        f"font-src 'self' data:{cdn}; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


CACHEABLE = ("/id/", "/graph/", "/sparql", "/ontology", "/search")
MAX_AGE = 60  # seconds a client or proxy may reuse an answer: the store is read-only between builds


def _validators(response: Response) -> None:
    """ETag and Cache-Control on successful reads of the Linked Data documents and the endpoint,
    so clients and caches can revalidate (304) instead of fetching again."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.is_streamed:
        return
    if not request.path.startswith(CACHEABLE):
        return
    response.headers.setdefault("Cache-Control", f"public, max-age={MAX_AGE}")
    if "ETag" not in response.headers:
        response.add_etag()
    response.make_conditional(request)


def _headers(response: Response) -> Response:
    _validators(response)
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", content_security_policy())
    if request.method in ("GET", "HEAD", "POST", "OPTIONS") and not request.path.endswith("update"):
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = "Content-Type, Content-Length, X-PilotKG-Truncated, Link"
        if request.method == "OPTIONS":
            headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            headers["Access-Control-Max-Age"] = "86400"
    return response


def _http_error(exc: HTTPException) -> Response:
    from pilotkg.server.sparql import error

    response = error(exc.code or 500, exc.description or exc.name)
    if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response
