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
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import datetime as dt
import io
import json
import os
import pstats
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

HOST = "127.0.0.1"
SEED = 20261121
CLIENTS = 16

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


# -- synthetic data -----------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return text.split()


AREA_WORDS = {
    "children_and_families": "school clothing grant meals nursery childcare families fostering",
    "corporate_and_democratic": "committee elections registration members governance minutes",
    "customer_services": "contact centre webchat chatbot bookings appointments complaints forms",
    "digital_and_ict": "digital platform cloud identity integration cyber security network",
    "economic_development": "business employability tourism investment growth enterprise",
    "education": "school pupils teachers learning curriculum attendance timetabling exams",
    "environment_and_waste": "waste recycling collection bins street cleansing flytipping litter",
    "finance_and_revenues": "council tax benefits revenues payments debt invoicing income",
    "health_and_social_care": "telecare telehealth homecare carers assessment reablement alarms",
    "housing": "housing repairs tenancy homelessness allocations rent lettings",
    "hr_and_workforce": "recruitment payroll workforce training skills learning vacancies",
    "leisure_and_culture": "libraries leisure sport museums events venues",
    "planning_and_building": "planning building warrants applications licensing inspections",
    "procurement": "procurement framework contract tender supplier sourcing purchasing",
    "transport_and_roads": "parking permits roads potholes lighting transport concessionary",
}
GENERAL = words(
    "shared service system management case automation robotic process online mobile app "
    "records analytics dashboard open standard reusable national regional joint scheme "
    "agreement portal data sharing secure modern replacement migration pilot rollout "
    "telephony broadband devices monitoring"
)
FILLER = words(
    "the a and to of for with councils across scotland will which that this can by on in "
    "from their more people staff partners each new local"
)
NOUNS = {
    "platform": ("platform", "service", "system"),
    "procurement": ("procurement", "framework", "contract"),
    "challenge": ("challenge", "competition"),
    "component": ("component", "toolkit", "library", "pattern"),
}
KIND_WEIGHTS = {"platform": 35, "procurement": 20, "challenge": 15, "component": 30}
LICENCES = ("MIT", "Apache-2.0", "OGL-UK-3.0", "GPL-3.0-or-later", "EUPL-1.2", "MPL-2.0")
SUPPLIERS = [f"Synthetic Supplier {name} Ltd" for name in words("Alba Bute Clyde Dee Esk Forth")]


def _when(value: dt.datetime) -> str:
    return str(value.astimezone(dt.UTC))  # as Piccolo stores a Timestamptz in SQLite


@dataclass
class Rows:
    organisations: list[tuple] = field(default_factory=list)
    solutions: list[tuple] = field(default_factory=list)
    details: dict[str, list[tuple]] = field(default_factory=dict)
    adoptions: list[tuple] = field(default_factory=list)
    interests: list[tuple] = field(default_factory=list)
    sponsorships: list[tuple] = field(default_factory=list)


class Catalogue:
    """Deterministic synthetic solutions (`SEED`), clearly apart from the seed catalogue."""

    def __init__(self, seed: int = SEED) -> None:
        self.r = random.Random(seed)
        self.area_words = {area: words(text) for area, text in AREA_WORDS.items()}

    def sentence(self, area: str, n: int) -> str:
        r = self.r
        picked = []
        for _ in range(n):
            pick = r.random()
            source = FILLER if pick < 0.4 else self.area_words[area] if pick < 0.8 else GENERAL
            picked.append(r.choice(source))
        return " ".join(picked).capitalize() + "."

    def paragraph(self, area: str) -> str:
        return " ".join(
            self.sentence(area, self.r.randint(8, 16)) for _ in range(self.r.randint(2, 4))
        )

    def description(self, area: str) -> str:
        r = self.r
        paragraphs = r.randint(6, 10) if r.random() < 0.1 else r.randint(1, 3)
        parts = [self.paragraph(area) for _ in range(paragraphs)]
        if r.random() < 0.2:
            parts.append("\n".join(f"- {self.sentence(area, 4)}" for _ in range(3)))
        return "\n\n".join(parts)

    def generate(self, size: int) -> Rows:
        from registry.vocabulary import (
            CALL_OFF_METHODS,
            CHALLENGE_STAGES,
            CHARACTERISTICS,
            DEVELOPMENT_STATUSES,
            HOSTING,
            INTEREST_LEVELS,
            SOFTWARE_TYPES,
            STATUSES,
        )

        r = self.r
        rows = Rows(details={kind: [] for kind in KIND_WEIGHTS})
        created = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        councils, bodies = seed_organisations()
        for slug, name, kind, org_id, gss, iso, island in councils + bodies:
            rows.organisations.append(
                (slug, name, kind, org_id, gss, iso, island, "", "", "bench", _when(created))
            )
        for n, name in enumerate(SUPPLIERS):
            slug = f"synthetic-supplier-{n + 1}"
            rows.organisations.append(
                (slug, name, "supplier", None, None, None, False, "", "", "bench", _when(created))
            )
        council_ids = list(range(1, len(councils) + 1))
        body_ids = list(range(len(councils) + 1, len(councils) + len(bodies) + 1))
        supplier_ids = list(range(body_ids[-1] + 1, body_ids[-1] + 1 + len(SUPPLIERS)))
        slugs = {i: row[0] for i, row in enumerate(rows.organisations, start=1)}
        areas = list(AREA_WORDS)
        kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        start = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
        for sid in range(1, size + 1):
            kind = r.choices(kinds, weights)[0]
            noun = r.choice(NOUNS[kind])
            service_areas = r.sample(areas, r.choice((1, 1, 2, 3)))
            area = service_areas[0]
            topic = r.sample(self.area_words[area], 2) + r.sample(GENERAL, r.randint(0, 1))
            title = f"Synthetic {noun} {sid}: {' '.join(topic)}"
            summary = " ".join(self.sentence(area, r.randint(10, 18)) for _ in range(2))
            summary = summary[:270].rsplit(" ", 1)[0] if len(summary) > 270 else summary
            statuses = [s for s in STATUSES[kind] if s not in ("draft", "retired")]
            pick = r.random()
            status = "draft" if pick < 0.02 else "retired" if pick < 0.07 else r.choice(statuses)
            owner = r.choice(council_ids) if r.random() < 0.8 else r.choice(body_ids)
            updated = start + dt.timedelta(seconds=r.randint(0, 7 * 365 * 86400))
            tags = sorted(set(r.sample(self.area_words[area] + GENERAL, r.randint(2, 6))))
            characteristics = r.sample(list(CHARACTERISTICS), r.randint(0, 3))
            reported = r.randint(2, 20) if r.random() < 0.03 else None
            rows.solutions.append(
                (
                    sid,
                    kind,
                    f"synthetic-{noun}-{sid}",
                    title,
                    summary,
                    self.description(area),
                    owner,
                    status,
                    json.dumps(service_areas),
                    json.dumps(characteristics),
                    json.dumps(tags),
                    "[]",
                    reported,
                    _when(updated - dt.timedelta(days=r.randint(0, 400))),
                    _when(updated),
                )
            )
            day = (updated + dt.timedelta(days=r.randint(0, 60))).date().isoformat()
            if kind == "procurement":
                maximum = r.choice((None, 3, 5, 8, 12))
                awarded = r.sample(SUPPLIERS, r.randint(0, min(maximum or 4, len(SUPPLIERS))))
                lots = [f"Lot {n + 1}: {' '.join(r.sample(GENERAL, 2))}" for n in range(3)]
                rows.details[kind].append(
                    (
                        sid,
                        r.choice(body_ids[:4]),
                        f"SYN-{sid:06d}",
                        json.dumps(lots[: r.randint(1, 3)]),
                        maximum,
                        json.dumps(awarded),
                        r.choice(list(CALL_OFF_METHODS)),
                        day,
                        (updated + dt.timedelta(days=r.randint(365, 1500))).date().isoformat(),
                        r.randint(10, 5000) * 100_000,
                    )
                )
            elif kind == "challenge":
                sponsors = [slugs[i] for i in r.sample(council_ids + body_ids, r.randint(1, 3))]
                rows.details[kind].append(
                    (
                        sid,
                        self.paragraph(area),
                        json.dumps(sponsors),
                        r.choice(list(CHALLENGE_STAGES)),
                        day,
                        self.sentence(area, 12),
                    )
                )
            elif kind == "component":
                rows.details[kind].append(
                    (
                        sid,
                        r.choice(LICENCES),
                        f"https://example.org/synthetic/{sid}",
                        r.choice(list(SOFTWARE_TYPES)),
                        r.choice(list(DEVELOPMENT_STATUSES)),
                    )
                )
            else:
                operator = r.choice(supplier_ids + body_ids) if r.random() < 0.7 else None
                hosting = r.choice([*HOSTING, ""])
                rows.details[kind].append((sid, operator, hosting))
            if status == "draft":
                continue
            at = _when(updated)
            if r.random() < 0.35:
                for org in r.sample(council_ids, r.randint(1, 8)):
                    state = "live" if r.random() < 0.8 else "planned"
                    rows.adoptions.append((sid, org, state, day, at, at))
            if r.random() < 0.45:
                levels = list(INTEREST_LEVELS)
                for org in r.sample(council_ids, r.randint(1, 10)):
                    withdrawn = at if r.random() < 0.05 else None
                    rows.interests.append((sid, org, r.choice(levels), at, at, withdrawn))
            if r.random() < 0.12:
                for org in r.sample(council_ids + body_ids, r.randint(1, 3)):
                    state = r.choice(("pledged", "confirmed", "confirmed", "withdrawn"))
                    rows.sponsorships.append(
                        (sid, org, r.randint(10, 5000) * 10_000, r.randint(0, 40), state, at, at)
                    )
        return rows


def seed_organisations() -> tuple[list[tuple], list[tuple]]:
    """The councils and national bodies of the seed catalogue (organisations only)."""
    import yaml

    councils, bodies = [], []
    for path in sorted((PROJECT / "seeds" / "organisations").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text())["organisations"]:
            row = (
                item["slug"],
                item["name"],
                item["kind"],
                item.get("org_id"),
                item.get("gss_code"),
                item.get("iso_3166_2"),
                bool(item.get("is_island", False)),
            )
            (councils if item["kind"] == "council" else bodies).append(row)
    return councils, bodies


INSERTS = {
    "organisation": (
        "slug, name, kind, org_id, gss_code, iso_3166_2, is_island, website, description, "
        "source, created_at"
    ),
    "solution": (
        "id, kind, slug, title, summary, description, owner, status, service_areas, "
        "characteristics, tags, links, reported_adopters, created_at, updated_at"
    ),
    "procurement_detail": (
        "solution, procurement_body, reference, lots, max_suppliers, awarded_suppliers, "
        "call_off_method, starts_on, ends_on, estimated_value"
    ),
    "challenge_detail": (
        "solution, problem_statement, sponsors, stage, application_deadline, route_to_adoption"
    ),
    "component_detail": "solution, licence, repository_url, software_type, development_status",
    "platform_detail": "solution, operator, hosting",
    "adoption": "solution, organisation, status, status_on, recorded_at, updated_at",
    "interest": "solution, organisation, level, registered_at, updated_at, withdrawn_at",
    "sponsorship": (
        "solution, organisation, amount_pence, staff_days, status, pledged_at, updated_at"
    ),
}


def insert_rows(database: Path, rows: Rows) -> dict[str, int]:
    """Every row in one transaction with executemany: seconds at 100,000 solutions, where the
    per-solution services would take many minutes."""
    tables: dict[str, list[tuple]] = {
        "organisation": rows.organisations,
        "solution": rows.solutions,
        **{f"{kind}_detail": details for kind, details in rows.details.items()},
        "adoption": rows.adoptions,
        "interest": rows.interests,
        "sponsorship": rows.sponsorships,
    }
    connection = sqlite3.connect(database)
    try:
        with connection:
            for table, values in tables.items():
                columns = INSERTS[table]
                marks = ", ".join("?" * len(columns.split(",")))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - constants
                connection.executemany(sql, values)
    finally:
        connection.close()
    return {table: len(values) for table, values in tables.items()}


# -- measuring ----------------------------------------------------------------------------------


def percentile(samples: Sequence[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def verdict(value: float, budget: float, *, at_least: bool = False) -> str:
    ok = value >= budget if at_least else value <= budget
    return "PASS" if ok else "MISS"


def budget_text(value: float, budget: float, unit: str, applies: bool, *, at_least=False) -> str:
    sign = "≥" if at_least else "≤"
    if not applies:
        return f"(budget {sign} {budget:g} {unit} applies at another size)"
    return f"budget {sign} {budget:g} {unit}  {verdict(value, budget, at_least=at_least)}"


def mb(n_bytes: float) -> float:
    return n_bytes / 1_000_000


def disk_size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


@dataclass
class Latencies:
    samples: list[float] = field(default_factory=list)  # milliseconds
    seconds: float = 0.0  # wall time of the run
    errors: int = 0
    client_cpu: float = 0.0  # seconds of this process's CPU during the run
    server_cpu: float = 0.0  # seconds of the server's CPU during the run

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p99(self) -> float:
        return percentile(self.samples, 99)

    @property
    def rate(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0

    def per_request_ms(self, cpu: float) -> float:
        return cpu / max(len(self.samples), 1) * 1000


# -- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """`registry serve` as a subprocess in its own process group, stopped by its id."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.workers = workers
        self.log = log
        registry = Path(sys.executable).parent / "registry"
        command = [str(registry)] if registry.exists() else [sys.executable, "-m", "registry.cli"]
        command += ["serve", "--host", HOST, "--port", str(self.port), "--workers", str(workers)]
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=PROJECT, env=env, stdout=out, stderr=out, start_new_session=True
            )

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, timeout: float = 120.0) -> float:
        import httpx

        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return time.perf_counter() - started
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer /healthz in {timeout:g}s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def processes(self) -> list[Any]:
        import psutil

        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss(self) -> tuple[float, float, int]:
        """(largest process, all processes) in MB, and how many processes."""
        sizes = []
        for process in self.processes():
            with contextlib.suppress(Exception):
                sizes.append(process.memory_info().rss)
        return mb(max(sizes, default=0)), mb(sum(sizes)), len(sizes)

    def cpu(self) -> float:
        total = 0.0
        for process in self.processes():
            with contextlib.suppress(Exception):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


# -- clients ------------------------------------------------------------------------------------


def one_client_httpx(
    server: Server, paths: list[str], rounds: int
) -> tuple[Latencies, list[list[float]], list[float], list[int]]:
    """Sequential requests over one keep-alive httpx connection: every path, `rounds` times.
    Also the per-path samples, the engine time each response reports and the response sizes."""
    import httpx

    result = Latencies()
    per_path: list[list[float]] = [[] for _ in paths]
    took: list[float] = []
    sizes = [0] * len(paths)
    bodies = []
    with httpx.Client(base_url=server.base, timeout=30) as client:
        client.get(paths[0])
        cpu, server_cpu, started = time.process_time(), server.cpu(), time.perf_counter()
        for n in range(rounds):
            for i, path in enumerate(paths):
                t0 = time.perf_counter()
                response = client.get(path)
                elapsed = (time.perf_counter() - t0) * 1000
                result.samples.append(elapsed)
                per_path[i].append(elapsed)
                if response.status_code != 200:
                    result.errors += 1
                elif n % 10 == 0:
                    bodies.append(response.content)
                sizes[i] = len(response.content)
        result.seconds = time.perf_counter() - started
        result.client_cpu = time.process_time() - cpu
        result.server_cpu = server.cpu() - server_cpu
    took = [json.loads(body)["took_ms"] for body in bodies]
    return result, per_path, took, sizes


class RawConnection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: little CPU per request, so the
    load generator takes as little as possible of the two cores from the server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> RawConnection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def get(self, request: bytes) -> tuple[int, int]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        at = lowered.find(b"content-length:")
        if at >= 0:
            length = int(lowered[at + 15 : lowered.find(b"\r\n", at)])
            await self.reader.readexactly(length)
            return status, length
        length = 0
        if b"transfer-encoding: chunked" in lowered:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                length += size
                if size == 0:
                    return status, length
        raise RuntimeError("a response without a length")

    def close(self) -> None:
        self.writer.close()


def requests_for(paths: list[str], port: int) -> list[bytes]:
    return [
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: application/json\r\n\r\n".encode()
        for path in paths
    ]


async def raw_clients(
    server: Server, paths: list[str], clients: int, *, seconds: float = 0.0, rounds: int = 0
) -> Latencies:
    """`clients` keep-alive connections, each sending the mix in turn (starting at different
    places) with no pause: for `seconds`, or `rounds` times through the mix each."""
    requests = requests_for(paths, server.port)
    connections = [await RawConnection.open(server.port) for _ in range(clients)]
    result = Latencies()
    stop_at = time.perf_counter() + seconds

    async def run(number: int, connection: RawConnection) -> None:
        i = number * len(requests) // max(clients, 1)
        sent = 0
        while (time.perf_counter() < stop_at) if seconds else (sent < rounds * len(requests)):
            t0 = time.perf_counter()
            status, _ = await connection.get(requests[i % len(requests)])
            result.samples.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                result.errors += 1
            i += 1
            sent += 1

    cpu, server_cpu, started = time.process_time(), server.cpu(), time.perf_counter()
    try:
        await asyncio.gather(*(run(n, c) for n, c in enumerate(connections)))
    finally:
        result.seconds = time.perf_counter() - started
        result.client_cpu = time.process_time() - cpu
        result.server_cpu = server.cpu() - server_cpu
        for connection in connections:
            connection.close()
    return result


def wrk_run(server: Server, paths: list[str], seconds: int, clients: int) -> str | None:
    """An extra data point from wrk, when it is installed: same mix, `clients` connections."""
    wrk = shutil.which("wrk")
    if not wrk:
        return None
    lua = "paths = {" + ", ".join(json.dumps(p) for p in paths) + "}\n"
    lua += "i = 0\nrequest = function()\n  i = i % #paths + 1\n"
    lua += '  return wrk.format("GET", paths[i])\nend\n'
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        command = [wrk, "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", script.name]
        done = subprocess.run(
            [*command, server.base], capture_output=True, text=True, timeout=seconds + 30
        )
        keep = ("Latency", "50%", "99%", "Requests/sec", "Non-2xx", "Socket errors")
        return "\n".join(
            f"    wrk: {line.strip()}"
            for line in done.stdout.splitlines()
            if line.strip().startswith(keep)
        )
    finally:
        os.unlink(script.name)


# -- the raw engine -----------------------------------------------------------------------------


CROP = ("description", "supplier_names")  # the long fields, for the cropped variant


async def raw_engine(
    engine: Any, rounds: int, *, crop: bool = False
) -> tuple[Latencies, list[list[float]], list[int]]:
    """The mix through `await engine.search(discover.to_query(discover.parse(params)))`; with
    `crop`, the long fields' highlights cropped to snippets (SearchQuery.crop)."""
    from registry import discover

    async def once(params: dict[str, list[str]]) -> Any:
        query = discover.to_query(discover.parse(params))
        if crop:
            query = dataclasses.replace(query, crop=CROP)
        return await engine.search(query)

    totals = [(await once(params)).total for _, params in MIX]
    result = Latencies()
    per_query: list[list[float]] = [[] for _ in MIX]
    started = time.perf_counter()
    for _ in range(rounds):
        for i, (_, params) in enumerate(MIX):
            t0 = time.perf_counter()
            await once(params)
            elapsed = (time.perf_counter() - t0) * 1000
            result.samples.append(elapsed)
            per_query[i].append(elapsed)
    result.seconds = time.perf_counter() - started
    return result, per_query, totals


async def response_sizes(engine: Any) -> tuple[float, float]:
    """Average bytes of the API's answer to the mix, shaped by the API's own `search_hit`,
    without and with the long fields cropped."""
    import msgspec

    from registry import discover
    from registry.web.api import search_hit

    sizes = []
    for crop in (False, True):
        total = 0
        for _, params in MIX:
            query = discover.to_query(discover.parse(params))
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
            row["version"] = view["version"]
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
        registry = Path(sys.executable).parent / "registry"
        command = [str(registry)] if registry.exists() else [sys.executable, "-m", "registry.cli"]
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [*command, "worker", "--interval", str(interval)],
                cwd=PROJECT,
                env=env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        time.sleep(1.5)  # imports and opening the index

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


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


class InlineExecutor(Executor):
    """Runs the engine's blocking work on the calling thread, so cProfile sees all of it."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


async def asgi_get(app: Any, path: str) -> tuple[int, bytes]:
    """One GET straight into the ASGI app: Litestar and the handler, no HTTP server."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"accept", b"application/json")],
        "client": (HOST, 50000),
        "server": (HOST, 80),
        "state": {},
    }
    status, body = 0, []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(body)


def print_profile(profile: cProfile.Profile, title: str, lines: int) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(lines)
    text = out.getvalue()
    start = text.find("   ncalls")
    print(f"\n  {title} (sorted by own time)")
    for line in text[start:].splitlines():
        if line.strip():
            print(f"    {line.rstrip()[:150]}")


async def profile_in_process(settings: Any, rounds: int) -> None:
    from registry import discover, indexing
    from registry.web.app import create_app

    engine = indexing.make_engine(settings)
    for pool in ("_executor", "_searching"):  # the engine's thread pools, whichever it has
        if hasattr(engine, pool):
            setattr(engine, pool, InlineExecutor())
    queries = [discover.to_query(discover.parse(params)) for _, params in MIX]
    for query in queries:
        await engine.search(query)

    async def engine_loop() -> None:
        for _ in range(rounds):
            for query in queries:
                await engine.search(query)

    app = create_app(settings, engine=engine, database_pool=False)
    paths = [search_path(params) for _, params in MIX]
    for path in paths:
        status, _ = await asgi_get(app, path)
        assert status == 200, (path, status)

    async def app_loop() -> None:
        for _ in range(rounds):
            for path in paths:
                await asgi_get(app, path)

    for label, loop in (("engine.search", engine_loop), ("ASGI app, GET /api/v1/search", app_loop)):
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


def line(text: str = "") -> None:
    print(text, flush=True)


async def run_size(args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one size; the environment (data directory) is already set."""
    from registry import indexing
    from registry.config import get_settings
    from registry.migrations import apply_migrations

    size: int = args.child
    plan = plan_for(size, args.quick)
    at_budget, at_memory = size == BUDGET_SIZE, size == MEMORY_SIZE
    settings = get_settings()
    data_dir = settings.data_dir
    results: dict[str, Any] = {"size": size, "cores": os.cpu_count()}
    line(f"\n=== {size:,} synthetic solutions " + "=" * 60)
    busy = other_load()
    results["busy"] = busy
    if busy > 10:
        line(
            f"note: other processes kept the cores {busy:.0f}% busy in the second before this "
            "size started, so these figures are pessimistic"
        )

    # -- data
    await apply_migrations()
    started = time.perf_counter()
    rows = Catalogue().generate(size)
    generated = time.perf_counter() - started
    counts = insert_rows(settings.sqlite_path, rows)
    inserted = time.perf_counter() - started - generated
    published = sum(1 for row in rows.solutions if row[7] != "draft")
    del rows
    line(
        f"data: {counts['solution']:,} solutions ({published:,} published), "
        f"{counts['organisation']} organisations, {counts['adoption']:,} adoptions, "
        f"{counts['interest']:,} interests, {counts['sponsorship']:,} pledges "
        f"(generated in {generated:.1f} s, inserted in {inserted:.1f} s)"
    )

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
    disk = disk_size(settings.search_dir)
    results |= {"reindex_s": reindex_s, "indexed": indexed, "index_mb": mb(disk)}
    line(
        f"1. full reindex (registry.indexing.reindex, embedded engine): {reindex_s:.2f} s for "
        f"{indexed:,} documents ({indexed / reindex_s:,.0f}/s; reading the database and building "
        f"documents {loading[0]:.2f} s, Tantivy {reindex_s - loading[0]:.2f} s)   "
        + budget_text(reindex_s, REINDEX_S, "s", at_budget)
    )
    line(f"2. index on disk: {mb(disk):.1f} MB ({disk / max(indexed, 1):,.0f} bytes a document)")

    if args.profile:
        line(f"\nprofile: {args.profile_rounds} rounds of the {len(MIX)} searches, in-process")
        await profile_in_process(settings, args.profile_rounds)
        await engine.close()
        return results

    # -- raw engine, in-process (nothing else running)
    from search import SearchQuery

    raw, raw_per_query, totals = await raw_engine(engine, plan.raw_rounds)
    from search.tantivy_engine import TantivyEngine

    uncached_engine = TantivyEngine(
        settings.search_dir / indexing.SPEC.name, engine.spec, facet_cache=0
    )
    uncached, _, _ = await raw_engine(uncached_engine, max(plan.raw_rounds // 3, 5))
    await uncached_engine.close()
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
        f"   raw engine without its facet cache (every search counts its facets): "
        f"p50 {uncached.p50:.2f} ms, p99 {uncached.p99:.2f} ms"
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


def other_load(seconds: float = 1.0) -> float:
    """How busy the cores are (percent) over `seconds` while this benchmark is idle: anything
    else running shares the two cores with the load generator and the server."""
    import psutil

    return psutil.cpu_percent(interval=seconds)


def child_env(data_dir: Path) -> dict[str, str]:
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
        "PYTHONPATH": str(PROJECT),
    }
    return env


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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default=None, help="comma-separated (default 1000,10000,100000)")
    parser.add_argument("--quick", action="store_true", help="1,000 solutions, fewer rounds")
    parser.add_argument(
        "--profile", action="store_true", help="profile in-process instead (default size 10,000)"
    )
    parser.add_argument("--profile-rounds", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the data directories")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        results = asyncio.run(run_size(args))
        Path(args.result).write_text(json.dumps(results))
        return

    if args.sizes:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    elif args.quick:
        sizes = [1_000]
    elif args.profile:
        sizes = [BUDGET_SIZE]
    else:
        sizes = [1_000, 10_000, 100_000]
    line(
        f"search benchmark: {', '.join(f'{s:,}' for s in sizes)} synthetic solutions; "
        f"{os.cpu_count()} cores; {len(MIX)} searches in the mix"
    )
    results = []
    started = time.perf_counter()
    for size in sizes:
        data_dir = Path(tempfile.mkdtemp(prefix=f"registry-bench-{size}-"))
        result_file = data_dir / "result.json"
        try:
            command = [sys.executable, str(Path(__file__).resolve()), "--child", str(size)]
            command += ["--result", str(result_file), "--profile-rounds", str(args.profile_rounds)]
            command += ["--quick"] * args.quick + ["--profile"] * args.profile
            done = subprocess.run(command, env=child_env(data_dir), cwd=PROJECT)
            if done.returncode != 0:
                line(f"the {size:,} run failed (exit status {done.returncode})")
                for log in sorted(data_dir.glob("*.log")):
                    line(f"--- {log.name}\n" + "\n".join(log.read_text().splitlines()[-20:]))
                continue
            results.append(json.loads(result_file.read_text()))
        finally:
            if args.keep:
                line(f"kept {data_dir}")
            else:
                shutil.rmtree(data_dir, ignore_errors=True)
    if results and not args.profile:
        summary(results)
    line(f"\nwhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
