"""The two ways a test reaches the registry from outside: through the web app, with one client
factory (`app_client`), and through the `registry` command, run as a real process
(`run_registry`, `start_registry`).

Every test that talks to the app gets it from `app_client`, with the search engine, settings or
base URL it needs as arguments, so a special set-up (a broken index, production settings,
https) is one call rather than a hand-built client. The commands run with the test run's own
environment (its scratch database and data directory) unless the test says otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

from litestar.testing import AsyncTestClient

from registry.config import Settings
from registry.web.app import create_app
from search import SearchEngine

HTTP = "http://testserver.local"
HTTPS = "https://testserver.local"


@asynccontextmanager
async def app_client(
    engine: SearchEngine | None = None,
    settings: Settings | None = None,
    *,
    base_url: str = HTTP,
) -> AsyncIterator[AsyncTestClient]:
    """The registry's app behind a test client, its lifespan running for the `with` block.

    `engine` is the search engine the app uses (the caller opens and closes it; without one the
    app makes the configured engine itself). The database is the one the test bound (`db` or
    `seeded`): the app opens no connection pool of its own."""
    app = create_app(settings, engine=engine, database_pool=False)
    async with AsyncTestClient(app=app, base_url=base_url) as client:
        yield client


def production_settings(data_dir: Path) -> Settings:
    """Production settings that need nothing outside `data_dir` (the database stays the one the
    test bound: the app opens no pool of its own in tests)."""
    return Settings.from_env(
        {
            "REGISTRY_ENV": "production",
            "REGISTRY_DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir}/unused.sqlite",
            "REGISTRY_SECRET_KEY": "x" * 40,
        }
    )


def _command(args: tuple[str, ...]) -> list[str]:
    # The interpreter running the tests, so the command is the one installed beside them.
    return [sys.executable, "-m", "registry.cli", *args]


def _environment(env: dict[str, str] | None, data_dir: Path | None) -> dict[str, str]:
    given = {**os.environ, **(env or {})}
    if data_dir is not None:
        given["REGISTRY_DATA_DIR"] = str(data_dir)
    return given


def run_registry(
    *args: str,
    env: dict[str, str] | None = None,
    data_dir: Path | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run `registry ARGS...` to the end and return what it printed and its exit status.

    It sees the test run's environment (the scratch database, the run's data directory), with
    `env` laid over it and `data_dir`, when given, as its data directory."""
    return subprocess.run(
        _command(args),
        env=_environment(env, data_dir),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_registry(
    *args: str,
    env: dict[str, str] | None = None,
    data_dir: Path | None = None,
    output: IO | int = subprocess.DEVNULL,
) -> subprocess.Popen:
    """Start a long-running `registry ARGS...` (serve, worker) in the same environment as
    `run_registry`, its output going to `output`. The caller stops it."""
    return subprocess.Popen(
        _command(args),
        env=_environment(env, data_dir),
        stdout=output,
        stderr=subprocess.STDOUT,
    )
