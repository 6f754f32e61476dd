"""How many events a second the registry turns into queued notifications, at 10,000 solutions
and 1,000 followers, and how fast the worker then makes and writes the mail (printed, not
asserted).

A temporary SQLite registry gets the synthetic catalogue (`harness.Catalogue`), 1,000 people
and their follows: every one of them follows the ten "busy" solutions (so an event there tells
1,000 people) and a few quiet ones each. Then a council registers and changes its interest
through the real service, alternately on busy and quiet solutions, and the events per second
are timed end to end (the change, its audit event, its search outbox row and its
notifications, one transaction each). Finally one worker round composes and writes the mail
as .eml files.

    .venv/bin/python bench/notifications.py [--solutions 10000] [--followers 1000] [--events 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# This directory holds a search.py of its own: keep it off the path, so `search` is the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent))

BUSY = 10


def _people(database: Path, followers: int, solution_ids: list[int]) -> None:
    """The followers and their follows, written straight into the database (services would
    hash 1,000 passwords first, which is not what is measured here)."""
    rng = random.Random(20261130)
    connection = sqlite3.connect(database)
    with connection:
        connection.executemany(
            "INSERT INTO registry_user (email, display_name, password_hash, is_digital_office, "
            "is_demo, is_active, created_at) VALUES (?, ?, 'not-a-hash', 0, 0, 1, "
            "'2026-11-30T00:00:00+00:00')",
            [(f"follower{n}@example.gov.uk", f"Follower {n}") for n in range(followers)],
        )
        users = [row[0] for row in connection.execute("SELECT id FROM registry_user")]
        busy, quiet = solution_ids[:BUSY], solution_ids[BUSY:]
        follows = []
        for user in users:
            chosen = set(busy) | set(rng.sample(quiet, 5))
            delivery = rng.choice(["immediate", "immediate", "daily", "weekly"])
            follows += [(user, "solution", sid, delivery) for sid in sorted(chosen)]
        connection.executemany(
            "INSERT INTO follow (user, target_type, target_id, query, name, delivery, created_at)"
            " VALUES (?, ?, ?, '', '', ?, '2026-11-30T00:00:00+00:00')",
            follows,
        )
    connection.close()
    print(f"people: {followers:,} followers, {len(follows):,} follows")


async def main(size: int, followers: int, events: int) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("harness", BENCH / "harness.py")
    harness = importlib.util.module_from_spec(spec)
    sys.modules["harness"] = harness
    spec.loader.exec_module(harness)

    from registry import accounts, db
    from registry.config import get_settings
    from registry.notifications import delivery
    from registry.tables import Notification, Organisation, Solution

    settings = get_settings()
    await harness.load_data(settings, size)
    rows = (
        await Solution.select(Solution.id, Solution.slug)
        .where(Solution.status.not_in(["draft", "retired"]))
        .order_by(Solution.id)
    )
    _people(settings.sqlite_path, followers, [r["id"] for r in rows])
    council = await Organisation.select().where(Organisation.kind == "council").first()
    system = accounts.system_actor("bench")
    await accounts.create_user(system, "acting@example.gov.uk", "Acting officer", "x" * 16)
    await accounts.add_member(system, "acting@example.gov.uk", council["slug"], "member")
    user = await accounts.User.select().where(accounts.User.email == "acting@example.gov.uk")
    actor = await accounts.load_actor(user[0]["id"])

    from registry import collaboration

    busy = [r["slug"] for r in rows[:BUSY]]
    quiet = [r["slug"] for r in rows[BUSY : BUSY + events]]
    levels = ["following", "exploring"]
    await db.start()
    try:
        for label, slugs in (("busy (1,000 followers each)", busy), ("quiet (a few each)", quiet)):
            before = await Notification.count()
            started = time.perf_counter()
            for n in range(events):
                slug = slugs[n % len(slugs)]
                await collaboration.register_interest(
                    actor, slug, council["slug"], levels[(n // len(slugs)) % 2]
                )
            seconds = time.perf_counter() - started
            queued = await Notification.count() - before
            print(
                f"{label}: {events / seconds:,.0f} events/s "
                f"({queued / seconds:,.0f} notifications queued/s, {queued:,} in {seconds:.2f} s)"
            )
        started = time.perf_counter()
        result = await delivery.run(settings)
        seconds = time.perf_counter() - started
        print(
            f"worker round: {result.composed:,} messages composed, {result.sent:,} written as "
            f".eml in {seconds:.2f} s ({result.sent / seconds:,.0f} messages/s)"
        )
    finally:
        await db.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solutions", type=int, default=10_000)
    parser.add_argument("--followers", type=int, default=1_000)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="registry-bench-notifications-") as data:
        os.environ.update(
            {
                "REGISTRY_DATA_DIR": data,
                "REGISTRY_ENV": "development",
                "REGISTRY_LOG_LEVEL": "warning",
            }
        )
        for name in ("DATABASE_URL", "REGISTRY_MAIL_URL", "SEARCH_ENGINE"):
            os.environ.pop(name, None)
        print(f"=== {args.solutions:,} solutions, {args.followers:,} followers ===")
        asyncio.run(main(args.solutions, args.followers, args.events))
