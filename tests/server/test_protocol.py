"""SPARQL 1.1 Protocol at /sparql, with Flask's test client."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
import rdflib

BASE = "https://w3id.org/pilotkg/"
ID = BASE + "id/"

SELECT_TASKS = (
    "PREFIX pilot: <https://w3id.org/pilotkg/ontology#> "
    "SELECT ?t ?n WHERE { ?t a pilot:Task ; pilot:taskNumber ?n } ORDER BY ?n"
)
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def app(backend_app):
    """Every test here runs on the embedded store and on Virtuoso (tests/server/conftest.py)."""
    return backend_app


def count(client, query=COUNT_ALL, **params) -> int:
    r = client.get("/sparql", query_string={"query": query, **params}, headers={"Accept": "application/json"})
    assert r.status_code == 200, r.data
    return int(r.get_json()["results"]["bindings"][0]["n"]["value"])


def test_select_json_by_get(client):
    r = client.get("/sparql", query_string={"query": SELECT_TASKS})
    assert r.status_code == 200
    assert r.mimetype == "application/sparql-results+json"
    rows = r.get_json()["results"]["bindings"]
    assert [row["t"]["value"] for row in rows] == [
        ID + "pilot/wuhan-2022/task/1-1",
        ID + "pilot/wuhan-2022/task/1-2",
    ]


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/html;q=1, text/csv;q=0.2", "text/csv"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_formats_by_accept(client, accept, mimetype):
    r = client.get("/sparql", query_string={"query": SELECT_TASKS}, headers={"Accept": accept})
    assert r.status_code == 200, r.data
    assert r.mimetype == mimetype
    assert r.headers["Vary"] == "Accept"
    text = r.get_data(as_text=True)
    if mimetype.endswith("xml"):
        results = ET.fromstring(text).findall(".//{http://www.w3.org/2005/sparql-results#}result")
        assert len(results) == 2
    elif mimetype == "text/csv":
        assert next(iter(csv.reader(io.StringIO(text)))) == ["t", "n"]
    elif mimetype == "text/tab-separated-values":
        assert text.splitlines()[0] == "?t\t?n"


def test_format_parameter_wins(client):
    r = client.get("/sparql", query_string={"query": SELECT_TASKS, "format": "csv"}, headers={"Accept": "text/xml"})
    assert r.mimetype == "text/csv"
    r = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", "format": "nt"})
    assert r.mimetype == "application/n-triples"


def test_post_form_and_direct(client):
    r = client.post("/sparql", data={"query": SELECT_TASKS}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and len(r.get_json()["results"]["bindings"]) == 2
    r = client.post(
        "/sparql",
        data=SELECT_TASKS.encode(),
        headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": "text/csv"},
    )
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert len(r.get_data(as_text=True).strip().splitlines()) == 3


def remote(app) -> bool:
    return bool(app.extensions["pilotkg"].settings.backend)


def test_default_graph_is_union_and_dataset_parameters(client, app):
    total = count(client)
    vocab = count(client, **{"default-graph-uri": BASE + "graph/vocab"})
    pilot = count(client, **{"default-graph-uri": BASE + "graph/wuhan-2022"})
    statistics = count(client, **{"default-graph-uri": BASE + "graph/statistics"})
    assert vocab > 0 and pilot > 0 and statistics > 0
    if remote(app):  # a remote store's default graph is its own: Virtuoso's holds its system graphs too
        assert total > vocab + pilot + statistics
        total = vocab + pilot + statistics
    else:
        assert total == vocab + pilot + statistics
    both = client.get(
        "/sparql",
        query_string=[
            ("query", COUNT_ALL),
            ("default-graph-uri", BASE + "graph/vocab"),
            ("default-graph-uri", BASE + "graph/wuhan-2022"),
            ("default-graph-uri", BASE + "graph/statistics"),
        ],
    )
    assert int(both.get_json()["results"]["bindings"][0]["n"]["value"]) == total
    # named-graph-uri restricts GRAPH ?g
    r = client.get(
        "/sparql",
        query_string={
            "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": BASE + "graph/vocab",
        },
    )
    assert [b["g"]["value"] for b in r.get_json()["results"]["bindings"]] == [BASE + "graph/vocab"]
    # direct POST takes the dataset from the URL
    r = client.post(
        "/sparql?default-graph-uri=" + BASE + "graph/vocab",
        data=COUNT_ALL,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert int(r.get_json()["results"]["bindings"][0]["n"]["value"]) == vocab


def test_from_clause_is_honoured(client):
    q = f"SELECT (COUNT(*) AS ?n) FROM <{BASE}graph/vocab> WHERE {{ ?s ?p ?o }}"
    assert count(client, q) == count(client, **{"default-graph-uri": BASE + "graph/vocab"})


@pytest.mark.parametrize(
    ("accept", "mimetype", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/ld+json", "application/ld+json", "json-ld"),
    ],
)
def test_construct_and_describe_formats(client, accept, mimetype, rdflib_format):
    task = ID + "pilot/wuhan-2022/task/1-1"
    for query in (f"CONSTRUCT {{ <{task}> ?p ?o }} WHERE {{ <{task}> ?p ?o }}", f"DESCRIBE <{task}>"):
        r = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert r.status_code == 200, r.data
        assert r.mimetype == mimetype
        g = rdflib.Graph().parse(data=r.data, format=rdflib_format)
        assert (rdflib.URIRef(task), rdflib.RDF.type, rdflib.URIRef(BASE + "ontology#Task")) in g


def test_ask(client):
    r = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert r.get_json() == {"head": {}, "boolean": True}
    r = client.get("/sparql", query_string={"query": "ASK { <x:no> ?p ?o }"}, headers={"Accept": "application/xml"})
    assert r.mimetype == "application/sparql-results+xml" and b"false" in r.data


def test_malformed_query_gets_parser_message(client):
    r = client.get("/sparql", query_string={"query": "SELEC * WHERE { ?s ?p ?o }"})
    assert r.status_code == 400
    assert "error at 1:" in r.get_data(as_text=True)


def test_405_406_413_415(client, app):
    r = client.put("/sparql", data="x")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    r = client.get("/sparql", query_string={"query": SELECT_TASKS}, headers={"Accept": "text/turtle"})
    assert r.status_code == 406
    r = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
    assert r.status_code == 406
    r = client.get("/sparql", query_string={"query": SELECT_TASKS}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    limit = app.extensions["pilotkg"].settings.max_query_bytes
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * limit
    assert client.get("/sparql", query_string={"query": big}).status_code == 413
    body_limit = app.extensions["pilotkg"].settings.max_request_bytes
    r = client.post(
        "/sparql",
        data="#" + "x" * body_limit + "\nASK {}",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert r.status_code == 413
    r = client.post("/sparql", data={"query": "x" * (body_limit + 10)})
    assert r.status_code == 413
    r = client.post("/sparql", data=SELECT_TASKS, headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = client.post("/sparql", data=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 415


def test_bad_requests(client):
    assert client.get("/sparql", query_string=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400
    assert client.get("/sparql", query_string={"query": "  "}).status_code == 400
    r = client.get("/sparql", query_string={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert r.status_code == 400


def test_format_names_clients_send(client):
    """SPARQLWrapper sends format=n3 and format=rdf+xml; a name the server does not know falls back
    to the Accept header (as Fuseki does) instead of failing."""
    construct = "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3"
    r = client.get("/sparql", query_string={"query": construct, "format": "n3"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    assert len(rdflib.Graph().parse(data=r.data, format="n3")) == 3
    r = client.get("/sparql", query_string={"query": construct, "format": "rdf+xml"})
    assert r.status_code == 200 and r.mimetype == "application/rdf+xml"
    assert len(rdflib.Graph().parse(data=r.data, format="xml")) == 3
    r = client.get(
        "/sparql",
        query_string={"query": "ASK {}", "format": "nonsense"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert r.status_code == 200 and r.mimetype == "application/sparql-results+xml"


def test_head_answers_as_get_does(client):
    for query in ({"query": "ASK {}"}, {}):
        got, head = client.get("/sparql", query_string=query), client.head("/sparql", query_string=query)
        assert head.status_code == got.status_code == 200
        assert head.mimetype == got.mimetype and head.data == b""


def test_service_description(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = next(g.subjects(rdflib.RDF.type, sd.Service))
    assert str(endpoint).endswith("/sparql")
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Query) in g
    assert (endpoint, sd.feature, sd.UnionDefaultGraph) in g
    names = {str(o) for o in g.objects(None, sd.name)}
    assert {BASE + "graph/vocab", BASE + "graph/wuhan-2022"} <= names
    assert all(name.startswith(BASE) for name in names)  # not a remote store's own graphs
    r = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert r.mimetype == "application/ld+json"
    r = client.get("/sparql", headers={"Accept": "text/html"})
    assert r.mimetype == "text/html" and b"sparql-service-description" in r.data


def test_row_cap(client, app):
    cap = app.extensions["pilotkg"].settings.max_rows
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert len(r.get_json()["results"]["bindings"]) == cap
    assert "X-PilotKG-Truncated" in r.headers
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 7"})
    assert len(r.get_json()["results"]["bindings"]) == 7 and "X-PilotKG-Truncated" not in r.headers
    r = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "text/turtle"})
    assert len(rdflib.Graph().parse(data=r.data, format="turtle")) == cap
    assert "X-PilotKG-Truncated" in r.headers
    # literals with newlines, language tags and datatypes survive the capped path intact
    q = f"SELECT ?e WHERE {{ <{ID}pilot/wuhan-2022/task/1-1/span/quote> <http://www.w3.org/ns/oa#exact> ?e }}"
    r = client.get("/sparql", query_string={"query": q})
    assert (
        r.get_json()["results"]["bindings"][0]["e"]["value"]
        == "支持科技企业开展跨境研发合作，探索建立\n科技成果转化机制。"
    )


def test_security_headers_and_cors(client):
    r = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["Referrer-Policy"]
    r = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code == 200
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in r.headers["Access-Control-Allow-Headers"]


def test_html_error_escapes_the_query(client):
    q = 'SELECT * WHERE { ?s ?p "<script>alert(1)</script>" '
    r = client.get("/sparql", query_string={"query": q}, headers={"Accept": "text/html"})
    assert r.status_code == 400 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_results_are_json_not_html_for_yasgui_accept(client):
    accept = "application/sparql-results+json,*/*;q=0.9"
    r = client.post("/sparql", data={"query": SELECT_TASKS}, headers={"Accept": accept})
    assert r.mimetype == "application/sparql-results+json"
    json.loads(r.data)


def test_service_description_names_the_configured_public_address(app_factory, fixture_env):
    """sd:endpoint is the operator's public URL, whatever Host header a client sends."""
    client = app_factory(fixture_env["store"], public_url="https://pilotkg.example.org/").test_client()
    body = client.get("/sparql", headers={"Accept": "text/turtle", "Host": "evil.example"}).get_data(as_text=True)
    assert "<https://pilotkg.example.org/sparql>" in body and "evil.example" not in body


def test_a_triple_term_asked_for_as_json_ld_is_406(client, app):
    if remote(app):
        pytest.skip("Virtuoso 7 has no RDF 1.2 triple terms (the query itself fails there: a 502)")
    query = "CONSTRUCT { <urn:a> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> } WHERE {}"
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/ld+json"})
    assert r.status_code == 406 and "JSON-LD" in r.get_data(as_text=True)
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and b"<<(" in r.data


def test_application_json_on_a_resource_is_json_ld_as_on_sparql(client):
    r = client.get("/id/pilot/wuhan-2022", headers={"Accept": "application/json"})
    assert r.status_code == 303 and r.headers["Location"].endswith(".jsonld")


def test_metrics_in_the_prometheus_text_format(client):
    from prometheus_client.parser import text_string_to_metric_families

    client.get("/sparql", query_string={"query": "ASK {}"})
    client.get("/no/such/page")
    r = client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    families = {f.name: f for f in text_string_to_metric_families(r.get_data(as_text=True))}
    answered = {
        (s.labels["route"], s.labels["status"])
        for s in families["pilotkg_requests"].samples
        if s.name == "pilotkg_requests_total"
    }
    assert ("/sparql", "200") in answered and ("(no route)", "404") in answered
    for name in (
        "pilotkg_request_seconds",
        "pilotkg_query_timeouts",
        "pilotkg_query_rejections",
        "pilotkg_slow_lane_queries",
        "pilotkg_cache_bytes",
        "pilotkg_cache_hits",
        "pilotkg_worker_restarts",
        "pilotkg_build_switches",
    ):
        assert name in families, name


def test_access_log_lines_escape_control_characters(app_factory, fixture_env, caplog):
    import logging

    client = app_factory(fixture_env["store"], access_log=True).test_client()
    with caplog.at_level(logging.INFO, logger="pilotkg.access"):
        logging.getLogger("pilotkg.access").propagate = True
        client.get("/a%0Aforged 200%1b[31m%00")
    lines = [r.getMessage() for r in caplog.records if r.name == "pilotkg.access"]
    assert lines and all("\n" not in line and "\x1b" not in line and "\x00" not in line for line in lines)
    assert "\\x0a" in lines[-1] and "\\x1b" in lines[-1] and " 404 " in lines[-1]


def test_a_construct_asked_for_as_sparql_results_json_answers_turtle(client):
    """rdflib's SPARQLStore (returnFormat json) asks every query for SPARQL results JSON; a graph
    answers in the default RDF format instead of 406. Other result-only types (CSV) stay 406."""
    query = "CONSTRUCT WHERE { ?s a <https://w3id.org/pilotkg/ontology#Task> } LIMIT 2"
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.mimetype == "text/turtle" and b"Task" in r.data


def test_rdflib_sparqlstore_construct_with_json_return_format(live_server):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(live_server + "/sparql", returnFormat="json")
    graph = store.query("CONSTRUCT WHERE { ?s a <https://w3id.org/pilotkg/ontology#Task> }").graph
    assert len(graph) >= 2


def test_documents_and_answers_carry_validators(client):
    """/id/ documents and SPARQL answers have an ETag and Cache-Control; a matching
    If-None-Match gets 304 without a body."""
    for path, args in (("/id/pilot/wuhan-2022.ttl", {}), ("/sparql", {"query": "ASK {}"})):
        r = client.get(path, query_string=args)
        assert r.status_code == 200 and r.headers["ETag"] and "max-age" in r.headers["Cache-Control"], path
        again = client.get(path, query_string=args, headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", path
    r = client.get("/sparql", query_string={"query": "SELEC"})
    assert r.status_code == 400 and "ETag" not in r.headers


def test_a_cut_answer_says_so_in_its_body(client, app):
    """Beyond the header: SPARQL JSON and XML results carry a head link to the limits' section of
    the service description, N-Triples and Turtle a comment; a whole answer carries neither."""
    everything = {"query": "SELECT * WHERE { ?s ?p ?o }"}
    r = client.get("/sparql", query_string=everything)
    assert r.get_json()["head"]["link"] == ["/sparql#limits"]
    r = client.get("/sparql", query_string=everything, headers={"Accept": "application/sparql-results+xml"})
    assert b'<link href="/sparql#limits"/></head>' in r.data
    for mime, fmt in (("text/turtle", "turtle"), ("application/n-triples", "nt")):
        r = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": mime})
        assert r.data.startswith(b"# results cut at") and len(rdflib.Graph().parse(data=r.data, format=fmt)) > 0
    whole = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert "link" not in whole.get_json()["head"]
    assert b'id="limits"' in client.get("/sparql", headers={"Accept": "text/html"}).data
