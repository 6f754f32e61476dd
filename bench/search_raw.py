"""How fast the embedded search engine is on its own, without the web app or a database.

Builds Tantivy indexes of 1,000, 10,000 and 100,000 synthetic solutions (made-up words from a
seeded generator, nothing from the seeds) in a temporary directory, then runs a fixed mix of
queries - typos, prefixes, filters, facets, sorting, the empty listing - and prints, per size,
the build time, the size on disk and p50/p99 latencies measured three ways:

  api    `await engine.search(query)`: what the registry pays, thread hop included
  call   the engine's blocking search on the calling thread (query, top-k, facets, documents,
         highlights), i.e. the api figure without the hop to the engine's thread pool
  core   Tantivy alone for the same query: top-k with the exact count plus facet counts

Run: `.venv/bin/python bench/search_raw.py [--sizes 1000,10000] [--rounds 30]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search import Field, FieldKind, IndexSpec, SearchQuery, SortField
from search.filters import normalise_filters
from search.query_syntax import parse
from search.tantivy import TantivyEngine
from search.tantivy.layout import build_layout
from search.tantivy.plan import make_plan, settle
from search.tantivy.query import Scores, build_query, facet_counts

KEYWORD, TEXT, INTEGER = FieldKind.KEYWORD, FieldKind.TEXT, FieldKind.INTEGER

SPEC = IndexSpec(
    name="bench_solutions",
    primary_key="id",
    fields=(
        Field("id", KEYWORD),
        Field("kind", KEYWORD),
        Field("status", KEYWORD),
        Field("title", TEXT),
        Field("summary", TEXT),
        Field("tags", TEXT, multi=True),
        Field("owner_name", TEXT),
        Field("description", TEXT),
        Field("owner", KEYWORD),
        Field("service_areas", KEYWORD, multi=True),
        Field("adopters", KEYWORD, multi=True),
        Field("interest_count", INTEGER),
        Field("updated", INTEGER),
        Field("title_sort", KEYWORD),
    ),
    searchable=("title", "summary", "tags", "owner_name", "description"),
    filterable=("kind", "status", "owner", "service_areas", "adopters"),
    sortable=("title_sort", "interest_count", "updated"),
    facets=("kind", "status", "owner", "service_areas", "adopters"),
)

SYLLABLES = ("ka", "lo", "ri", "tem", "sor", "vin", "dal", "mer", "pus", "tor")
SYLLABLES += ("ane", "bel", "cor", "dun", "fel", "gar", "hol", "jun", "kel", "lim")
KINDS = ["platform", "procurement", "challenge", "component"]
STATUSES = ["live", "pilot", "retired", "draft"]
AREAS = [f"area-{i}" for i in range(24)]


class Corpus:
    """Deterministic made-up solutions over a vocabulary of invented words."""

    def __init__(self, seed: int = 7) -> None:
        self.random = random.Random(seed)
        words: set[str] = set()
        while len(words) < 6000:
            words.add(
                "".join(self.random.choice(SYLLABLES) for _ in range(self.random.randint(2, 4)))
            )
        self.vocabulary = sorted(words)
        self.councils = [f"council-{i:02d}" for i in range(40)]

    def text(self, n: int) -> str:
        return " ".join(self.random.choice(self.vocabulary) for _ in range(n)).capitalize()

    def documents(self, n: int) -> Iterator[dict[str, Any]]:
        r = self.random
        for i in range(n):
            title = self.text(r.randint(2, 6))
            owner = r.choice(self.councils)
            yield {
                "id": f"sol-{i:06d}",
                "kind": r.choice(KINDS),
                "status": r.choice(STATUSES),
                "title": title,
                "summary": self.text(r.randint(15, 40)),
                "tags": [self.text(1).lower() for _ in range(r.randint(0, 4))],
                "owner_name": owner.replace("-", " ").title(),
                "description": self.text(r.randint(40, 160)),
                "owner": owner,
                "service_areas": r.sample(AREAS, r.randint(1, 3)),
                "adopters": r.sample(self.councils, r.randint(0, 6)),
                "interest_count": r.randint(0, 60),
                "updated": 20200101 + r.randint(0, 2000),
                "title_sort": title.lower(),
            }

    def queries(self) -> list[tuple[str, SearchQuery]]:
        r = random.Random(11)
        long_words = [w for w in self.vocabulary if len(w) >= 9]
        mid_words = [w for w in self.vocabulary if 5 <= len(w) <= 8]

        def typo(word: str) -> str:
            i = r.randrange(1, len(word) - 1)
            return word[:i] + word[i + 1 :]  # drop one letter, not the first

        all_facets = SPEC.facets
        mix = [
            ("empty listing, facets", SearchQuery(facets=all_facets)),
            ("one word", SearchQuery(text=r.choice(mid_words))),
            ("one typo", SearchQuery(text=typo(r.choice(mid_words)))),
            ("two typos", SearchQuery(text=typo(typo(r.choice(long_words))))),
            ("prefix", SearchQuery(text=r.choice(mid_words)[:4])),
            (
                "two words, prefix, facets",
                SearchQuery(
                    text=f"{r.choice(mid_words)} {r.choice(mid_words)[:3]}", facets=all_facets
                ),
            ),
            (
                "typo + filters + facets",
                SearchQuery(
                    text=typo(r.choice(mid_words)),
                    filters={"kind": ["platform", "component"], "status": ["live"]},
                    facets=all_facets,
                ),
            ),
            (
                "filters, sorted",
                SearchQuery(
                    filters={"service_areas": ["area-3", "area-7"]},
                    sort=(SortField("interest_count", descending=True),),
                    facets=("kind",),
                ),
            ),
            (
                "three words, sorted by title",
                SearchQuery(
                    text=" ".join(r.choice(mid_words) for _ in range(3)),
                    sort=(SortField("title_sort"),),
                ),
            ),
        ]
        return mix


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def disk_size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def timed(fn: Callable[[], Any], rounds: int) -> list[float]:
    fn()  # warm caches once
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def timed_async(fn: Callable[[], Any], rounds: int) -> list[float]:
    await fn()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def core_search(engine: TantivyEngine, query: SearchQuery) -> Callable[[], Any]:
    """Tantivy alone: the same query, top-k with its exact count, and the facet counts."""
    searcher = engine._live.current().index.searcher()
    layout = build_layout(SPEC)
    plan = make_plan(parse(query.text))
    settle(plan, layout, searcher, {})
    filters = normalise_filters(SPEC, query.filters)
    tq = build_query(layout, Scores(len(SPEC.searchable)), plan, filters)

    def run() -> None:
        searcher.search(tq, query.per_page, count=True)
        if query.facets:
            facet_counts(layout, searcher, tq, query.facets, 1000, has_words=bool(plan.terms))

    return run


async def bench_size(size: int, rounds: int, corpus: Corpus) -> None:
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        # without the facet and order caches, so every query pays for its facet counts and
        # for ordering its few hits
        engine = TantivyEngine(
            Path(tmp), SPEC, facet_cache=0, order_cache=0, page_cache=0, document_cache=0
        )
        started = time.perf_counter()
        written = await engine.rebuild(corpus.documents(size))
        build = time.perf_counter() - started
        print(
            f"\n{size:,} documents: built in {build:.2f}s "
            f"({written / build:,.0f} docs/s), {disk_size(Path(tmp)) / 1e6:.1f} MB on disk"
        )
        print(
            f"  {'query':32} {'hits':>7}   {'api p50/p99':>15}   "
            f"{'call p50/p99':>15}   {'core p50/p99':>15}"
        )
        api_all: list[float] = []
        call_all: list[float] = []
        core_all: list[float] = []
        for label, query in corpus.queries():
            result = await engine.search(query)
            api = await timed_async(lambda q=query: engine.search(q), rounds)
            filters = normalise_filters(SPEC, query.filters)
            call = timed(
                lambda q=query, f=filters: engine._search(q, f, time.perf_counter()), rounds
            )
            core = timed(core_search(engine, query), rounds)
            api_all += api
            call_all += call
            core_all += core
            print(
                f"  {label:32} {result.total:>7}   "
                f"{statistics.median(api):6.2f} /{percentile(api, 99):6.2f}   "
                f"{statistics.median(call):6.2f} /{percentile(call, 99):6.2f}   "
                f"{statistics.median(core):6.2f} /{percentile(core, 99):6.2f}   ms"
            )
        print(
            f"  {'whole mix':32} {'':>7}   "
            f"{statistics.median(api_all):6.2f} /{percentile(api_all, 99):6.2f}   "
            f"{statistics.median(call_all):6.2f} /{percentile(call_all, 99):6.2f}   "
            f"{statistics.median(core_all):6.2f} /{percentile(core_all, 99):6.2f}   ms"
        )
        await engine.close()
        cached = TantivyEngine(Path(tmp), SPEC)
        listing = SearchQuery(facets=SPEC.facets)
        api = await timed_async(lambda: cached.search(listing), rounds)
        print(
            f"  {'empty listing, cached facets':32} {'':>7}   "
            f"{statistics.median(api):6.2f} /{percentile(api, 99):6.2f}"
        )
        await cached.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    corpus = Corpus()
    for size in (int(s) for s in args.sizes.split(",")):
        await bench_size(size, args.rounds, corpus)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process (building included): {peak:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
