#!/usr/bin/env python3
"""Benchmark the openai engine against a loopback model server: its own overhead, and concurrency.

Targets (issue 5, "The LLM engine"):
- overhead: at most 10 ms per page spent in the engine itself (prompt, SDK, HTTP on loopback, parsing,
  validation), measured as wall time of `compose()` minus the server's own handling time, against a
  server that answers at once with a valid page;
- throughput: 32 requests in flight at once reach at least 20x the pages per second of one at a time,
  against a server that takes 200 ms per answer.

    .venv/bin/python bench/bench_openai.py [--rounds 20] [--latency 0.2] [--sequential 10]

Only public tools: the standard library, the openai SDK, threads. Prints its figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.llm_server, the same loopback server the tests use

TOPICS = [
    "difficulty asking for help", "fear of rejection", "procrastination", "dreaming of water", "seeing 444 repeatedly",
    "stomach knots before a meeting", "divorce", "codependency", "spiritual emptiness", "why do I always cancel plans",
]
CONCURRENT = 32


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def overhead(rounds: int) -> dict:
    """Per-page engine time, excluding the time the server spent producing its answer."""
    from innermeaning.engines.openai import OpenAIEngine
    from innermeaning.pipeline import make_plan
    from tests.llm_server import LLMServer, reply, valid_draft

    plans = [make_plan(topic) for topic in TOPICS]
    with LLMServer(reply(valid_draft())) as server:
        engine = OpenAIEngine(model="bench", base_url=server.url, retries=0, timeout=10)
        for the_plan in plans:  # warm: connection, prompt templates, schema
            engine.compose(the_plan)
        totals, engine_ms = [], []
        for _ in range(rounds):
            for the_plan in plans:
                started = time.perf_counter()
                engine.compose(the_plan)
                total = time.perf_counter() - started
                totals.append(total * 1000)
                engine_ms.append((total - server.requests[-1].handled) * 1000)
        engine.close()
    return {
        "pages": len(engine_ms),
        "ms_median": round(statistics.median(engine_ms), 3),
        "ms_p95": round(percentile(engine_ms, 0.95), 3),
        "wall_ms_median": round(statistics.median(totals), 3),
    }


def throughput(latency: float, sequential: int) -> dict:
    """Pages per second one at a time vs with 32 in flight, the server taking `latency` s per answer."""
    from innermeaning.engines.openai import OpenAIEngine
    from innermeaning.pipeline import make_plan
    from tests.llm_server import LLMServer, reply, valid_draft

    plans = [make_plan(TOPICS[i % len(TOPICS)]) for i in range(2 * CONCURRENT)]
    with LLMServer(reply(valid_draft(), delay=latency)) as server:
        engine = OpenAIEngine(model="bench", base_url=server.url, retries=0, timeout=30, concurrency=CONCURRENT)
        engine.compose(plans[0])  # warm
        started = time.perf_counter()
        for the_plan in plans[:sequential]:
            engine.compose(the_plan)
        one_at_a_time = sequential / (time.perf_counter() - started)

        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:  # the pool explain_many uses
            list(pool.map(engine.compose, plans[:CONCURRENT]))  # warm: open all 32 connections
            server.max_in_flight = 0
            started = time.perf_counter()
            list(pool.map(engine.compose, plans))
            concurrent = len(plans) / (time.perf_counter() - started)
        engine.close()
        in_flight = server.max_in_flight
    return {
        "latency_s": latency,
        "sequential_pages_per_s": round(one_at_a_time, 2),
        "concurrent_pages_per_s": round(concurrent, 2),
        "max_in_flight": in_flight,
        "speed_up": round(concurrent / one_at_a_time, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over the topic list for the overhead")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds the slow server takes per answer")
    parser.add_argument("--sequential", type=int, default=10, help="pages timed one at a time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["INNERMEANING_HOME"] = home
        results = {"overhead": overhead(args.rounds), "throughput": throughput(args.latency, args.sequential)}
    print(json.dumps(results, indent=2))
    ok = results["overhead"]["ms_median"] <= 10 and results["throughput"]["speed_up"] >= 20
    print("targets met" if ok else "TARGET MISSED", file=sys.stderr)


if __name__ == "__main__":
    main()
