"""Scale benchmark: build N synthetic plans and report how time, memory and size grow with N.

Usage: python bench/scale_bench.py [--n 1,10,100] [--runs 3] [--keep DIR]
       python bench/scale_bench.py --n 1000 --runs 1        (slow: opt in)

For each N: generate N plans (bench/generate_plans.py, seed 0) into a temporary folder, then, in
a fresh child process per run, ``pilotkg.graph.build.build(sources, out)`` (load, SHACL, dumps,
Oxigraph store) followed by the similarity linking of graph/similarity.py over the built plans.
Reported: build wall time, the child's peak RSS during the build, store size on disk, triple
count, similarity-linking time and the task/measure pairs it links. Figures are medians over
``--runs`` runs; nothing is asserted.

Server start-up time and query p50/p99 at scale belong to the server benchmark: run with
``--keep DIR`` and point it at ``DIR/N/store`` (a built store for each N).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def child(sources: str, out: str) -> None:
    """Run in the child process: build, then link; print one JSON line of figures."""
    import resource

    from pilotkg.graph.build import build
    from pilotkg.graph.similarity import measure_items, similarity_graph, task_items
    from pilotkg.loaders.vocabulary import DEFAULT_BASE

    started = time.perf_counter()
    result = build([sources], out)
    build_seconds = time.perf_counter() - started
    build_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    graph = similarity_graph(result.plans, DEFAULT_BASE)
    link_seconds = time.perf_counter() - started
    from pilotkg.graph.similarity import PILOT

    pairs = len(set(graph.subjects(predicate=None, object=PILOT.Similarity)))
    print(json.dumps({
        "build_s": build_seconds, "build_peak_mib": build_peak, "triples": result.triples,
        "link_s": link_seconds, "pairs": pairs, "link_triples": len(graph),
        "tasks": len(task_items(result.plans, DEFAULT_BASE)),
        "measures": len(measure_items(result.plans, DEFAULT_BASE, 0)),
    }))


def run_child(sources: Path, out: Path) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", str(sources), str(out)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"build of {sources} failed:\n{stderr.decode()[-3000:]}")
    figures = json.loads(stdout.decode().strip().splitlines()[-1])
    figures["wall_s"] = wall
    figures["store_mib"] = _size(out / "store") / 2**20
    return figures


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="1,10,100", help="comma-separated plan counts (1000 is slow)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep each N's built output in DIR/N (for server benchmarks)")
    parser.add_argument("--child", nargs=2, metavar=("SOURCES", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    from generate_plans import generate

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.n.split(",")):
            sources = Path(tmp) / f"plans-{n}"
            plans = generate(sources, n)
            runs = []
            for r in range(args.runs):
                out = Path(tmp) / f"out-{n}-{r}"
                runs.append(run_child(sources, out))
                print(f"N={n:<5} run {r + 1}: build {runs[-1]['build_s']:7.2f} s, "
                      f"link {runs[-1]['link_s']:6.2f} s", file=sys.stderr, flush=True)
                if args.keep and r == 0:
                    shutil.copytree(out, args.keep / str(n), dirs_exist_ok=True)
                shutil.rmtree(out, ignore_errors=True)
            med = {k: statistics.median(run[k] for run in runs) for k in runs[0]}
            med["n"], med["plans_tasks"] = n, sum(sum(p.task_counts) for p in plans)
            rows.append(med)
            shutil.rmtree(sources, ignore_errors=True)
    print_table(rows, args.runs)


def print_table(rows: list[dict[str, float]], runs: int) -> None:
    print(f"\nmedians of {runs} run(s) per N; build = load + SHACL + dumps + store, in a child process")
    head = (f"{'N':>5} {'tasks':>7} {'measures':>8} {'build s':>8} {'s/plan':>7} {'peak MiB':>9} "
            f"{'store MiB':>9} {'triples':>10} {'link s':>7} {'pairs':>8} {'link triples':>12}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['n']:>5} {r['tasks']:>7.0f} {r['measures']:>8.0f} {r['build_s']:>8.2f} "
              f"{r['build_s'] / r['n']:>7.3f} {r['build_peak_mib']:>9.0f} {r['store_mib']:>9.1f} "
              f"{r['triples']:>10.0f} {r['link_s']:>7.2f} {r['pairs']:>8.0f} {r['link_triples']:>12.0f}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
