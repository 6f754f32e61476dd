"""Test set-up shared by the whole suite: which database, fresh schema, clean tables.

`REGISTRY_TEST_DATABASE` chooses the database: `sqlite` (default, a file in a temporary
directory) or `postgres`, where each run creates its own throwaway databases on the server at
`TEST_POSTGRES_URL` (default postgresql://postgres@127.0.0.1:5432/test) and drops them at the
end. If that server cannot be reached the database tests are skipped with a message saying so,
except under CI (`CI=true`), where that is a failure.

Two databases per run: a scratch one, emptied before every test that asks for `db`, and a
catalogue one, loaded once from the real seed files, for tests that only read (`seeded`).

The named fixtures every test file shares: `search_index` (a fresh Tantivy index) and `client`
(the app over the scratch database and that index); `seeded_index`, built once per run from the
catalogue, and `seeded_client` over both; `broken_index` for search being down; and one set of
organisations (`glasgow`, `fife`, `edinburgh`, `scotland_excel`, `digital_office`) with the
people acting for them (`glasgow_officer`, `fife_admin`, `edinburgh_officer`, `excel_buyer`,
`curator`). Anything else reaches the app through `tests.clients.app_client` and the command
through `tests.clients.run_registry`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

TEST_DATABASE = os.environ.get("REGISTRY_TEST_DATABASE", "sqlite").strip().lower()
TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:8]}"

_tmp = Path(tempfile.mkdtemp(prefix="registry-test-"))
_postgres_problem: str | None = None
_created_databases: list[str] = []

# The application reads its settings from the environment once; set them before it is imported.
os.environ["REGISTRY_ENV"] = "development"
os.environ["REGISTRY_DATA_DIR"] = str(_tmp / "data")
os.environ.pop("SEARCH_ENGINE", None)
os.environ.pop("REGISTRY_SECRET_KEY", None)


def _database_url(name: str) -> str:
    parts = urlsplit(TEST_POSTGRES_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


async def _postgres_admin(statements: list[str]) -> None:
    import asyncpg

    connection = await asyncpg.connect(TEST_POSTGRES_URL, timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _scratch_and_catalogue_urls() -> tuple[str, str]:
    global _postgres_problem
    if TEST_DATABASE == "sqlite":
        return f"sqlite:///{_tmp / 'scratch.sqlite'}", f"sqlite:///{_tmp / 'catalogue.sqlite'}"
    if TEST_DATABASE != "postgres":
        raise pytest.UsageError("REGISTRY_TEST_DATABASE must be sqlite or postgres")
    names = [f"registry_test_{RUN_ID}", f"registry_test_{RUN_ID}_catalogue"]
    try:
        asyncio.run(_postgres_admin([f'CREATE DATABASE "{name}"' for name in names]))
        _created_databases.extend(names)
    except Exception as exc:
        _postgres_problem = f"PostgreSQL at {TEST_POSTGRES_URL} cannot be reached: {exc}"
    return _database_url(names[0]), _database_url(names[1])


SCRATCH_URL, CATALOGUE_URL = _scratch_and_catalogue_urls()
os.environ["DATABASE_URL"] = SCRATCH_URL


def pytest_configure(config: pytest.Config) -> None:
    if _postgres_problem and IN_CI:
        pytest.exit(f"{_postgres_problem} (CI=true: a PostgreSQL run must not be skipped)", 1)


def pytest_report_header(config: pytest.Config) -> str:
    if _postgres_problem:
        return f"database: SKIPPING database tests: {_postgres_problem}"
    return f"database: {TEST_DATABASE} ({SCRATCH_URL.split('@')[-1]})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _postgres_problem:
        return
    skip = pytest.mark.skip(reason=_postgres_problem)
    for item in items:
        if "no_database" not in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _postgres_problem:
        terminalreporter.write_line(
            f"The PostgreSQL run was skipped: {_postgres_problem}", yellow=True
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    if _created_databases:
        try:
            asyncio.run(
                _postgres_admin(
                    [
                        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                        for name in _created_databases
                    ]
                )
            )
        except Exception as exc:  # leave a note rather than hide a failure of the run itself
            print(f"could not drop test databases {_created_databases}: {exc}")
    shutil.rmtree(_tmp, ignore_errors=True)


# -- fixtures ---------------------------------------------------------------------------------


def _database(url: str):
    from registry.config import Settings
    from registry.db import database_from_settings

    return database_from_settings(Settings.from_env({**os.environ, "DATABASE_URL": url}))


@pytest.fixture(scope="session")
async def scratch_database():
    from registry import db
    from registry.migrations import apply_migrations

    database = _database(SCRATCH_URL)
    await apply_migrations(database)
    db.bind(database)
    return database


@pytest.fixture(scope="session")
async def catalogue_database(scratch_database):
    """A database loaded once from the real seed files. Tests using it must not write."""
    from registry import db
    from registry.migrations import apply_migrations
    from registry.seeding import load_seeds

    database = _database(CATALOGUE_URL)
    await apply_migrations(database)
    db.bind(database)
    await db.start(database)  # a pool while loading (see pooled_db), none once apps read it
    try:
        await load_seeds()
    finally:
        await db.stop(database)
        db.bind(scratch_database)
    return database


async def empty_tables() -> None:
    from piccolo.engine.postgres import PostgresEngine

    from registry import db
    from registry.tables import ALL_TABLES

    database = db.database()
    names = [table._meta.tablename for table in ALL_TABLES]
    if isinstance(database, PostgresEngine):
        quoted = ", ".join(f'"{name}"' for name in names)
        await database.run_ddl(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    else:
        async with database.transaction():
            for name in reversed(names):
                await database.run_ddl(f'DELETE FROM "{name}"')


@pytest.fixture
async def db(scratch_database):
    """The scratch database, emptied before the test."""
    from registry import db as registry_db

    registry_db.bind(scratch_database)
    await empty_tables()
    return scratch_database


@pytest.fixture
async def pooled_db(db):
    """The scratch database through a connection pool, as the server reaches it, for tests that
    make thousands of queries (loading every seed file, a hundred edits): on PostgreSQL each
    query otherwise opens a connection of its own. Only for tests without an app client, whose
    app runs on an event loop of its own that the pool does not belong to."""
    from registry import db as registry_db

    await registry_db.start(db)
    yield db
    await registry_db.stop(db)


@pytest.fixture
async def seeded(catalogue_database, scratch_database):
    """The seeded catalogue database, for tests that only read."""
    from registry import db as registry_db

    registry_db.bind(catalogue_database)
    yield catalogue_database
    registry_db.bind(scratch_database)


@pytest.fixture
def tmp_data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Real argon2id, at the lowest cost: the tests check what hashing does, not how slowly.
    (Production keeps the library's recommended parameters.)"""
    from argon2 import PasswordHasher

    from registry.accounts import passwords

    saved = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    passwords._hasher = saved


# -- the search index and the app --------------------------------------------------------------


@pytest.fixture
async def search_index(tmp_path: Path):
    """A fresh, empty Tantivy index of the test's own, closed after the test."""
    from registry import indexing
    from search.tantivy import TantivyEngine

    engine = TantivyEngine(tmp_path / "index" / "solutions", indexing.SPEC)
    await engine.apply_settings()
    yield engine
    await engine.close()


@pytest.fixture
async def broken_index(tmp_path: Path):
    """A Tantivy index that can never be opened: a file stands where its directory should be."""
    from registry import indexing
    from search.tantivy import TantivyEngine

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the index should be")
    engine = TantivyEngine(blocker / "solutions", indexing.SPEC)
    yield engine
    await engine.close()


@pytest.fixture
async def client(db, search_index):
    """The app over the scratch database and the test's own index."""
    from tests.clients import app_client

    async with app_client(search_index) as client:
        yield client


@pytest.fixture(scope="session")
async def seeded_index(catalogue_database, scratch_database, tmp_path_factory):
    """A real index of the seeded catalogue, built once for the whole run. Tests using it must
    not write (it is shared, like the catalogue database it was built from)."""
    from registry import db as registry_db
    from registry import indexing
    from search.tantivy import TantivyEngine

    engine = TantivyEngine(tmp_path_factory.mktemp("seeded-index") / "solutions", indexing.SPEC)
    registry_db.bind(catalogue_database)
    try:
        await indexing.reindex(engine)
    finally:
        registry_db.bind(scratch_database)
    yield engine
    await engine.close()


@pytest.fixture
async def seeded_client(seeded, seeded_index):
    """The app over the seeded catalogue and its index, for tests that only read. (An index that
    already matches the catalogue also spares the app its start-up rebuild.)"""
    from tests.clients import app_client

    async with app_client(seeded_index) as client:
        yield client


# -- organisations and the people acting for them -----------------------------------------------
# One set for the whole suite, each made only when a test asks for it, in the scratch database.


@pytest.fixture
async def glasgow(db) -> dict:
    from tests.factories import make_org

    return await make_org("glasgow-city", name="Glasgow City Council", org_id="GB-LAS-GLG")


@pytest.fixture
async def fife(db) -> dict:
    from tests.factories import make_org

    return await make_org("fife", name="Fife Council", org_id="GB-LAS-FIF")


@pytest.fixture
async def edinburgh(db) -> dict:
    from tests.factories import make_org

    return await make_org("city-of-edinburgh", name="City of Edinburgh Council")


@pytest.fixture
async def scotland_excel(db) -> dict:
    from tests.factories import make_org

    return await make_org("scotland-excel", kind="national_body", name="Scotland Excel")


@pytest.fixture
async def digital_office(db) -> dict:
    from tests.factories import make_org

    return await make_org("digital-office", kind="national_body", name="Digital Office")


@pytest.fixture
async def glasgow_officer(glasgow):
    """A member of Glasgow City Council."""
    from tests.factories import GLASGOW_OFFICER, make_actor

    return await make_actor(glasgow, "member", email=GLASGOW_OFFICER)


@pytest.fixture
async def fife_admin(fife):
    """An administrator of Fife Council."""
    from tests.factories import FIFE_ADMIN, make_actor

    return await make_actor(fife, "org_admin", email=FIFE_ADMIN)


@pytest.fixture
async def edinburgh_officer(edinburgh):
    """A member of the City of Edinburgh Council."""
    from tests.factories import EDINBURGH_OFFICER, make_actor

    return await make_actor(edinburgh, "member", email=EDINBURGH_OFFICER)


@pytest.fixture
async def excel_buyer(scotland_excel):
    """Scotland Excel's procurement officer, who may register joint procurements."""
    from tests.factories import EXCEL_BUYER, make_actor

    return await make_actor(scotland_excel, "procurement", email=EXCEL_BUYER)


@pytest.fixture
async def curator(db):
    """Digital Office staff, who curate the catalogue and belong to no organisation."""
    from tests.factories import CURATOR, make_actor

    return await make_actor(digital_office=True, email=CURATOR)
