"""Synonym groups: the words and phrases search treats as meaning the same, kept by curators."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T23:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Synonym groups"


def _params(**values) -> dict:
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **values,
    }


NOW = TimestamptzNow()
COLUMNS = [
    ("terms", JSON, _params(default="[]")),
    ("created_at", Timestamptz, _params(default=NOW)),
    ("updated_at", Timestamptz, _params(default=NOW)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    manager.add_table(
        class_name="SynonymGroup", tablename="synonym_group", schema=None, columns=None
    )
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="SynonymGroup",
            tablename="synonym_group",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
