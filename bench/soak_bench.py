"""Soak benchmark: the endpoint under attack for a minute, on loopback.

Usage: .venv/bin/python bench/soak_bench.py [--dist dist] [--seconds 60] [--clients 32]

Starts ``pilotkg serve`` over a built output, then for ``--seconds``: ``--clients`` threads send
the example queries of queries/ in turn (cache off, so every request runs its query), while 4
clients loop a runaway cross product and 50 clients hang on with headers dripped a byte a
second. Prints the example mix's throughput, p50 and p99, its errors (any status but 200), what
the runaways got, and the server's resident memory (its whole process tree) before and after.
Nothing is asserted. The client threads share this machine's 2 cores with the server, so the
throughput is a floor, not the server's ceiling.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from endpoint_bench import free_port, load_queries, post, process, wait_for  # noqa: E402
from scale_bench import tree_rss  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    dist = args.dist.resolve()
    queries = [q for _, q in load_queries(ROOT / "queries")]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PILOTKG_CACHE_ENTRIES": "0", "PILOTKG_DIST": str(dist), "PILOTKG_RELOAD_INTERVAL": "0"}
    log = Path(tempfile.mkdtemp(prefix="pilotkg-soak-")) / "server.log"
    pilotkg = Path(sys.executable).with_name("pilotkg")
    command = [str(pilotkg), "serve", "--port", str(port), "--store", str(dist / "store"), "--no-build"]
    with process(command, env, log) as proc:
        wait_for(url + "/healthz", proc)
        time.sleep(2)
        before = tree_rss(proc.pid)
        stop = threading.Event()
        latencies: list[float] = []
        statuses: Counter = Counter()
        runaway: Counter = Counter()

        def mix(offset: int) -> None:
            k = offset
            while not stop.is_set():
                start = time.perf_counter()
                status, _ = post(url + "/sparql", queries[k % len(queries)])
                latencies.append(time.perf_counter() - start)
                statuses[status] += 1
                k += 1

        def loop_runaway() -> None:
            while not stop.is_set():
                runaway[post(url + "/sparql", RUNAWAY)[0]] += 1

        slow = []
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n")
            slow.append(s)

        def drip() -> None:
            while not stop.wait(1):
                for s in slow:
                    with contextlib.suppress(OSError):
                        s.send(b"X")

        threads = [threading.Thread(target=mix, args=(i,), daemon=True) for i in range(args.clients)]
        threads += [threading.Thread(target=loop_runaway, daemon=True) for _ in range(4)]
        threads.append(threading.Thread(target=drip, daemon=True))
        started = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        stop.set()
        elapsed = time.monotonic() - started
        for t in threads:
            t.join(timeout=30)
        for s in slow:
            s.close()
        after = tree_rss(proc.pid)
    latencies.sort()
    done = len(latencies)
    print(f"{args.clients} clients for {elapsed:.0f} s, 4 runaways looping, 50 slow clients dripping headers")
    print(
        f"example mix: {done / elapsed:.0f} req/s, p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {latencies[int(done * 0.99) - 1] * 1000:.1f} ms; statuses {dict(statuses)}"
    )
    print(f"runaways: {dict(runaway)}")
    print(f"server RSS {before / 2**20:.0f} MiB before, {after / 2**20:.0f} MiB after")


if __name__ == "__main__":
    main()
