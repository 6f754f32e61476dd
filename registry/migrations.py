"""Applying the schema migrations in `registry/piccolo_migrations/` (idempotently)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from registry import db


class MigrationFailed(Exception):
    pass


@contextlib.contextmanager
def _migrating(database: Engine) -> Iterator[None]:
    """Point Piccolo's migration machinery (which finds its database through piccolo_conf)
    at `database` for the duration, so any database can be migrated, not only the configured
    one."""
    import piccolo_conf

    saved_conf, saved_migration = piccolo_conf.DB, Migration._meta._db
    piccolo_conf.DB, Migration._meta.db = database, database
    try:
        yield
    finally:
        piccolo_conf.DB, Migration._meta._db = saved_conf, saved_migration


async def _pending() -> list[str]:
    manager = BaseMigrationManager()
    await manager.create_migration_table()
    app = manager.get_app_config("registry")
    modules = manager.get_migration_modules(app.resolved_migrations_folder_path)
    ran = set(await Migration.get_migrations_which_ran(app_name="registry"))
    return sorted(set(manager.get_migration_ids(modules)) - ran)


async def apply_migrations(database: Engine | None = None) -> list[str]:
    """Apply every migration not yet applied; returns their ids (empty when up to date)."""
    database = database or db.database()
    if isinstance(database, SQLiteEngine):
        # Write-ahead logging lets pages be read while a write is in progress. The setting is
        # kept in the database file, so it is set once here.
        await database.run_ddl("PRAGMA journal_mode=WAL")
    with _migrating(database):
        todo = await _pending()
        if not todo:
            return []
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            result = await run_forwards(app_name="registry")
    if not result.success:
        raise MigrationFailed(f"{result.message}\n{output.getvalue()}")
    return todo
