"""The facts a council decides on: every solution's contact role, cost, who may use it, how to
join, documents, sources and notes on facts; a procurement's call-off rights, extension options
and contract notice, with lots that name their suppliers; a challenge's dates and outcomes; a
component's maintenance; and the one link between a solution and the joint procurements it can
be bought through.

Plain SQL that SQLite and PostgreSQL both accept (only the new table's id column differs).
Existing rows are carried over: lots written as plain names become lots with no suppliers
named, and software types become the publiccode.yml softwareType values.
"""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-30T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Key facts of every kind, and the link between solutions and procurements"

COLUMNS = {
    "solution": [
        ("contact_role", "VARCHAR(120) NOT NULL DEFAULT ''"),
        ("charging_model", "VARCHAR(30) NOT NULL DEFAULT ''"),
        ("cost", "VARCHAR(200) NOT NULL DEFAULT ''"),
        ("eligibility", "VARCHAR(30) NOT NULL DEFAULT ''"),
        ("eligibility_note", "VARCHAR(300) NOT NULL DEFAULT ''"),
        ("how_to_join", "TEXT NOT NULL DEFAULT ''"),
        ("how_to_join_html", "TEXT NOT NULL DEFAULT ''"),
        ("documents", "JSON NOT NULL DEFAULT '[]'"),
        ("sources", "JSON NOT NULL DEFAULT '[]'"),
        ("fact_notes", "JSON NOT NULL DEFAULT '{}'"),
    ],
    "procurement_detail": [
        ("call_off_by", "VARCHAR(300) NOT NULL DEFAULT ''"),
        ("extension_options", "VARCHAR(200) NOT NULL DEFAULT ''"),
        ("notice_reference", "VARCHAR(100) NOT NULL DEFAULT ''"),
    ],
    "challenge_detail": [
        ("starts_on", "DATE NULL DEFAULT NULL"),
        ("ends_on", "DATE NULL DEFAULT NULL"),
        ("outcomes", "TEXT NOT NULL DEFAULT ''"),
    ],
    "component_detail": [
        ("maintenance_type", "VARCHAR(20) NOT NULL DEFAULT ''"),
        ("maintenance_contractor", "VARCHAR(200) NOT NULL DEFAULT ''"),
        ("maintenance_until", "DATE NULL DEFAULT NULL"),
    ],
}

# The registry's old software types, as the publiccode.yml softwareType values.
SOFTWARE_TYPES = {
    "application": "standalone/web",
    "api": "standalone/backend",
    "configuration": "configurationFiles",
}


def _supply_route_table(id_column: str) -> str:
    return (
        'CREATE TABLE "supply_route" ('
        f'"id" {id_column}, '
        '"solution" INTEGER NOT NULL REFERENCES "solution" ("id") ON DELETE RESTRICT, '
        '"procurement" INTEGER NOT NULL REFERENCES "solution" ("id") ON DELETE RESTRICT, '
        "\"lot\" VARCHAR(200) NOT NULL DEFAULT '', "
        '"created_by" INTEGER NULL REFERENCES "registry_user" ("id") ON DELETE SET NULL, '
        '"created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)'
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def add():
        engine = engine_finder()
        for table, columns in COLUMNS.items():
            for name, definition in columns:
                await engine.run_ddl(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {definition}')
        postgres = engine.engine_type == "postgres"
        await engine.run_ddl(
            _supply_route_table("SERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY")
        )
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "supply_route_one_link" '
            'ON "supply_route" ("solution", "procurement", "lot")'
        )
        await engine.run_ddl('CREATE INDEX "supply_route_solution" ON "supply_route" ("solution")')
        await engine.run_ddl(
            'CREATE INDEX "supply_route_procurement" ON "supply_route" ("procurement")'
        )
        for old, new in SOFTWARE_TYPES.items():
            await engine.run_querystring(
                QueryString(
                    'UPDATE "component_detail" SET "software_type" = {} WHERE "software_type" = {}',
                    new,
                    old,
                )
            )
        rows = await engine.run_querystring(
            QueryString('SELECT "id", "lots" FROM "procurement_detail"')
        )
        for row in rows:
            lots = row["lots"]
            lots = json.loads(lots) if isinstance(lots, str) else lots or []
            if any(isinstance(lot, str) for lot in lots):
                named = [
                    {"name": lot, "suppliers": []} if isinstance(lot, str) else lot for lot in lots
                ]
                await engine.run_querystring(
                    QueryString(
                        'UPDATE "procurement_detail" SET "lots" = {} WHERE "id" = {}',
                        json.dumps(named),
                        row["id"],
                    )
                )

    async def remove():
        engine = engine_finder()
        await engine.run_ddl('DROP TABLE "supply_route"')
        for table, columns in COLUMNS.items():
            for name, _ in columns:
                await engine.run_ddl(f'ALTER TABLE "{table}" DROP COLUMN "{name}"')

    manager.add_raw(add)
    manager.add_raw_backwards(remove)
    return manager
