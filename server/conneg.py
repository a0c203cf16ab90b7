"""Content negotiation: Accept headers with q-values, and the ``format`` parameter."""

from __future__ import annotations

from functools import lru_cache

RESULT_TYPES = {  # media type -> result format name (order = server preference)
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/xml": "rdfxml",
    "text/xml": "rdfxml",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
}
# the ``format`` request parameter: short names, file extensions or media types
FORMAT_ALIASES = {
    "json": ("json", "jsonld"),
    "srj": ("json", None),
    "xml": ("xml", "rdfxml"),
    "srx": ("xml", None),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "ntriples": (None, "ntriples"),
    "n-triples": (None, "ntriples"),
    "nt": (None, "ntriples"),
    "rdfxml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"),
    "rdf/xml": (None, "rdfxml"),
    "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"),
    # what SPARQLWrapper sends for its N3 and RDFXML return formats (N3 readers read Turtle)
    "n3": (None, "turtle"),
    "rdf+xml": (None, "rdfxml"),
    "text/n3": (None, "turtle"),
    "text/rdf+n3": (None, "turtle"),
}


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """``[(media-range, q, position)]``; an empty or missing header means ``*/*``."""
    if not header or not header.strip():
        return [("*/*", 1.0, 0)]
    ranges = []
    for position, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        if media == "*":
            media = "*/*"
        q = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    q = min(max(float(param[2:]), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    return ranges


def _quality(offer: str, ranges: list[tuple[str, float, int]]) -> tuple[float, int]:
    """q of the most specific range matching ``offer`` (and that range's specificity)."""
    best: tuple[int, float] | None = None
    otype, _, _osub = offer.partition("/")
    for media, q, _pos in ranges:
        rtype, _, rsub = media.partition("/")
        if media == offer:
            spec = 3
        elif rtype == otype and rsub == "*":
            spec = 2
        elif media == "*/*":
            spec = 1
        else:
            continue
        if best is None or spec > best[0]:
            best = (spec, q)
    return (0.0, 0) if best is None else (best[1], best[0])


def negotiate(header: str | None, offers: list[str]) -> str | None:
    """The acceptable offer with the highest q (server order breaks ties); None if none is."""
    ranges = parse_accept(header)
    chosen, chosen_key = None, None
    for index, offer in enumerate(offers):
        q, spec = _quality(offer, ranges)
        if q <= 0:
            continue
        # prefer higher q, then an explicit mention over a wildcard, then server order
        key = (q, spec == 3, -index)
        if chosen_key is None or key > chosen_key:
            chosen, chosen_key = offer, key
    return chosen


@lru_cache(maxsize=512)  # clients send few distinct Accept headers; negotiating was a tenth of a cached answer
def choose_formats(accept: str | None, fmt: str | None) -> tuple[str | None, str | None, str | None]:
    """(result format, graph format, error) for a SPARQL request.

    ``fmt`` (the ``format`` parameter) wins over Accept when it names a format this server knows;
    a name it does not know falls back to the Accept header, as Fuseki does (clients send names of
    their own: SPARQLWrapper's ``n3``, ``rdf+xml``).
    """
    if fmt:
        key = fmt.strip().lower()
        if key in FORMAT_ALIASES:
            r, g = FORMAT_ALIASES[key]
            return r, g, None
        r = RESULT_TYPES.get(key)
        g = GRAPH_TYPES.get(key)
        if r or g:
            return r, g, None
    r_offer = negotiate(accept, list(RESULT_TYPES))
    g_offer = negotiate(accept, list(GRAPH_TYPES))
    return (
        RESULT_TYPES.get(r_offer) if r_offer else None,
        GRAPH_TYPES.get(g_offer) if g_offer else None,
        None,
    )


def prefers_html(accept: str | None, others: list[str]) -> bool:
    """True when text/html is acceptable and at least as preferred as every other offer."""
    ranges = parse_accept(accept)
    html_q, html_spec = _quality("text/html", ranges)
    if html_q <= 0 or html_spec < 2:  # a bare */* (curl, scripts) does not mean HTML
        return False
    return all(html_q >= _quality(o, ranges)[0] for o in others)
