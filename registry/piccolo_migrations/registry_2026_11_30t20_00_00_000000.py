"""Programmes as the Digital Office keeps them: figures with their history, sources and who
recorded them; the statuses planned, active, completed and closed (with a reason); and a
version on each milestone, so an edit carries the version it read.

Every figure recorded so far moves from `milestone_figure` into the new `figure` table, keeping
its value, date, note, source, who recorded it and when; the old table is then dropped. A
programme that was "paused" (a status that no longer exists) becomes "active": it had not ended,
and a curator can now say otherwise. The tables are created by Piccolo from the snapshots below,
so each database gets its own column types; the rest is plain SQL both databases accept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import BigInt, Date, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-30T20:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Figures with their history and sources; programme statuses; milestone versions"


class RegistryUser(Table, tablename="registry_user"):
    pass


class Milestone(Table, tablename="milestone"):
    pass


class Figure(Table, tablename="figure"):
    milestone = ForeignKey(references=Milestone, on_delete=OnDelete.cascade, index=True)
    value = BigInt()
    as_of = Date()
    source = Varchar(length=300, default="")
    source_url = Varchar(length=300, default="")
    note = Varchar(length=300, default="")
    recorded_by = ForeignKey(references=RegistryUser, on_delete=OnDelete.set_null, null=True)
    recorded_by_name = Varchar(length=254, default="")
    recorded_at = Timestamptz(default=TimestamptzNow())


class MilestoneFigure(Table, tablename="milestone_figure"):
    milestone = ForeignKey(references=Milestone, on_delete=OnDelete.cascade, index=True)
    value = BigInt()
    as_of = Date()
    note = Varchar(length=300, default="")
    source = Varchar(length=120, default="")
    recorded_by = ForeignKey(references=RegistryUser, on_delete=OnDelete.set_null, null=True)
    recorded_at = Timestamptz(default=TimestamptzNow())


async def _create(table: type[Table]) -> None:
    table._meta.db = engine_finder()
    await table.create_table().run()  # with the index on `milestone`


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def move_figures():
        engine = engine_finder()
        await _create(Figure)
        await engine.run_ddl(
            'INSERT INTO "figure" ("milestone", "value", "as_of", "source", "note", '
            '"recorded_by", "recorded_by_name", "recorded_at") '
            'SELECT f."milestone", f."value", f."as_of", f."source", f."note", f."recorded_by", '
            'COALESCE(u."display_name", \'\'), f."recorded_at" '
            'FROM "milestone_figure" f LEFT JOIN "registry_user" u ON u."id" = f."recorded_by" '
            'ORDER BY f."id"'
        )
        await engine.run_ddl('DROP TABLE "milestone_figure"')
        await engine.run_ddl(
            'ALTER TABLE "programme" ADD COLUMN "closed_reason" VARCHAR(500) NOT NULL DEFAULT \'\''
        )
        await engine.run_ddl(
            'UPDATE "programme" SET "status" = \'active\' WHERE "status" = \'paused\''
        )
        await engine.run_ddl(
            'ALTER TABLE "milestone" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1'
        )

    async def move_figures_back():
        engine = engine_finder()
        await _create(MilestoneFigure)
        await engine.run_ddl(
            'INSERT INTO "milestone_figure" ("milestone", "value", "as_of", "note", "source", '
            '"recorded_by", "recorded_at") '
            'SELECT "milestone", "value", "as_of", "note", SUBSTR("source", 1, 120), '
            '"recorded_by", "recorded_at" FROM "figure" ORDER BY "id"'
        )
        await engine.run_ddl('DROP TABLE "figure"')
        await engine.run_ddl('ALTER TABLE "programme" DROP COLUMN "closed_reason"')
        await engine.run_ddl('ALTER TABLE "milestone" DROP COLUMN "version"')

    manager.add_raw(move_figures)
    manager.add_raw_backwards(move_figures_back)
    return manager
