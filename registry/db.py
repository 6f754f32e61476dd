"""The database, built from the settings, and the one place that binds it to the tables.

Services reach it through `database()` so a transaction always runs on the same database as
the tables it touches (the tests rebind the tables to a throwaway database). Piccolo calls
this object an engine (`Engine`); here it is the database, and "engine" means the search
engine.
"""

from __future__ import annotations

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from registry.config import Settings, get_settings


def database_from_settings(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    if settings.database_kind == "postgresql":
        return PostgresEngine(config={"dsn": settings.database_url})
    path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    # A generous busy timeout: concurrent writers queue on SQLite's lock instead of failing.
    return SQLiteEngine(path=str(path), timeout=30)


def database() -> Engine:
    from registry.tables import Organisation

    return Organisation._meta.db


def bind(db: Engine) -> None:
    """Point every table at `db`."""
    from registry.tables import ALL_TABLES

    for table in ALL_TABLES:
        table._meta._db = db


def transaction():
    """A write transaction. On SQLite it takes the write lock up front (BEGIN IMMEDIATE), so
    two writers never both read and then deadlock upgrading their locks."""
    db = database()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


def reading():
    """One connection, and one consistent snapshot, for a group of reads. Outside a
    transaction every query opens a connection of its own (on SQLite, a new thread too:
    1.5 to 2 ms each), so a page built from several queries reads inside one of these. Only
    reads belong in it: on SQLite a write here could not take the write lock safely."""
    return database().transaction()


async def start(db: Engine | None = None) -> None:
    db = db or database()
    if isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=1, max_size=10)


async def stop(db: Engine | None = None) -> None:
    db = db or database()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()


def is_unique_violation(exc: BaseException) -> bool:
    """Whether `exc` is the database refusing a duplicate under a unique index."""
    import sqlite3

    from asyncpg.exceptions import UniqueViolationError

    if isinstance(exc, UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(exc)
