"""The endpoint under attack, on loopback, bounded in count and time: slow clients, runaway
queries, deep nesting, worker deaths. Each test tries to break one limit of docs/server.md."""

from __future__ import annotations

import contextlib
import socket
import statistics
import threading
import time
import urllib.parse
import urllib.request

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
