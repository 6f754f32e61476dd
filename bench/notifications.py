"""How many events a second the registry turns into queued notifications, at 10,000 solutions
and 1,000 followers, and how fast the worker then makes and writes the mail (printed, not
asserted), on SQLite and on PostgreSQL.

Each database gets a temporary registry with the synthetic catalogue (`harness.Catalogue`),
1,000 people and their follows: every one of them follows the ten "busy" solutions (so an event
there tells 1,000 people) and a few quiet ones each. The rows are written with `executemany`
into a staging SQLite database, which is the registry for the SQLite run and is copied into a
database of its own for the PostgreSQL run. Then a council registers and changes its interest
through the real service, alternately on busy and quiet solutions, and the events per second
are timed end to end (the change, its audit event, its search outbox row and its
notifications, one transaction each). Finally one worker round composes and writes the mail
as .eml files.

    .venv/bin/python bench/notifications.py [--solutions 10000] [--followers 1000] [--events 200]
    .venv/bin/python bench/notifications.py --databases sqlite      # or postgresql
    .venv/bin/python bench/notifications.py --profile               # where an event's time goes

PostgreSQL is `TEST_POSTGRES_URL` (default postgresql://postgres@127.0.0.1:5432/test): a
database of its own is created there and dropped at the end; it is skipped, saying so, when the
server cannot be reached. Each database runs in a process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
# This directory holds a search.py of its own: keep it off the path, so `search` is the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent))

BUSY = 10
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
# What the staging database holds, copied as it is into PostgreSQL (ids kept).
COPIED = (
    "organisation",
    "registry_user",
    "solution",
    "procurement_detail",
    "challenge_detail",
    "component_detail",
    "platform_detail",
    "adoption",
    "interest",
    "sponsorship",
    "follow",
)


def _harness():
    import importlib.util

    spec = importlib.util.spec_from_file_location("harness", BENCH / "harness.py")
    harness = importlib.util.module_from_spec(spec)
    sys.modules["harness"] = harness
    spec.loader.exec_module(harness)
    return harness


def _people(database: Path, followers: int) -> tuple[str, list[str], list[str]]:
    """The followers and their follows, written straight into the database (services would
    hash 1,000 passwords first, which is not what is measured here). Returns the acting
    council and the busy and quiet solutions it may register interest in (none it uses)."""
    rng = random.Random(20261130)
    connection = sqlite3.connect(database)
    with connection:
        council_id, council = connection.execute(
            "SELECT id, slug FROM organisation WHERE kind = 'council' ORDER BY id LIMIT 1"
        ).fetchone()
        used = {
            row[0]
            for row in connection.execute(
                "SELECT solution FROM adoption WHERE organisation = ?", (council_id,)
            )
        }
        solutions = [
            (n, slug)
            for n, slug in connection.execute(
                "SELECT id, slug FROM solution WHERE status NOT IN ('draft', 'retired') ORDER BY id"
            )
            if n not in used
        ]
        connection.executemany(
            "INSERT INTO registry_user (email, display_name, password_hash, is_digital_office, "
            "is_demo, is_active, created_at) VALUES (?, ?, 'not-a-hash', 0, 0, 1, "
            "'2026-11-30 00:00:00+00:00')",
            [(f"follower{n}@example.gov.uk", f"Follower {n}") for n in range(followers)],
        )
        users = [row[0] for row in connection.execute("SELECT id FROM registry_user")]
        ids = [n for n, _ in solutions]
        busy, quiet = ids[:BUSY], ids[BUSY:]
        follows = []
        for user in users:
            chosen = set(busy) | set(rng.sample(quiet, 5))
            delivery = rng.choice(["immediate", "immediate", "daily", "weekly"])
            follows += [(user, "solution", sid, delivery) for sid in sorted(chosen)]
        connection.executemany(
            "INSERT INTO follow (user, target_type, target_id, query, name, delivery, created_at)"
            " VALUES (?, ?, ?, '', '', ?, '2026-11-30 00:00:00+00:00')",
            follows,
        )
    connection.close()
    print(f"people: {followers:,} followers, {len(follows):,} follows")
    slugs = [slug for _, slug in solutions]
    return council, slugs[:BUSY], slugs[BUSY:]


def _staging(database: Path, size: int, followers: int) -> tuple[str, list[str], list[str]]:
    """The staging SQLite registry: migrated by `registry migrate`, then the rows."""
    harness = sys.modules.get("harness") or _harness()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run(
        [sys.executable, "-m", "registry.cli", "migrate"], env=env, check=True, capture_output=True
    )
    started = time.perf_counter()
    rows = harness.Catalogue().generate(size)
    counts = harness.insert_rows(database, rows)
    print(
        f"data: {counts['solution']:,} solutions, {counts['interest']:,} interests, "
        f"{counts['adoption']:,} adoptions (in {time.perf_counter() - started:.1f} s)"
    )
    return _people(database, followers)


def _converter(data_type: str):
    if data_type == "timestamp with time zone":
        return lambda v: v if v is None else dt.datetime.fromisoformat(v)
    if data_type == "date":
        return lambda v: v if v is None else dt.date.fromisoformat(v)
    if data_type == "boolean":
        return lambda v: v if v is None else bool(v)
    return lambda v: v


async def _copy_to_postgres(staging: Path, url: str) -> None:
    """Every row of the staging tables into the (migrated) PostgreSQL database, ids kept."""
    import asyncpg

    started = time.perf_counter()
    source = sqlite3.connect(staging)
    target = await asyncpg.connect(url)
    try:
        for table in COPIED:
            types = {
                r["column_name"]: r["data_type"]
                for r in await target.fetch(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = $1",
                    table,
                )
            }
            columns = [c[1] for c in source.execute(f'PRAGMA table_info("{table}")')]
            columns = [c for c in columns if c in types]
            convert = [_converter(types[c]) for c in columns]
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = source.execute(f'SELECT {quoted} FROM "{table}"')  # noqa: S608 - constants
            records = [tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in rows]
            await target.copy_records_to_table(table, records=records, columns=columns)
            await target.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
            )
        await target.execute("ANALYZE")
    finally:
        await target.close()
        source.close()
    print(f"copied into PostgreSQL in {time.perf_counter() - started:.1f} s")


async def measure(
    council: str, busy: list[str], quiet: list[str], events: int, profile: bool
) -> None:
    from registry import accounts, collaboration, db
    from registry.config import get_settings
    from registry.notifications import delivery
    from registry.tables import Notification, Organisation

    settings = get_settings()
    await db.start()
    try:
        system = accounts.system_actor("bench")
        await accounts.create_user(system, "acting@example.gov.uk", "Acting officer", "x" * 16)
        await accounts.add_member(system, "acting@example.gov.uk", council, "member")
        user = await accounts.User.select().where(accounts.User.email == "acting@example.gov.uk")
        actor = await accounts.load_actor(user[0]["id"])
        name = (await Organisation.select(Organisation.name).where(Organisation.slug == council))[
            0
        ]["name"]
        print(f"acting: {name}")
        levels = ["following", "exploring"]
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
        for label, slugs in (
            ("busy (1,000 followers each)", busy),
            ("quiet (a few each)", quiet[:events]),
        ):
            before = await Notification.count()
            started = time.perf_counter()
            if profiler is not None and slugs is busy:
                profiler.enable()
            for n in range(events):
                slug = slugs[n % len(slugs)]
                await collaboration.register_interest(
                    actor, slug, council, levels[(n // len(slugs)) % 2]
                )
            if profiler is not None and slugs is busy:
                profiler.disable()
            seconds = time.perf_counter() - started
            queued = await Notification.count() - before
            print(
                f"{label}: {events / seconds:,.1f} events/s "
                f"({queued / seconds:,.0f} notifications queued/s, {queued:,} in {seconds:.2f} s)"
            )
        if profiler is not None:
            import pstats

            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        started = time.perf_counter()
        result = await delivery.run(settings)
        seconds = time.perf_counter() - started
        print(
            f"worker round: {result.composed:,} messages composed, {result.sent:,} written as "
            f".eml in {seconds:.2f} s ({result.sent / seconds:,.0f} messages/s)"
        )
    finally:
        await db.stop()


def _postgres_database() -> tuple[str, str] | None:
    import asyncpg

    name = f"registry_bench_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        connection = await asyncpg.connect(POSTGRES, timeout=5)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    try:
        asyncio.run(create())
    except Exception as exc:
        print(f"PostgreSQL skipped: {POSTGRES} cannot be reached ({exc})")
        return None
    parts = urlsplit(POSTGRES)
    return name, urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def _drop_postgres(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        connection = await asyncpg.connect(POSTGRES, timeout=5)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(drop())


def run_database(kind: str, args: argparse.Namespace) -> None:
    """One database, in a process of its own (the registry reads its settings once)."""
    with tempfile.TemporaryDirectory(prefix="registry-bench-notifications-") as data:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("REGISTRY_", "DATABASE_", "SEARCH_", "MEILI_"))
        }
        env |= {
            "REGISTRY_DATA_DIR": data,
            "REGISTRY_ENV": "development",
            "REGISTRY_LOG_LEVEL": "warning",
        }
        staging = Path(data) / "staging.sqlite"
        postgres = None
        if kind == "postgresql":
            postgres = _postgres_database()
            if postgres is None:
                return
            env["DATABASE_URL"] = postgres[1]
        else:
            env["DATABASE_URL"] = f"sqlite:///{staging}"
        print(f"\n=== {kind}: {args.solutions:,} solutions, {args.followers:,} followers ===")
        sys.stdout.flush()
        try:
            command = [
                sys.executable,
                __file__,
                "--child",
                kind,
                "--solutions",
                str(args.solutions),
                "--followers",
                str(args.followers),
                "--events",
                str(args.events),
            ]
            if args.profile:
                command.append("--profile")
            subprocess.run(command, env=env, check=False)
        finally:
            if postgres is not None:
                _drop_postgres(postgres[0])


def child(kind: str, args: argparse.Namespace) -> None:
    staging = Path(os.environ["REGISTRY_DATA_DIR"]) / "staging.sqlite"
    council, busy, quiet = _staging(staging, args.solutions, args.followers)
    if kind == "postgresql":
        subprocess.run(
            [sys.executable, "-m", "registry.cli", "migrate"], check=True, capture_output=True
        )
        asyncio.run(_copy_to_postgres(staging, os.environ["DATABASE_URL"]))
    asyncio.run(measure(council, busy, quiet, args.events, args.profile))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solutions", type=int, default=10_000)
    parser.add_argument("--followers", type=int, default=1_000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args)
    else:
        for kind in args.databases.split(","):
            run_database(kind.strip(), args)
