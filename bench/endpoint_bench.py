"""Benchmark: pilotkg's SPARQL endpoint vs ``oxigraph serve-read-only --union-default-graph``.

One run: Oxigraph and pilotkg (default settings, and with the answer cache off) over the same
graph (our store from ``pilotkg build``; Oxigraph loaded from the same dump into a temporary
store), all up at once. Two mixes, each sent round-robin by wrk (Debian's ``wrk``, a C load
generator) at concurrency 1, 8 and 32, on 127.0.0.1 only: the light mix of bench/light-queries/
(a count, a group-by over sectors, one task by number, measures per type, a CONTAINS filter) and
the example queries of queries/. The servers take turns point by point, in an order rotated each
round, so drift hits all of them; the medians of the rounds and the ratios are printed.

    .venv/bin/python bench/endpoint_bench.py [--mix both|light|examples] [--rounds 3] [--duration 5]

Not a test: it asserts nothing about time. The goals of issue 12 are printed next to the figures.
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
from contextlib import ExitStack, contextmanager
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


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries", help="the example mix's folder")
    parser.add_argument("--light", type=Path, default=ROOT / "bench" / "light-queries", help="the light mix's folder")
    parser.add_argument("--mix", choices=("both", "light", "examples"), default="both")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per point (the median is printed)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=list(CONCURRENCY))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--no-cache-variant", action="store_true", help="skip the run with the answer cache off")
    parser.add_argument(
        "--web-workers-variant", type=int, default=0, help="also run pilotkg, cache off, with this many web workers"
    )
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
    mixes = {}
    if args.mix in ("both", "light"):
        mixes["light"] = load_queries(args.light)
    if args.mix in ("both", "examples"):
        mixes["examples"] = load_queries(args.queries)
    print(
        f"mixes: {', '.join(f'{k} ({len(v)} queries)' for k, v in mixes.items())}; {os.cpu_count()} CPUs; "
        f"{args.duration:g} s per point, {args.rounds} rounds (servers interleaved, order rotated); dump {dump.name}"
    )

    work = Path(tempfile.mkdtemp(prefix="pilotkg-bench-"))
    samples: dict[tuple[str, str, int], list[dict]] = {}
    answers: dict[str, dict[str, list[str]]] = {}
    try:
        oxi_store = work / "oxigraph"
        subprocess.run(
            [oxigraph, "load", "--location", str(oxi_store), "--file", str(dump)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ox_port = free_port()
        servers = [
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
        ]
        variants = [("pilotkg", None, None)] + ([] if args.no_cache_variant else [("pilotkg-nocache", "0", None)])
        if args.web_workers_variant:
            variants.append((f"pilotkg-nocache-{args.web_workers_variant}web", "0", str(args.web_workers_variant)))
        for name, cache, web in variants:
            port = free_port()
            env = dict(os.environ)
            env.pop("PILOTKG_CACHE_ENTRIES", None)
            env.pop("PILOTKG_WEB_WORKERS", None)
            if cache is not None:
                env["PILOTKG_CACHE_ENTRIES"] = cache
            if web is not None:
                env["PILOTKG_WEB_WORKERS"] = web
            cmd = [
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
            ]
            servers.append((name, cmd, env, f"http://127.0.0.1:{port}", "/sparql"))

        with ExitStack() as stack:  # every server up at once, idle while another is driven
            for name, cmd, env, base, path in servers:
                proc = stack.enter_context(process(cmd, env=env, log=work / f"{name}.log"))
                wait_for(base + ("/healthz" if path == "/sparql" else "/"), proc)
                answers[name] = {}
                for mix, queries in mixes.items():
                    (work / f"{name}-{mix}.lua").write_text(lua_script(path, queries))
                    answers[name][mix] = []
                    for _qname, text in queries:  # check, and warm up
                        status, body = post(base + path, text)
                        answers[name][mix].append(f"{status} {answer_size(body)}" if status == 200 else f"{status}")
            for round_ in range(args.rounds):
                order = servers[round_ % len(servers) :] + servers[: round_ % len(servers)]
                for mix in mixes:
                    for c in args.concurrency:
                        for name, _cmd, _env, base, path in order:
                            r = run_wrk(base + path, work / f"{name}-{mix}.lua", c, args.duration)
                            samples.setdefault((mix, name, c), []).append(r)
                            print(
                                f"  round {round_ + 1} {mix:8} {name:16} c={c:<3} {r['rps']:9.1f} req/s  "
                                f"p50 {r['p50_ms']:8.2f} ms  p99 {r['p99_ms']:8.2f} ms  non-2xx {r['non_2xx']}",
                                flush=True,
                            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    names = [s[0] for s in servers]
    results = {
        key: {k: median([r[k] for r in runs]) for k in ("rps", "p50_ms", "p99_ms")}
        | {"non_2xx": sum(r["non_2xx"] for r in runs)}
        for key, runs in samples.items()
    }
    for mix, queries in mixes.items():
        print(f"\n{mix} mix: answers (status and size) per query")
        for i, (qname, _text) in enumerate(queries):
            row = "  ".join(f"{name}: {answers[name][mix][i]}" for name in names)
            same = len({answers[name][mix][i] for name in names}) == 1
            print(f"  {qname:32} {row}{'' if same else '   <-- DIFFERENT'}")
        print(f"{mix} mix: medians of {args.rounds} (ratio to oxigraph: throughput, p50)")
        for name in names:
            for c in args.concurrency:
                r, ref = results[(mix, name, c)], results[(mix, "oxigraph", c)]
                ratio = (
                    ""
                    if name == "oxigraph"
                    else (f"   {r['rps'] / ref['rps']:5.2f}×  p50 {r['p50_ms'] / ref['p50_ms']:5.2f}×")
                )
                print(
                    f"  {name:16} c={c:<3} {r['rps']:9.1f} req/s  p50 {r['p50_ms']:7.2f} ms  "
                    f"p99 {r['p99_ms']:7.2f} ms  non-2xx {r['non_2xx']}{ratio}"
                )
    if "light" in mixes and "pilotkg-nocache" in names:
        print("\ngoals (issue 12), light mix, answer cache off:")
        for c in args.concurrency:
            r, ref = results[("light", "pilotkg-nocache", c)], results[("light", "oxigraph", c)]
            print(f"  c={c:<3} throughput {r['rps'] / ref['rps']:.2f}× (goal ≥ 0.8×)", end="")
            print(f"   p50 {r['p50_ms'] / ref['p50_ms']:.2f}× (goal ≤ 1.5× at c=1)" if c == 1 else "")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "mixes": {k: [q for q, _ in v] for k, v in mixes.items()},
                    "results": [
                        {"mix": m, "server": s, "connections": c, **v} for (m, s, c), v in sorted(results.items())
                    ],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
