"""Search benchmark: the p50 and p99 of /search queries over a built output's index.

Usage: .venv/bin/python bench/search_bench.py [--out DIST] [--runs 5]

Builds the index for ``--out`` if the build has none (an output from before the index existed),
then answers a fixed mix of searches — three-character phrases through the trigram index, two-
character words by substring, with and without filters, first and later pages — through the
Flask app in process (the index and its SQL, not HTTP), ``--runs`` times each, and prints the
median and 99th percentile per query and overall. Nothing is asserted; the issue's target is
a p50 under 20 ms at 1,000 synthetic plans.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIX = [
    {"q": "软件名园"},
    {"q": "跨境电商"},
    {"q": "外籍人才"},
    {"q": "金融"},
    {"q": "医疗", "kind": "task"},
    {"q": "数字经济", "table": "1"},
    {"q": "保险", "sector": "finance"},
    {"q": "允许", "type": "permit"},
    {"q": "建设", "page": "3"},
    {"q": "金融 试点"},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from pilotkg.graph.search_index import INDEX, write_index
    from pilotkg.server.app import create_app

    out = args.out.resolve()
    if not (out / INDEX).exists():
        import pyoxigraph as ox

        start = time.perf_counter()
        write_index(ox.Store.read_only(str(out / "store")), out)
        print(f"index written in {time.perf_counter() - start:.1f} s ({(out / INDEX).stat().st_size / 2**20:.0f} MiB)")
    app = create_app({"store": out / "store", "dist": out, "reload_interval": 0})
    client = app.test_client()
    every = []
    for search in MIX:
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            r = client.get("/search", query_string={**search, "format": "json"})
            times.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, r.data
        every += times
        total = r.get_json()["total"]
        times.sort()
        print(f"{search!s:50} p50 {statistics.median(times):7.1f} ms  p99 {times[-1]:7.1f} ms  ({total} matches)")
    every.sort()
    print(f"{'all':50} p50 {statistics.median(every):7.1f} ms  p99 {every[int(len(every) * 0.99) - 1]:7.1f} ms")
    app.extensions["pilotkg"].pool.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
