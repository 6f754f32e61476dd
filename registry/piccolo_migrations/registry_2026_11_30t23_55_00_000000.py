"""Webhooks: an organisation's endpoints, the deliveries queued for them and the events merged
into each delivery."""

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

ID = "2026-11-30T23:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Webhook endpoints, deliveries and their events"


class Organisation(Table, tablename="organisation", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class User(Table, tablename="registry_user", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class WebhookEndpoint(Table, tablename="webhook_endpoint", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class WebhookDelivery(Table, tablename="webhook_delivery", schema=None):
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
    ("WebhookEndpoint", "webhook_endpoint"): [
        ("organisation", ForeignKey, _foreign_key(Organisation, OnDelete.cascade, index=True)),
        ("url", Varchar, _params(length=2000, default="")),
        ("events", Varchar, _params(length=2000, default="")),
        ("salt", Varchar, _params(length=64, default="")),
        ("active", Boolean, _params(default=True)),
        ("created_by", ForeignKey, _foreign_key(User, OnDelete.set_null)),
        ("created_at", Timestamptz, _params(default=NOW)),
        ("removed_at", Timestamptz, _params(default=None, null=True)),
    ],
    ("WebhookDelivery", "webhook_delivery"): [
        ("endpoint", ForeignKey, _foreign_key(WebhookEndpoint, OnDelete.cascade, index=True)),
        ("delivery_id", Varchar, _params(length=40, default="", unique=True)),
        ("subject", Varchar, _params(length=120, default="")),
        ("status", Varchar, _params(length=12, default="queued", index=True)),
        ("event_count", Integer, _params(default=0)),
        ("attempts", Integer, _params(default=0)),
        ("body", Text, _params(default="")),
        ("response_status", Integer, _params(default=None, null=True)),
        ("last_error", Text, _params(default="")),
        ("available_at", Timestamptz, _params(default=NOW)),
        ("retry_until", Timestamptz, _params(default=NOW)),
        ("claimed_at", Timestamptz, _params(default=None, null=True)),
        ("delivered_at", Timestamptz, _params(default=None, null=True)),
        ("created_at", Timestamptz, _params(default=NOW, index=True)),
    ],
    ("WebhookEvent", "webhook_event"): [
        ("delivery", ForeignKey, _foreign_key(WebhookDelivery, OnDelete.cascade, index=True)),
        ("kind", Varchar, _params(length=40, default="")),
        ("subject_type", Varchar, _params(length=20, default="")),
        ("subject_slug", Varchar, _params(length=80, default="")),
        ("title", Varchar, _params(length=300, default="")),
        ("text", Varchar, _params(length=1000, default="")),
        ("path", Varchar, _params(length=300, default="")),
        ("created_at", Timestamptz, _params(default=NOW)),
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
