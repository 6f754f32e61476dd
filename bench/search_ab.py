"""The embedded engine of this checkout against another checkout's, in turns, on the same data.

A loaded machine makes absolute figures noisy, so this compares two versions of `search/` side
by side. It makes the synthetic catalogue of `bench/search.py` once (a SQLite database), then,
alternating between the two checkouts for `--turns` turns, runs a fresh process per checkout and
turn that copies the database, times the registry's full reindex from it
(`registry.indexing.reindex`) and then a fixed mix of searches through `engine.search` (facet
counts and the order of few hits not cached, so every search pays for them). Each figure is the
median over the turns of each turn's median, wall time and the process's CPU time (steadier
when other work competes for the cores), for A (this checkout) and B (the other), with B/A.

Run: `.venv/bin/python bench/search_ab.py --base ../other-checkout [--size 10000] [--turns 5]`
(`--work DIR` keeps the database there for the next run). `--profile` instead profiles this
checkout's searches of the mix (cProfile). The other checkout needs no environment of its own:
it runs with this one's interpreter and its own directory first on `sys.path`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
# this directory's search.py would hide the search package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]


def _harness() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("harness", HERE / "harness.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["harness"] = module
    spec.loader.exec_module(module)
    return module


# (label, query parameters of the discover page and the API)
MIX: list[tuple[str, dict[str, list[str]]]] = [
    ("one word: telecare", {"q": ["telecare"]}),
    ("two words: waste collection", {"q": ["waste collection"]}),
    ("prefix: tele", {"q": ["tele"]}),
    ("typo: procurment", {"q": ["procurment"]}),
    ("typos, three words", {"q": ["schol clothng grant"]}),
    ('phrase: "council tax"', {"q": ['"council tax"']}),
    ("exclusion: council -tax", {"q": ["council -tax"]}),
    ("joined: telecare alarms as one", {"q": ["telecarealarms"]}),
    ("filter only: kind", {"kind": ["procurement"]}),
    ("empty listing", {}),
    ("words + filters", {"q": ["telecare"], "kind": ["platform"]}),
    ("typo in two words: digtal platform", {"q": ["digtal platform"]}),
    ("few matches: 126", {"q": ["126"]}),
    ("few matches: 1267 growth enterprise", {"q": ["1267 growth enterprise"]}),
]


def prepare(size: int, work: Path) -> Path:
    """The database of `size` synthetic solutions in `work` (made unless already there)."""
    database = work / f"registry-{size}.sqlite"
    if database.exists():
        return database
    data_dir = Path(tempfile.mkdtemp(prefix="search-ab-data-", dir=work))
    try:
        subprocess.run(
            [sys.executable, __file__, "--dump", str(size)],
            env=_env(PROJECT, data_dir),
            cwd=PROJECT,
            check=True,
        )
        (data_dir / "registry.sqlite").rename(database)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return database


def _env(tree: Path, data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MEILI_", "REGISTRY_", "DATABASE_", "SEARCH_"))
    }
    env |= {
        "REGISTRY_DATA_DIR": str(data_dir),
        "REGISTRY_ENV": "development",
        "SEARCH_ENGINE": "embedded",
        "REGISTRY_LOG_LEVEL": "warning",
        "PYTHONPATH": str(tree),
    }
    return env


async def dump(size: int) -> None:
    from registry.config import get_settings

    await _harness().load_data(get_settings(), size)


async def measure(rounds: int, profile: bool) -> dict[str, Any]:
    """In the checkout first on sys.path, with the data directory of the environment: a full
    reindex from the database, then the mix."""
    import inspect

    from registry import indexing
    from registry.catalogue import searching
    from registry.config import get_settings
    from search.filters import normalise_filters
    from search.tantivy import TantivyEngine

    settings = get_settings()
    engine = indexing.make_engine(settings)
    await engine.apply_settings()
    started, cpu = time.perf_counter(), time.process_time()
    count = await indexing.reindex(engine)
    results: dict[str, Any] = {
        "documents": count,
        "reindex_s": time.perf_counter() - started,
        "reindex_cpu": time.process_time() - cpu,
        "searches": {},
        "cpu": {},
        "totals": {},
    }
    await engine.close()
    uncached: dict[str, Any] = {"facet_cache": 0}
    if "order_cache" in inspect.signature(TantivyEngine).parameters:
        uncached["order_cache"] = 0
    for cache in ("page_cache", "document_cache"):
        if cache in inspect.signature(TantivyEngine).parameters:
            uncached[cache] = 0
    engine = TantivyEngine(settings.search_dir / indexing.SPEC.name, indexing.SPEC, **uncached)
    for label, params in MIX:
        query = searching.to_query(searching.parse(params))
        found = await engine.search(query)
        results["totals"][label] = found.total
        samples, cpu_samples = [], []
        for _ in range(rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            await engine.search(query)
            samples.append((time.perf_counter() - t0) * 1000)
            cpu_samples.append((time.process_time() - c0) * 1000)
        results["searches"][label] = statistics.median(samples)
        results["cpu"][label] = statistics.median(cpu_samples)
        if profile:
            # the blocking call itself, on this thread, so that the profile sees all of it
            filters = normalise_filters(indexing.SPEC, query.filters)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(rounds):
                engine._search(query, filters, time.perf_counter())
            profiler.disable()
            print(f"\n{label}: p50 {results['searches'][label]:.2f} ms, {found.total} hits")
            _harness().print_profile(profiler, label, 18)
    await engine.close()
    return results


def run_child(tree: Path, database: Path, rounds: int, profile: bool = False) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="search-ab-run-", dir=database.parent))
    try:
        shutil.copyfile(database, data_dir / "registry.sqlite")
        result = data_dir / "result.json"
        command = [sys.executable, __file__, "--measure", "--tree", str(tree)]
        command += ["--rounds", str(rounds), "--out", str(result)] + ["--profile"] * profile
        subprocess.run(command, env=_env(tree, data_dir), cwd=tree, check=True)
        return json.loads(result.read_text())
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def compare(base: Path, database: Path, turns: int, rounds: int) -> None:
    runs: dict[str, list[dict[str, Any]]] = {"A": [], "B": []}
    for turn in range(turns):
        order = ("A", "B") if turn % 2 == 0 else ("B", "A")  # neither always goes first
        for name in order:
            tree = PROJECT if name == "A" else base
            runs[name].append(run_child(tree, database, rounds))
        a, b = runs["A"][-1], runs["B"][-1]
        print(
            f"turn {turn + 1}: reindex A {a['reindex_s']:.2f} s ({a['reindex_cpu']:.2f} s CPU), "
            f"B {b['reindex_s']:.2f} s ({b['reindex_cpu']:.2f} s CPU)",
            flush=True,
        )

    def median(name: str, pick: Any) -> float:
        return statistics.median(pick(run) for run in runs[name])

    print(f"\nmedians of {turns} turns; A = this checkout, B = {base.name}; wall and CPU time")
    heads = ("A", "B", "B/A", "A cpu", "B cpu", "B/A")
    print(f"  {'':34} {heads[0]:>7} {heads[1]:>7} {heads[2]:>5}   ", end="")
    print(f"{heads[3]:>7} {heads[4]:>7} {heads[5]:>5}   hits A / B")

    def row(label: str, wall: Any, cpu: Any, hits: str = "") -> tuple[float, float]:
        a, b = median("A", wall), median("B", wall)
        ca, cb = median("A", cpu), median("B", cpu)
        print(
            f"  {label:34} {a:7.2f} {b:7.2f} {b / a:5.2f}   {ca:7.2f} {cb:7.2f} {cb / ca:5.2f}   "
            + hits
        )
        return ca, cb

    row("full reindex (s)", lambda r: r["reindex_s"], lambda r: r["reindex_cpu"])
    all_a, all_b = [], []
    for label, _ in MIX:
        hits = f"{runs['A'][0]['totals'][label]} / {runs['B'][0]['totals'][label]}"
        ca, cb = row(
            label + " (ms)",
            lambda r, k=label: r["searches"][k],
            lambda r, k=label: r["cpu"][k],
            hits,
        )
        all_a.append(ca)
        all_b.append(cb)
    a, b = statistics.median(all_a), statistics.median(all_b)
    print(f"  {'median of the mix, CPU (ms)':34} {'':23} {a:7.2f} {b:7.2f} {b / a:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="the other checkout (B)")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--work", type=Path, help="keep the database here for later runs")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dump", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.dump:
        asyncio.run(dump(args.dump))
        return
    if args.measure:
        sys.path.insert(0, str(args.tree))
        results = asyncio.run(measure(args.rounds, args.profile))
        args.out.write_text(json.dumps(results))
        return
    if args.base is None and not args.profile:
        parser.error("--base is required unless --profile")

    with tempfile.TemporaryDirectory(prefix="search-ab-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        database = prepare(args.size, work.resolve())
        if args.profile:
            run_child(PROJECT, database, args.rounds, profile=True)
        else:
            compare(args.base.resolve(), database, args.turns, args.rounds)


if __name__ == "__main__":
    main()
