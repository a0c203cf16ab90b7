"""`pilotkg serve --backend URL`: the same server answering from a remote store — a real
Virtuoso, started and stopped here, loaded by `pilotkg publish` — gives the answers the embedded
store gives, keeps SERVICE refused, and turns the store's failures into its own errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal, InvalidOperation

import pytest

from pilotkg.graph.graph_store import Target, chunks_of, publish
from pilotkg.paths import QUERIES_DIR
from tests.virtuoso import PASSWORD, USER, VIRTUOSO, running

pytestmark = pytest.mark.skipif(VIRTUOSO is None, reason="Debian's virtuoso-opensource is not installed")


@pytest.fixture(scope="module")
def servers(tmp_path_factory, built, serve_store):
    """(embedded, backed by Virtuoso): two servers over one build, the second querying Virtuoso."""
    root = tmp_path_factory.mktemp("backend")
    with running(root / "virtuoso") as virtuoso:
        publish(chunks_of(built / "pilotkg.nq"), Target(virtuoso.graph_store, USER, PASSWORD))
        env = {"PILOTKG_DIST": str(built)}
        with (
            serve_store(built / "store", root / "embedded.log", **env) as embedded,
            serve_store(built / "store", root / "remote.log", PILOTKG_BACKEND=virtuoso.sparql, **env) as remote,
        ):
            yield embedded, remote


def _get(url: str, accept: str = "application/sparql-results+json") -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _rows(base: str, query: str) -> list[tuple]:
    status, body = _get(f"{base}/sparql?{urllib.parse.urlencode({'query': query})}")
    assert status == 200, body[:300]
    document = json.loads(body)
    if "boolean" in document:
        return [(document["boolean"],)]
    names = document["head"]["vars"]
    return sorted(tuple(_value(row.get(n)) for n in names) for row in document["results"]["bindings"])


def _value(term: dict | None) -> str:
    """A term as compared across stores: numbers by value (Virtuoso keeps them by value)."""
    if term is None:
        return ""
    if term.get("datatype", "").startswith("http://www.w3.org/2001/XMLSchema#") and term["type"] != "uri":
        try:
            return str(Decimal(term["value"]).normalize())
        except InvalidOperation:
            pass
    return term["value"] + "@" + term.get("xml:lang", "")


EXAMPLES = sorted(QUERIES_DIR.glob("*.rq"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_query_answers_the_same_from_virtuoso(servers, path):
    embedded, remote = servers
    query = path.read_text(encoding="utf-8")
    assert _rows(remote, query) == _rows(embedded, query)


def test_ask_and_describe_through_the_backend(servers):
    embedded, remote = servers
    assert _rows(remote, "ASK { ?p a <https://w3id.org/pilotkg/ontology#Pilot> }") == [(True,)]
    assert _rows(remote, "ASK { ?p a <urn:nothing> }") == [(False,)]
    task = "https://w3id.org/pilotkg/id/pilot/wuhan-2022/task/1-1"
    status, page = _get(f"{remote}/id/pilot/wuhan-2022/task/1-1.html", "text/html")
    assert status == 200 and "支持" in page.decode()
    status, ttl = _get(f"{remote}/id/pilot/wuhan-2022/task/1-1.nt", "application/n-triples")
    _, local = _get(f"{embedded}/id/pilot/wuhan-2022/task/1-1.nt", "application/n-triples")
    assert status == 200 and f"<{task}>".encode() in ttl
    assert len(ttl.splitlines()) == len(local.splitlines())


def test_service_stays_refused_and_store_failures_are_ours(servers, canary):
    """SERVICE never reaches the store (the check runs first); a query Virtuoso refuses to run
    (its cost estimate is over its limit) becomes our 503, without Virtuoso's own text."""
    _, remote = servers
    service = f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"
    status, body = _get(f"{remote}/sparql?{urllib.parse.urlencode({'query': service})}")
    assert status == 400 and canary.requests == []
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    status, body = _get(f"{remote}/sparql?{urllib.parse.urlencode({'query': runaway})}")
    assert status == 503 and b"Virtuoso" not in body and b"42000" not in body


RESOURCES = [
    "pilot/wuhan-2022",
    "pilot/wuhan-2022/plan",
    "pilot/wuhan-2022/notice",
    "pilot/wuhan-2022/task/1-27",
    "pilot/wuhan-2022/task/1-27/measure/1",
    "pilot/wuhan-2022/paragraph/16",
    "sector/finance",
    "agency/mofcom",
    "place/wuhan",
]


@pytest.mark.parametrize("path", RESOURCES)
def test_linked_data_documents_are_the_same_from_virtuoso(servers, path):
    """Each resource's RDF document (its triples both ways) has the same triples from both
    backends, numbers by value; its page renders from both."""
    import pyoxigraph as ox

    embedded, remote = servers

    def triples(base: str) -> set[tuple]:
        status, body = _get(f"{base}/id/{path}.nt", "application/n-triples")
        assert status == 200, body[:200]
        found = set()
        for t in ox.parse(body, ox.RdfFormat.N_TRIPLES):
            o = t.object
            value = (
                _value({"type": "literal", "value": o.value, "datatype": o.datatype.value})
                if isinstance(o, ox.Literal) and not o.language
                else str(o)
            )
            found.add((str(t.subject), str(t.predicate), value))
        return found

    assert triples(remote) == triples(embedded)
    for base in (embedded, remote):
        assert _get(f"{base}/id/{path}.html", "text/html")[0] == 200


@pytest.mark.parametrize("accept", ["text/csv", "text/tab-separated-values", "application/sparql-results+xml"])
def test_result_formats_are_the_same_from_virtuoso(servers, accept):
    embedded, remote = servers
    query = "SELECT ?t ?n WHERE { ?t <https://w3id.org/pilotkg/ontology#taskNumber> ?n } ORDER BY ?t LIMIT 50"
    url = f"/sparql?{urllib.parse.urlencode({'query': query})}"
    (a_status, a), (b_status, b) = _get(embedded + url, accept), _get(remote + url, accept)
    assert a_status == b_status == 200 and a == b
