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
            _html_cache[key] = with_site(OntPub(ontology=str(path)).make_html(), ontology_titles(path))
        return _html_cache[key]


SITE_NAV = (
    "<style>nav.pilotkg-site{font:15px system-ui,sans-serif;padding:.6rem 1rem;border-bottom:3px solid #b22234;"
    "background:#fff}nav.pilotkg-site a{margin-right:1rem;color:#1d2430;text-decoration:none}"
    "nav.pilotkg-site a.brand{font-weight:700;color:#b22234}</style>"
    '<nav class="pilotkg-site"><a class="brand" href="/">pilotkg</a><a href="/">Home</a>'
    '<a href="/compare">Compare pilots</a><a href="/query">SPARQL query</a><a href="/search">Search</a>'
    '<a href="/dumps/">Dumps</a><a href="/ontology">Ontology</a></nav>'
)


def ontology_titles(path) -> list[tuple[str, str]]:
    """(text, language) of the ontology's titles (dcterms:title, else rdfs:label), in file order."""
    import pyoxigraph as ox

    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    ontologies = {q.subject for q in quads if q.object.value == "http://www.w3.org/2002/07/owl#Ontology"}
    for prop in ("http://purl.org/dc/terms/title", "http://www.w3.org/2000/01/rdf-schema#label"):
        titles = [
            (q.object.value, q.object.language or "")
            for q in quads
            if q.subject in ontologies and q.predicate.value == prop and isinstance(q.object, ox.Literal)
        ]
        if titles:
            return titles
    return []


def with_site(html: str, titles: list[tuple[str, str]]) -> str:
    """pyLODE's page with the site's navigation on top, and the ontology's titles one per line:
    pyLODE writes them one after the other ("…pilotspilotkg 本体…")."""
    import html as escape
    import itertools

    html = html.replace("<body>", "<body>" + SITE_NAV, 1)
    for order in itertools.permutations(titles):
        joined = "".join(escape.escape(text, quote=False) for text, _ in order)
        if f"<h1>{joined}</h1>" in html:
            lines = "<br>".join(
                f'<span lang="{lang}">{escape.escape(text, quote=False)}</span>'
                if lang
                else escape.escape(text, quote=False)
                for text, lang in order
            )
            return html.replace(f"<h1>{joined}</h1>", f"<h1>{lines}</h1>", 1)
    return html


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
