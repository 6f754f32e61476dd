"""API tokens: a person's token acting for one organisation with chosen scopes (only a hash of
its secret is stored); the request counts of each token's rate limit; and the answers kept for
retried requests sent with an `Idempotency-Key`, one per token and key (the two written into
one unique column).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
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

ID = "2026-11-30T23:58:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "API tokens, their rate limits and idempotent retries"


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


class ApiToken(Table, tablename="api_token", schema=None):
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
    ("ApiToken", "api_token"): [
        ("token_hash", Varchar, _params(length=64, default="", unique=True, index=True)),
        ("prefix", Varchar, _params(length=16, default="")),
        ("name", Varchar, _params(length=80, default="")),
        ("user", ForeignKey, _references(User, OnDelete.cascade, index=True)),
        ("organisation", ForeignKey, _references(Organisation, OnDelete.restrict, index=True)),
        ("scopes", JSON, _params(default="[]")),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("expires_at", Timestamptz, _params(default=None, null=True)),
        ("last_used_at", Timestamptz, _params(default=None, null=True)),
        ("revoked_at", Timestamptz, _params(default=None, null=True)),
        ("revoked_by", ForeignKey, _references(User, OnDelete.set_null, null=True)),
    ],
    ("ApiRateLimit", "api_rate_limit"): [
        ("key", Varchar, _params(length=80, default="", unique=True)),
        ("requests", Integer, _params(default=0)),
        ("window_started_at", Timestamptz, _params(default=TimestamptzNow(), index=True)),
    ],
    ("ApiIdempotency", "api_idempotency"): [
        ("token", ForeignKey, _references(ApiToken, OnDelete.cascade)),
        ("key", Varchar, _params(length=220, default="", unique=True)),
        ("request_hash", Varchar, _params(length=64, default="")),
        ("status", Integer, _params(default=0)),
        ("body", Text, _params(default="")),
        ("created_at", Timestamptz, _params(default=TimestamptzNow(), index=True)),
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
