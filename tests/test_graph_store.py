"""`pilotkg publish --to`: a build's named graphs into a remote store over the Graph Store
Protocol — against a real Virtuoso (started and stopped here) and a loopback stub that fails."""

from __future__ import annotations

import http.server
import threading
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from pilotkg.cli import main
from pilotkg.graph.graph_store import Target, chunks_of, publish
from tests.virtuoso import PASSWORD, USER, VIRTUOSO, running

XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
needs_virtuoso = pytest.mark.skipif(VIRTUOSO is None, reason="Debian's virtuoso-opensource is not installed")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    if VIRTUOSO is None:
        pytest.skip("Debian's virtuoso-opensource is not installed (make test installs it as root)")
    with running(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


def _graphs(nquads: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for quad in ox.parse(path=nquads, format=ox.RdfFormat.N_QUADS):
        found.setdefault(quad.graph_name.value, set()).add(_key(quad.triple))
    return found


def _key(triple: ox.Triple) -> str:
    """A triple as text, decimals by value: Virtuoso stores numbers by value ("1.000" reads back
    as "1"), the same xsd:decimal."""
    o = triple.object
    if isinstance(o, ox.Literal) and o.datatype.value == XSD_DECIMAL:
        return f"{triple.subject} {triple.predicate} decimal:{Decimal(o.value).normalize()}"
    return str(triple)


def _remote(virtuoso, graph: str) -> set[str]:
    return {_key(t) for t in ox.parse(virtuoso.ntriples(graph), ox.RdfFormat.N_TRIPLES)}


def _invoke(*args: str):
    return CliRunner().invoke(main, ["publish", *args], catch_exceptions=False)


@needs_virtuoso
def test_publish_puts_every_graph_whole_and_leaves_the_others(virtuoso, built: Path):
    """Each named graph of the build arrives triple for triple; a graph the publisher keeps in the
    store beside them is untouched; publishing again replaces, it does not add."""
    own = "urn:publisher:own-data"
    target = Target(virtuoso.graph_store, USER, PASSWORD)
    publish(iter([_chunk(own, b'<urn:x> <urn:p> "mine" .\n')]), target)
    for _ in range(2):
        result = _invoke("--to", virtuoso.graph_store, "--out", str(built), "--user", USER, "--password", PASSWORD)
        assert result.exit_code == 0, result.output
    local = _graphs(built / "pilotkg.nq")
    assert len(local) >= 4
    for graph, triples in local.items():
        assert _remote(virtuoso, graph) == triples, graph
    assert _remote(virtuoso, own) == {'<urn:x> <urn:p> "mine"'}
    assert f"replaced <{next(iter(local))}>" in result.output


@needs_virtuoso
def test_a_large_graph_goes_in_several_requests_and_arrives_whole(virtuoso, built: Path):
    graph = next(g for g in _graphs(built / "pilotkg.nq") if g.endswith("/graph/vocab"))
    chunks = [c for c in chunks_of(built / "pilotkg.nq", size=500) if c.graph == graph]
    assert len(chunks) > 3 and chunks[0].first and not any(c.first for c in chunks[1:])
    sent = publish(iter(chunks), Target(virtuoso.graph_store, USER, PASSWORD))
    assert [(s.graph, s.requests) for s in sent] == [(graph, len(chunks))]
    assert _remote(virtuoso, graph) == _graphs(built / "pilotkg.nq")[graph]


@needs_virtuoso
def test_a_wrong_password_stops_before_anything_is_written(virtuoso, built: Path):
    result = _invoke("--to", virtuoso.graph_store, "--out", str(built), "--user", USER, "--password", "not-it")
    assert result.exit_code == 1
    assert "401" in result.output and "nothing was written" in result.output


def test_dry_run_lists_the_graphs_and_sends_nothing(built: Path):
    """Pointed at a port nobody listens on, a dry run still succeeds: it sends no request."""
    result = _invoke("--to", "http://127.0.0.1:9/graph-store", "--out", str(built), "--dry-run")
    assert result.exit_code == 0, result.output
    graphs = _graphs(built / "pilotkg.nq")
    for graph, triples in graphs.items():
        assert f"would replace <{graph}>: {len(triples)} triples" in result.output


def test_a_failed_publish_says_which_graphs_were_written(built: Path):
    """A store that takes two requests and then fails: the error names the two graphs written,
    the one that failed, and the store's status; the exit code is 1."""
    seen: list[str] = []

    class Store(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(self.path)
            self.send_response(201 if len(seen) <= 2 else 500, "Created" if len(seen) <= 2 else "Store Broke")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Store)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/store"
        result = _invoke("--to", url, "--out", str(built))
    finally:
        server.shutdown()
    graphs = list(_graphs(built / "pilotkg.nq"))
    assert result.exit_code == 1
    assert "500 Store Broke" in result.output
    assert f"while writing <{graphs[2]}>" in result.output
    assert f"graphs written before it: <{graphs[0]}>, <{graphs[1]}>" in result.output
    assert len(seen) == 3 and all(path.startswith("/store?graph=") for path in seen)


def test_bad_targets_and_missing_builds_are_refused(tmp_path: Path, built: Path):
    assert _invoke("--to", "ftp://example.org/", "--out", str(built)).exit_code == 2
    missing = _invoke("--to", "http://127.0.0.1:9/x", "--out", str(tmp_path))
    assert missing.exit_code == 3 and "run `pilotkg build` first" in missing.output


def _chunk(graph: str, body: bytes):
    from pilotkg.graph.graph_store import Chunk

    return Chunk(graph, True, body, body.count(b"\n"))
