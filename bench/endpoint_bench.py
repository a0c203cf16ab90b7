"""Benchmark: pilotkg's SPARQL endpoint vs ``oxigraph serve-read-only --union-default-graph``.

One run: both servers over the same graph (our store from ``pilotkg build``; Oxigraph loaded
from the same dump into a temporary store), the example queries of queries/ (a built-in set
when that folder is empty) sent round-robin by wrk (Debian's ``wrk``, a C load generator) at
concurrency 1, 8 and 32, on 127.0.0.1 only. Prints throughput, p50 and p99 and the ratios.

    .venv/bin/python bench/endpoint_bench.py [--duration 5] [--dist dist] [--json out.json]

Not a test: it asserts nothing about time. The target of issue 3 is printed next to the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from endpoint_queries import BUILTIN_QUERIES  # noqa: E402

ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
CONCURRENCY = (1, 8, 32)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_queries(folder: Path) -> list[tuple[str, str]]:
    queries = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.rq")):
            queries.append((path.stem, path.read_text(encoding="utf-8")))
    return queries or list(BUILTIN_QUERIES.items())


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(args: list[str], env: dict | None = None, log: Path | None = None):
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and the workers it started
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with_kill = proc.poll() is None
            if with_kill:
                os.killpg(proc.pid, signal.SIGKILL)
        if log:
            out.close()


def post(endpoint: str, query: str) -> tuple[int, bytes]:
    req = urllib.request.Request(
        endpoint,
        data=query.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query", "Accept": ACCEPT},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def answer_size(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return f"{body.count(b' .' + bytes([10]))}+ triples"
    if "boolean" in data:
        return str(data["boolean"]).lower()
    return f"{len(data['results']['bindings'])} rows"


def lua_script(path: str, queries: list[tuple[str, str]]) -> str:
    bodies = []
    for _name, text in queries:
        level = "=" * 8
        bodies.append(f"[{level}[{text}]{level}]")
    return (
        "local bodies = {" + ",\n".join(bodies) + "}\n"
        "local requests = {}\n"
        "local i = 0\n"
        "init = function(args)\n"
        "  for k, b in ipairs(bodies) do\n"
        f'    requests[k] = wrk.format("POST", "{path}", '
        f'{{["Content-Type"] = "application/sparql-query", ["Accept"] = "{ACCEPT}"}}, b)\n'
        "  end\n"
        "  i = math.random(#requests) - 1\n"
        "end\n"
        "request = function()\n"
        "  i = (i % #requests) + 1\n"
        "  return requests[i]\n"
        "end\n"
    )


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text.strip())
    if not m:
        return float("nan")
    return float(m.group(1)) * _UNITS[m.group(2)]


def run_wrk(url: str, script: Path, connections: int, duration: float) -> dict:
    threads = max(1, min(2, connections))
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--timeout", "30s", "--latency"]
    out = subprocess.run([*cmd, "-s", str(script), url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--no-cache-variant", action="store_true", help="skip the run with the answer cache off")
    args = parser.parse_args()

    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    store = args.dist / "store"
    dump = next((args.dist / n for n in ("pilotkg.nq", "pilotkg.trig") if (args.dist / n).is_file()), None)
    if not store.is_dir() or dump is None:
        print(f"no store or dump in {args.dist}: run `pilotkg build` first", file=sys.stderr)
        return 2
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    queries = load_queries(args.queries)
    source = "queries/" if args.queries.is_dir() and any(args.queries.glob("*.rq")) else "built-in set"
    print(f"{len(queries)} queries ({source}); {os.cpu_count()} CPUs; {args.duration:g} s per point; dump {dump.name}")

    work = Path(tempfile.mkdtemp(prefix="pilotkg-bench-"))
    results: dict[str, dict] = {}
    try:
        oxi_store = work / "oxigraph"
        subprocess.run(
            [oxigraph, "load", "--location", str(oxi_store), "--file", str(dump)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        servers = []
        ox_port = free_port()
        servers.append(
            (
                "oxigraph",
                [
                    oxigraph,
                    "serve-read-only",
                    "--location",
                    str(oxi_store),
                    "--bind",
                    f"127.0.0.1:{ox_port}",
                    "--union-default-graph",
                ],
                None,
                f"http://127.0.0.1:{ox_port}",
                "/query",
            )
        )
        variants = [("pilotkg", "512")] + ([] if args.no_cache_variant else [("pilotkg-nocache", "0")])
        for name, cache in variants:
            port = free_port()
            env = dict(os.environ, PILOTKG_CACHE_ENTRIES=cache)
            servers.append(
                (
                    name,
                    [
                        sys.executable,
                        "-m",
                        "pilotkg.server",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--store",
                        str(store),
                        "--no-build",
                        "--dist",
                        str(args.dist),
                    ],
                    env,
                    f"http://127.0.0.1:{port}",
                    "/sparql",
                )
            )

        answers: dict[str, list[str]] = {}
        for name, cmd, env, base, path in servers:
            script = work / f"{name}.lua"
            script.write_text(lua_script(path, queries))
            with process(cmd, env=env, log=work / f"{name}.log") as proc:
                wait_for(base + ("/healthz" if path == "/sparql" else "/"), proc)
                answers[name] = []
                for _qname, text in queries:  # check, and warm up
                    status, body = post(base + path, text)
                    answers[name].append(f"{status} {answer_size(body)}" if status == 200 else f"{status}")
                results[name] = {}
                for c in CONCURRENCY:
                    results[name][c] = run_wrk(base + path, script, c, args.duration)
                    r = results[name][c]
                    print(
                        f"  {name:16} c={c:<3} {r['rps']:9.1f} req/s  p50 {r['p50_ms']:8.2f} ms  "
                        f"p99 {r['p99_ms']:8.2f} ms  non-2xx {r['non_2xx']}"
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("\nanswers (status and size) per query:")
    for i, (qname, _text) in enumerate(queries):
        row = "  ".join(f"{name}: {answers[name][i]}" for name in answers)
        same = len({answers[name][i] for name in answers}) == 1
        print(f"  {qname:32} {row}{'' if same else '   <-- DIFFERENT'}")

    print("\nratios against oxigraph (throughput: ours/oxigraph; p50: ours/oxigraph)")
    for name in results:
        if name == "oxigraph":
            continue
        for c in CONCURRENCY:
            ours, ref = results[name][c], results["oxigraph"][c]
            print(
                f"  {name:16} c={c:<3} throughput {ours['rps'] / ref['rps']:6.2f}×   "
                f"p50 {ours['p50_ms'] / ref['p50_ms']:6.2f}×   p99 {ours['p99_ms'] / ref['p99_ms']:6.2f}×"
            )
    ours, ref = results["pilotkg"][8], results["oxigraph"][8]
    print(
        f"\ntarget (issue 3): at c=8 throughput ≥ 0.5× Oxigraph's -> {ours['rps'] / ref['rps']:.2f}×; "
        f"p50 ≤ 2× Oxigraph's -> {ours['p50_ms'] / ref['p50_ms']:.2f}×"
    )
    if args.json:
        args.json.write_text(json.dumps({"queries": [q for q, _ in queries], "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
