"""SPARQL 1.1 Protocol at /sparql (query only; updates answer 403)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from pilotkg.server import conneg
from pilotkg.server.engine import Answer, Job
from pilotkg.server.runtime import Runtime, runtime

bp = Blueprint("sparql", __name__)

READ_ONLY = "This endpoint is read-only: SPARQL Update is not allowed."
QUERY_CONTENT_TYPES = ("application/sparql-query",)
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded",)
ANSWERED = "pilotkg.answered"  # environ key: an answer the fast path got, for the view to give


def error(status: int, message: str, query: str | None = None) -> Response:
    """A protocol error: plain text for clients, an escaped HTML page for browsers."""
    if conneg.prefers_html(request.headers.get("Accept"), ["text/plain", *conneg.RESULT_TYPES]):
        html = render_template("error.html", status=status, message=message, query=query)
        return Response(html, status=status, mimetype="text/html")
    return Response(message + "\n", status=status, mimetype="text/plain")


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    rt = runtime()
    settings = rt.settings
    if request.method in ("GET", "HEAD"):  # HEAD answers as GET does; Flask drops the body
        args = request.args
        if "update" in args:
            return error(403, READ_ONLY)
        query = args.get("query")
        if query is None:
            return service_description()
        if len(args.getlist("query")) > 1:
            return error(400, "Exactly one 'query' parameter is allowed.")
        defaults, named = args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
        fmt = args.get("format")
    else:
        mimetype = (request.mimetype or "").lower()
        length = request.content_length
        if length is not None and length > settings.max_request_bytes:
            return error(413, f"The request body is larger than {settings.max_request_bytes} bytes.")
        if mimetype == "application/sparql-update":
            return error(403, READ_ONLY)
        if mimetype in FORM_CONTENT_TYPES:
            form = request.form
            if "update" in form:
                return error(403, READ_ONLY)
            queries = form.getlist("query")
            if len(queries) != 1 or "query" in request.args:
                return error(400, "Exactly one 'query' parameter is required.")
            query = queries[0]
            defaults = form.getlist("default-graph-uri") + request.args.getlist("default-graph-uri")
            named = form.getlist("named-graph-uri") + request.args.getlist("named-graph-uri")
            fmt = form.get("format") or request.args.get("format")
        elif mimetype in QUERY_CONTENT_TYPES:
            raw = request.get_data(cache=False)
            if len(raw) > settings.max_request_bytes:
                return error(413, f"The request body is larger than {settings.max_request_bytes} bytes.")
            charset = request.mimetype_params.get("charset", "utf-8")
            try:
                query = raw.decode(charset)
            except (LookupError, UnicodeDecodeError):
                return error(400, "The query is not valid text in the declared charset.")
            defaults = request.args.getlist("default-graph-uri")
            named = request.args.getlist("named-graph-uri")
            fmt = request.args.get("format")
        else:
            return error(
                415,
                "POST a query as application/x-www-form-urlencoded or application/sparql-query "
                f"(got {mimetype or 'no content type'}).",
            )
    return run_query(query, defaults, named, fmt)


def job_for(
    rt: Runtime, query: str, defaults: list[str], named: list[str], fmt: str | None, accept: str | None
) -> Job | tuple[int, str]:
    """The job a protocol request asks for, or the status and message that refuse it. Shared by
    the view below and the WSGI fast path (server/fastpath.py), so both read a request alike."""
    settings = rt.settings
    if len(query.encode("utf-8", "surrogatepass")) > settings.max_query_bytes:
        return 413, f"The query is longer than {settings.max_query_bytes} bytes."
    if not query.strip():
        return 400, "The query is empty."
    result_format, graph_format, problem = conneg.choose_formats(accept, fmt)
    if problem:
        return 400, problem
    for iri in defaults + named:
        if not iri or any(c in iri for c in '<>" {}|\\^`') or ":" not in iri:
            return 400, f"Not an absolute IRI: {iri!r}"
    return Job(
        query=query,
        result_format=result_format,
        graph_format=graph_format,
        default_graphs=defaults or None,
        named_graphs=named or None,
        max_rows=settings.max_rows,
        allowlist=settings.service_allowlist,
        prefixes=rt.prefixes,
    )


def answer_headers(answer: Answer, max_rows: int) -> list[tuple[str, str]]:
    """The headers of a 200 answer, before the validators (app.py) and the site's own."""
    headers = [("Content-Type", answer.content_type), ("Vary", "Accept")]
    if answer.truncated:
        headers.append(("X-PilotKG-Truncated", f"results cut at {max_rows} rows (PILOTKG_MAX_ROWS)"))
    return headers


def run_query(query: str, defaults: list[str], named: list[str], fmt: str | None) -> Response:
    rt = runtime()
    job = job_for(rt, query, defaults, named, fmt, request.headers.get("Accept"))
    if isinstance(job, tuple):
        return error(*job)
    answer = request.environ.pop(ANSWERED, None)  # the fast path ran it already, and it was not a 200
    if answer is None:
        answer = rt.pool.run(job, client=request.remote_addr or "")
    if answer.status != 200:
        if answer.status == 406:
            return error(406, answer.message + " Acceptable: " + _acceptable(answer.form), query)
        response = error(answer.status, answer.message, query)
        if answer.retry_after:
            response.headers["Retry-After"] = str(answer.retry_after)
        return response
    response = Response(answer.body, status=200)
    for name, value in answer_headers(answer, rt.settings.max_rows):
        response.headers[name] = value
    return response


def _acceptable(form: str) -> str:
    types = conneg.GRAPH_TYPES if form == "graph" else conneg.RESULT_TYPES
    return ", ".join(dict.fromkeys(types)) + "."


@bp.route("/sparql/update", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
@bp.route("/update", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def update() -> Response:
    return error(403, READ_ONLY)


SD_OFFERS = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld",
}


def service_description() -> Response:
    """SPARQL 1.1 Service Description of this endpoint."""
    import pyoxigraph as ox

    from pilotkg.server.engine import GRAPH_FORMATS, MEDIA_TYPES

    rt = runtime()
    # the configured public address; without one the request's own (its Host header)
    public = rt.settings.public_url
    endpoint = public.rstrip("/") + "/sparql" if public else request.base_url
    accept = request.headers.get("Accept")
    if conneg.prefers_html(accept, list(SD_OFFERS)):
        return Response(
            render_template("sd.html", turtle=rt.service_description(endpoint).decode()),
            mimetype="text/html",
        )
    offer = conneg.negotiate(accept, list(SD_OFFERS))
    if offer is None:
        return error(406, "The service description is available as " + ", ".join(SD_OFFERS) + ".")
    fmt = SD_OFFERS[offer]
    data = rt.service_description(endpoint)
    if fmt != "turtle":
        data = ox.serialize(ox.parse(data, ox.RdfFormat.TURTLE), format=GRAPH_FORMATS[fmt])
    response = Response(data, content_type=MEDIA_TYPES[fmt])
    response.headers["Vary"] = "Accept"
    current_app.logger.debug("service description as %s", fmt)
    return response
