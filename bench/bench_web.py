"""Load benchmark for the website and the library search (a benchmark, not a test).

    .venv/bin/python bench/bench_web.py                       # defaults: 10,000 pages, 16 clients, 10 s
    .venv/bin/python bench/bench_web.py --workers 1 --seconds 5 --clients 32

What it does, all on loopback and in a fresh temporary INNERMEANING_HOME:
1. fills a library: every knowledge-base entry is explained for real by the pipeline, then stored
   again under numbered slugs (same prose, new slug and title) until there are --pages pages;
2. times Library.search over a fixed set of queries (median, p90), in this process;
3. starts `innermeaning serve` (uvicorn, --workers N) on 127.0.0.1 and a free port;
4. drives --clients concurrent keep-alive clients (stdlib asyncio, raw HTTP/1.1) fetching stored
   explainer pages for --seconds; reports pages/s, p50, p99. A first pass fetches each page of the
   working set once ("cold": rendered, related topics looked up), the timed run then measures the
   steady state in which rendered pages are served from each worker's cache;
5. times GET /api/v1/search over HTTP, one request at a time (median).
Progress goes to stderr; the figures are printed as JSON on stdout.

With --wrk the load step also runs Debian's wrk (`apt-get install wrk`) when it is on PATH.
Targets (issue 4): >= 500 pages/s with 16 clients on 2 cores, p99 < 100 ms; search median <= 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["fear", "rejection", "dream water", "fear of rejection", "people pleasing", "anxiety sleep", "grief",
           "procrastination", "feeling numb", "trust", "self esteem", "anger", "lonely holidays", "teeth falling",
           "perfectionism", "help", "guilt", "control", "burden", "seeing 111"]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fill(db_path: Path, total: int) -> list[str]:
    """Store `total` pages: real pages for every KB entry, then numbered copies. Returns the slugs."""
    from innermeaning import explain
    from innermeaning.knowledge import load_knowledge
    from innermeaning.store import Library

    pages = [explain(entry.title) for entry in load_knowledge().entries.values()]
    pages = [p for p in pages if not p.is_crisis]
    slugs = []
    with Library(db_path) as library:
        for i in range(total):
            page = pages[i % len(pages)]
            copy = i // len(pages)
            if copy:
                page = page.model_copy(update={"slug": f"{page.slug}-{copy}", "title": f"{page.title} ({copy})"})
            library.save(page)
            slugs.append(page.slug)
    return slugs


def time_search(db_path: Path, rounds: int = 5) -> list[float]:
    from innermeaning.store import Library

    times = []
    with Library(db_path) as library:
        for _ in range(rounds):
            for q in QUERIES:
                start = time.perf_counter()
                library.search(q)
                times.append((time.perf_counter() - start) * 1000)
    return times


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "INNERMEANING_HOME": str(home)}
    cli = [sys.executable, "-c", "from innermeaning.cli import main; main()"]
    proc = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server failed to start: {proc.stderr.read().decode()}")
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start within 30 s")


async def fetch(reader, writer, path: str) -> int:
    """One keep-alive GET; returns the status. Bodies are read fully (Content-Length)."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def client(port: int, paths: list[str], stop: float, latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rng = random.Random()
    try:
        while time.perf_counter() < stop:
            start = time.perf_counter()
            status = await fetch(reader, writer, rng.choice(paths))
            latencies.append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def load(port: int, paths: list[str], clients: int, seconds: float) -> tuple[list[float], list[int], float]:
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    await asyncio.gather(*(client(port, paths, start + seconds, latencies, errors) for _ in range(clients)))
    return latencies, errors, time.perf_counter() - start


async def warm(port: int, paths: list[str], clients: int) -> tuple[list[float], float]:
    """Fetch every path once, spread over the clients: the cold pass (first render of each page)."""
    latencies: list[float] = []
    queue = list(paths)

    async def one() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while queue:
            path = queue.pop()
            start = time.perf_counter()
            await fetch(reader, writer, path)
            latencies.append((time.perf_counter() - start) * 1000)
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(clients)))
    return latencies, time.perf_counter() - start


async def http_search(port: int, rounds: int = 3) -> list[float]:
    from urllib.parse import quote

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    times = []
    for _ in range(rounds):
        for q in QUERIES:
            start = time.perf_counter()
            await fetch(reader, writer, f"/api/v1/search?q={quote(q)}")
            times.append((time.perf_counter() - start) * 1000)
    writer.close()
    return times


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def run_wrk(port: int, paths: list[str], clients: int, seconds: float, workdir: Path) -> None:
    if not shutil.which("wrk"):
        say("wrk: not installed (apt-get install wrk); skipped")
        return
    script = workdir / "paths.lua"
    listed = ",".join(f'"{p}"' for p in paths)
    script.write_text(f"paths = {{{listed}}}\nrequest = function()\n"
                      "  return wrk.format('GET', paths[math.random(#paths)])\nend\n")
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True)
    say("wrk:\n" + out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10_000, help="pages to store (search runs over all of them)")
    parser.add_argument("--working-set", type=int, default=2_000, help="distinct pages the clients fetch")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--wrk", action="store_true", help="also measure with wrk when it is installed")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="im-bench-"))
    os.environ["INNERMEANING_HOME"] = str(workdir / "home")
    os.environ.setdefault("INNERMEANING_CACHE", str(workdir / "cache"))
    sys.path.insert(0, str(ROOT / "src"))
    from innermeaning.config import load_settings

    db_path = load_settings().db_path
    started = time.perf_counter()
    slugs = fill(db_path, args.pages)
    say(f"library: {len(slugs)} pages stored in {time.perf_counter() - started:.1f} s")
    search = time_search(db_path)
    say(f"Library.search: median {statistics.median(search):.2f} ms over {len(search)} queries")

    port = free_port()
    server = start_server(workdir / "home", port, args.workers)
    try:
        paths = [f"/explainers/{s}" for s in random.Random(7).sample(slugs, min(args.working_set, len(slugs)))]
        cold, cold_time = asyncio.run(warm(port, paths, args.clients))
        say(f"cold pass: {len(cold)} pages at {len(cold) / cold_time:.0f} pages/s")
        latencies, errors, elapsed = asyncio.run(load(port, paths, args.clients, args.seconds))
        rate = len(latencies) / elapsed
        say(f"load: {rate:.0f} pages/s, p50 {pct(latencies, 50):.1f} ms, p99 {pct(latencies, 99):.1f} ms")
        searches = asyncio.run(http_search(port))
        if args.wrk:
            run_wrk(port, paths, args.clients, args.seconds, workdir)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    figures = {
        "setup": {"pages": len(slugs), "working_set": len(paths), "clients": args.clients,
                  "workers": args.workers, "seconds": round(elapsed, 1), "cpus": os.cpu_count()},
        "cold_pass": {"pages_per_s": round(len(cold) / cold_time), "p50_ms": round(pct(cold, 50), 1),
                      "p99_ms": round(pct(cold, 99), 1)},
        "explainer_pages": {"pages_per_s": round(rate), "p50_ms": round(pct(latencies, 50), 1),
                            "p99_ms": round(pct(latencies, 99), 1), "errors": len(errors)},
        "library_search": {"median_ms": round(statistics.median(search), 2), "p90_ms": round(pct(search, 90), 2),
                           "max_ms": round(max(search), 2)},
        "http_search": {"median_ms": round(statistics.median(searches), 2), "p90_ms": round(pct(searches, 90), 2)},
    }
    figures["targets_met"] = (rate >= 500 and pct(latencies, 99) < 100 and not errors
                              and statistics.median(search) <= 10 and statistics.median(searches) <= 10)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
