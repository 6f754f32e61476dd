"""The uniqueness rules that span several columns, as unique indexes.

Piccolo writes its own composite constraints as ALTER TABLE statements, which SQLite refuses,
so they are plain SQL here; both SQLite and PostgreSQL accept this syntax, partial indexes
included. "Active" interests and pledges are unique per organisation and solution; withdrawn
ones are kept for history, hence the partial indexes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-21T13:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Composite and partial unique indexes"

INDEXES = {
    "membership_one_per_organisation": 'membership ("user", "organisation")',
    "adoption_one_per_organisation": 'adoption ("solution", "organisation")',
    "programme_solution_one_link": 'programme_solution ("programme", "solution")',
    "milestone_slug_per_programme": 'milestone ("programme", "slug")',
    "interest_one_active": ('interest ("solution", "organisation") WHERE "withdrawn_at" IS NULL'),
    "sponsorship_one_active": (
        'sponsorship ("solution", "organisation") WHERE "status" <> \'withdrawn\''
    ),
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
