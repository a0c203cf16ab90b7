"""The endpoint's commonest request — a query that is answered — served below Flask.

With the answer cache off, a light query's time in the web process was mostly Flask's own:
the app and request contexts, URL matching, the before- and after-request hooks, a Response
object and its header set, about as much CPU as the query itself took in its worker. This WSGI
middleware reads ``GET /sparql?query=…`` and ``POST /sparql`` (a query or a form) with the same
functions as the view (:func:`pilotkg.server.sparql.job_for`), runs the job in the same pool
and, when the answer is a 200, writes it with the view's headers and validators, counted in the
same metrics and access log. Everything else goes on to Flask unchanged: other paths, HEAD,
conditional and range requests, anything the protocol refuses (Flask writes those errors) —
and answers other than 200, which the view then writes from the answer the fast path already
has (``ANSWERED`` in the environ), so no query ever runs twice.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable

from werkzeug.http import generate_etag, quote_etag
from werkzeug.wrappers import Request

from pilotkg.server import access_log, sparql
from pilotkg.server.engine import Job
from pilotkg.server.runtime import Runtime

ROUTE = "/sparql"
CONDITIONAL = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
)
STATUS_OK = "200 OK"


class SparqlFastPath:
    def __init__(self, app, wsgi_app: Callable, max_age: int) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.max_age = max_age  # the validators' Cache-Control (app.py)
        self.enabled = True  # tests compare the two paths

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self.enabled or environ.get("PATH_INFO") != ROUTE or any(h in environ for h in CONDITIONAL):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD")
        rt: Runtime = self.app.extensions["pilotkg"]
        if rt.board is not None:  # several web processes: follow the build they share
            rt.follow()
        if method == "GET":
            params = self._get(environ)
        elif method == "POST":
            params = self._post(environ, rt.settings.max_request_bytes)
        else:
            params = None
        if params is None:
            return self.wsgi_app(environ, start_response)
        job = sparql.job_for(rt, *params, environ.get("HTTP_ACCEPT"))
        if not isinstance(job, Job):
            return self.wsgi_app(environ, start_response)
        answer = rt.pool.run(job, client=environ.get("REMOTE_ADDR") or "")
        if answer.status != 200:
            environ[sparql.ANSWERED] = answer
            return self.wsgi_app(environ, start_response)
        body = answer.body
        headers = sparql.answer_headers(answer, rt.settings.max_rows)
        headers.append(("Content-Length", str(len(body))))
        if method == "GET":  # as app._validators does for reads
            headers.append(("Cache-Control", f"public, max-age={self.max_age}"))
            headers.append(("ETag", quote_etag(generate_etag(body))))
        start_response(STATUS_OK, headers)
        took = time.perf_counter() - started
        record = self.app.extensions.get("pilotkg.record")
        if record is not None:
            record(ROUTE, method, 200, took)
        if "pilotkg.access_log" in self.app.extensions:
            query_string = environ.get("QUERY_STRING", "")
            target = ROUTE + ("?" + query_string if query_string else "")
            access_log.write(
                environ.get("REMOTE_ADDR"), method, target, environ.get("SERVER_PROTOCOL", ""), 200, took * 1000
            )
        return [body]

    @staticmethod
    def _get(environ: dict) -> tuple | None:
        if "query=" not in environ.get("QUERY_STRING", ""):
            return None  # the service description, or a refusal: Flask's
        args = Request(environ).args
        queries = args.getlist("query")
        if len(queries) != 1 or "update" in args:
            return None
        return queries[0], args.getlist("default-graph-uri"), args.getlist("named-graph-uri"), args.get("format")

    @staticmethod
    def _post(environ: dict, max_bytes: int) -> tuple | None:
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None  # chunked, or no length: Flask reads it
        if length > max_bytes or length < 0:
            return None
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)  # Flask can read it again if it takes over
        request = Request(environ)
        mimetype = request.mimetype
        args = request.args
        if mimetype in sparql.QUERY_CONTENT_TYPES:
            if len(raw) != length or "update" in args:
                return None
            try:
                query = raw.decode(request.mimetype_params.get("charset", "utf-8"))
            except (LookupError, UnicodeDecodeError):
                return None
            fmt = args.get("format")
            return query, args.getlist("default-graph-uri"), args.getlist("named-graph-uri"), fmt
        if mimetype in sparql.FORM_CONTENT_TYPES:
            form = request.form
            environ["wsgi.input"] = io.BytesIO(raw)
            queries = form.getlist("query")
            if len(queries) != 1 or "query" in args or "update" in form or "update" in args:
                return None
            defaults = form.getlist("default-graph-uri") + args.getlist("default-graph-uri")
            named = form.getlist("named-graph-uri") + args.getlist("named-graph-uri")
            return queries[0], defaults, named, form.get("format") or args.get("format")
        return None
