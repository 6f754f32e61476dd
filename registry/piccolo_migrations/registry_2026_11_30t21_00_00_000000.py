"""Invitations: an organisation administrator invites an email address to a role, and the link
they pass on is used once, before it expires. Only a hash of the link's token is stored.

With them, two indexes for reading the audit trail back as history: by the record an event is
about, and by the organisation it was done for (plain SQL both databases accept).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-30T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Invitations to join an organisation, used once before they expire"

INDEXES = {
    "audit_event_by_subject": 'audit_event ("subject_type", "subject_id")',
    "audit_event_by_organisation": 'audit_event ("organisation")',
}


def _id() -> Serial:
    return Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class User(Table, tablename="registry_user", schema=None):
    id = _id()


class Organisation(Table, tablename="organisation", schema=None):
    id = _id()


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


def _references(table, on_delete: OnDelete, **values) -> dict:
    return _params(
        references=table,
        on_delete=on_delete,
        on_update=OnUpdate.cascade,
        target_column=None,
        **values,
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    manager.add_table(class_name="Invitation", tablename="invitation", schema=None, columns=None)
    columns = [
        ("token_hash", Varchar, _params(length=64, default="", unique=True, index=True)),
        ("organisation", ForeignKey, _references(Organisation, OnDelete.restrict, index=True)),
        ("email", Varchar, _params(length=254, default="")),
        ("role", Varchar, _params(length=20, default="")),
        ("invited_by", ForeignKey, _references(User, OnDelete.set_null, null=True)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("expires_at", Timestamptz, _params(default=TimestamptzNow())),
        ("used_at", Timestamptz, _params(default=None, null=True)),
        ("cancelled_at", Timestamptz, _params(default=None, null=True)),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="Invitation",
            tablename="invitation",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    async def create_indexes():
        engine = engine_finder()
        for name, target in INDEXES.items():
            await engine.run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop_indexes():
        engine = engine_finder()
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
