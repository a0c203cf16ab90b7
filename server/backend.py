"""Queries answered by a remote SPARQL 1.1 endpoint instead of the embedded store.

``pilotkg serve --backend URL`` keeps everything else of the server — the safety check (SERVICE
refused, updates refused, nesting limits) before a query leaves, the worker lanes and their
deadlines, the row cap, caching, conneg, the pages — and only changes where a checked query is
evaluated. Each query is parsed by pyoxigraph first (an empty store gives its form and the same
400 a malformed query gets locally), then POSTed to the store with the protocol's dataset
parameters and the deadline (``timeout``, in milliseconds, which Virtuoso and Fuseki read), and
its answer is parsed back, so the client gets the server's own serialisations. A store that fails,
times out or answers with something else becomes a 502 or 503 in our words; its raw body is
never passed on (it may echo the query, or the store's internals).
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import requests

JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"


class BackendError(Exception):
    """A remote store's failure, as the status and message the client gets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Triples:
    """A remote graph answer, shaped like pyoxigraph's QueryTriples for the engine's writers."""

    def __init__(self, triples: list[ox.Triple]) -> None:
        self.triples = triples

    def serialize(self, output, format: ox.RdfFormat) -> None:
        ox.serialize(self.triples, output, format)


class Backend:
    def __init__(self, endpoint: str, timeout: float) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.session = requests.Session()

    def query(self, job, typed: object) -> object:
        """Run the checked query ``job`` on the store; ``typed`` is its (empty) local result, which
        says its form. Returns a QueryBoolean, QuerySolutions or graph answer."""
        graph = not isinstance(typed, ox.QueryBoolean | ox.QuerySolutions)
        data: list[tuple[str, str]] = [("query", job.query), ("timeout", str(max(1, int(self.timeout * 1000))))]
        data += [("default-graph-uri", g) for g in job.default_graphs or ()]
        data += [("named-graph-uri", g) for g in job.named_graphs or ()]
        try:
            response = self.session.post(
                self.endpoint,
                data=data,
                headers={"Accept": NTRIPLES if graph else JSON},
                timeout=(5.0, self.timeout + 1.0),
            )
        except requests.Timeout:
            raise BackendError(
                503, f"The remote store did not answer within the {self.timeout:g} s deadline."
            ) from None
        except requests.RequestException:
            raise BackendError(502, "The remote store could not be reached.") from None
        if response.status_code != 200:
            if b"exceeds the limit" in response.content[:2000] or response.status_code in (503, 504):
                raise BackendError(503, f"The remote store stopped the query at its deadline ({self.timeout:g} s).")
            raise BackendError(502, f"The remote store failed to answer the query (HTTP {response.status_code}).")
        try:
            if graph:
                return _Triples([_canonical_triple(t) for t in ox.parse(response.content, ox.RdfFormat.N_TRIPLES)])
            answer = ox.parse_query_results(_canonical_results(response.content), ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError, OSError):
            raise BackendError(502, "The remote store answered with something that is not SPARQL results.") from None
        if isinstance(typed, ox.QueryBoolean) and not isinstance(answer, ox.QueryBoolean):
            answer = _boolean(answer)  # Virtuoso answers ASK in JSON as one row, one variable
        return answer


# Virtuoso writes xsd:boolean values as "1" and "0"; the embedded store, like the RDF and XSD specs,
# writes their canonical forms, "true" and "false". Answers are given in those, so that a page or a
# client reads the same value from either store.
BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_CANONICAL_BOOLEAN = {"1": "true", "0": "false"}


def _canonical_results(content: bytes) -> bytes:
    if BOOLEAN.encode() not in content:
        return content
    document = json.loads(content)
    for row in document.get("results", {}).get("bindings", ()):
        for term in row.values():
            if term.get("datatype") == BOOLEAN and term.get("value") in _CANONICAL_BOOLEAN:
                term["value"] = _CANONICAL_BOOLEAN[term["value"]]
    return json.dumps(document).encode()


def _canonical_triple(triple: ox.Triple) -> ox.Triple:
    o = triple.object
    if isinstance(o, ox.Literal) and o.datatype.value == BOOLEAN and o.value in _CANONICAL_BOOLEAN:
        return ox.Triple(triple.subject, triple.predicate, ox.Literal(_CANONICAL_BOOLEAN[o.value], datatype=o.datatype))
    return triple


def _boolean(solutions: ox.QuerySolutions) -> ox.QueryBoolean:
    row = next(iter(solutions), None)
    value = row[0] if row is not None else None
    truth = isinstance(value, ox.Literal) and value.value in ("1", "true")
    return ox.parse_query_results(
        f'{{"head":{{}},"boolean":{str(truth).lower()}}}'.encode(), ox.QueryResultsFormat.JSON
    )
