"""The migration that gives figures a table of their own moves every figure already recorded
into it, on a database of its own (a SQLite file, or a throwaway PostgreSQL database)."""

from __future__ import annotations

import importlib
import uuid

import pytest

from tests.conftest import TEST_DATABASE, _database, _database_url, _postgres_admin

MIGRATION = "registry.piccolo_migrations.registry_2026_11_30t20_00_00_000000"
MIGRATION_ID = "2026-11-30T20:00:00:000000"


@pytest.fixture
async def fresh_database(tmp_path, scratch_database):
    if TEST_DATABASE == "postgres":
        name = f"registry_test_migration_{uuid.uuid4().hex[:8]}"
        await _postgres_admin([f'CREATE DATABASE "{name}"'])
        yield _database(_database_url(name))
        await _postgres_admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'])
    else:
        yield _database(f"sqlite:///{tmp_path / 'migrating.sqlite'}")


async def test_recorded_figures_move_into_the_figure_table(fresh_database):
    from registry.migrations import _migrating, apply_migrations

    database = fresh_database
    await apply_migrations(database)
    # back to the schema before this migration, with figures recorded the old way
    with _migrating(database):
        manager = await importlib.import_module(MIGRATION).forwards()
        await manager.run(backwards=True)
    statements = [
        f"DELETE FROM migration WHERE name = '{MIGRATION_ID}'",
        "INSERT INTO organisation (slug, name, kind) VALUES ('do', 'Digital Office', 'council')",
        "INSERT INTO registry_user (email, display_name, password_hash) "
        "VALUES ('ann@example.org', 'Ann Curator', 'x')",
        "INSERT INTO programme (slug, title, summary, owner, status) "
        "VALUES ('telecare', 'Telecare', 'S', 1, 'paused')",
        "INSERT INTO milestone (programme, slug, title, metric) "
        "VALUES (1, 'boxes', 'Boxes', 'recorded')",
        "INSERT INTO milestone_figure (milestone, value, as_of, note, source, recorded_by) "
        "VALUES (1, 400, '2020-06-30', 'first count', 'return 1', 1), "
        "(1, 900, '2021-06-30', '', 'return 2', NULL)",
    ]
    for statement in statements:
        await database.run_ddl(statement)

    assert await apply_migrations(database) == [MIGRATION_ID]
    figures = await database.run_ddl(
        'SELECT "value", "as_of", "source", "source_url", "note", "recorded_by", '
        '"recorded_by_name" FROM "figure" ORDER BY "id"'
    )
    assert [
        (f["value"], str(f["as_of"]), f["source"], f["note"], f["recorded_by_name"])
        for f in figures
    ] == [
        (400, "2020-06-30", "return 1", "first count", "Ann Curator"),
        (900, "2021-06-30", "return 2", "", ""),
    ]
    assert [f["source_url"] for f in figures] == ["", ""]
    programme = await database.run_ddl('SELECT "status", "closed_reason" FROM "programme"')
    assert [(p["status"], p["closed_reason"]) for p in programme] == [("active", "")]
    milestone = await database.run_ddl('SELECT "version" FROM "milestone"')
    assert [m["version"] for m in milestone] == [1]
