"""The endpoint under attack, on loopback, bounded in count and time: slow clients, runaway
queries, deep nesting, worker deaths. Each test tries to break one limit of docs/server.md."""

from __future__ import annotations

import contextlib
import socket
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from tests.copies import chengdu_copy
from tests.server.load import under_load

PROBE = "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})


def probe(url: str, timeout: float = 10) -> float:
    start = time.monotonic()
    with urllib.request.urlopen(url + PROBE, timeout=timeout) as r:
        assert r.status == 200
        r.read()
    return time.monotonic() - start


def test_two_hundred_slow_clients_do_not_hold_the_server(live_server):
    """Clients sending their headers a byte a second cost a connection each, not a request thread:
    a probe among 200 of them is answered at once."""
    host, port = live_server.removeprefix("http://").split(":")
    socks = []
    for _ in range(200):
        s = socket.create_connection((host, int(port)), timeout=5)
        s.sendall(b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    stop = threading.Event()

    def drip() -> None:
        while not stop.wait(1):
            for s in socks:
                with contextlib.suppress(OSError):
                    s.send(b"X")

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        time.sleep(1)
        latencies = [probe(live_server) for _ in range(10)]
    finally:
        stop.set()
        dripper.join()
        for s in socks:
            s.close()
    assert statistics.median(latencies) < 0.5, latencies


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _get(url: str, query: str, timeout: float = 30) -> int:
    try:
        with urllib.request.urlopen(url + "/sparql?" + urllib.parse.urlencode({"query": query}), timeout=timeout) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def test_runaway_queries_do_not_stall_short_ones(live_server):
    """Eight clients loop a query that runs into its deadline; another client's short queries
    are still answered at once (the runaways hold slow-lane workers only), and the runaways get
    503 or 429, never 5xx otherwise."""
    stop = threading.Event()
    statuses: list[int] = []

    def loop() -> None:
        while not stop.is_set():
            statuses.append(_get(live_server, RUNAWAY))

    runaways = [threading.Thread(target=loop, daemon=True) for _ in range(8)]
    for t in runaways:
        t.start()
    try:
        time.sleep(2)  # every runaway has left the fast lane once
        latencies = []
        for _ in range(20):
            latencies.append(probe(live_server))
            time.sleep(0.1)
    finally:
        stop.set()
        for t in runaways:
            t.join(timeout=30)
    latencies.sort()
    assert latencies[len(latencies) // 2] < 0.2 and latencies[int(len(latencies) * 0.9)] < 1, latencies
    assert statuses and set(statuses) <= {503, 429}, set(statuses)


def _tree(pid: int) -> set[int]:
    """``pid`` and its descendants (Linux /proc)."""
    import os

    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        found.add(p)
        todo += children.get(p, [])
    return found


def test_killed_idle_workers_are_replaced_without_leaking(serve_store, fixture_env, tmp_path):
    """kill -9 of idle query workers, again and again: every query still answers 200, and the
    server's process tree does not grow (a broken pool is stopped, not left beside its successor)."""
    import json
    import os
    import signal
    import subprocess

    with serve_store(fixture_env["store"], tmp_path / "server.log", PILOTKG_DIST=str(fixture_env["dist"])) as url:
        server = int(
            subprocess.run(
                ["pgrep", "-f", "--", f"--port {url.rsplit(':', 1)[1]}"], capture_output=True, text=True
            ).stdout.split()[0]
        )
        assert _get(url, "ASK {}") == 200
        before = len(_tree(server))
        for _ in range(10):
            with urllib.request.urlopen(url + "/healthz", timeout=10) as r:
                worker = json.loads(r.read())["pid"]
            os.kill(worker, signal.SIGKILL)
            time.sleep(0.3)
            assert [_get(url, "ASK {}") for _ in range(5)] == [200] * 5
        time.sleep(1)
        assert len(_tree(server)) <= before + 1, (before, len(_tree(server)))


def test_deep_nesting_is_refused_before_it_can_crash_a_worker(client):
    """5,000 nested ( in a FILTER, 10,000 nested { and 10,000 ! crashed a worker inside the engine;
    they are refused with a 400 naming the limit, while nesting below it still runs."""
    from pilotkg.server.safety import MAX_NESTING

    for query in (
        "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
        "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000,
        "SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }",
        "SELECT * WHERE { ?s " + "^" * 10_000 + "<urn:p> ?o }",
    ):
        r = client.post("/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 400 and "allows" in r.get_data(as_text=True), (query[:40], r.status_code)
    sparql = {"Content-Type": "application/sparql-query"}
    fine = "SELECT * WHERE { FILTER(" + "(" * 100 + "1" + ")" * 100 + ") }"
    assert client.post("/sparql", data=fine.encode(), headers=sparql).status_code == 200
    in_a_string = 'SELECT * WHERE { BIND("' + "(" * (MAX_NESTING + 10) + '" AS ?x) }'
    assert client.post("/sparql", data=in_a_string.encode(), headers=sparql).status_code == 200


PILOTS = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/pilotkg/ontology#Pilot> }"


def _pilots(url: str) -> int:
    import json

    with urllib.request.urlopen(url + "/sparql?" + urllib.parse.urlencode({"query": PILOTS}), timeout=30) as r:
        return int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"])


def test_a_rebuild_under_load_is_served_without_a_restart(serve_store, tmp_path):
    """`pilotkg build` replaces the output while clients query: no request fails, every answer
    comes from one build or the other, and soon every answer comes from the new one."""
    from pilotkg.graph.build import build
    from pilotkg.paths import SOURCES_DIR

    wuhan = SOURCES_DIR / "wuhan-2022.txt"
    copy = tmp_path / "chengdu-2023.txt"
    copy.write_text(chengdu_copy(wuhan.read_text(encoding="utf-8")), encoding="utf-8")
    out = tmp_path / "dist"
    build([wuhan], out)
    with serve_store(
        out / "store", tmp_path / "server.log", PILOTKG_DIST=str(out), PILOTKG_RELOAD_INTERVAL="0.5"
    ) as url:
        assert _pilots(url) == 1
        with under_load(lambda: _pilots(url)) as (answers, failures):
            build([wuhan, copy], out)
            deadline = time.monotonic() + 20
            while _pilots(url) != 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1)
        assert failures == []
        assert set(answers) <= {1, 2} and 2 in answers
        assert all(_pilots(url) == 2 for _ in range(10))
        with urllib.request.urlopen(url + "/dumps/", timeout=10) as r:
            assert r.status == 200


def test_web_workers_stop_when_the_server_process_is_killed(serve_store, fixture_env, tmp_path):
    """kill -9 of the server process itself (which so cannot stop its web workers): the web
    workers notice and stop, and their query workers with them — nothing is left holding the port."""
    import os
    import signal
    import subprocess

    with serve_store(fixture_env["store"], tmp_path / "server.log", PILOTKG_WEB_WORKERS="2") as url:
        port = url.rsplit(":", 1)[1]
        server = int(
            subprocess.run(["pgrep", "-f", "--", f"--port {port}"], capture_output=True, text=True).stdout.split()[0]
        )
        assert _get(url, "ASK {}") == 200
        tree = _tree(server)
        assert len(tree) >= 3  # the server and its two web workers, at least
        os.kill(server, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while (
            alive := [p for p in tree if os.path.exists(f"/proc/{p}") and not _zombie(p)]
        ) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert alive == [], alive


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except OSError:
        return True
