"""Fixtures for the server tests: a store built from a hand-written fixture, the app, a canary."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = "https://w3id.org/pilotkg/"
ID = BASE + "id/"


def build_store(source: Path, target: Path) -> None:
    """Load a TriG file into a fresh on-disk Oxigraph store (in a child so the store is closed),
    with the statistics a build adds (graph/statistics.py)."""
    code = (
        "import sys, pyoxigraph as ox\n"
        "s = ox.Store(sys.argv[2]); s.load(path=sys.argv[1], format=ox.RdfFormat.TRIG); s.flush()\n"
    )
    subprocess.run([sys.executable, "-c", code, str(source), str(target)], check=True)
    add_statistics(target)


def add_statistics(store: Path) -> None:
    """Add the statistics graph to an on-disk store that has none (in a child, like build_store):
    hand-written fixture stores need it, as a build's store has it."""
    code = (
        "import sys, pyoxigraph as ox\n"
        "from pilotkg.graph.statistics import STATISTICS_GRAPH, statistics_quads\n"
        "s = ox.Store(sys.argv[1])\n"
        "if not s.contains_named_graph(ox.NamedNode(sys.argv[2] + STATISTICS_GRAPH)):\n"
        "    s.extend(statistics_quads(s, sys.argv[2])); s.flush()\n"
    )
    subprocess.run([sys.executable, "-c", code, str(store), BASE], check=True)


@pytest.fixture(scope="session")
def fixture_env(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pilotkg-server")
    store = root / "dist" / "store"
    store.parent.mkdir(parents=True)
    build_store(FIXTURES / "mini.trig", store)
    dist = store.parent
    shutil.copy(FIXTURES / "mini.trig", dist / "pilotkg.trig")
    (dist / "void.ttl").write_text(
        "@prefix void: <http://rdfs.org/ns/void#> .\n<https://w3id.org/pilotkg/> a void:Dataset .\n"
    )
    sums = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sorted(dist.iterdir()) if p.is_file()
    )
    (dist / "SHA256SUMS").write_text(sums)
    return {
        "root": root,
        "store": store,
        "dist": dist,
        "ontology": FIXTURES / "ontology.ttl",
        "queries": FIXTURES / "queries",
    }


def settings_for(env: dict[str, Path], **overrides):
    from pilotkg.server.config import Settings

    values = dict(
        base=BASE,
        store=env["store"],
        dist=env["dist"],
        ontology=env["ontology"],
        queries=env["queries"],
        query_timeout=3.0,
        max_rows=50,
        pool_workers=3,
        cache_entries=0,
    )
    values.update(overrides)
    return Settings(**values).normalised()


@pytest.fixture(scope="session")
def embedded_app(fixture_env):
    """The app over the fixture's embedded store."""
    from pilotkg.server.app import create_app

    application = create_app(settings_for(fixture_env))
    application.config["TESTING"] = True
    yield application
    application.extensions["pilotkg"].pool.close()


@pytest.fixture(scope="session")
def app(embedded_app):
    """The app the tests use; modules that run on both backends override it (``backends``)."""
    return embedded_app


@pytest.fixture(scope="session")
def virtuoso_app(fixture_env, tmp_path_factory):
    """The same app answering from a real Virtuoso (``--backend``), started here and loaded by
    ``pilotkg publish`` with the fixture store's graphs; stopped at the end of the session."""
    from pilotkg.graph.graph_store import Target, chunks_of, publish
    from pilotkg.server.app import create_app
    from tests.virtuoso import PASSWORD, USER, VIRTUOSO, running

    if VIRTUOSO is None:
        pytest.skip("Debian's virtuoso-opensource is not installed")
    root = tmp_path_factory.mktemp("virtuoso-backend")
    nquads = root / "fixture.nq"
    code = (  # the fixture store's quads, a graph's together (in a child: the app holds the store)
        "import sys, pyoxigraph as ox\n"
        "s = ox.Store.read_only(sys.argv[1])\n"
        "quads = sorted(s, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))\n"
        "ox.serialize(quads, sys.argv[2], ox.RdfFormat.N_QUADS)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(fixture_env["store"]), str(nquads)], check=True)
    with running(root / "virtuoso") as virtuoso:
        publish(chunks_of(nquads), Target(virtuoso.graph_store, USER, PASSWORD))
        application = create_app(settings_for(fixture_env, backend=virtuoso.sparql))
        application.config["TESTING"] = True
        try:
            yield application
        finally:
            application.extensions["pilotkg"].pool.close()


@pytest.fixture(scope="module", params=["embedded", "virtuoso"])
def backend_app(request):
    """The app on each backend in turn, the embedded store and Virtuoso: a module whose ``app``
    is this one runs whole on both (and must give the same answers)."""
    return request.getfixturevalue(f"{request.param}_app")


@pytest.fixture
def client(app):
    return app.test_client()


class LocalEndpoint:
    """A local HTTP server that answers every request with ``body`` as SPARQL results JSON and
    records each one ("METHOD path")."""

    def __init__(self, body: bytes) -> None:
        self.requests: list[str] = []
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                endpoint.requests.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Canary(LocalEndpoint):
    """A local HTTP server that must never be contacted by a query."""

    def __init__(self) -> None:
        super().__init__(b"CANARY-SECRET")


@pytest.fixture(scope="session")
def canary():
    c = Canary()
    yield c
    c.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(fixture_env):
    """The real server (``python -m pilotkg.server``: Granian) on a free port."""
    with serving(
        fixture_env["store"],
        fixture_env["root"] / "server.log",
        PILOTKG_DIST=str(fixture_env["dist"]),
        PILOTKG_ONTOLOGY=str(fixture_env["ontology"]),
        PILOTKG_QUERIES=str(fixture_env["queries"]),
    ) as url:
        yield url


@pytest.fixture(scope="session")
def serve_store():
    """``serving`` for tests that start a server over a store of their own."""
    return serving


@contextlib.contextmanager
def serving(store: Path, log_path: Path, **env_updates: str):
    """``python -m pilotkg.server`` over ``store`` on a free loopback port until the block ends."""
    import os
    import time
    import urllib.request

    port = free_port()
    env = dict(os.environ)
    env.update(PILOTKG_QUERY_TIMEOUT="3", PILOTKG_POOL_WORKERS="3", PILOTKG_BASE=BASE, **env_updates)
    log = open(log_path, "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "pilotkg.server", "--host", "127.0.0.1", "--port", str(port)),
            *("--store", str(store), "--no-build", "--threads", "8", "--access-log"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("server did not start: " + log_path.read_text())
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def app_factory(fixture_env):
    """Apps over other stores (a folder written by ``trig_store`` or ``pilotkg build``); their query
    pools are closed at the end of the session."""
    from pilotkg.server.app import create_app

    apps = []

    def make(store: Path, dist: Path | None = None, **overrides):
        env = {**fixture_env, "store": store, "dist": dist or store.parent}
        application = create_app(settings_for(env, **overrides))
        application.config["TESTING"] = True
        apps.append(application)
        return application

    yield make
    for application in apps:
        application.extensions["pilotkg"].pool.close()


@pytest.fixture(scope="session")
def trig_store(tmp_path_factory):
    """An on-disk store loaded from TriG text (``build_store``), in a fresh folder."""

    def make(text: str) -> Path:
        root = tmp_path_factory.mktemp("trig-store")
        (root / "data.trig").write_text(text, encoding="utf-8")
        build_store(root / "data.trig", root / "store")
        return root / "store"

    return make
