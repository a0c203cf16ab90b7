"""Several web processes act as one server. They switch to a new build together
(server/switch.py): once any answer has come from the new build, every request that starts later
is answered from it, whichever process takes it. And /metrics, whichever process answers it,
gives the figures of all of them."""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.parse
import urllib.request

from pilotkg.server.switch import Switchboard
from tests.copies import first_of_two_builds
from tests.server.load import under_load

PILOTS = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/pilotkg/ontology#Pilot> }"


def test_the_switch_waits_for_every_process(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    folder = Switchboard.create(old)
    try:
        board = Switchboard(folder, processes=2)
        assert board.current() == old
        assert board.ready(new) is False and board.current() == old  # the other process is not ready
        (folder / next(folder.glob("ready-*")).name.replace(f"-{os.getpid()}", "-1")).touch()  # now it is
        assert board.ready(new) is True and board.current() == new
        assert Switchboard(folder, processes=2).current() == new  # as every process reads it
    finally:
        shutil.rmtree(folder)


def _pilots(url: str) -> int:
    query = urllib.parse.urlencode({"query": PILOTS})
    with urllib.request.urlopen(f"{url}/sparql?{query}", timeout=30) as r:
        return int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"])


def test_two_web_processes_switch_as_one(serve_store, tmp_path):
    from pilotkg.graph.build import build

    _, both, out = first_of_two_builds(tmp_path)
    env = {"PILOTKG_DIST": str(out), "PILOTKG_RELOAD_INTERVAL": "0.3", "PILOTKG_WEB_WORKERS": "2"}
    with serve_store(out / "store", tmp_path / "server.log", **env) as url:
        assert _pilots(url) == 1
        with under_load(lambda: (time.monotonic(), _pilots(url), time.monotonic()), clients=6) as (answers, failures):
            build(both, out)
            deadline = time.monotonic() + 60
            while not any(n == 2 for _, n, _ in list(answers)):
                assert time.monotonic() < deadline, "the server did not switch"
                time.sleep(0.1)
            time.sleep(3)  # longer than several reload intervals: a process on its own clock would show
    assert failures == []
    first_new = min(end for _, n, end in answers if n == 2)
    later = [n for start, n, _ in answers if start > first_new]
    assert len(later) > 50 and set(later) == {2}, sorted(set(later))
    assert any(n == 1 for _, n, _ in answers)


def _metric(text: str, line_start: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(line_start))


def test_metrics_count_every_web_process(serve_store, fixture_env, tmp_path):
    query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    with serve_store(fixture_env["store"], tmp_path / "server.log", PILOTKG_WEB_WORKERS="2") as url:
        for _ in range(40):  # a new connection each time: the kernel spreads them over both processes
            with urllib.request.urlopen(f"{url}/sparql?{query}", timeout=10) as r:
                assert r.status == 200
        time.sleep(1.5)  # every process has written its pool's figures
        scrapes = []
        for _ in range(8):
            with urllib.request.urlopen(f"{url}/metrics", timeout=10) as r:
                scrapes.append(r.read().decode())
    answered = [_metric(t, 'pilotkg_requests_total{method="GET",route="/sparql",status="200"}') for t in scrapes]
    assert answered == [40.0] * 8, answered  # per process, each scrape said about 20 (one run)
    hits = [_metric(t, "pilotkg_cache_hits_total") for t in scrapes]
    assert len(set(hits)) == 1 and 38 <= hits[0] <= 40, hits  # one miss per process at most
    assert all(_metric(t, 'pilotkg_request_seconds_count{route="/sparql"}') == 40 for t in scrapes)
