"""The WSGI fast path for /sparql (server/fastpath.py) answers exactly as the Flask view does:
same status, body and headers, for every request form it takes and for those it passes on."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest

from pilotkg.server.app import with_settings

SELECT = "SELECT ?s ?p WHERE { ?s ?p ?o } ORDER BY ?s ?p LIMIT 7"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5"
FORM = "application/x-www-form-urlencoded"


def requests_to_compare() -> list[tuple[str, str, dict, bytes | None]]:
    """(method, path with query string, headers, body): answered ones, refused ones, and others."""
    json = {"Accept": "application/sparql-results+json"}
    return [
        ("GET", "/sparql?" + urlencode({"query": SELECT}), json, None),
        ("GET", "/sparql?" + urlencode({"query": SELECT, "format": "csv"}), {}, None),
        (
            "GET",
            "/sparql?" + urlencode({"query": SELECT}),
            {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
            None,
        ),
        ("GET", "/sparql?" + urlencode({"query": CONSTRUCT}), {"Accept": "text/turtle"}, None),
        ("GET", "/sparql?" + urlencode({"query": "ASK {}"}), {"Accept": "application/sparql-results+xml"}, None),
        ("GET", "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"}), json, None),  # cut at the cap
        ("POST", "/sparql", {"Content-Type": "application/sparql-query", **json}, SELECT.encode()),
        ("POST", "/sparql?format=tsv", {"Content-Type": "application/sparql-query; charset=utf-8"}, SELECT.encode()),
        ("POST", "/sparql", {"Content-Type": FORM, **json}, urlencode({"query": SELECT}).encode()),
        ("POST", "/sparql", {"Content-Type": FORM}, urlencode({"query": CONSTRUCT, "format": "n3"}).encode()),
        (
            "POST",
            "/sparql",
            {"Content-Type": FORM},
            urlencode({"query": SELECT, "default-graph-uri": "urn:x:g"}).encode(),
        ),
        # refused, or answered otherwise than 200: the view writes them
        ("GET", "/sparql?" + urlencode({"query": "SELECT * WHERE {"}), json, None),
        ("GET", "/sparql?" + urlencode({"query": "SELECT * WHERE {"}), {"Accept": "text/html"}, None),
        ("GET", "/sparql?" + urlencode({"query": SELECT, "format": "nonsense"}), {}, None),
        ("GET", "/sparql?" + urlencode({"query": CONSTRUCT}), {"Accept": "text/csv"}, None),
        ("GET", "/sparql?" + urlencode([("query", SELECT), ("query", SELECT)]), {}, None),
        (
            "GET",
            "/sparql?" + urlencode({"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}),
            {},
            None,
        ),
        ("GET", "/sparql?" + urlencode({"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}), {}, None),
        ("GET", "/sparql?" + urlencode({"query": "  "}), {}, None),
        ("GET", "/sparql?" + urlencode({"query": SELECT, "default-graph-uri": "not an iri"}), {}, None),
        ("GET", "/sparql?" + urlencode({"update": "CLEAR ALL"}), {}, None),
        ("GET", "/sparql", {"Accept": "text/turtle"}, None),
        ("GET", "/sparql?" + urlencode({"query": SELECT}), {**json, "If-None-Match": '"x"'}, None),
        ("HEAD", "/sparql?" + urlencode({"query": SELECT}), json, None),
        ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, b"CLEAR ALL"),
        ("POST", "/sparql", {"Content-Type": "text/plain"}, SELECT.encode()),
        ("POST", "/sparql", {"Content-Type": FORM}, urlencode({"update": "CLEAR ALL"}).encode()),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query; charset=nonsense"}, SELECT.encode()),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query; charset=ascii"}, "SELECT ?名 {}".encode()),
        ("PUT", "/sparql", {"Content-Type": "application/sparql-query"}, SELECT.encode()),
    ]


def _answer(client, method, path, headers, body):
    r = client.open(path, method=method, headers=headers, data=body)
    return r.status_code, r.get_data(), sorted((k, v) for k, v in r.headers.items())


@pytest.fixture
def fast(app):
    fast = app.extensions["pilotkg.fast_path"]
    yield fast
    fast.enabled = True


@pytest.mark.parametrize("request_", requests_to_compare(), ids=lambda r: f"{r[0]} {r[1][:60]}")
def test_the_fast_path_answers_as_the_view_does(app, client, fast, request_):
    fast.enabled = False
    expected = _answer(client, *request_)
    fast.enabled = True
    assert _answer(client, *request_) == expected


def test_the_fast_path_takes_answered_queries_and_runs_each_once(app, client, fast, monkeypatch):
    pool = app.extensions["pilotkg"].pool
    runs = []
    real = pool.run

    def counted(job, *args, **kwargs):
        runs.append(job.query)
        return real(job, *args, **kwargs)

    monkeypatch.setattr(pool, "run", counted)
    taken = []
    inner = fast.wsgi_app
    monkeypatch.setattr(
        fast, "wsgi_app", lambda environ, start: taken.append(environ["PATH_INFO"]) or inner(environ, start)
    )
    assert client.get("/sparql", query_string={"query": SELECT}).status_code == 200
    assert taken == [] and runs == [SELECT]  # answered below Flask
    assert client.get("/sparql", query_string={"query": "SELECT * WHERE {"}).status_code == 400
    assert taken == ["/sparql"] and runs == [SELECT, "SELECT * WHERE {"]  # the view wrote it, without a second run


def test_the_fast_path_is_counted_and_logged(app_factory, fixture_env, caplog):
    app = app_factory(fixture_env["store"], access_log=True)
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="pilotkg.access"):
        logging.getLogger("pilotkg.access").propagate = True
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "pilotkg.access"]
    assert len(lines) == 1 and '"GET /sparql?query=ASK+%7B%7D HTTP/1.1" 200 ' in lines[0], lines
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'pilotkg_requests_total{method="GET",route="/sparql",status="200"} 1.0' in metrics
    assert 'pilotkg_request_seconds_count{route="/sparql"} 1.0' in metrics


def test_settings_changed_on_a_running_app_reach_the_fast_path(app, client):
    before = app.extensions["pilotkg"].settings.max_rows
    with_settings(app, max_rows=2)
    try:
        r = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "application/sparql-results+json"})
        assert len(r.get_json()["results"]["bindings"]) == 2 and "X-PilotKG-Truncated" in r.headers
    finally:
        with_settings(app, max_rows=before)
