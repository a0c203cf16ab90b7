"""Embedded store or a remote one: publish time, and the example queries through pilotkg on both.

Usage: .venv/bin/python bench/backend_bench.py OUT [--requests 5]
       OUT: a built output (`pilotkg build --out OUT …`; e.g. 100 or 1,000 synthetic plans)

Starts a throw-away Virtuoso (Debian's virtuoso-opensource, tests/virtuoso.py) on loopback,
times `pilotkg publish` of OUT into it, then starts two `pilotkg serve` over OUT — one on the
embedded store, one with `--backend` on Virtuoso — with the answer cache off, and sends each
example query of queries/ to both in turn (interleaved, so drift hits both), ``--requests``
times: p50 per query and server, and the ratio. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from endpoint_bench import free_port, load_queries, post, process, wait_for  # noqa: E402

from tests.virtuoso import PASSWORD, USER, running  # noqa: E402

PILOTKG = Path(sys.executable).with_name("pilotkg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()
    out = args.out.resolve()
    with tempfile.TemporaryDirectory(prefix="backend-bench-") as tmp, running(Path(tmp) / "virtuoso") as virtuoso:
        started = time.perf_counter()
        env = {**os.environ, "PILOTKG_PUBLISH_PASSWORD": PASSWORD}
        with process(
            [str(PILOTKG), "publish", "--to", virtuoso.graph_store, "--out", str(out), "--user", USER], env
        ) as p:
            if p.wait() != 0:
                raise SystemExit("publish failed")
        published = time.perf_counter() - started
        triples = sum(1 for _ in (out / "pilotkg.nq").open("rb"))
        print(f"publish: {triples:,} triples in {published:.1f} s ({triples / published:,.0f} triples/s)")
        serve_env = {**os.environ, "PILOTKG_CACHE_ENTRIES": "0", "PILOTKG_DIST": str(out)}
        ports = {"embedded": free_port(), "virtuoso": free_port()}
        extra = {"embedded": [], "virtuoso": ["--backend", virtuoso.sparql]}
        logs = Path(tmp)
        with (
            process(
                [str(PILOTKG), "serve", "--no-build", "--store", str(out / "store"), "--port", str(ports["embedded"])],
                serve_env,
                logs / "embedded.log",
            ) as a,
            process(
                [
                    *(str(PILOTKG), "serve", "--no-build", "--store", str(out / "store")),
                    *("--port", str(ports["virtuoso"]), *extra["virtuoso"]),
                ],
                serve_env,
                logs / "virtuoso.log",
            ) as b,
        ):
            for name, proc in (("embedded", a), ("virtuoso", b)):
                wait_for(f"http://127.0.0.1:{ports[name]}/healthz", proc)
            times: dict[tuple[str, str], list[float]] = {}
            failed: dict[tuple[str, str], int] = {}
            queries = load_queries(ROOT / "queries")
            for _ in range(args.requests):
                for query_name, query in queries:
                    for name in ("embedded", "virtuoso"):
                        t = time.perf_counter()
                        status, _ = post(f"http://127.0.0.1:{ports[name]}/sparql", query)
                        times.setdefault((query_name, name), []).append(time.perf_counter() - t)
                        if status != 200:
                            failed[(query_name, name)] = failed.get((query_name, name), 0) + 1
            print(f"\n{'query':<48} {'embedded p50':>13} {'virtuoso p50':>13} {'ratio':>7}")
            for query_name, _ in queries:
                e = statistics.median(times[(query_name, "embedded")]) * 1000
                v = statistics.median(times[(query_name, "virtuoso")]) * 1000
                note = "".join(
                    f" ({n}: {failed[(query_name, n)]} failed)"
                    for n in ("embedded", "virtuoso")
                    if (query_name, n) in failed
                )
                print(f"{query_name:<48} {e:>10.1f} ms {v:>10.1f} ms {v / e:>6.2f}×{note}")


if __name__ == "__main__":
    main()
