"""How fast search is through the registry itself: database, reindex, server and HTTP API.

For 1,000, 10,000 and 100,000 synthetic solutions (titles like "Synthetic platform 4812: telecare
alarms", made from a fixed vocabulary of council-service words with a fixed random seed, beside
the 32 councils and the national bodies of the seeds) it prints, per size:

1. the full reindex from the database (`registry.indexing.reindex`, embedded engine);
2. the size of the index on disk;
3. the memory (RSS) of the server after warm-up and after the load;
4. p50/p99 latency and throughput of a fixed mix of searches through `GET /api/v1/search` with one
   client (sequential, keep-alive) and with 16 concurrent clients (1 and 2 server workers), beside
   the same searches through the engine in-process and the API/raw ratio;
5. how soon a change is searchable through the API after the write that made it returns.

Each figure is printed beside its budget (DESIGN.md section 8) with PASS or MISS. Each size runs
in a subprocess of this script with its own temporary data directory (SQLite database and index),
removed at the end. The server is the real one, `registry serve` (granian), on a free local port.

Run: `make bench`, or `.venv/bin/python bench/search.py [--sizes 1000,10000] [--quick]`;
`--profile` profiles the engine and the Litestar handler in-process instead (see bench/README.md).

`--engine meilisearch` runs the same benchmark on the Meilisearch server at `MEILI_URL` with the
key in `MEILI_API_KEY` (the one `registry search create-key` makes), on the index
`{MEILI_INDEX_PREFIX}solutions`, which it replaces: give it a server, or a prefix and key, of its
own. Beside the engine's time it prints Meilisearch's own `processingTimeMs`, and it holds the
figures to the Meilisearch budgets (engine p50 ≤ 8 ms, 16 clients with 2 workers ≥ 200/s).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import inspect
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import harness
from harness import (
    CLIENTS,
    PROJECT,
    SEED,
    InlineExecutor,
    Latencies,
    Server,
    asgi_get,
    begin_size,
    bench_main,
    budget_text,
    disk_size,
    line,
    load_data,
    mb,
    percentile,
    print_profile,
    raw_clients,
    registry_command,
    stop_group,
    verdict,
    wrk_run,
)

# The project root first, so that `import search` finds the search package, not this script.
sys.path.insert(0, str(PROJECT))

# The engine the benchmark runs on: set in the parent from --engine, passed to each size's process
# in BENCH_ENGINE (and the Meilisearch settings in BENCH_MEILI_*), since those are not inherited.
ENGINES = ("embedded", "meilisearch")
MEILI_ENGINE_P50_MS = 8.0  # issue budget on 2 cores, server beside the registry, at 10,000
MEILI_MANY_RPS = 200.0  # 16 clients, 2 workers
SERVER_MS: list[float] = []  # Meilisearch's processingTimeMs of each timed raw search

# DESIGN.md section 8, at the size each applies to
BUDGET_SIZE = 10_000
MEMORY_SIZE = 100_000
REINDEX_S = 5.0
ONE_P50_MS = 3.0
ONE_P99_MS = 10.0
MANY_RPS = 1_000.0
MANY_P99_MS = 50.0
VISIBLE_S = 1.0
RSS_MB = 300.0

# The fixed mix: public query parameters, exactly as a browser or API client sends them.
MIX: list[tuple[str, dict[str, list[str]]]] = [
    ("typo: procurment", {"q": ["procurment"]}),
    ("prefix: tele", {"q": ["tele"]}),
    ("typo, two words: digtal platform", {"q": ["digtal platform"]}),
    ("typos: schol clothng grant", {"q": ["schol clothng grant"]}),
    ("filter: kind=procurement", {"kind": ["procurement"]}),
    ("filter: service_area=housing", {"service_area": ["housing"]}),
    (
        "q + two filters: telecare",
        {"q": ["telecare"], "kind": ["platform"], "service_area": ["health_and_social_care"]},
    ),
    ("empty query, facets", {}),
    ("sort=interest", {"sort": ["interest"]}),
    ("page 3: waste collection", {"q": ["waste collection"], "page": ["3"]}),
    ("filter: adopted_by=fife", {"adopted_by": ["fife"]}),
    (
        "two values + sort=updated",
        {"characteristic": ["collaborative", "innovative"], "sort": ["updated"]},
    ),
    ("q + sort=adoption: council tax", {"q": ["council tax"], "sort": ["adoption"]}),
]


def search_path(params: dict[str, list[str]]) -> str:
    query = urlencode(params, doseq=True)
    return "/api/v1/search" + (f"?{query}" if query else "")


# -- clients ------------------------------------------------------------------------------------


def one_client_httpx(
    server: Server, paths: list[str], rounds: int
) -> tuple[Latencies, list[list[float]], list[float], list[int]]:
    """Sequential requests over one keep-alive httpx connection: every path, `rounds` times.
    Also the per-path samples, the engine time each response reports and the response sizes."""
    result, per_path, sizes, bodies = harness.one_client_httpx(server, paths, rounds, keep_every=10)
    took = [json.loads(body)["took_ms"] for body in bodies]
    return result, per_path, took, sizes


# -- the raw engine -----------------------------------------------------------------------------


CROP = ("description", "supplier_names")  # the long fields, for the cropped variant


async def raw_engine(
    engine: Any, rounds: int, *, crop: bool = False
) -> tuple[Latencies, list[list[float]], list[int]]:
    """The mix through `await engine.search(searching.to_query(searching.parse(params)))`; with
    `crop`, the long fields' highlights cropped to snippets (SearchQuery.crop)."""
    from registry.catalogue import searching

    async def once(params: dict[str, list[str]]) -> Any:
        query = searching.to_query(searching.parse(params))
        if crop:
            query = dataclasses.replace(query, crop=CROP)
        return await engine.search(query)

    totals = [(await once(params)).total for _, params in MIX]
    result = Latencies()
    per_query: list[list[float]] = [[] for _ in MIX]
    SERVER_MS.clear()
    started = time.perf_counter()
    for _ in range(rounds):
        for i, (_, params) in enumerate(MIX):
            t0 = time.perf_counter()
            answer = await once(params)
            elapsed = (time.perf_counter() - t0) * 1000
            if getattr(answer, "server_ms", None) is not None:
                SERVER_MS.append(answer.server_ms)
            result.samples.append(elapsed)
            per_query[i].append(elapsed)
    result.seconds = time.perf_counter() - started
    return result, per_query, totals


TYPED = (
    "telecare alarms",
    "school clothing grant",
    "waste collection",
    "council tax reduction",
    "digital platform",
    "housing repairs",
    "procurement framework",
)


async def type_ahead(engine: Any) -> Latencies:
    """Each phrase of `TYPED` as the discover page sends it while it is typed ("te", "tel",
    ... "telecare alarms"), every search new to the engine: what its caches of answers and
    facet counts cannot save, and its kept documents can."""
    from registry.catalogue import searching

    result = Latencies()
    started = time.perf_counter()
    for phrase in TYPED:
        for end in range(2, len(phrase) + 1):
            if phrase[end - 1] == " ":
                continue
            query = searching.to_query(searching.parse({"q": [phrase[:end]]}), ("title", "summary"))
            t0 = time.perf_counter()
            await engine.search(query)
            result.samples.append((time.perf_counter() - t0) * 1000)
    result.seconds = time.perf_counter() - started
    return result


async def response_sizes(engine: Any) -> tuple[float, float]:
    """Average bytes of the API's answer to the mix, shaped by the API's own `search_hit`,
    without and with the long fields cropped."""
    import msgspec

    from registry.catalogue import searching
    from registry.web.api.read import search_hit

    sizes = []
    for crop in (False, True):
        total = 0
        for _, params in MIX:
            query = searching.to_query(searching.parse(params))
            if crop:
                query = dataclasses.replace(query, crop=CROP)
            result = await engine.search(query)
            body = {"hits": [search_hit(hit) for hit in result.hits], "facets": result.facets}
            total += len(msgspec.json.encode(body))
        sizes.append(total / len(MIX))
    return sizes[0], sizes[1]


# -- write -> searchable --------------------------------------------------------------------------


async def write_to_visible(server: Server, trials: int, give_up: float = 15.0) -> list[float]:
    """Change a solution's title through the catalogue service (in this process, with a system
    actor), then poll the API until a search for the new word finds it; seconds each."""
    import httpx

    from registry import catalogue
    from registry.accounts import system_actor
    from registry.tables import Solution

    actor = system_actor("bench")
    row = (
        await Solution.select(Solution.slug, Solution.version, Solution.title)
        .where(Solution.status == "live")
        .order_by(Solution.id)
        .first()
    )
    r = random.Random(SEED + trials)
    waits = []
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        for _ in range(trials):
            word = "".join(r.choice("bcdfghjkmnpqrstvwxz") for _ in range(10))
            title = f"{row['title'].split(' | ')[0]} | change {word}"
            view = await catalogue.update_solution(
                actor, row["slug"], {"title": title}, row["version"]
            )
            written = time.perf_counter()
            row["version"] = view.version
            while True:
                response = await client.get("/api/v1/search", params={"q": word, "per_page": 5})
                hits = response.json().get("hits", []) if response.status_code == 200 else []
                if any(word in hit["title"] for hit in hits):
                    waits.append(time.perf_counter() - written)
                    break
                if time.perf_counter() - written > give_up:
                    waits.append(float("inf"))
                    break
                await asyncio.sleep(0.005)
    return waits


class Worker:
    """`registry worker --interval 0.05` as a subprocess, stopped by its id."""

    def __init__(self, env: dict[str, str], log: Path, interval: float = 0.05) -> None:
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [*registry_command(), "worker", "--interval", str(interval)],
                cwd=PROJECT,
                env=env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        time.sleep(1.5)  # imports and opening the index

    def stop(self) -> None:
        stop_group(self.process, 10)


def has_write_endpoints(server: Server) -> list[str]:
    """Solution write routes the API offers now (the schema), if any."""
    import httpx

    try:
        schema = httpx.get(f"{server.base}/schema/openapi.json", timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return []
    return [
        f"{method.upper()} {path}"
        for path, item in schema.get("paths", {}).items()
        if path.startswith("/api/v1/solutions")
        for method in item
        if method in ("post", "put", "patch", "delete")
    ]


# -- profiling ----------------------------------------------------------------------------------


async def profile_in_process(settings: Any, rounds: int) -> None:
    from registry import indexing
    from registry.catalogue import searching
    from registry.web.app import create_app

    engine = indexing.make_engine(settings)
    for pool in ("_executor", "_searching"):  # the engine's thread pools, whichever it has
        if hasattr(engine, pool):
            setattr(engine, pool, InlineExecutor())
    queries = [searching.to_query(searching.parse(params)) for _, params in MIX]
    for query in queries:
        await engine.search(query)

    async def engine_loop() -> None:
        for _ in range(rounds):
            for query in queries:
                await engine.search(query)

    fresh = None  # the embedded engine without its cache of whole answers: what a new search costs
    if "page_cache" in inspect.signature(type(engine)).parameters:
        fresh = type(engine)(engine.directory, engine.spec, page_cache=0)
        for pool in ("_executor", "_searching"):
            setattr(fresh, pool, InlineExecutor())
        for query in queries:
            await fresh.search(query)

    async def fresh_loop() -> None:
        for _ in range(rounds):
            for query in queries:
                await fresh.search(query)

    app = create_app(settings, engine=engine, database_pool=False)
    paths = [search_path(params) for _, params in MIX]
    for path in paths:
        status, _ = await asgi_get(app, path)
        assert status == 200, (path, status)

    async def app_loop() -> None:
        for _ in range(rounds):
            for path in paths:
                await asgi_get(app, path)

    loops = [("engine.search", engine_loop), ("ASGI app, GET /api/v1/search", app_loop)]
    if fresh is not None:
        loops.insert(1, ("engine.search, answers not kept (page_cache=0)", fresh_loop))
    for label, loop in loops:
        started = time.perf_counter()
        await loop()
        plain = (time.perf_counter() - started) / (rounds * len(MIX)) * 1000
        profile = cProfile.Profile()
        profile.enable()
        await loop()
        profile.disable()
        print(f"\n  {label}: {plain:.3f} ms per search in-process, without the profiler")
        print_profile(profile, label, 28)
    await engine.close()
    if fresh is not None:
        await fresh.close()


# -- one size -----------------------------------------------------------------------------------


@dataclass
class Plan:
    raw_rounds: int
    one_rounds: int
    many_seconds: float
    visible_trials: int
    drainer: int  # trials with only the server's drainer


def plan_for(size: int, quick: bool) -> Plan:
    if quick:
        return Plan(raw_rounds=30, one_rounds=30, many_seconds=4, visible_trials=5, drainer=1)
    if size >= 100_000:
        return Plan(raw_rounds=40, one_rounds=60, many_seconds=8, visible_trials=9, drainer=2)
    return Plan(raw_rounds=100, one_rounds=200, many_seconds=10, visible_trials=11, drainer=2)


async def run_size(args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one size; the environment (data directory) is already set."""
    from registry import indexing
    from registry.config import get_settings

    size: int = args.child
    engine_kind = os.environ.get("BENCH_ENGINE", "embedded")
    if engine_kind == "meilisearch":
        os.environ |= {
            "SEARCH_ENGINE": "meilisearch",
            "MEILI_URL": os.environ["BENCH_MEILI_URL"],
            "MEILI_API_KEY": os.environ["BENCH_MEILI_API_KEY"],
            "MEILI_INDEX_PREFIX": os.environ.get("BENCH_MEILI_INDEX_PREFIX", ""),
        }
    plan = plan_for(size, args.quick)
    at_budget, at_memory = size == BUDGET_SIZE, size == MEMORY_SIZE
    settings = get_settings()
    data_dir = settings.data_dir
    results: dict[str, Any] = {"size": size, "cores": os.cpu_count(), "engine": engine_kind}
    meili = engine_kind == "meilisearch"
    results["busy"] = begin_size(size)

    # -- data
    await load_data(settings, size)

    # -- 1. reindex, 2. size on disk
    engine = indexing.make_engine(settings)
    await engine.apply_settings()
    loading = [0.0]  # seconds spent waiting for the next batch of documents from the database
    rebuild = engine.rebuild

    async def timed_rebuild(documents: Any, progress: Any = None) -> int:
        async def timed() -> Any:
            batches = documents.__aiter__()
            while True:
                t0 = time.perf_counter()
                try:
                    batch = await batches.__anext__()
                except StopAsyncIteration:
                    return
                finally:
                    loading[0] += time.perf_counter() - t0
                yield batch

        return await rebuild(timed(), progress)

    engine.rebuild = timed_rebuild  # this instance only: the time between its batches
    started = time.perf_counter()
    indexed = await indexing.reindex(engine)
    reindex_s = time.perf_counter() - started
    del engine.rebuild
    disk = 0 if meili else disk_size(settings.search_dir)
    results |= {"reindex_s": reindex_s, "indexed": indexed, "index_mb": mb(disk)}
    line(
        f"1. full reindex (registry.indexing.reindex, {engine_kind} engine): {reindex_s:.2f} s for "
        f"{indexed:,} documents ({indexed / reindex_s:,.0f}/s; reading the database and building "
        f"documents {loading[0]:.2f} s, {'Meilisearch' if meili else 'Tantivy'} "
        f"{reindex_s - loading[0]:.2f} s)   "
        + ("" if meili else budget_text(reindex_s, REINDEX_S, "s", at_budget))
    )
    if meili:
        line("2. index on disk: on the Meilisearch server (see its data directory)")
    else:
        per_doc = disk / max(indexed, 1)
        line(f"2. index on disk: {mb(disk):.1f} MB ({per_doc:,.0f} bytes a document)")

    if args.profile:
        line(f"\nprofile: {args.profile_rounds} rounds of the {len(MIX)} searches, in-process")
        await profile_in_process(settings, args.profile_rounds)
        await engine.close()
        return results

    # -- raw engine, in-process (nothing else running)
    from search import SearchQuery

    raw, raw_per_query, totals = await raw_engine(engine, plan.raw_rounds)
    server_p50 = statistics.median(SERVER_MS) if SERVER_MS else None
    if meili:
        uncached = raw  # no cache in front of a Meilisearch server
        line(
            f"   engine search p50 {raw.p50:.2f} ms beside Meilisearch's processingTimeMs p50 "
            f"{server_p50 if server_p50 is not None else float('nan'):.2f} ms   "
            + budget_text(raw.p50, MEILI_ENGINE_P50_MS, "ms", at_budget)
        )
    else:
        from search.tantivy import TantivyEngine

        uncached_engine = TantivyEngine(
            settings.search_dir / indexing.SPEC.name,
            engine.spec,
            facet_cache=0,
            page_cache=0,
            document_cache=0,
        )
        uncached, _, _ = await raw_engine(uncached_engine, max(plan.raw_rounds // 3, 5))
        await uncached_engine.close()
    typed = None
    if not meili:
        from search.tantivy import TantivyEngine

        typed_engine = TantivyEngine(settings.search_dir / indexing.SPEC.name, engine.spec)
        await typed_engine.search(SearchQuery())  # opened, as a serving engine is
        typed = await type_ahead(typed_engine)
        await typed_engine.close()
    cropped = None
    if "crop" in {f.name for f in dataclasses.fields(SearchQuery)}:
        cropped, _, _ = await raw_engine(engine, max(plan.raw_rounds // 3, 5), crop=True)
        payload = await response_sizes(engine)
    await engine.close()

    # -- the server, one worker
    env = dict(os.environ)
    paths = [search_path(params) for _, params in MIX]
    server = Server(env, 1, data_dir / "server-1.log")
    try:
        ready = server.wait_ready()
        await raw_clients(server, paths, CLIENTS, rounds=3)  # warm-up
        one_client_httpx(server, paths, 5)
        rss_warm = server.rss()
        line(
            f"\nserver: registry serve (granian, ASGI), 1 worker, ready in {ready:.1f} s; "
            f"client and server share this machine's {os.cpu_count()} cores"
        )
        line(
            f"3. RSS after warm-up: {rss_warm[0]:.0f} MB (largest process), "
            f"{rss_warm[1]:.0f} MB (all {rss_warm[2]} server processes)"
        )

        # -- 4. one client
        one, one_per_path, took, sizes = one_client_httpx(server, paths, plan.one_rounds)
        one_raw = await raw_clients(server, paths, 1, rounds=max(plan.one_rounds // 2, 10))

        # -- 4. sixteen clients
        await raw_clients(server, paths, CLIENTS, seconds=1)
        many = {1: await raw_clients(server, paths, CLIENTS, seconds=plan.many_seconds)}
        wrk = wrk_run(server, paths, int(plan.many_seconds), CLIENTS)
        rss_load = server.rss()

        # -- 5. write -> searchable
        writes = has_write_endpoints(server)
        drainer = await write_to_visible(server, plan.drainer)
        worker = Worker(env, data_dir / "worker.log")
        try:
            visible = await write_to_visible(server, plan.visible_trials)
        finally:
            worker.stop()
    finally:
        server.stop()

    # -- the server, two workers
    server = Server(env, 2, data_dir / "server-2.log")
    try:
        server.wait_ready()
        await raw_clients(server, paths, CLIENTS, seconds=2)  # warm-up both workers
        many[2] = await raw_clients(server, paths, CLIENTS, seconds=plan.many_seconds)
        rss_two = server.rss()
    finally:
        server.stop()

    # -- report
    line(
        f"\n4. the mix through the API (one client, httpx, keep-alive) beside the raw engine "
        f"in-process; {plan.one_rounds} and {plan.raw_rounds} rounds; milliseconds"
    )
    line(
        f"   {'search':34} {'hits':>7}  {'raw p50':>8} {'raw p99':>8}  {'api p50':>8} "
        f"{'api p99':>8}  {'ratio':>5}  {'bytes':>7}"
    )
    for i, (label, _) in enumerate(MIX):
        rp50, rp99 = statistics.median(raw_per_query[i]), percentile(raw_per_query[i], 99)
        ap50, ap99 = statistics.median(one_per_path[i]), percentile(one_per_path[i], 99)
        line(
            f"   {label:34} {totals[i]:>7,}  {rp50:8.2f} {rp99:8.2f}  {ap50:8.2f} {ap99:8.2f}  "
            f"{ap50 / rp50:5.1f}  {sizes[i]:>7,}"
        )
    ratio = one.p50 / raw.p50
    line(
        f"   {'whole mix':34} {'':>7}  {raw.p50:8.2f} {raw.p99:8.2f}  {one.p50:8.2f} "
        f"{one.p99:8.2f}  {ratio:5.1f}"
    )
    line(
        f"   raw engine without its caches of facet counts, whole answers and documents "
        f"(every search counts its facets, reads and marks its hits): "
        f"p50 {uncached.p50:.2f} ms, p99 {uncached.p99:.2f} ms"
    )
    if typed:
        line(
            f"   type-ahead, {len(typed.samples)} searches each new to the engine (the phrases "
            f"of TYPED as they are typed, as the discover page asks): p50 {typed.p50:.2f} ms, "
            f"p99 {typed.p99:.2f} ms"
        )
    if cropped:
        line(
            f"   raw engine with SearchQuery.crop={CROP}: p50 {cropped.p50:.2f} ms, "
            f"p99 {cropped.p99:.2f} ms; an API response of the mix averages {payload[0]:,.0f} "
            f"bytes as served, {payload[1]:,.0f} bytes with those fields cropped"
        )
    line(
        f"   engine time the API reports (took_ms, thread hop included): "
        f"p50 {statistics.median(took):.2f} ms, p99 {percentile(took, 99):.2f} ms"
    )
    line(
        f"   one client, httpx:      p50 {one.p50:.2f} ms  "
        + budget_text(one.p50, ONE_P50_MS, "ms", at_budget)
        + f";  p99 {one.p99:.2f} ms  "
        + budget_text(one.p99, ONE_P99_MS, "ms", at_budget)
    )
    line(
        f"                           {one.rate:,.0f} searches/s; client CPU "
        f"{one.per_request_ms(one.client_cpu):.2f} ms and server CPU "
        f"{one.per_request_ms(one.server_cpu):.2f} ms a search; {one.errors} errors"
    )
    line(
        f"   one client, raw socket: p50 {one_raw.p50:.2f} ms  "
        + budget_text(one_raw.p50, ONE_P50_MS, "ms", at_budget)
        + f";  p99 {one_raw.p99:.2f} ms  "
        + budget_text(one_raw.p99, ONE_P99_MS, "ms", at_budget)
    )
    line(
        f"                           {one_raw.rate:,.0f} searches/s (the same server; a client "
        f"with less overhead: CPU {one_raw.per_request_ms(one_raw.client_cpu):.2f} ms a search)"
    )
    for workers, run in many.items():
        line(
            f"   {CLIENTS} clients, {workers} worker{'s' if workers > 1 else ' '}: "
            f"{run.rate:,.0f} searches/s  "
            + budget_text(run.rate, MANY_RPS, "/s", at_budget, at_least=True)
            + f";  p50 {run.p50:.1f} ms, p99 {run.p99:.1f} ms  "
            + budget_text(run.p99, MANY_P99_MS, "ms", at_budget)
        )
        line(
            f"                           {len(run.samples):,} searches in {run.seconds:.1f} s, "
            f"{run.errors} errors; CPU a search: client {run.per_request_ms(run.client_cpu):.2f} "
            f"ms, server {run.per_request_ms(run.server_cpu):.2f} ms"
        )
    if wrk:
        line(f"   wrk ({CLIENTS} connections, 1 worker):\n{wrk}")
    else:
        line("   (wrk is not installed: no wrk figures)")
    line(
        f"3. RSS after the load: {rss_load[0]:.0f} MB (largest process), {rss_load[1]:.0f} MB "
        f"(all {rss_load[2]})  "
        + budget_text(rss_load[0], RSS_MB, "MB", at_memory)
        + f";  2 workers: {rss_two[0]:.0f} MB largest, {rss_two[1]:.0f} MB all {rss_two[2]}"
    )
    median_visible = statistics.median(visible)
    line(
        "5. write -> searchable: catalogue.update_solution (system actor) in this process, then "
        "GET /api/v1/search polled every 5 ms until the new title word is found"
    )
    if writes:
        line(
            f"   (the API now offers {', '.join(writes)}; not used here: it needs a signed-in user)"
        )
    else:
        line("   (the API offers no solution write endpoints yet, so the write is a service call)")
    line(
        f"   with `registry worker --interval 0.05` beside the server: median "
        f"{median_visible * 1000:.0f} ms, max {max(visible) * 1000:.0f} ms over {len(visible)} "
        f"changes  " + budget_text(median_visible, VISIBLE_S, "s", True)
    )
    line(
        "   with only the server's own drainer (wakes every 5 s when no HTTP write nudges it): "
        + ", ".join(f"{w:.2f} s" for w in drainer)
    )
    results |= {
        "server_p50": server_p50,
        "raw_p50": raw.p50,
        "raw_p99": raw.p99,
        "raw_uncached_p50": uncached.p50,
        "one_p50": one.p50,
        "one_p99": one.p99,
        "one_rate": one.rate,
        "one_raw_p50": one_raw.p50,
        "one_raw_p99": one_raw.p99,
        "raw_crop_p50": cropped.p50 if cropped else None,
        "ratio": ratio,
        "many": {w: {"rate": r.rate, "p50": r.p50, "p99": r.p99} for w, r in many.items()},
        "rss_warm": rss_warm[0],
        "rss_load": rss_load[0],
        "rss_load_all": rss_load[1],
        "rss_two": rss_two[1],
        "visible_median": median_visible,
        "drainer": drainer,
    }
    return results


# -- the driver ---------------------------------------------------------------------------------


def summary(results: list[dict[str, Any]]) -> None:
    line("\n=== summary " + "=" * 80)
    line(
        f"machine: {os.cpu_count()} cores, shared by the load generator and the server; other "
        "processes' use of them before each size: "
        + ", ".join(f"{r.get('busy', 0):.0f}%" for r in results)
    )
    header = (
        f"{'solutions':>10} {'reindex':>8} {'index':>7} {'RSS warm':>9} {'RSS load':>9} "
        f"{'raw p50':>8} {'1c p50':>7} {'1c p99':>7} {'ratio':>6} {'16c/1w':>8} {'p99':>6} "
        f"{'16c/2w':>8} {'p99':>6} {'visible':>8}"
    )
    line(header)
    for r in results:
        if "one_p50" not in r:
            line(f"{r['size']:>10,} {r['reindex_s']:>7.2f}s {r['index_mb']:>5.1f}MB")
            continue
        m1, m2 = r["many"]["1"], r["many"]["2"]
        line(
            f"{r['size']:>10,} {r['reindex_s']:>7.2f}s {r['index_mb']:>5.1f}MB "
            f"{r['rss_warm']:>7.0f}MB {r['rss_load']:>7.0f}MB {r['raw_p50']:>6.2f}ms "
            f"{r['one_p50']:>5.2f}ms {r['one_p99']:>5.2f}ms {r['ratio']:>5.1f}x "
            f"{m1['rate']:>6,.0f}/s {m1['p99']:>4.0f}ms {m2['rate']:>6,.0f}/s {m2['p99']:>4.0f}ms "
            f"{r['visible_median'] * 1000:>6.0f}ms"
        )
    by_size = {r["size"]: r for r in results}
    checks = []
    if any(r.get("engine") == "meilisearch" for r in results):
        for r in results:
            if r.get("server_p50") is not None:
                line(
                    f"{r['size']:>10,} Meilisearch processingTimeMs p50 {r['server_p50']:.2f} ms "
                    f"beside the engine's {r['raw_p50']:.2f} ms"
                )
        if BUDGET_SIZE in by_size and "one_p50" in by_size[BUDGET_SIZE]:
            r = by_size[BUDGET_SIZE]
            checks += [
                ("engine search p50 at 10,000 ≤ 8 ms", r["raw_p50"], MEILI_ENGINE_P50_MS, False),
                ("16 clients, 2 workers: ≥ 200/s", r["many"]["2"]["rate"], MEILI_MANY_RPS, True),
            ]
        for label, value, budget, at_least in checks:
            line(f"  {verdict(value, budget, at_least=at_least)}  {label}: {value:,.2f}")
        return
    if BUDGET_SIZE in by_size:
        r = by_size[BUDGET_SIZE]
        checks.append(("reindex at 10,000 ≤ 5 s", r["reindex_s"], REINDEX_S, False))
        if "one_p50" in r:
            checks += [
                ("one client (httpx) p50 at 10,000 ≤ 3 ms", r["one_p50"], ONE_P50_MS, False),
                ("one client (httpx) p99 at 10,000 ≤ 10 ms", r["one_p99"], ONE_P99_MS, False),
                ("one client (socket) p50 at 10,000 ≤ 3 ms", r["one_raw_p50"], ONE_P50_MS, False),
                ("one client (socket) p99 at 10,000 ≤ 10 ms", r["one_raw_p99"], ONE_P99_MS, False),
            ]
            for workers in (1, 2):
                m = r["many"][str(workers)]
                checks += [
                    (f"16 clients, {workers} worker(s): ≥ 1,000/s", m["rate"], MANY_RPS, True),
                    (f"16 clients, {workers} worker(s): p99 ≤ 50 ms", m["p99"], MANY_P99_MS, False),
                ]
    if MEMORY_SIZE in by_size and "rss_load" in by_size[MEMORY_SIZE]:
        r = by_size[MEMORY_SIZE]
        checks.append(("server RSS at 100,000 ≤ 300 MB", r["rss_load"], RSS_MB, False))
    for r in results:
        if "visible_median" in r:
            checks.append(
                (f"searchable ≤ 1 s at {r['size']:,} (median)", r["visible_median"], 1.0, False)
            )
    for label, value, budget, at_least in checks:
        line(f"  {verdict(value, budget, at_least=at_least)}  {label}: {value:,.2f}")


def main() -> None:
    engine = os.environ.get("BENCH_ENGINE", "embedded")  # a size's process inherits it
    if "--engine" in sys.argv:
        at = sys.argv.index("--engine")
        engine = sys.argv[at + 1] if at + 1 < len(sys.argv) else ""
        del sys.argv[at : at + 2]
    if engine not in ENGINES:
        sys.exit(f"--engine must be one of {', '.join(ENGINES)}")
    os.environ["BENCH_ENGINE"] = engine
    if engine == "meilisearch" and "--child" not in sys.argv:
        url, key = os.environ.get("MEILI_URL", ""), os.environ.get("MEILI_API_KEY", "")
        if not url or not key:
            sys.exit("--engine meilisearch needs MEILI_URL and MEILI_API_KEY")
        os.environ |= {
            "BENCH_MEILI_URL": url,
            "BENCH_MEILI_API_KEY": key,
            "BENCH_MEILI_INDEX_PREFIX": os.environ.get("MEILI_INDEX_PREFIX", ""),
        }
    bench_main(
        Path(__file__).resolve(),
        run_size,
        summary,
        default_sizes=[1_000, 10_000, 100_000],
        profile_size=BUDGET_SIZE,
        heading=lambda sizes: (
            f"search benchmark: {', '.join(f'{s:,}' for s in sizes)} synthetic solutions; "
            f"{os.cpu_count()} cores; {len(MIX)} searches in the mix"
        ),
        description=(__doc__ or "").splitlines()[0],
    )


if __name__ == "__main__":
    main()
