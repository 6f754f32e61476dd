"""What the benchmarks in bench/ share: the synthetic catalogue they measure, the real server
they measure it through, the clients that load it, and how the figures are summed up.

`Catalogue` makes the same synthetic solutions on every run (a fixed seed and a fixed
vocabulary of council-service words) and `insert_rows` writes them straight into the SQLite
database; `Server` runs `registry serve` (granian) as a subprocess on a free local port;
`one_client_httpx` and `raw_clients` send keep-alive GET requests, one at a time or from many
connections at once, and return `Latencies`; `percentile`, `verdict` and `budget_text` put a
figure beside its budget of DESIGN.md section 8; `run_sizes` runs each size of a benchmark in a
subprocess with its own temporary data directory (`child_env`). The scripts import it as
`harness`, from their own directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
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
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent

HOST = "127.0.0.1"
SEED = 20261121
CLIENTS = 16


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
                # stored as the services store them: {"name", "suppliers"} for each lot
                lots = [
                    {"name": f"Lot {n + 1}: {' '.join(r.sample(GENERAL, 2))}", "suppliers": []}
                    for n in range(3)
                ]
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
    from registry import markdown

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
            # Pages show the HTML stored with each description, as the services store it when
            # a description is saved.
            for table in ("organisation", "solution"):
                select = f"SELECT id, description FROM {table}"  # noqa: S608 - constants
                rendered = [(markdown.render(text), n) for n, text in connection.execute(select)]
                update = f"UPDATE {table} SET description_html = ? WHERE id = ?"  # noqa: S608
                connection.executemany(update, rendered)
    finally:
        connection.close()
    return {table: len(values) for table, values in tables.items()}


async def load_data(settings: Any, size: int) -> dict[str, int]:
    """Migrate the (new, empty) database of `settings`, insert `size` synthetic solutions and
    print what was inserted; the number of rows per table."""
    from registry.migrations import apply_migrations

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
    return counts


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


def registry_command() -> list[str]:
    """The `registry` command of this virtual environment."""
    registry = Path(sys.executable).parent / "registry"
    return [str(registry)] if registry.exists() else [sys.executable, "-m", "registry.cli"]


def stop_group(process: subprocess.Popen, timeout: float) -> None:
    """Stop a subprocess started in a session of its own, and its children: SIGINT to its
    process group, then SIGKILL if it has not exited within `timeout` seconds."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


class Server:
    """`registry serve` as a subprocess in its own process group, stopped by its id."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.workers = workers
        self.log = log
        command = registry_command()
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
        stop_group(self.process, 15)


# -- clients ------------------------------------------------------------------------------------

JSON = {"Accept": "application/json"}


def one_client_httpx(
    server: Server,
    paths: list[str],
    rounds: int,
    *,
    headers: Mapping[str, str] | None = None,
    keep_every: int = 0,
) -> tuple[Latencies, list[list[float]], list[int], list[bytes]]:
    """Sequential requests over one keep-alive httpx connection, with `headers` besides httpx's
    own: every path, `rounds` times. Also the per-path samples, the size of each path's last
    response, and the bodies of the successful responses of every `keep_every`-th round (none
    when 0)."""
    import httpx

    result = Latencies()
    per_path: list[list[float]] = [[] for _ in paths]
    sizes = [0] * len(paths)
    bodies = []
    with httpx.Client(base_url=server.base, timeout=30, headers=headers) as client:
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
                elif keep_every and n % keep_every == 0:
                    bodies.append(response.content)
                sizes[i] = len(response.content)
        result.seconds = time.perf_counter() - started
        result.client_cpu = time.process_time() - cpu
        result.server_cpu = server.cpu() - server_cpu
    return result, per_path, sizes, bodies


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


def requests_for(paths: list[str], port: int, headers: Mapping[str, str] = JSON) -> list[bytes]:
    fields = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return [
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{fields}\r\n".encode() for path in paths
    ]


async def raw_clients(
    server: Server,
    paths: list[str],
    clients: int,
    *,
    seconds: float = 0.0,
    rounds: int = 0,
    headers: Mapping[str, str] = JSON,
    per_path: list[list[float]] | None = None,
) -> Latencies:
    """`clients` keep-alive connections, each sending the mix in turn (starting at different
    places) with no pause: for `seconds`, or `rounds` times through the mix each. With
    `per_path` (a list per path), each path's samples are added to its list too."""
    requests = requests_for(paths, server.port, headers)
    connections = [await RawConnection.open(server.port) for _ in range(clients)]
    result = Latencies()
    stop_at = time.perf_counter() + seconds

    async def run(number: int, connection: RawConnection) -> None:
        i = number * len(requests) // max(clients, 1)
        sent = 0
        while (time.perf_counter() < stop_at) if seconds else (sent < rounds * len(requests)):
            t0 = time.perf_counter()
            status, _ = await connection.get(requests[i % len(requests)])
            elapsed = (time.perf_counter() - t0) * 1000
            result.samples.append(elapsed)
            if per_path is not None:
                per_path[i % len(requests)].append(elapsed)
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


def wrk_run(
    server: Server,
    paths: list[str],
    seconds: int,
    clients: int,
    headers: Mapping[str, str] | None = None,
) -> str | None:
    """An extra data point from wrk, when it is installed: same mix, `clients` connections."""
    wrk = shutil.which("wrk")
    if not wrk:
        return None
    lua = "paths = {" + ", ".join(json.dumps(p) for p in paths) + "}\n"
    if headers:
        fields = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
        lua += "wrk.headers = {" + fields + "}\n"
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


async def asgi_get(app: Any, path: str, headers: Mapping[str, str] = JSON) -> tuple[int, bytes]:
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
        "headers": [
            (b"host", b"bench"),
            *((name.lower().encode(), value.encode()) for name, value in headers.items()),
        ],
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
    for row in text[start:].splitlines():
        if row.strip():
            print(f"    {row.rstrip()[:150]}")


# -- the driver ---------------------------------------------------------------------------------


def line(text: str = "") -> None:
    print(text, flush=True)


def other_load(seconds: float = 1.0) -> float:
    """How busy the cores are (percent) over `seconds` while this benchmark is idle: anything
    else running shares the two cores with the load generator and the server."""
    import psutil

    return psutil.cpu_percent(interval=seconds)


def begin_size(size: int) -> float:
    """The heading of one size, and a note when other processes are keeping the cores busy;
    how busy they were (percent)."""
    line(f"\n=== {size:,} synthetic solutions " + "=" * 60)
    busy = other_load()
    if busy > 10:
        line(
            f"note: other processes kept the cores {busy:.0f}% busy in the second before this "
            "size started, so these figures are pessimistic"
        )
    return busy


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


def run_sizes(script: Path, sizes: Sequence[int], options: list[str], keep: bool) -> list[dict]:
    """Run `script --child SIZE --result FILE *options` for each size, each in its own new data
    directory (removed afterwards unless `keep`); the results the children wrote, in order.
    A size that fails is reported with the end of its logs and left out."""
    results = []
    for size in sizes:
        data_dir = Path(tempfile.mkdtemp(prefix=f"registry-bench-{size}-"))
        result_file = data_dir / "result.json"
        try:
            command = [sys.executable, str(script), "--child", str(size)]
            command += ["--result", str(result_file), *options]
            done = subprocess.run(command, env=child_env(data_dir), cwd=PROJECT)
            if done.returncode != 0:
                line(f"the {size:,} run failed (exit status {done.returncode})")
                for log in sorted(data_dir.glob("*.log")):
                    line(f"--- {log.name}\n" + "\n".join(log.read_text().splitlines()[-20:]))
                continue
            results.append(json.loads(result_file.read_text()))
        finally:
            if keep:
                line(f"kept {data_dir}")
            else:
                shutil.rmtree(data_dir, ignore_errors=True)
    return results


def bench_main(
    script: Path,
    run_size: Callable[[Any], Any],
    summary: Callable[[list[dict]], None],
    *,
    default_sizes: Sequence[int],
    profile_size: int,
    heading: Callable[[list[int]], str],
    description: str,
) -> None:
    """The command line both benchmarks share: `--sizes`, `--quick`, `--profile`, `--keep`, and
    the hidden `--child SIZE --result FILE` with which the script runs one size in a process of
    its own (`run_size(args)` there; its results go to FILE)."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--sizes",
        default=None,
        help=f"comma-separated (default {','.join(str(s) for s in default_sizes)})",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 solutions, shorter runs")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"profile in-process instead (default size {profile_size:,})",
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
        sizes = [profile_size]
    else:
        sizes = list(default_sizes)
    line(heading(sizes))
    started = time.perf_counter()
    options = ["--profile-rounds", str(args.profile_rounds)]
    options += ["--quick"] * args.quick + ["--profile"] * args.profile
    results = run_sizes(script, sizes, options, args.keep)
    if results and not args.profile:
        summary(results)
    line(f"\nwhole run: {time.perf_counter() - started:.0f} s")
