"""Contacting a solution's owner: the messages people send to a solution's named contact
through the registry, and each email of one (to the contact, to each of the owner's members),
sent once by the worker.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-01T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Messages to a solution's contact, and their mail"


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


class Solution(Table, tablename="solution", schema=None):
    id = _id()


class ContactMessage(Table, tablename="contact_message", schema=None):
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


TABLES = {
    ("ContactMessage", "contact_message"): [
        ("solution", ForeignKey, _references(Solution, OnDelete.cascade, index=True)),
        ("organisation", ForeignKey, _references(Organisation, OnDelete.cascade, index=True)),
        ("sender", ForeignKey, _references(User, OnDelete.set_null, null=True, index=True)),
        ("sender_name", Varchar, _params(length=120, default="")),
        ("sender_email", Varchar, _params(length=254, default="")),
        ("sender_organisations", Varchar, _params(length=500, default="")),
        ("contact_name", Varchar, _params(length=120, default="")),
        ("subject", Varchar, _params(length=150, default="")),
        ("body", Text, _params(default="")),
        ("created_at", Timestamptz, _params(default=TimestamptzNow(), index=True)),
    ],
    ("ContactMail", "contact_mail"): [
        ("message", ForeignKey, _references(ContactMessage, OnDelete.cascade, index=True)),
        ("user", ForeignKey, _references(User, OnDelete.cascade, null=True)),
        ("address", Varchar, _params(length=254, default="")),
        ("name", Varchar, _params(length=120, default="")),
        ("role", Varchar, _params(length=10, default="")),
        ("status", Varchar, _params(length=12, default="queued", index=True)),
        ("attempts", Integer, _params(default=0)),
        ("available_at", Timestamptz, _params(default=TimestamptzNow())),
        ("claimed_at", Timestamptz, _params(default=None, null=True)),
        ("sent_at", Timestamptz, _params(default=None, null=True)),
        ("last_error", Text, _params(default="")),
        ("message_id", Varchar, _params(length=200, default="")),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )

    return manager
