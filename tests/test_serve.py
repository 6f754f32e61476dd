"""`registry serve` as an operator runs it: a real server process with several workers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.clients import run_registry, start_registry

pytestmark = pytest.mark.no_database  # its own SQLite file, whatever the suite's database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health(port: int) -> int | None:
    """The status of /healthz, or None while nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, urllib.error.URLError):
        return None


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up after {seconds:g}s waiting for {what}")


@pytest.fixture
def server(tmp_path: Path):
    env = {
        "REGISTRY_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}",
        "SEARCH_ENGINE": "embedded",
    }
    data = tmp_path / "data"
    migrated = run_registry("migrate", env=env, data_dir=data)
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    process = start_registry(
        "serve", "--port", str(port), "--workers", "2", env=env, data_dir=data, output=log
    )
    try:
        yield process, port, tmp_path / "server.log"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def workers(process: subprocess.Popen) -> set[int]:
    with contextlib.suppress(psutil.NoSuchProcess):
        return {child.pid for child in psutil.Process(process.pid).children()}
    return set()


def started(log: Path) -> int:
    """How many workers granian has reported ready (a worker stopped while still starting up
    can hold the server's shut-down up)."""
    return log.read_text().count("] Started worker-")


def test_a_crashed_worker_is_replaced_and_the_site_stays_up(server):
    process, port, log = server
    wait_for(lambda: started(log) == 2, 60, "both workers to start")
    wait_for(lambda: health(port) == 200, 30, "the server to answer /healthz")
    first = workers(process)
    assert len(first) == 2

    victim = min(first)
    os.kill(victim, signal.SIGKILL)  # as a fault in native code would end it, without clean-up

    def replaced() -> set[int]:
        now = workers(process)
        return now if len(now) == 2 and victim not in now else set()

    now = wait_for(replaced, 30, "a new worker in place of the killed one")
    wait_for(lambda: started(log) == 3, 60, "the new worker to start")
    assert process.poll() is None, log.read_text()
    assert len(now - first) == 1
    wait_for(lambda: health(port) == 200, 30, "/healthz after the crash")
    assert [health(port) for _ in range(10)] == [200] * 10
