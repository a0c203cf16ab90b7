"""Read-only and safe: no updates, no SERVICE (however written), hard deadlines, no network."""

from __future__ import annotations

import threading
import time

import pytest

from pilotkg.server.safety import Refused, analyse, looks_like_update, scan_text

BASE = "https://w3id.org/pilotkg/"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def total(client) -> int:
    r = client.get("/sparql", query_string={"query": COUNT_ALL})
    return int(r.get_json()["results"]["bindings"][0]["n"]["value"])


def service_queries(url: str) -> list[str]:
    """The same SERVICE call written every way we could think of; ``url`` is the canary."""
    host = url.rstrip("/")
    escaped = "".join(f"\\u{ord(c):04x}" for c in "http") + url[4:]
    return [
        f"SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{url}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SeRvIcE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE # a comment\n <{url}sparql> # another\n {{ ?s ?p ?o }} }}",
        f"PREFIX c: <{url}> SELECT * WHERE {{ SERVICE c:sparql {{ ?s ?p ?o }} }}",
        f"PREFIX : <{url}> SELECT * WHERE {{ SERVICE :sparql {{ ?s ?p ?o }} }}",
        f"BASE <{url}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"BASE <{url}x/y> SELECT * WHERE {{ SERVICE <../sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{escaped}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\U00000053\\U00000045RVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c FILTER NOT EXISTS {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ {{ ?a ?b ?c }} UNION {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c MINUS {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ GRAPH ?g {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }} }}",
        f"SELECT (EXISTS {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }} AS ?x) WHERE {{ }}",
        f"SELECT * WHERE {{ BIND(<{url}sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"ASK {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{host}:{url.rsplit(':', 1)[1].rstrip('/')}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{url}sparql> {{ SERVICE <{url}inner> {{ ?s ?p ?o }} }} }}",
        # things a quick lexer could get wrong: escapes, quotes, '#' and '<' outside comments and IRIs
        f"PREFIX ex: <urn:x#> SELECT * WHERE {{ ?s ex:a\\#b ?o . SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <urn:x#> SELECT * WHERE {{ ?s ex:a\\'b ?o . SERVICE <{url}sparql> {{ ?s ?p ?o }} }} #'",
        f'SELECT * WHERE {{ ?s ?p "x#y" . SERVICE <{url}sparql> {{ ?s ?p ?o }} }}',
        f'SELECT * WHERE {{ ?s ?p "a\\"b#" . SERVICE <{url}sparql> {{ ?s ?p ?o }} }}',
        f'SELECT * WHERE {{ ?s ?p """a"b\n#""" . SERVICE <{url}sparql> {{ ?s ?p ?o }} }}',
        f"SELECT * WHERE {{ ?s ?p '#' . SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s <urn:x#y> ?o . SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s <urn:x/＂> ?o . SERVICE <{url}sparql> {{ ?s ?p ?o }} <urn:y/＂> ?p ?o }}",
        f"SELECT * WHERE {{ ?a ?b ?c FILTER(?a<?b)SERVICE<{url}sparql>{{?s ?p ?o}} }}",
        f"SELECT * WHERE {{ ?s ?p ?o .SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { ?s ?p ?o } # a comment\n VALUES ?x { 1 } SERVICE",
        f"SELECT * WHERE {{ ?s ?p ?o . ＳＥＲＶＩＣＥ <{url}sparql> {{ ?s ?p ?o }} }}",
        # malformed around a SERVICE: refused before anything runs
        f"SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o  }}",
        f"SELECT * WHERE {{ ſervice <{url}sparql> {{ ?s ?p ?o }} }}",
    ]


def test_scan_text_normalises():
    assert "service" in scan_text("\\u0053ERVICE")
    assert "service" in scan_text("SERVİCE".replace("İ", "I"))
    assert "service" in scan_text("ſervice")
    assert "service" in scan_text("ＳＥＲＶＩＣＥ")


def test_service_refused_in_every_spelling(client, canary):
    before = total(client)
    for query in service_queries(canary.url):
        r = client.get("/sparql", query_string={"query": query})
        assert r.status_code == 400, (query, r.status_code, r.data)
        text = r.get_data(as_text=True)
        assert "SERVICE" in text and "CANARY" not in text, query
        r = client.post("/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 400, query
    assert canary.requests == []
    assert total(client) == before


def test_service_allowlist_unit(canary):
    query = f"PREFIX c: <{canary.url}> SELECT * WHERE {{ SERVICE c:sparql {{ ?s ?p ?o }} }}"
    with pytest.raises(Refused):
        analyse(query)
    result = analyse(query, allowlist=(canary.url + "sparql",))
    assert result.services == [canary.url + "sparql"]
    with pytest.raises(Refused):
        analyse(query, allowlist=(canary.url + "other",))
    variable = "SELECT * WHERE { SERVICE ?x { ?s ?p ?o } }"
    with pytest.raises(Refused):
        analyse(variable, allowlist=(canary.url + "sparql",))


def test_lexer_finds_keywords_not_names():
    from pilotkg.server.safety import code_text, keyword_positions

    def hits(q: str) -> int:
        return len(keyword_positions(code_text(q), "service"))

    assert hits("SELECT * { SERVICE <x> {} }") == 1
    assert hits("SELECT * { SeRvIcE <x> {} }") == 1
    assert hits("SELECT * { ?s ?p ?o .SERVICE <x> {} }") == 1
    assert hits("SELECT ?service { ?service ex:services ?o ; pilot:service-type ?t }") == 0
    assert hits('SELECT * { ?s ?p "SERVICE" } # SERVICE') == 0
    assert hits("SELECT * { ?s <http://x/service> ?o }") == 0
    assert code_text('SELECT * { ?s ?p "unterminated }') is None


def test_dataset_detection():
    assert analyse("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }").has_dataset
    assert analyse("PREFIX g: <urn:g#> SELECT * FROM NAMED g:x WHERE { ?s ?p ?o }").has_dataset
    assert not analyse('SELECT * WHERE { ?s ?p "from <x>" } # FROM <y>').has_dataset
    assert not analyse("SELECT ?from WHERE { ?from ex:from ?o }").has_dataset
    # Oxigraph ends a comment at \r: the FROM after it is the query's, and the server must see it
    assert analyse("SELECT * # c\rFROM <urn:g> WHERE { ?s ?p ?o }").has_dataset


def test_words_that_merely_contain_service_are_fine(client):
    q = 'SELECT ?s WHERE { ?s ?p "financial services" } # service in a comment'
    assert client.get("/sparql", query_string={"query": q}).status_code == 200
    q = "PREFIX service: <http://example.org/service#> SELECT ?s WHERE { ?s service:p ?o }"
    assert client.get("/sparql", query_string={"query": q}).status_code == 200


UPDATES = [
    "INSERT DATA {{ <urn:a> <urn:b> <urn:c> }}",
    "PREFIX x: <urn:x#> INSERT DATA {{ x:a x:b x:c }}",
    "# comment\nDELETE WHERE {{ ?s ?p ?o }}",
    "DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "WITH <urn:g> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "LOAD <{url}data.ttl>",
    "LOAD SILENT <{url}data.ttl> INTO GRAPH <urn:g>",
    "CLEAR ALL",
    "DROP GRAPH <https://w3id.org/pilotkg/graph/vocab>",
    "CREATE GRAPH <urn:g>",
    "COPY DEFAULT TO <urn:g>",
    "MOVE <urn:a> TO <urn:b>",
    "ADD <urn:a> TO <urn:b>",
    "insert data {{ <urn:a> <urn:b> <urn:c> }}",
    "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", UPDATES)
def test_updates_are_forbidden_everywhere(client, canary, template):
    update = template.format(url=canary.url)
    before = total(client)
    assert looks_like_update(update)
    responses = [
        client.get("/sparql", query_string={"update": update}),
        client.get("/sparql", query_string={"query": update}),
        client.post("/sparql", data={"update": update}),
        client.post("/sparql", data={"query": update}),
        client.post("/sparql", data=update.encode(), headers={"Content-Type": "application/sparql-update"}),
        client.post("/sparql", data=update.encode(), headers={"Content-Type": "application/sparql-query"}),
        client.post("/update", data={"update": update}),
        client.post("/sparql/update", data=update.encode(), headers={"Content-Type": "application/sparql-update"}),
    ]
    assert [r.status_code for r in responses] == [403] * len(responses)
    assert "read-only" in responses[0].get_data(as_text=True)
    assert canary.requests == []
    assert total(client) == before


def test_a_query_is_not_an_update():
    assert not looks_like_update("SELECT * WHERE { ?s ?p ?o }")
    assert not looks_like_update("PREFIX a: <urn:a#> ASK { ?s a:insert ?o }")


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"


def test_runaway_query_is_cut_while_others_are_answered(client, app):
    timeout = app.extensions["pilotkg"].settings.query_timeout
    result: dict = {}

    def runaway() -> None:
        t0 = time.monotonic()
        r = app.test_client().get("/sparql", query_string={"query": RUNAWAY})
        result["status"], result["elapsed"], result["text"] = r.status_code, time.monotonic() - t0, r.data

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    latencies = []
    while thread.is_alive():
        t0 = time.monotonic()
        r = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", "x": str(t0)})
        latencies.append(time.monotonic() - t0)
        assert r.status_code == 200
        time.sleep(0.05)
    thread.join()
    assert result["status"] == 503
    assert b"time limit" in result["text"]
    assert timeout <= result["elapsed"] < timeout + 5
    latencies.sort()
    assert len(latencies) > 5 and latencies[len(latencies) // 2] < 0.25, latencies
    assert sum(1 for x in latencies if x >= 1.0) <= 1, latencies  # one may wait on a busy 2-core box
    # the pool replaced the killed worker and still answers
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def test_workers_have_no_network(app):
    info = app.extensions["pilotkg"].pool.ping()
    # best effort: where namespaces are available the worker has left the network
    if not info["network_isolated"]:
        pytest.skip("this machine does not allow network namespaces; the SERVICE check stands alone")
    assert info["network_isolated"] is True
