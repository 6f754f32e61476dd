"""Writes per second through the API and through the pages: registering interest and pledging,
16 clients at once, on SQLite and on PostgreSQL.

Each database gets a fresh registry (migrated, the seed organisations, one published platform
per client to act on, one person and one token per client, each acting for a council of their
own), the real server (`registry serve`) on a free local port, and then, for each action, the
16 clients send it as fast as they are answered for a fixed time: through the API
(`Authorization: Bearer`, JSON) and through the page's form (session cookie, CSRF token, the
303 that follows). Printed: writes per second, and each request's p50 and p99, API beside page.

    .venv/bin/python bench/api_writes.py                 # both databases, 10 s per run
    .venv/bin/python bench/api_writes.py --seconds 3 --databases sqlite

PostgreSQL is `TEST_POSTGRES_URL` (default postgresql://postgres@127.0.0.1:5432/test): a
database of its own is created there and dropped at the end; it is skipped, saying so, when the
server cannot be reached. Nothing is asserted: compare two runs, not two figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Server, child_env, line, percentile

CLIENTS = 16
PASSWORD = "bench-password-not-secret"  # noqa: S105 - the throwaway accounts of one run
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _registry(env: dict[str, str], *args: str, input: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"registry {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip()


def _prepared(env: dict[str, str]) -> list[dict]:
    """The clients, prepared in a process of their own, which reads the settings of `env`."""
    import json

    return json.loads(
        subprocess.run(
            [sys.executable, __file__, "--prepare"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


async def _prepare() -> list[dict]:
    """One council, person, token and platform per client, through the services."""
    from registry import accounts, catalogue, db
    from registry.accounts import tokens
    from registry.seeding import load_seeds

    system = accounts.system_actor("bench")
    await db.start()
    try:
        await load_seeds()
        councils = [
            row["slug"]
            for row in await accounts.Organisation.select(accounts.Organisation.slug)
            .where(accounts.Organisation.kind == "council")
            .order_by(accounts.Organisation.slug)
            .limit(CLIENTS)
        ]
        clients = []
        for n, council in enumerate(councils):
            email = f"bench{n}@example.invalid"
            await accounts.create_user(system, email, f"Bench {n}", PASSWORD)
            await accounts.add_member(system, email, council, "member")
            person = await accounts.load_actor(
                (await accounts.User.select().where(accounts.User.email == email).first())["id"]
            )
            issued = await tokens.issue_token(
                person, council, {"name": "bench", "scopes": ["interest", "sponsorship"]}
            )
            solution = await catalogue.create_solution(
                system,
                {
                    "kind": "platform",
                    "title": f"Bench platform {n}",
                    "summary": "A platform the benchmark acts on.",
                    "owner": council,
                    "status": "live",
                },
            )
            clients.append(
                {
                    "email": email,
                    "council": council,
                    "token": issued.secret,
                    "slug": solution.slug,
                }
            )
        return clients
    finally:
        await db.stop()


def _bodies(action: str, client: dict, n: int) -> tuple[dict, dict]:
    """(API JSON, page form) for the n-th request: a new value each time, so each is a write."""
    if action == "interest":
        level = ("following", "exploring", "intends_to_adopt")[n % 3]
        return (
            {"organisation": client["council"], "level": level},
            {"organisation": client["council"], "level": level},
        )
    pence = 10_000 + n
    return (
        {"organisation": client["council"], "amount_pence": pence},
        {"organisation": client["council"], "amount": f"{pence / 100:.2f}", "staff_days": "0"},
    )


async def _run(base: str, clients: list[dict], action: str, way: str, seconds: float) -> dict:
    """Every client signs in (for the pages) first; then all send `action` for `seconds`."""
    import httpx

    latencies: list[float] = []
    failures = 0
    https = [httpx.AsyncClient(base_url=base, timeout=60) for _ in clients]
    csrf: list[str] = []
    try:
        if way == "page":
            for http, client in zip(https, clients, strict=True):
                form = (await http.get("/sign-in")).text
                await http.post(
                    "/sign-in",
                    data={
                        "_csrf_token": CSRF.search(form)[1],
                        "email": client["email"],
                        "password": PASSWORD,
                    },
                )
                page = (await http.get(f"/solutions/{client['slug']}")).text
                csrf.append(CSRF.search(page)[1])

        async def one(index: int, stop_at: float) -> None:
            nonlocal failures
            http, client = https[index], clients[index]
            path = f"/solutions/{client['slug']}/{action if action == 'interest' else 'pledge'}"
            n = 0
            while time.perf_counter() < stop_at:
                api_body, form_body = _bodies(action, client, n)
                n += 1
                started = time.perf_counter()
                if way == "api":
                    response = await http.post(
                        f"/api/v1{path}",
                        json=api_body,
                        headers={"Authorization": f"Bearer {client['token']}"},
                    )
                    ok = response.status_code == 200
                else:
                    response = await http.post(path, data={"_csrf_token": csrf[index], **form_body})
                    ok = response.status_code == 303
                latencies.append(time.perf_counter() - started)
                failures += not ok

        started = time.perf_counter()
        await asyncio.gather(*(one(i, started + seconds) for i in range(len(clients))))
        took = time.perf_counter() - started
    finally:
        for http in https:
            await http.aclose()
    return {
        "per_second": len(latencies) / took,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "failures": failures,
    }


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
        line(f"PostgreSQL skipped: {POSTGRES} cannot be reached ({exc})")
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


def bench_database(kind: str, seconds: float) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="registry-bench-writes-"))
    env = child_env(data_dir)
    # generous enough that the benchmark measures writing, not the limits
    env |= {"REGISTRY_API_WRITES_PER_MINUTE": "1000000", "REGISTRY_API_READS_PER_MINUTE": "1000000"}
    postgres = None
    if kind == "postgresql":
        postgres = _postgres_database()
        if postgres is None:
            return
        env["DATABASE_URL"] = postgres[1]
    server = None
    try:
        _registry(env, "migrate")
        clients = _prepared(env)
        server = Server(env, workers=2, log=data_dir / "server.log")
        server.wait_ready()
        # let the start-up rebuild of the search index (the seed catalogue) finish first
        time.sleep(5)
        line(f"\n{kind}: {CLIENTS} clients, {seconds:g} s per run, 2 server processes")
        line(f"{'action':<22}{'way':<7}{'writes/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'failed':>8}")
        for action in ("interest", "pledge"):
            for way in ("api", "page"):
                result = asyncio.run(_run(server.base, clients, action, way, seconds))
                line(
                    f"{action:<22}{way:<7}{result['per_second']:>10.0f}{result['p50']:>10.1f}"
                    f"{result['p99']:>10.1f}{result['failures']:>8}"
                )
    finally:
        if server is not None:
            server.stop()
        if postgres is not None:
            _drop_postgres(postgres[0])
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        import json

        print(json.dumps(asyncio.run(_prepare())))
        return
    for kind in args.databases.split(","):
        bench_database(kind.strip(), args.seconds)


if __name__ == "__main__":
    main()
