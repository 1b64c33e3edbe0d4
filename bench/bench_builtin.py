#!/usr/bin/env python3
"""Benchmark the built-in engine: cost of one more explainer in a running process, and CLI start-up.

Targets (issue "Inner Meaning end to end"): at most 5 ms per explainer in-process; a fresh
`innermeaning explain TOPIC` process finishes within 1 s.

    .venv/bin/python bench/bench_builtin.py [--rounds 20] [--runs 10]

Uses a temporary INNERMEANING_HOME and a warm knowledge cache, and prints medians and p95.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOPICS = [
    "difficulty asking for help", "fear of rejection", "procrastination", "dreaming of water", "seeing 444 repeatedly",
    "stomach knots before a meeting", "divorce", "codependency", "spiritual emptiness", "why do I always cancel plans",
    "my teeth crumbled in a dream", "dream about a giraffe", "fear of confrontation with my boss", "jaw clenching",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def in_process(rounds: int) -> dict:
    from innermeaning import explain
    from innermeaning.config import load_settings

    settings = load_settings(store=False)
    for topic in TOPICS:  # warm: the knowledge base loads once per process
        explain(topic, settings=settings)
    timings = []
    for _ in range(rounds):
        for topic in TOPICS:
            started = time.perf_counter()
            explain(topic, settings=settings)
            timings.append((time.perf_counter() - started) * 1000)
    return {"pages": len(timings), "ms_median": statistics.median(timings), "ms_p95": percentile(timings, 0.95)}


def start_up(runs: int) -> dict:
    cli = ROOT / ".venv" / "bin" / "innermeaning"
    command = [str(cli) if cli.exists() else "innermeaning", "explain", "difficulty asking for help", "--no-store"]
    subprocess.run(command, capture_output=True, check=True)  # warm the knowledge cache and the OS file cache
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        timings.append(time.perf_counter() - started)
    return {"runs": runs, "s_median": statistics.median(timings), "s_max": max(timings)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over the topic list in-process")
    parser.add_argument("--runs", type=int, default=10, help="fresh CLI processes to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["INNERMEANING_HOME"] = home
        results = {"in_process": in_process(args.rounds), "cli_start_up": start_up(args.runs)}
    print(json.dumps(results, indent=2))
    ok = results["in_process"]["ms_median"] <= 5 and results["cli_start_up"]["s_median"] <= 1
    print("targets met" if ok else "TARGET MISSED", file=sys.stderr)


if __name__ == "__main__":
    main()
