"""Proposed adoptions: the organisations a component's publiccode.yml names as using it,
matched to registry organisations, until the component's owner confirms or dismisses each one.
One row per component and organisation, whatever became of it, so a re-import never proposes
again what was decided.

Plain SQL that SQLite and PostgreSQL both accept (only the id column differs).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Adoptions proposed by a publiccode.yml file's usedBy, for the owner to confirm"


def _table(id_column: str) -> str:
    return (
        'CREATE TABLE "proposed_adoption" ('
        f'"id" {id_column}, '
        '"solution" INTEGER NOT NULL REFERENCES "solution" ("id") ON DELETE CASCADE, '
        '"organisation" INTEGER NOT NULL REFERENCES "organisation" ("id") ON DELETE CASCADE, '
        "\"written\" VARCHAR(300) NOT NULL DEFAULT '', "
        "\"status\" VARCHAR(20) NOT NULL DEFAULT 'proposed', "
        '"proposed_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, '
        '"decided_by" INTEGER NULL REFERENCES "registry_user" ("id") ON DELETE SET NULL, '
        '"decided_at" TIMESTAMPTZ NULL DEFAULT NULL)'
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def add():
        engine = engine_finder()
        postgres = engine.engine_type == "postgres"
        await engine.run_ddl(_table("SERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY"))
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "proposed_adoption_once" '
            'ON "proposed_adoption" ("solution", "organisation")'
        )

    async def remove():
        engine = engine_finder()
        await engine.run_ddl('DROP TABLE "proposed_adoption"')

    manager.add_raw(add)
    manager.add_raw_backwards(remove)
    return manager
