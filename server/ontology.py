"""The ontology at /ontology: pyLODE HTML for browsers, Turtle (or other RDF) by Accept."""

from __future__ import annotations

import threading

from flask import Blueprint, Response, abort, request

from pilotkg.server import conneg
from pilotkg.server.runtime import runtime

bp = Blueprint("ontology", __name__)

OFFERS = {
    "text/html": "html",
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld",
}
EXTENSIONS = {"html": "html", "ttl": "turtle", "nt": "ntriples", "rdf": "rdfxml", "jsonld": "jsonld"}
_lock = threading.Lock()
_html_cache: dict[str, str] = {}

# pyLODE's page carries its own inline <style>; it needs no scripts.
ONTOLOGY_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def pylode_html(path) -> str:
    key = f"{path}:{path.stat().st_mtime_ns}"
    with _lock:
        if key not in _html_cache:
            from pylode import OntPub

            _html_cache.clear()
            _html_cache[key] = OntPub(ontology=str(path)).make_html()
        return _html_cache[key]


def warm() -> None:
    path = runtime().settings.ontology
    if path.is_file():
        pylode_html(path)


def version_iri(path) -> str | None:
    """The ontology's owl:versionIRI, read from its file (the version lives in the data)."""
    import pyoxigraph as ox

    for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        if quad.predicate.value == "http://www.w3.org/2002/07/owl#versionIRI":
            return quad.object.value
    return None


@bp.route("/ontology/<version>")
def ontology_version(version: str) -> Response:
    """The version IRI (``…/ontology/0.1.0``) dereferences to the ontology of that version: the
    one this server holds, as /ontology does; any other version is 404."""
    path = runtime().settings.ontology
    iri = version_iri(path) if path.is_file() else None
    stem, _, ext = version.rpartition(".") if version.count(".") > 2 else (version, "", "")
    if iri is None or iri.rsplit("/", 1)[-1] != stem:
        abort(404, description=f"No ontology version {version[:40]!r} here; the current one is {iri or 'unknown'}.")
    response = ontology(ext or None)
    response.headers["Content-Location"] = "/ontology" + (f".{ext}" if ext else "")
    return response


@bp.route("/ontology")
@bp.route("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    import pyoxigraph as ox

    from pilotkg.server.engine import GRAPH_FORMATS, MEDIA_TYPES

    path = runtime().settings.ontology
    if not path.is_file():
        abort(404, description="The ontology file has not been written yet (ontology/pilotkg.ttl).")
    if ext is not None:
        if ext not in EXTENSIONS:
            abort(404)
        fmt = EXTENSIONS[ext]
    else:
        offer = conneg.negotiate(request.headers.get("Accept"), list(OFFERS))
        if offer is None:
            abort(406, description="The ontology is available as " + ", ".join(OFFERS) + ".")
        fmt = OFFERS[offer]
    if fmt == "html":
        try:
            html = pylode_html(path)
        except Exception as exc:  # pragma: no cover - depends on the ontology file
            abort(500, description=f"pyLODE could not document the ontology: {type(exc).__name__}: {exc}")
        response = Response(html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = ONTOLOGY_CSP
    elif fmt == "turtle":
        response = Response(path.read_bytes(), content_type=MEDIA_TYPES["turtle"])
    else:
        quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        response = Response(ox.serialize(quads, format=GRAPH_FORMATS[fmt]), content_type=MEDIA_TYPES[fmt])
    response.headers["Vary"] = "Accept"
    return response
