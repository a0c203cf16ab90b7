"""Benchmark `pilotkg build`: wall time and peak memory over several runs, each in a fresh process.

Usage: python bench/build_bench.py [--runs 5] [SOURCES…]
Prints one line per run and the medians; nothing is asserted (see the README for current figures).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(sources: list[str], out: Path, validate: bool) -> tuple[float, float]:
    """One build in a child process; returns (seconds, peak RSS in MiB) of that child alone."""
    cmd = [sys.executable, "-m", "pilotkg.cli", "build", *sources, "--out", str(out), "-q"]
    if not validate:
        cmd.append("--no-validate")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("sources", nargs="*", default=[str(ROOT / "data" / "sources")])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for validate in (True, False):
            label = "build (with SHACL)" if validate else "build --no-validate"
            times, peaks = [], []
            for n in range(args.runs):
                seconds, peak = run_once(args.sources, Path(tmp) / f"dist-{n}", validate)
                times.append(seconds)
                peaks.append(peak)
                print(f"{label:<22} run {n + 1}: {seconds:6.2f} s  peak {peak:7.1f} MiB")
            print(
                f"{label:<22} median of {args.runs}: {statistics.median(times):6.2f} s  "
                f"peak {statistics.median(peaks):7.1f} MiB  (min {min(times):.2f} s, max {max(times):.2f} s)"
            )


if __name__ == "__main__":
    main()
