"""Scale benchmark: build N synthetic plans, serve them, and report how time, memory and size grow.

Usage: .venv/bin/python bench/scale_bench.py [--n 1,10,100] [--runs 3] [--requests 20] [--keep DIR]
       .venv/bin/python bench/scale_bench.py --n 1000 --runs 1        (about ten minutes: opt in)

For each N: generate N plans (bench/generate_plans.py, seed 0) into a temporary folder, then

1. ``pilotkg build -v`` in a child process (load, SHACL gate, similarity links, dumps, store),
   ``--runs`` times: wall time, the time of each step (from ``-v``), peak memory of the build's
   whole process tree (sampled from /proc every 0.5 s: the main process and its workers), store
   size on disk and triple count;
2. ``pilotkg serve`` on the built store with the answer cache off: start-up time (until
   ``/healthz`` answers), then every example query of queries/ sent ``--requests`` times in turn
   over HTTP, one at a time: p50 and p99 per query.

Figures are medians over the runs (build) and over the requests (queries); nothing is asserted.
The targets of issue 4 are printed beside them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from endpoint_bench import free_port, load_queries, post, process, wait_for  # noqa: E402

PILOTKG = Path(sys.executable).with_name("pilotkg")
STEP = re.compile(r"^(.*) in ([\d.]+) s$")
BUILT = re.compile(r"built (\d+) pilot\(s\), (\d+) tasks, (\d+) triples")
TARGETS = "targets: 1,000 plans built in < 10 min (linear in N); every query p50 < 100 ms at N = 1,000; start-up < 3 s"


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def run_build(sources: Path, out: Path) -> dict[str, float]:
    cmd = [str(PILOTKG), "build", str(sources), "--out", str(out), "-q", "-v"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.5)  # a scan of /proc costs CPU the build would use

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"build of {sources} failed:\n{stderr[-3000:]}")
    figures: dict[str, float] = {"wall_s": wall, "peak_mib": peak[0] / 2**20, "store_mib": _size(out / "store") / 2**20}
    for line in stderr.splitlines():
        if m := BUILT.search(line):
            figures["tasks"], figures["triples"] = float(m.group(2)), float(m.group(3))
        elif m := STEP.match(line):
            figures[_step_key(m.group(1))] = float(m.group(2))
    return figures


def _step_key(text: str) -> str:
    # matches the step names graph/build.py logs through _Clock.lap
    for key, word in (
        ("pilots_s", "pilot graph"),
        ("links_s", "similarity"),
        ("align_s", "alignments"),
        ("dumps_s", "dumps"),
        ("stats_s", "statistics"),
        ("store_s", "store loaded"),
        ("close_s", "store flushed"),
        ("finish_s", "output switched"),
    ):
        if word in text:
            return key
    return text


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def serve_and_query(out: Path, requests: int) -> tuple[float, dict[str, tuple[float, float, int]]]:
    """Start-up seconds, and per example query (p50 ms, p99 ms, HTTP status)."""
    port = free_port()
    env = dict(os.environ, PILOTKG_CACHE_ENTRIES="0")
    cmd = [str(PILOTKG), "serve", "--store", str(out / "store"), "--dist", str(out), "--port", str(port), "--no-build"]
    started = time.perf_counter()
    with process(cmd, env=env, log=out.parent / f"serve-{out.name}.log") as proc:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        startup = time.perf_counter() - started
        endpoint = f"http://127.0.0.1:{port}/sparql"
        queries = load_queries(ROOT / "queries")
        for _, text in queries:  # warm-up: each worker process parses and plans once
            post(endpoint, text)
        times: dict[str, list[float]] = {name: [] for name, _ in queries}
        status: dict[str, int] = {}
        for _ in range(requests):
            for name, text in queries:
                t = time.perf_counter()
                status[name], _ = post(endpoint, text)
                times[name].append((time.perf_counter() - t) * 1000)
    return startup, {name: (statistics.median(ts), _p99(ts), status[name]) for name, ts in times.items()}


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="1,10,100", help="comma-separated plan counts (1000 takes ~10 min)")
    parser.add_argument("--runs", type=int, default=3, help="builds per N (median reported)")
    parser.add_argument("--requests", type=int, default=20, help="requests per query per N")
    parser.add_argument("--keep", type=Path, help="keep each N's built output in DIR/N")
    args = parser.parse_args()

    from generate_plans import generate

    builds, serving = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.n.split(",")):
            sources = Path(tmp) / f"plans-{n}"
            generate(sources, n)
            runs = []
            for r in range(args.runs):
                out = Path(tmp) / f"out-{n}-{r}"
                runs.append(run_build(sources, out))
                print(
                    f"N={n:<5} build {r + 1}: {runs[-1]['wall_s']:7.1f} s, peak {runs[-1]['peak_mib']:6.0f} MiB",
                    file=sys.stderr,
                    flush=True,
                )
                if r < args.runs - 1:
                    shutil.rmtree(out)
            med = {k: statistics.median(run.get(k, float("nan")) for run in runs) for k in runs[-1]}
            med["n"] = n
            builds.append(med)
            startup, answers = serve_and_query(out, args.requests)
            serving.append((n, startup, answers))
            if args.keep:
                shutil.copytree(out, args.keep / str(n), dirs_exist_ok=True)
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(sources, ignore_errors=True)
    print_tables(builds, serving, args.runs, args.requests)


def print_tables(builds: list[dict[str, float]], serving: list, runs: int, requests: int) -> None:
    print(f"\nbuild: medians of {runs} run(s) per N, `pilotkg build` in a child process on {os.cpu_count()} cores")
    head = (
        f"{'N':>5} {'tasks':>7} {'triples':>10} {'build s':>8} {'s/plan':>7} {'pilots s':>8} {'links s':>8} "
        f"{'align s':>8} {'store s':>8} {'stats s':>8} {'dumps s':>8} {'close s':>8} {'finish s':>8} "
        f"{'peak MiB':>9} {'store MiB':>9}"
    )
    print(head)
    print("-" * len(head))
    for r in builds:
        print(
            f"{r['n']:>5} {r['tasks']:>7.0f} {r['triples']:>10.0f} {r['wall_s']:>8.1f} {r['wall_s'] / r['n']:>7.3f} "
            f"{r.get('pilots_s', 0):>8.1f} {r.get('links_s', 0):>8.1f} {r.get('align_s', 0):>8.1f} "
            f"{r.get('store_s', 0):>8.1f} "
            f"{r.get('stats_s', 0):>8.1f} {r.get('dumps_s', 0):>8.1f} {r.get('close_s', 0):>8.1f} "
            f"{r.get('finish_s', 0):>8.1f} {r['peak_mib']:>9.0f} {r['store_mib']:>9.1f}"
        )
    print(
        f"\nserver: start-up until /healthz answers; example queries over HTTP, answer cache off, "
        f"{requests} requests each, one at a time (ms)"
    )
    names = sorted(serving[0][2]) if serving else []
    print(f"{'query':<36}" + "".join(f" {'N=' + str(n) + ' p50':>12} {'p99':>8}" for n, _, _ in serving))
    for name in names:
        cells = []
        for _, _, answers in serving:
            p50, p99, status = answers[name]
            flag = "" if status == 200 else f"!{status}"
            cells.append(f" {p50:>12.1f} {p99:>8.1f}{flag}")
        print(f"{name:<36}" + "".join(cells))
    print(f"{'start-up (s)':<36}" + "".join(f" {startup:>12.2f} {'':>8}" for _, startup, _ in serving))
    print(
        f"{'slowest p50 (ms)':<36}"
        + "".join(f" {max(a[0] for a in answers.values()):>12.1f} {'':>8}" for _, _, answers in serving)
    )
    print("\n" + TARGETS)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
