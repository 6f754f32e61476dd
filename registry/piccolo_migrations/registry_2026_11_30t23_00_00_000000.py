"""Follows, queued notifications and mail, and the once-only signals already given.

A person follows a solution, an organisation, a programme or a saved search; a change queues a
notification for each person it concerns in its own transaction; the worker gathers them into
mail messages and sends each once. The rule of one follow per person and thing followed is a
unique index in the next migration (Piccolo runs a migration's raw SQL before its new tables).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    Boolean,
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

ID = "2026-11-30T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Follows, notifications, mail messages and signals given"


class User(Table, tablename="registry_user", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class MailMessage(Table, tablename="mail_message", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


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


def _foreign_key(references, on_delete, **values) -> dict:
    return _params(
        references=references,
        on_delete=on_delete,
        on_update=OnUpdate.cascade,
        target_column=None,
        **{"null": True, **values},
    )


NOW = TimestamptzNow()
TABLES = {
    ("Follow", "follow"): [
        ("user", ForeignKey, _foreign_key(User, OnDelete.cascade, index=True)),
        ("target_type", Varchar, _params(length=20, default="")),
        ("target_id", Integer, _params(default=0, index=True)),
        ("query", Varchar, _params(length=2000, default="")),
        ("name", Varchar, _params(length=120, default="")),
        ("delivery", Varchar, _params(length=10, default="")),
        ("created_at", Timestamptz, _params(default=NOW)),
    ],
    ("MailMessage", "mail_message"): [
        ("user", ForeignKey, _foreign_key(User, OnDelete.cascade, index=True)),
        ("kind", Varchar, _params(length=10, default="")),
        ("period", Varchar, _params(length=20, default="")),
        ("reason", Varchar, _params(length=40, default="")),
        ("status", Varchar, _params(length=12, default="queued", index=True)),
        ("attempts", Integer, _params(default=0)),
        ("available_at", Timestamptz, _params(default=NOW)),
        ("claimed_at", Timestamptz, _params(default=None, null=True)),
        ("sent_at", Timestamptz, _params(default=None, null=True)),
        ("last_error", Text, _params(default="")),
        ("message_id", Varchar, _params(length=200, default="")),
        ("created_at", Timestamptz, _params(default=NOW)),
    ],
    ("Notification", "notification"): [
        ("user", ForeignKey, _foreign_key(User, OnDelete.cascade, index=True)),
        ("kind", Varchar, _params(length=40, default="")),
        ("subject_type", Varchar, _params(length=20, default="")),
        ("subject_slug", Varchar, _params(length=80, default="")),
        ("title", Varchar, _params(length=300, default="")),
        ("text", Varchar, _params(length=1000, default="")),
        ("path", Varchar, _params(length=300, default="")),
        ("reason", Varchar, _params(length=40, default="")),
        ("delivery", Varchar, _params(length=10, default="")),
        ("period", Varchar, _params(length=20, default="")),
        ("message", ForeignKey, _foreign_key(MailMessage, OnDelete.set_null)),
        ("created_at", Timestamptz, _params(default=NOW, index=True)),
    ],
    ("SignalSent", "signal_sent"): [
        ("key", Varchar, _params(length=200, default="", unique=True)),
        ("created_at", Timestamptz, _params(default=NOW)),
    ],
    ("MailPreference", "mail_preference"): [
        ("user", ForeignKey, _foreign_key(User, OnDelete.cascade, unique=True)),
        ("organisation_mail", Boolean, _params(default=True)),
        ("updated_at", Timestamptz, _params(default=NOW)),
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
