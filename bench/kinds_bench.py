"""Benchmark `pilotkg build` per kind of source: the Wuhan plan as text, web page, PDF and Word file.

Usage: python bench/kinds_bench.py [--runs 5]
The web page, PDF and Word file are written from the parsed text plan by tests/render.py (the same
files the tests read back). Runs are interleaved across kinds, each build a fresh process with the
SHACL gate on; also the time to read the plan alone (in process, after a warm-up). Prints medians;
nothing is asserted (the README has the current figures).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import render  # noqa: E402
from build_bench import run_once  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from pilotkg.loaders.plan_text import load_plan_text
    from pilotkg.loaders.vocabulary import Vocabulary

    vocabulary = Vocabulary.load()
    text = ROOT / "data" / "sources" / "wuhan-2022.txt"
    plan = load_plan_text(text, vocabulary)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {
            "text": text,
            "web page": render.write_html(plan, folder / "wuhan-2022.html"),
            "PDF": render.write_pdf(plan, folder / "wuhan-2022.pdf"),
            "Word": render.write_docx(plan, folder / "wuhan-2022.docx"),
        }
        builds: dict[str, list[float]] = {k: [] for k in files}
        reads: dict[str, list[float]] = {k: [] for k in files}
        for n in range(args.runs):
            for kind, path in files.items():
                seconds, _ = run_once([str(path)], folder / f"dist-{kind}-{n}", validate=True)
                builds[kind].append(seconds)
                load_plan_text(path, vocabulary)
                started = time.perf_counter()
                load_plan_text(path, vocabulary)
                reads[kind].append(time.perf_counter() - started)
        print(f"{'source':<10} {'bytes':>9} {'build (median)':>15} {'min':>6} {'max':>6} {'read alone':>11}")
        for kind, path in files.items():
            b = builds[kind]
            print(
                f"{kind:<10} {path.stat().st_size:>9,} {statistics.median(b):>13.2f} s {min(b):>6.2f} {max(b):>6.2f}"
                f" {statistics.median(reads[kind]) * 1000:>8.0f} ms"
            )


if __name__ == "__main__":
    main()
