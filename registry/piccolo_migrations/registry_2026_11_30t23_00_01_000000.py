"""One follow per person and thing followed (a saved search is told apart by its query), as a
unique index: plain SQL that SQLite and PostgreSQL both accept."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T23:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "One follow per person and thing followed"

INDEXES = {
    "follow_one_per_target": 'follow ("user", "target_type", "target_id", "query")',
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for name, target in INDEXES.items():
            await engine.run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop_indexes():
        engine = engine_finder()
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
