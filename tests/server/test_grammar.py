"""One grammar: what the safety check lets through never makes Oxigraph open a connection.

Every query of the W3C SPARQL syntax tests (read in place from ../shared/w3c-sparql-syntax; skipped
where absent) and every red-team spelling is checked by ``analyse`` with an allow-list naming some
other endpoint; each query it lets through is then run by Oxigraph itself over an empty store in
a child process with no network (an empty network namespace). Oxigraph reports a SERVICE it tried
to call as a failed connection or name lookup: none may appear.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from pilotkg.server.safety import Refused, analyse

SHARED = Path(__file__).resolve().parents[3] / "shared" / "w3c-sparql-syntax" / "sparql"
ALLOWED = "http://127.0.0.1:18099/allowed"
CANARY = "http://127.0.0.1:18098/"
NETWORK_WORDS = ("lookup address", "name resolution", "network is unreachable", "connection refused", "os error")


def red_team(url: str) -> list[str]:
    """Spellings that made an earlier lexer and Oxigraph read different queries (issue 13)."""
    return [
        f"SELECT ?x WHERE {{ # hidden\rSERVICE <{url}> {{ ?x ?p ?o }} }}",
        f"SELECT ?x WHERE {{ ?a ?b ?c FILTER(?a<2)SERVICE#>\n<{url}> {{ ?x ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p 1SERVICE<{url}>{{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p 1.5SERVICE<{url}>{{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p 1e3SERVICE<{url}>{{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p trueSERVICE<{url}>{{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p falseSERVICE<{url}>{{ ?s ?p ?o }} }}",
        f'SELECT * WHERE {{ ?s ?p "x"SERVICE<{url}>{{ ?s ?p ?o }} }}',
        f'SELECT * WHERE {{ ?s ?p "x"@en SERVICE<{url}>{{ ?s ?p ?o }} }}',
        f"SELECT * WHERE {{ ?s ?p ?o }} # \rSERVICE <{url}> {{ }}",
        f"SELECT * WHERE {{ ?s ?p ?o . \r\n# c\rSERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?e) # \rSERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o<?s)SERVICE<{url}>{{?s ?p ?o}} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(1<2)SERVICE<{url}>{{?s ?p ?o}}FILTER(2>1) }}",
        f"SELECT * WHERE {{ VALUES ?x {{ 1 }}SERVICE<{url}>{{?s ?p ?o}} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o<2)#>\n SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s <urn:a{{#> ?o .\n SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f'SELECT * WHERE {{ ?s ?p "services" . # service\n SERVICE <{url}> {{ ?s ?p ?o }} }}',
        "SELECT * WHERE { ?s ?p ?o } VALUES ?x { 1 } # \r",
    ]


def w3c_queries() -> list[str]:
    if not SHARED.is_dir():
        return []
    return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(SHARED.rglob("*.rq"))]


def _attempts(queries: list[str], out) -> None:
    """In a child: leave the network, run each query over an empty store, report those that
    tried to reach one (the indexes), and whether the namespace was entered."""
    import pyoxigraph as ox

    from pilotkg.server.isolation import leave_network

    isolated = leave_network()
    store = ox.Store()
    tried = []
    for index, query in enumerate(queries):
        try:
            result = store.query(query, use_default_graph_as_union=True)
            if isinstance(result, ox.QuerySolutions | ox.QueryTriples):
                list(result)
        except OSError as exc:  # how Oxigraph reports a call that could not connect
            if any(word in str(exc).lower() for word in NETWORK_WORDS):
                tried.append(index)
        except (SyntaxError, ValueError, RuntimeError):
            continue
    out.send((isolated, tried))


def oxigraph_attempts(queries: list[str]) -> list[int]:
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_attempts, args=(queries, send))
    child.start()
    isolated, tried = receive.recv()
    child.join(60)
    if not isolated:
        pytest.skip("no empty network namespace here: Oxigraph's calls could leave the machine")
    return tried


def let_through(queries: list[str]) -> list[str]:
    passed = []
    for query in queries:
        try:
            analyse(query, allowlist=(ALLOWED,))
        except Refused:
            continue
        passed.append(query)
    return passed


def test_the_detector_sees_oxigraph_calling_a_service():
    """The check below can fail: Oxigraph's attempt at a SERVICE is seen."""
    queries = [f"SELECT * WHERE {{ SERVICE <{CANARY}> {{ ?s ?p ?o }} }}", red_team(CANARY)[0], "ASK {}"]
    assert oxigraph_attempts(queries) == [0, 1]


def test_red_team_spellings_are_refused_and_never_call_out():
    queries = red_team(CANARY)
    assert let_through(queries) == [q for q in queries if "SERVICE" not in q]  # each SERVICE refused
    assert oxigraph_attempts(let_through(queries)) == []


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/w3c-sparql-syntax is absent")
def test_w3c_syntax_tests_let_through_never_call_out():
    queries = w3c_queries()
    assert len(queries) > 200
    passed = let_through(queries)
    tried = oxigraph_attempts(passed)
    assert tried == [], [passed[i][:200] for i in tried]
    # and the federated tests (SERVICE) are all refused, none let through
    fed = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "sparql11" / "syntax-fed").glob("*.rq"))]
    assert fed and not [q for q in let_through(fed) if "service" in q.lower()]


def test_with_an_allow_list_no_spelling_reaches_another_address(app_factory, fixture_env, canary):
    """An operator allows one endpoint; the red-team spellings of a call to another (the canary)
    are refused over HTTP, with no request reaching it, and no 5xx."""
    from tests.server.test_safety import service_queries

    app = app_factory(fixture_env["store"], service_allowlist=(canary.url + "allowed",))
    client = app.test_client()
    for query in red_team(canary.url + "sparql") + service_queries(canary.url):
        for r in (
            client.get("/sparql", query_string={"query": query}),
            client.post("/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"}),
        ):
            assert r.status_code < 500, (query, r.status_code)
            assert "CANARY" not in r.get_data(as_text=True), query
    assert canary.requests == []
