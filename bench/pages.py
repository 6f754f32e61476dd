"""How fast the registry's pages are: the discover page and solution pages through the server.

Over the synthetic catalogue bench/search.py uses (10,000 solutions by default), it checks, then
measures, anonymous GET requests through the real server (`registry serve`, granian) for three
kinds of page: the discover page with a query and two facets, in a fixed mix with a few variants
(a typo, the empty listing, two facets without words, page 2 of a search); the same addresses as
htmx asks for them (`HX-Request: true`, the results fragment only); and fixed solution pages
(per kind the busiest and the first published one, and the longest description). Per kind it
prints p50/p99 latency and throughput with one client and with 16 concurrent clients against 1
and 2 server workers, beside the budgets of DESIGN.md section 8 with PASS or MISS, and each
page's size; `--profile` shows instead, in-process, where a page's time goes. Each size runs in
a subprocess with its own temporary data directory. Run: `make bench`, or
`.venv/bin/python bench/pages.py [--sizes 10000] [--quick] [--profile]` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from harness import (
    CLIENTS,
    PROJECT,
    InlineExecutor,
    Latencies,
    Server,
    asgi_get,
    begin_size,
    bench_main,
    budget_text,
    line,
    load_data,
    one_client_httpx,
    percentile,
    print_profile,
    raw_clients,
    verdict,
    wrk_run,
)

# The project root first, so that `import search` finds the search package, not bench/search.py.
sys.path.insert(0, str(PROJECT))

# DESIGN.md section 8: the discover page at 10,000 solutions (held to solution pages too)
BUDGET_SIZE = 10_000
ONE_P50_MS = 15.0
MANY_P99_MS = 100.0

TWO_FACETS = {"kind": ["platform"], "service_area": ["health_and_social_care"]}
# The discover mix: public query parameters, exactly as the page's form sends them.
DISCOVER: list[tuple[str, dict[str, list[str]]]] = [
    ("q + two facets: telecare", {"q": ["telecare"], **TWO_FACETS}),
    ("typo + two facets: telcare", {"q": ["telcare"], **TWO_FACETS}),
    ("the empty listing (home page)", {}),
    ("two facets, no words", TWO_FACETS),
    (
        "page 2: telecare + a facet",
        {"q": ["telecare"], "service_area": ["health_and_social_care"], "page": ["2"]},
    ),
]
HTML = {"Accept": "text/html,application/xhtml+xml"}
HTMX = {**HTML, "HX-Request": "true"}
DISCOVER_H1 = '<h1 class="ds_page-header__title">Discover shared solutions</h1>'
KINDS = ("discover", "fragment", "solution")
KIND_LABELS = {
    "discover": "discover page",
    "fragment": "discover, htmx fragment",
    "solution": "solution page",
}


def discover_path(params: dict[str, list[str]]) -> str:
    query = urlencode(params, doseq=True)
    return "/" + (f"?{query}" if query else "")


@dataclass
class Page:
    kind: str  # one of KINDS
    label: str
    path: str
    expect: list[str]  # texts the page must contain


def solution_pages(database: Path) -> list[Page]:
    """Fixed solution pages of the synthetic catalogue: per kind, the one with the most
    adoptions, interests and pledges and the first published one; and the longest description.
    The catalogue is the same on every run, so these are the same pages every time."""
    from markupsafe import escape

    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            """
            WITH a AS (SELECT solution, count(*) AS n FROM adoption GROUP BY solution),
                 i AS (SELECT solution, count(*) AS n FROM interest
                       WHERE withdrawn_at IS NULL GROUP BY solution),
                 p AS (SELECT solution, count(*) AS n FROM sponsorship
                       WHERE status != 'withdrawn' GROUP BY solution)
            SELECT s.id, s.kind, s.slug, s.title, length(s.description),
                   coalesce(a.n, 0), coalesce(i.n, 0), coalesce(p.n, 0)
            FROM solution AS s
            LEFT JOIN a ON a.solution = s.id
            LEFT JOIN i ON i.solution = s.id
            LEFT JOIN p ON p.solution = s.id
            WHERE s.status NOT IN ('draft', 'retired')
            ORDER BY s.id
            """
        ).fetchall()
    finally:
        connection.close()
    chosen: dict[str, tuple] = {}
    for kind in ("platform", "procurement", "challenge", "component"):
        of_kind = [row for row in rows if row[1] == kind]
        busiest = max(of_kind, key=lambda row: (row[5] + row[6] + row[7], -row[0]))
        chosen[busiest[2]] = (f"{kind}, the busiest", busiest)
        chosen.setdefault(of_kind[0][2], (f"{kind}, the first", of_kind[0]))
    longest = max(rows, key=lambda row: (row[4], -row[0]))
    chosen.setdefault(longest[2], ("the longest description", longest))
    pages = []
    for slug, (label, row) in chosen.items():
        counts = f"{row[5]}/{row[6]}/{row[7]}, {row[4]:,} chars"
        pages.append(
            Page(
                "solution",
                f"{label} ({counts})",
                f"/solutions/{slug}",
                [f'<h1 class="ds_page-header__title">{escape(row[3])}</h1>', 'id="used-by"'],
            )
        )
    return pages


def all_pages(database: Path) -> list[Page]:
    pages = []
    for label, params in DISCOVER:
        path = discover_path(params)
        pages.append(Page("discover", label, path, [DISCOVER_H1, 'class="ds_search-result"']))
        pages.append(
            Page(
                "fragment", label, path, ['<div id="discover-results"', 'class="ds_search-result"']
            )
        )
    return pages + solution_pages(database)


def headers_for(kind: str) -> dict[str, str]:
    return HTMX if kind == "fragment" else HTML


def check_pages(server: Server, pages: list[Page]) -> str:
    """Ask for every page once and make sure it is the page: 200, HTML, the texts it must
    contain (a fragment must not be a whole page). The CSRF cookie the first answer sets, as
    `name=value`, for the clients to send back as a browser does."""
    import httpx

    cookie = ""
    with httpx.Client(base_url=server.base, timeout=30) as client:
        for page in pages:
            response = client.get(page.path, headers=headers_for(page.kind))
            problems = []
            if response.status_code != 200:
                problems.append(f"status {response.status_code}")
            if not response.headers.get("content-type", "").startswith("text/html"):
                problems.append(f"content-type {response.headers.get('content-type')}")
            problems += [f"no {text!r}" for text in page.expect if text not in response.text]
            if page.kind == "fragment" and "<html" in response.text:
                problems.append("a whole page, not the fragment")
            if problems:
                raise RuntimeError(f"{page.path} ({page.kind}) is not the page: {problems}")
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return cookie


# -- one size -----------------------------------------------------------------------------------


@dataclass
class Plan:
    one_rounds: int
    many_seconds: float


def plan_for(quick: bool) -> Plan:
    return Plan(one_rounds=20, many_seconds=3) if quick else Plan(one_rounds=100, many_seconds=8)


@dataclass
class KindRun:
    """What one kind of page measured against one server."""

    one: Latencies = field(default_factory=Latencies)  # one client, httpx
    one_raw: Latencies = field(default_factory=Latencies)  # one client, the minimal client
    many: Latencies = field(default_factory=Latencies)  # 16 clients
    per_path: list[list[float]] = field(default_factory=list)  # one client, httpx, per page
    sizes: list[int] = field(default_factory=list)  # bytes of each page


async def measure(
    server: Server, pages: list[Page], cookie: str, plan: Plan, *, one_client: bool
) -> dict[str, KindRun]:
    runs = {}
    for kind in KINDS:
        paths = [p.path for p in pages if p.kind == kind]
        headers = {**headers_for(kind), **({"Cookie": cookie} if cookie else {})}
        run = KindRun()
        await raw_clients(server, paths, CLIENTS, seconds=1, headers=headers)  # warm-up
        if one_client:
            run.one, run.per_path, run.sizes, _ = one_client_httpx(
                server, paths, plan.one_rounds, headers=headers
            )
            rounds = max(plan.one_rounds // 2, 10)
            run.one_raw = await raw_clients(server, paths, 1, rounds=rounds, headers=headers)
        run.many = await raw_clients(
            server, paths, CLIENTS, seconds=plan.many_seconds, headers=headers
        )
        runs[kind] = run
    return runs


async def run_size(args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one size; the environment (data directory) is already set."""
    from registry import indexing
    from registry.config import get_settings

    size: int = args.child
    plan = plan_for(args.quick)
    at_budget = size == BUDGET_SIZE
    settings = get_settings()
    data_dir = settings.data_dir
    results: dict[str, Any] = {"size": size, "cores": os.cpu_count()}
    results["busy"] = begin_size(size)
    await load_data(settings, size)
    engine = indexing.make_engine(settings)
    await engine.apply_settings()
    started = time.perf_counter()
    indexed = await indexing.reindex(engine)
    line(f"index: {indexed:,} documents in {time.perf_counter() - started:.1f} s (reindex)")
    await engine.close()
    pages = all_pages(settings.sqlite_path)

    if args.profile:
        line(f"\nprofile: {args.profile_rounds} rounds of each kind of page, in-process")
        await profile_in_process(settings, pages, args.profile_rounds)
        return results

    env = dict(os.environ)
    by_workers: dict[int, dict[str, KindRun]] = {}
    wrk = None
    for workers in (1, 2):
        server = Server(env, workers, data_dir / f"server-{workers}.log")
        try:
            ready = server.wait_ready()
            cookie = check_pages(server, pages)
            if workers == 1:
                line(
                    f"\nserver: registry serve (granian, ASGI), 1 and 2 workers, ready in "
                    f"{ready:.1f} s; client and server share this machine's "
                    f"{os.cpu_count()} cores"
                )
                line(
                    f"pages checked (200, text/html, the page's h1 or the results fragment): "
                    f"{len(pages)}; anonymous, no session; the CSRF cookie the first page set "
                    f"is sent back{' (' + cookie.split('=')[0] + ')' if cookie else ''}"
                )
            by_workers[workers] = await measure(
                server, pages, cookie, plan, one_client=workers == 1
            )
            if workers == 1:
                discover_paths = [p.path for p in pages if p.kind == "discover"]
                wrk_headers = {**HTML, **({"Cookie": cookie} if cookie else {})}
                wrk = wrk_run(server, discover_paths, int(plan.many_seconds), CLIENTS, wrk_headers)
        finally:
            server.stop()

    # -- report
    one = by_workers[1]
    line(
        f"\n1. each page, one client (httpx, keep-alive), {plan.one_rounds} rounds; "
        "milliseconds and bytes"
    )
    line("   (solution pages: adoptions/interests/pledges shown, and the description's length)")
    line(f"   {'page':58} {'p50':>7} {'p99':>7} {'bytes':>8}")
    for kind in KINDS:
        of_kind = [p for p in pages if p.kind == kind]
        run = one[kind]
        for page, samples, size_bytes in zip(of_kind, run.per_path, run.sizes, strict=True):
            label = f"{kind}: {page.label}"
            line(
                f"   {label:58} {statistics.median(samples):7.2f} "
                f"{percentile(samples, 99):7.2f} {size_bytes:>8,}"
            )
    line(
        f"\n2. per kind of page: one client (httpx, then a minimal asyncio client), and "
        f"{CLIENTS} clients (keep-alive, no pause, {plan.many_seconds:g} s each) against 1 and "
        "2 server workers"
    )
    kinds: dict[str, Any] = {}
    for kind in KINDS:
        run = one[kind]
        name = KIND_LABELS[kind]
        line(
            f"   {name} ({len(run.sizes)} addresses in turn; {statistics.mean(run.sizes):,.0f} "
            "bytes on average)"
        )
        line(
            f"     one client, httpx:      p50 {run.one.p50:.2f} ms  "
            + budget_text(run.one.p50, ONE_P50_MS, "ms", at_budget)
            + f";  p99 {run.one.p99:.2f} ms;  {run.one.rate:,.0f} pages/s"
        )
        line(
            f"                             client CPU "
            f"{run.one.per_request_ms(run.one.client_cpu):.2f} ms and server CPU "
            f"{run.one.per_request_ms(run.one.server_cpu):.2f} ms a page; {run.one.errors} errors"
        )
        line(
            f"     one client, raw socket: p50 {run.one_raw.p50:.2f} ms  "
            + budget_text(run.one_raw.p50, ONE_P50_MS, "ms", at_budget)
            + f";  p99 {run.one_raw.p99:.2f} ms;  {run.one_raw.rate:,.0f} pages/s"
        )
        entry: dict[str, Any] = {
            "one_p50": run.one.p50,
            "one_p99": run.one.p99,
            "one_rate": run.one.rate,
            "one_raw_p50": run.one_raw.p50,
            "one_raw_p99": run.one_raw.p99,
            "bytes": statistics.mean(run.sizes),
            "first_p50": statistics.median(run.per_path[0]),  # q + two facets, first solution
            "many": {},
        }
        for workers, runs in by_workers.items():
            many = runs[kind].many
            line(
                f"     {CLIENTS} clients, {workers} worker{'s' if workers > 1 else ' '}: "
                f"{many.rate:,.0f} pages/s;  p50 {many.p50:.1f} ms, p99 {many.p99:.1f} ms  "
                + budget_text(many.p99, MANY_P99_MS, "ms", at_budget)
            )
            line(
                f"                             {len(many.samples):,} pages in "
                f"{many.seconds:.1f} s, {many.errors} errors; CPU a page: client "
                f"{many.per_request_ms(many.client_cpu):.2f} ms, server "
                f"{many.per_request_ms(many.server_cpu):.2f} ms"
            )
            entry["many"][workers] = {"rate": many.rate, "p50": many.p50, "p99": many.p99}
        kinds[kind] = entry
    if wrk:
        line(f"   wrk ({CLIENTS} connections, 1 worker, the discover mix):\n{wrk}")
    else:
        line("   (wrk is not installed: no wrk figures)")
    results["kinds"] = kinds
    return results


# -- profiling ----------------------------------------------------------------------------------


class Timer:
    """Wall time and calls of the parts of a request, collected by wrapping them in-process."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def add(self, part: str, seconds: float) -> None:
        self.seconds[part] = self.seconds.get(part, 0.0) + seconds
        self.calls[part] = self.calls.get(part, 0) + 1

    def clear(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def wrap_async(self, part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                self.add(part, time.perf_counter() - t0)

        return timed

    def wrap(self, part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(part, time.perf_counter() - t0)

        return timed


class TimedTemplates:
    """The app's template engine, with each render timed."""

    def __init__(self, templates: Any, timer: Timer) -> None:
        self.templates, self.timer = templates, timer

    def get_template(self, name: str) -> Any:
        template = self.templates.get_template(name)
        timer = self.timer

        class Timed:
            def render(self, *args: Any, **kwargs: Any) -> str:
                return timer.wrap("templates", template.render)(*args, **kwargs)

        return Timed()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.templates, name)


async def profile_in_process(settings: Any, pages: list[Page], rounds: int) -> None:
    """Each kind of page straight into the ASGI app (no HTTP server): the wall time of a request
    split into search, database queries, templates and the rest, then a cProfile."""
    from registry import db, indexing, markdown
    from registry.web.app import create_app

    timer = Timer()
    engine = indexing.make_engine(settings)
    app = create_app(settings, engine=engine, database_pool=False)
    engine.search = timer.wrap_async("search", engine.search)
    database = type(db.database())  # its instances take no new attributes: wrap the class
    database.run_querystring = timer.wrap_async("database", database.run_querystring)
    markdown.render = timer.wrap("markdown", markdown.render)
    app.template_engine = TimedTemplates(app.template_engine, timer)
    for page in pages:
        status, body = await asgi_get(app, page.path, headers_for(page.kind))
        missing = [text for text in page.expect if text not in body.decode()]
        if status != 200 or missing:
            raise RuntimeError(f"{page.path}: status {status}, missing {missing}")

    line(
        "   milliseconds a request (wall time, and the CPU of all the process's threads), "
        "in-process, anonymous and without cookies; the search engine's own thread and the "
        "database's connection threads as in the server"
    )
    header = ("total", "CPU", "search", "database", "templates", "markdown", "the rest")
    line(f"   {'page':26} " + " ".join(f"{h:>9}" for h in header) + "   queries")
    for kind in KINDS:
        of_kind = [p for p in pages if p.kind == kind]
        for _ in range(3):  # warm-up
            for page in of_kind:
                await asgi_get(app, page.path, headers_for(page.kind))
        timer.clear()
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(rounds):
            for page in of_kind:
                await asgi_get(app, page.path, headers_for(page.kind))
        n = rounds * len(of_kind)
        total = (time.perf_counter() - started) / n * 1000
        cpu = (time.process_time() - cpu) / n * 1000
        part = {k: v / n * 1000 for k, v in timer.seconds.items()}
        rest = total - sum(part.get(k, 0.0) for k in ("search", "database", "templates"))
        figures = [total, cpu, *(part.get(k, 0.0) for k in header[2:6]), rest]
        line(
            f"   {KIND_LABELS[kind]:26} "
            + " ".join(f"{f:9.2f}" for f in figures)
            + f"   {timer.calls.get('database', 0) / n:7.1f}"
        )
    line("   (markdown is part of templates: the description filter renders it)")

    for pool in ("_executor", "_searching"):  # the engine's thread pools, whichever it has
        if hasattr(engine, pool):
            setattr(engine, pool, InlineExecutor())
    for kind in ("discover", "solution"):
        of_kind = [p for p in pages if p.kind == kind]
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(rounds):
            for page in of_kind:
                await asgi_get(app, page.path, headers_for(page.kind))
        profile.disable()
        print_profile(profile, f"{KIND_LABELS[kind]}, ASGI app in-process", 30)
    await engine.close()


# -- the driver ---------------------------------------------------------------------------------


def summary(results: list[dict[str, Any]]) -> None:
    line("\n=== summary " + "=" * 80)
    line(
        f"machine: {os.cpu_count()} cores, shared by the load generator and the server; other "
        "processes' use of them before each size: "
        + ", ".join(f"{r.get('busy', 0):.0f}%" for r in results)
    )
    line(
        f"{'solutions':>10} {'page':24} {'1c p50':>8} {'1c p99':>8} {'1c rate':>8} "
        f"{'16c/1w':>8} {'p99':>7} {'16c/2w':>8} {'p99':>7} {'bytes':>8}"
    )
    checks = []
    for r in results:
        for kind, k in r.get("kinds", {}).items():
            m1, m2 = k["many"]["1"], k["many"]["2"]
            line(
                f"{r['size']:>10,} {KIND_LABELS[kind]:24} {k['one_p50']:>6.2f}ms "
                f"{k['one_p99']:>6.2f}ms {k['one_rate']:>6,.0f}/s {m1['rate']:>6,.0f}/s "
                f"{m1['p99']:>5.0f}ms {m2['rate']:>6,.0f}/s {m2['p99']:>5.0f}ms "
                f"{k['bytes']:>8,.0f}"
            )
            if r["size"] == BUDGET_SIZE:
                name = KIND_LABELS[kind]
                checks.append((f"{name}, one client (httpx) p50 ≤ 15 ms", k["one_p50"], ONE_P50_MS))
                if kind == "discover":
                    checks.append(
                        (f"{name}, {DISCOVER[0][0]} alone: p50 ≤ 15 ms", k["first_p50"], ONE_P50_MS)
                    )
                for workers, m in (("1 worker", m1), ("2 workers", m2)):
                    checks.append(
                        (f"{name}, 16 clients, {workers}: p99 ≤ 100 ms", m["p99"], MANY_P99_MS)
                    )
    for label, value, budget in checks:
        line(f"  {verdict(value, budget)}  {label}: {value:,.2f}")


def main() -> None:
    bench_main(
        Path(__file__).resolve(),
        run_size,
        summary,
        default_sizes=[BUDGET_SIZE],
        profile_size=BUDGET_SIZE,
        heading=lambda sizes: (
            f"pages benchmark: {', '.join(f'{s:,}' for s in sizes)} synthetic solutions; "
            f"{os.cpu_count()} cores; {len(DISCOVER)} discover addresses, as full pages and as "
            "htmx fragments, and the solution pages"
        ),
        description=(__doc__ or "").splitlines()[0],
    )


if __name__ == "__main__":
    main()
