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
    app.after_request(_validators)
    if rt.board is not None:  # several web processes: each request follows the build they share

        @app.before_request
        def _follow() -> None:
            rt.follow()

    from pilotkg.server.fastpath import SparqlFastPath

    fast = app.extensions["pilotkg.fast_path"] = SparqlFastPath(app, app.wsgi_app, MAX_AGE)
    app.wsgi_app = SiteHeaders(fast)
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


def _validators(response: Response) -> Response:
    """ETag and Cache-Control on successful reads of the Linked Data documents and the endpoint,
    so clients and caches can revalidate (304) instead of fetching again."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.is_streamed:
        return response
    if not request.path.startswith(CACHEABLE):
        return response
    response.headers.setdefault("Cache-Control", f"public, max-age={MAX_AGE}")
    if "ETag" not in response.headers:
        response.add_etag()
    environ = request.environ
    if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ or "HTTP_RANGE" in environ:
        response.make_conditional(request)
    return response


class SiteHeaders:
    """The headers every answer carries, added to the WSGI header list once it is final: the
    security headers a view has not set itself (the pyLODE page has its own CSP) and CORS on
    reads. Done here rather than through Flask's header object: five ``setdefault`` calls there
    were a sixth of a cached answer's time in the web process."""

    CORS_EXPOSE = "Content-Type, Content-Length, X-PilotKG-Truncated, Link"

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self._policies: dict[bool, list[tuple[str, str]]] = {}

    def fixed(self) -> list[tuple[str, str]]:
        from pilotkg.server.pages import yasgui_local

        local = yasgui_local()
        headers = self._policies.get(local)
        if headers is None:
            headers = self._policies[local] = [
                ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "strict-origin-when-cross-origin"),
                ("X-Frame-Options", "DENY"),
                ("Cross-Origin-Opener-Policy", "same-origin"),
                ("Content-Security-Policy", content_security_policy()),
            ]
        return headers

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        cors = method in ("GET", "HEAD", "POST", "OPTIONS") and not environ.get("PATH_INFO", "").endswith("update")

        def with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers.extend(h for h in self.fixed() if h[0].lower() not in present)
            if cors:
                headers = [h for h in headers if h[0].lower() != "access-control-allow-origin"]
                headers.append(("Access-Control-Allow-Origin", "*"))
                headers.append(("Access-Control-Expose-Headers", self.CORS_EXPOSE))
                if method == "OPTIONS":
                    headers.append(("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS"))
                    headers.append(("Access-Control-Allow-Headers", "Accept, Content-Type"))
                    headers.append(("Access-Control-Max-Age", "86400"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, with_headers)


def _http_error(exc: HTTPException) -> Response:
    from pilotkg.server.sparql import error

    response = error(exc.code or 500, exc.description or exc.name)
    if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response
