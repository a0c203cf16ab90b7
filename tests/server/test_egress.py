"""With SERVICE endpoints allowed, the query workers still have no network: they reach the
allowed endpoints through the web process's relay (server/egress.py), and nothing else — even a
query that the SERVICE check never saw (a trusted job) cannot reach the canary."""

from __future__ import annotations

import json
import socket
import time

import pytest

from pilotkg.server import engine
from pilotkg.server.egress import Relay, header
from pilotkg.server.isolation import Target, hosts_file, listen_addresses, targets
from tests.server.conftest import LocalEndpoint

ANSWER = {
    "head": {"vars": ["x"]},
    "results": {"bindings": [{"x": {"type": "literal", "value": "from-the-allowed-one"}}]},
}


@pytest.fixture(scope="module")
def endpoint():
    """A local SPARQL endpoint that an operator allows: it answers every query with one row."""
    e = LocalEndpoint(json.dumps(ANSWER).encode())
    yield e
    e.close()


@pytest.fixture(scope="module")
def closed_port():
    from tests.server.conftest import free_port

    return free_port()


@pytest.fixture(scope="module")
def allowed_app(app_factory, fixture_env, endpoint, closed_port):
    allow = (
        f"http://127.0.0.1:{endpoint.port}/sparql",
        f"http://localhost:{endpoint.port}/named",
        f"http://127.0.0.1:{closed_port}/down",
    )
    app = app_factory(fixture_env["store"], service_allowlist=allow, cache_entries=0)
    info = app.extensions["pilotkg"].pool.ping()
    if not info["network_isolated"]:
        pytest.skip("this machine does not allow network namespaces")
    return app


def test_the_workers_are_isolated_with_an_allow_list(allowed_app, endpoint, closed_port):
    info = allowed_app.extensions["pilotkg"].pool.ping()
    assert info["network_isolated"] is True
    found = [Target("127.0.0.1", endpoint.port), Target("127.0.0.1", closed_port), Target("localhost", endpoint.port)]
    assert info["egress"] == [str(t) for t in sorted(found)]


def test_an_allowed_endpoint_that_is_down_is_a_bad_gateway(allowed_app, closed_port):
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{closed_port}/down> {{ ?s ?p ?o }} }}"
    r = allowed_app.test_client().get("/sparql", query_string={"query": query})
    assert r.status_code == 502 and "SERVICE" in r.get_data(as_text=True)
    silent = query.replace("SERVICE", "SERVICE SILENT")
    assert allowed_app.test_client().get("/sparql", query_string={"query": silent}).status_code == 200


@pytest.mark.parametrize("iri", ["http://127.0.0.1:{port}/sparql", "http://localhost:{port}/named"])
def test_an_allowed_endpoint_answers_through_the_relay(allowed_app, endpoint, iri):
    query = f"SELECT ?x WHERE {{ SERVICE <{iri.format(port=endpoint.port)}> {{ ?x ?p ?o }} }}"
    before, relayed = len(endpoint.requests), allowed_app.extensions["pilotkg"].pool.egress.relayed
    r = allowed_app.test_client().get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert [row["x"]["value"] for row in r.get_json()["results"]["bindings"]] == ["from-the-allowed-one"]
    assert len(endpoint.requests) == before + 1
    assert allowed_app.extensions["pilotkg"].pool.egress.relayed == relayed + 1  # by way of the relay


def test_past_the_check_a_worker_reaches_nothing_else(allowed_app, canary, endpoint):
    """A trusted job skips the SERVICE check: only the namespace stands between it and the canary
    (the same host as the allowed endpoint, another port) — and it holds."""
    pool = allowed_app.extensions["pilotkg"].pool
    for iri in (canary.url + "sparql", f"http://localhost:{canary.port}/x", "http://example.org/sparql"):
        job = engine.Job(
            query=f"SELECT * WHERE {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}",
            result_format="json",
            graph_format=None,
            trusted=True,
        )
        answer = pool.run(job)
        assert answer.status != 200 and b"CANARY" not in answer.body, (iri, answer)
    assert canary.requests == []


def test_a_worker_resolves_only_the_allowed_names(allowed_app):
    lane = allowed_app.extensions["pilotkg"].pool.fast
    assert lane.call(socket.gethostbyname, ("localhost",), timeout=10, wait=10) == "127.0.0.1"
    with pytest.raises(OSError):
        lane.call(socket.gethostbyname, ("example.org",), timeout=10, wait=10)


def test_the_relay_refuses_a_target_off_its_list(canary, endpoint):
    relay = Relay((Target("127.0.0.1", endpoint.port),))
    try:
        path = relay.path()
        asks = [header(Target("127.0.0.1", canary.port)), header(Target("localhost", endpoint.port)), b"junk\n"]
        for ask in asks:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(5)
                s.connect(path)
                s.sendall(ask + b"GET / HTTP/1.0\r\n\r\n")
                assert s.recv(100) == b""  # closed, nothing relayed
        assert relay.refused == 3 and relay.relayed == 0
        with socket.socket(socket.AF_UNIX) as s:  # the allowed one is relayed, bytes unchanged
            s.settimeout(5)
            s.connect(path)
            s.sendall(header(Target("127.0.0.1", endpoint.port)) + b"GET /sparql HTTP/1.0\r\n\r\n")
            reply = b""
            while chunk := s.recv(4096):
                reply += chunk
        assert reply.startswith(b"HTTP/1.0 200") and b"from-the-allowed-one" in reply
        assert relay.relayed == 1
    finally:
        relay.close()
    deadline = time.monotonic() + 5
    assert canary.requests == [] and time.monotonic() < deadline


def test_targets_and_their_addresses():
    found = targets(
        ["https://query.example.org/sparql", "http://Query.Example.org:8890/x", "http://[::1]:7/", "http://10.1.2.3/"]
    )
    assert [str(t) for t in found] == ["10.1.2.3:80", "[::1]:7", "query.example.org:443", "query.example.org:8890"]
    addresses = listen_addresses(found)
    assert addresses[Target("10.1.2.3", 80)] == "10.1.2.3" and addresses[Target("::1", 7)] == "::1"
    assert addresses[Target("query.example.org", 443)] == addresses[Target("query.example.org", 8890)] == "127.77.0.1"
    assert "127.77.0.1\tquery.example.org\n" in hosts_file(addresses)
    for bad in ("urn:x:y", "ftp://host/", "http:///path", "http://host:99999/"):
        with pytest.raises(ValueError, match="not an http"):
            targets([bad])


def test_with_a_remote_store_the_workers_reach_it_alone(virtuoso_app):
    """``--backend``: the workers leave the network all the same and reach the store by the relay."""
    pool = virtuoso_app.extensions["pilotkg"].pool
    info = pool.ping()
    if not info["network_isolated"]:
        pytest.skip("this machine does not allow network namespaces")
    assert info["egress"] == [str(t) for t in targets([pool.settings.backend])]
    r = virtuoso_app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert r.status_code == 200 and r.get_json()["boolean"] is True
    assert pool.egress.relayed > 0  # (a worker keeps its connection to the store open between queries)


def test_the_real_server_with_an_allow_list_and_two_web_workers(serve_store, fixture_env, tmp_path, canary, endpoint):
    """``python -m pilotkg.server`` with an allow-list and two web processes (each has its own
    relay): every red-team spelling of a call to the canary, by GET and by POST, reaches nothing
    and answers below 500; the allowed endpoint answers."""
    import urllib.error
    import urllib.parse
    import urllib.request

    from tests.server.test_grammar import red_team
    from tests.server.test_safety import service_queries

    allowed = f"http://127.0.0.1:{endpoint.port}/sparql"
    with serve_store(
        fixture_env["store"], tmp_path / "server.log", PILOTKG_SERVICE_ALLOWLIST=allowed, PILOTKG_WEB_WORKERS="2"
    ) as url:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as r:
            info = json.loads(r.read())
        if not info["network_isolated"]:
            pytest.skip("this machine does not allow network namespaces")
        assert info["egress"] == [f"127.0.0.1:{endpoint.port}"]

        def status(request: urllib.request.Request) -> tuple[int, bytes]:
            try:
                with urllib.request.urlopen(request, timeout=15) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read()

        for query in red_team(canary.url + "sparql") + service_queries(canary.url):
            get = urllib.request.Request(url + "/sparql?" + urllib.parse.urlencode({"query": query}))
            post = urllib.request.Request(
                url + "/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"}
            )
            for request in (get, post):
                code, body = status(request)
                assert code < 500 and b"CANARY" not in body, (query, code)
        call = f"SELECT ?x WHERE {{ SERVICE <{allowed}> {{ ?x ?p ?o }} }}"
        request = urllib.request.Request(
            url + "/sparql?" + urllib.parse.urlencode({"query": call}), headers={"Accept": "application/json"}
        )
        code, body = status(request)
        assert code == 200 and b"from-the-allowed-one" in body
    assert canary.requests == []
