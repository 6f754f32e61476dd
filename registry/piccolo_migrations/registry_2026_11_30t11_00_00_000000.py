"""Descriptions rendered once, when saved: a column beside each Markdown description for its
sanitised HTML, filled here for the rows that already exist.

Pages used to render the Markdown on every view, so one description full of markup could cost
every reader a quarter of a second. From now on the write services store the HTML with the
source. Plain SQL, which SQLite and PostgreSQL both accept; `registry.markdown` is a pure module,
so the HTML made here is the same as the services make.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from registry import markdown

ID = "2026-11-30T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Store each description's sanitised HTML beside its Markdown"

TABLES = ("organisation", "solution", "programme", "milestone")


async def fill_description_html(engine: Engine) -> int:
    """Render the description of every row whose HTML is missing; returns how many."""
    filled = 0
    for table in TABLES:  # the names come from TABLES only; values travel as parameters
        select = f'SELECT "id", "description" FROM "{table}" '  # noqa: S608
        missing = """WHERE "description" <> '' AND "description_html" = ''"""
        for row in await engine.run_querystring(QueryString(select + missing)):
            update = f'UPDATE "{table}" SET "description_html" = {{}} WHERE "id" = {{}}'  # noqa: S608
            html = markdown.render(row["description"])
            await engine.run_querystring(QueryString(update, html, row["id"]))
            filled += 1
    return filled


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def add_columns():
        engine = engine_finder()
        for table in TABLES:
            await engine.run_ddl(
                f'ALTER TABLE "{table}" ADD COLUMN "description_html" TEXT NOT NULL DEFAULT \'\''
            )
        await fill_description_html(engine)

    async def drop_columns():
        engine = engine_finder()
        for table in TABLES:
            await engine.run_ddl(f'ALTER TABLE "{table}" DROP COLUMN "description_html"')

    manager.add_raw(add_columns)
    manager.add_raw_backwards(drop_columns)
    return manager
