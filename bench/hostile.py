"""Does hostile input slow an unrelated request? DESIGN.md section 8: an ordinary request's p99
stays within 2x of its idle p99 while hostile requests are sent.

Over the synthetic catalogue of bench/harness.py (20,000 solutions by default, enough for deep
pages to be deep), it serves the registry (`registry serve`, granian, 2 workers by default) and
times one ordinary client sending `GET /api/v1/search?q=...` over a keep-alive connection: first
on an idle server, then while another process sends each kind of hostile request without pause:

- **huge field**: anonymous `POST /solutions/new` with a 40 KB `contact_email` (and a valid CSRF
  token, so the request reaches the registry's own code), 40 a second;
- **parallel sign-ins**: 16 connections signing in at once, without pause, each to an account
  of its own with the right password (so no limit stops them and every one pays the
  production password hash);
- **deep pages**: `page=10000&per_page=100` on the search API and the discover page, 40 a
  second;
- **all three at once**.

For each it prints the ordinary request's p50 and p99 beside the idle ones, the ratio of the
p99s against the 2x budget, and how the hostile requests were answered (status counts). Run:
`.venv/bin/python bench/hostile.py [--sizes 20000] [--quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from harness import (
    PROJECT,
    Latencies,
    Server,
    begin_size,
    bench_main,
    line,
    load_data,
    verdict,
)

sys.path.insert(0, str(PROJECT))

ORDINARY = [
    "/api/v1/search?q=housing+repairs",
    "/api/v1/search?q=telecare&kind=platform",
    "/api/v1/search?q=procurment+framework",
]
SIGN_IN_ACCOUNTS = 16


def bench_email(n: int) -> str:
    return f"bench-sign-in-{n}@bench.invalid"


BENCH_PASSWORD = "a-long-enough-bench-password"  # noqa: S105 - a throwaway bench account
HOSTILE_KINDS = ("huge field", "parallel sign-ins", "deep pages")
CONCURRENCY = {"huge field": 4, "parallel sign-ins": 16, "deep pages": 4}
# Requests per second each kind sends in all (None: as fast as its connections allow). Huge
# fields and deep pages are paced, so what is measured is whether one such request holds up
# others, not how many requests two cores can parse; the sign-ins are the burst of 16
# at once, kept up for the whole run.
RATE: dict[str, float | None] = {"huge field": 40.0, "parallel sign-ins": None, "deep pages": 40.0}
MAX_SLOWDOWN = 2.0


def _csrf(html: str) -> str:
    match = re.search(r'name="_csrf_token"\s+value="([^"]*)"', html)
    return match.group(1) if match else ""


async def _hostile_worker(
    base: str, kind: str, number: int, stop_at: float, counts: Counter
) -> None:
    import httpx

    rate = RATE[kind]
    pause = CONCURRENCY[kind] / rate if rate else 0.0
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        token = _csrf((await client.get("/sign-in")).text)
        while time.perf_counter() < stop_at:
            sent_at = time.perf_counter()
            try:
                if kind == "huge field":
                    response = await client.post(
                        "/solutions/new?kind=platform",
                        data={
                            "_csrf_token": token,
                            "kind": "platform",
                            "title": "Hostile",
                            "summary": "Hostile",
                            "owner": "glasgow",
                            "contact_email": "a" * 40_000 + "@" + "b." * 10 + "c",
                        },
                    )
                elif kind == "parallel sign-ins":
                    client.cookies.clear()
                    token = _csrf((await client.get("/sign-in")).text)
                    response = await client.post(
                        "/sign-in",
                        data={
                            "_csrf_token": token,
                            "email": bench_email(number % SIGN_IN_ACCOUNTS),
                            "password": BENCH_PASSWORD,
                        },
                    )
                else:
                    path = (
                        "/api/v1/search?q=council&page=10000&per_page=100"
                        if counts.total() % 2
                        else "/?q=council&page=10000&per_page=100"
                    )
                    response = await client.get(path)
                counts[response.status_code] += 1
            except httpx.HTTPError as exc:
                counts[type(exc).__name__] += 1
            if pause:
                await asyncio.sleep(max(0.0, pause - (time.perf_counter() - sent_at)))


def _hostile_process(base: str, kinds: list[str], seconds: float, queue: Any) -> None:
    """Send the hostile requests of `kinds` for `seconds` from a process of its own, so the
    ordinary client's timing shares no interpreter with them; the status counts go to `queue`."""
    counts: Counter = Counter()

    async def run() -> None:
        stop_at = time.perf_counter() + seconds
        await asyncio.gather(
            *(
                _hostile_worker(base, kind, number, stop_at, counts)
                for kind in kinds
                for number in range(CONCURRENCY[kind])
            )
        )

    asyncio.run(run())
    queue.put(dict(counts))


def ordinary_client(server: Server, seconds: float) -> Latencies:
    import httpx

    result = Latencies()
    with httpx.Client(base_url=server.base, timeout=60) as client:
        client.get(ORDINARY[0])
        started = time.perf_counter()
        i = 0
        while time.perf_counter() - started < seconds:
            t0 = time.perf_counter()
            response = client.get(ORDINARY[i % len(ORDINARY)])
            result.samples.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                result.errors += 1
            i += 1
        result.seconds = time.perf_counter() - started
    return result


def under_load(server: Server, kinds: list[str], seconds: float) -> tuple[Latencies, dict]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    sender = context.Process(
        target=_hostile_process, args=(server.base, kinds, seconds + 1.0, queue)
    )
    sender.start()
    time.sleep(1.0)  # let the hostile load build up before timing
    result = ordinary_client(server, seconds)
    counts = queue.get(timeout=seconds + 120)
    sender.join(timeout=30)
    return result, counts


async def create_bench_account() -> None:
    from registry import accounts

    for n in range(SIGN_IN_ACCOUNTS):
        await accounts.create_user(
            accounts.system_actor("bench"), bench_email(n), f"Bench account {n}", BENCH_PASSWORD
        )


async def run_size(args: argparse.Namespace) -> list[dict[str, Any]]:
    from registry import indexing
    from registry.config import get_settings

    size: int = args.child
    seconds = 4.0 if args.quick else 10.0
    settings = get_settings()
    begin_size(size)
    await load_data(settings, size)
    await create_bench_account()
    engine = indexing.make_engine(settings)
    await engine.apply_settings()
    indexed = await indexing.reindex(engine)
    await engine.close()
    line(f"index: {indexed:,} documents")

    results = []
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    server = Server(dict(os.environ), workers, settings.data_dir / "server.log")
    try:
        server.wait_ready()
        line(
            f"server: registry serve, {workers} workers; ordinary client: one keep-alive "
            f"connection, {seconds:g} s per run"
        )
        idle = ordinary_client(server, seconds)
        results.append({"load": "idle", "p50": idle.p50, "p99": idle.p99, "n": len(idle.samples)})
        runs = [[kind] for kind in HOSTILE_KINDS] + [list(HOSTILE_KINDS)]
        for kinds in runs:
            timed, counts = under_load(server, kinds, seconds)
            results.append(
                {
                    "load": " + ".join(kinds) if len(kinds) > 1 else kinds[0],
                    "p50": timed.p50,
                    "p99": timed.p99,
                    "n": len(timed.samples),
                    "errors": timed.errors,
                    "hostile": counts,
                }
            )
    finally:
        server.stop()
    return [{"size": size, "runs": results}]


def summary(results: list[dict]) -> None:
    for result in results:
        for size_result in result if isinstance(result, list) else [result]:
            runs = size_result["runs"]
            idle = runs[0]
            line(f"\n{size_result['size']:,} solutions: the ordinary search request, milliseconds")
            line(f"   {'while sending':40} {'p50':>7} {'p99':>7} {'p99/idle':>9}  hostile answers")
            line(f"   {'nothing (idle)':40} {idle['p50']:7.2f} {idle['p99']:7.2f}")
            for run in runs[1:]:
                ratio = run["p99"] / idle["p99"] if idle["p99"] else float("nan")
                answers = ", ".join(
                    f"{status}: {count}" for status, count in sorted(run["hostile"].items())
                )
                line(
                    f"   {run['load']:40} {run['p50']:7.2f} {run['p99']:7.2f} {ratio:8.2f}x  "
                    f"{answers}  (budget ≤ {MAX_SLOWDOWN:g}x {verdict(ratio, MAX_SLOWDOWN)})"
                )
            all_p99 = [run["p99"] for run in runs[1:]]
            line(
                f"   worst p99 under load {max(all_p99):.2f} ms; "
                f"median of the runs' p50s {statistics.median(r['p50'] for r in runs[1:]):.2f} ms"
            )


def main() -> None:
    bench_main(
        Path(__file__),
        run_size,
        lambda results: summary(results),
        default_sizes=[20_000],
        profile_size=20_000,
        heading=lambda sizes: (
            "hostile input against an ordinary request: "
            + ", ".join(f"{s:,}" for s in sizes)
            + " synthetic solutions"
        ),
        description=__doc__.split("\n\n")[0],
    )


if __name__ == "__main__":
    main()
