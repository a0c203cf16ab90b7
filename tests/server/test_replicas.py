"""Two `pilotkg serve` replicas on one built output behind HAProxy (Debian's package, on
loopback): a rolling rebuild — replica a switches to the new build, then replica b, whose own
link to the output is switched once a serves the new build — is served without a failed request."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.copies import first_of_two_builds
from tests.server.conftest import free_port
from tests.server.load import under_load

HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
pytestmark = pytest.mark.skipif(
    HAPROXY is None, reason="Debian's haproxy is not installed (make test installs it as root)"
)

PILOTS = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/pilotkg/ontology#Pilot> }"

CONFIG = """global
    maxconn 256
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch
frontend pilotkg
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
{servers}
"""


def _pilots(url: str) -> tuple[int, str]:
    """The number of pilots an answer counts, and which replica gave it (X-Served-By, set by HAProxy)."""
    query = urllib.parse.urlencode({"query": PILOTS})
    with urllib.request.urlopen(f"{url}/sparql?{query}", timeout=30) as r:
        return int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"]), r.headers.get("X-Served-By", "")


def test_a_rolling_rebuild_behind_a_balancer_fails_no_request(serve_store, tmp_path):
    from pilotkg.graph.build import build

    _, both, out = first_of_two_builds(tmp_path)
    # Replica b serves the same build through a link of its own (the output never changes once
    # written), which is switched only once replica a serves the new build: a rolling switch.
    b_link = tmp_path / "replica-b"
    os.symlink(os.readlink(out), b_link)
    with (
        serve_store(out / "store", tmp_path / "a.log", PILOTKG_DIST=str(out), PILOTKG_RELOAD_INTERVAL="0.5") as a,
        serve_store(b_link / "store", tmp_path / "b.log", PILOTKG_DIST=str(b_link), PILOTKG_RELOAD_INTERVAL="0.5") as b,
    ):
        port = free_port()
        servers = "\n".join(
            f"    server {name} {url.removeprefix('http://')} check inter 500ms fall 2 rise 1"
            f"\n    http-response set-header X-Served-By {name} if {{ srv_id {n} }}"
            for n, (name, url) in enumerate((("a", a), ("b", b)), start=1)
        )
        config = tmp_path / "haproxy.cfg"
        config.write_text(CONFIG.format(port=port, servers=servers), encoding="utf-8")
        balancer = subprocess.Popen(
            [HAPROXY, "-f", str(config), "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if _pilots(url)[0] == 1:
                        break
                except OSError:
                    if balancer.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("haproxy did not start: " + balancer.stderr.read().decode()) from None
                    time.sleep(0.2)
            with under_load(lambda: (time.monotonic(), *_pilots(url))) as (answers, failures):
                build(both, out)
                _wait(lambda: _pilots(a)[0] == 2)  # replica a is on the new build …
                assert _pilots(b)[0] == 1  # … and b, not yet switched, still on the old one
                time.sleep(1)  # the balancer sends to both meanwhile
                os.symlink(os.readlink(out), tmp_path / "replica-b.new")
                os.replace(tmp_path / "replica-b.new", b_link)  # switch b, in one rename
                _wait(lambda: _pilots(b)[0] == 2)
                b_switched = time.monotonic()  # b has answered from the new build
                _wait(lambda: all(_pilots(url)[0] == 2 for _ in range(6)))
                time.sleep(0.5)
        finally:
            balancer.terminate()
            balancer.wait(timeout=10)
    assert failures == []
    assert {n for _, n, _ in answers} == {1, 2}
    assert {replica for _, _, replica in answers} == {"a", "b"}  # both replicas served the load
    first_new_a = min(t for t, n, r in answers if r == "a" and n == 2)
    last_old_b = max(t for t, n, r in answers if r == "b" and n == 1)
    assert first_new_a < last_old_b  # b served the old build after a served the new one
    # and once b answered from the new build, every request to it that started later did too
    # (around the switch itself, requests in flight finish on the build they started on)
    assert all(n == 2 for t, n, r in answers if r == "b" and t > b_switched)
    assert any(t > b_switched for t, n, r in answers if r == "b")


def _wait(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the replicas did not switch in time"
        time.sleep(0.2)
