"""Sign-in limits as one counter row per key, replacing the log of every attempt.

A counter row can be reserved with one conditional update before a password is checked, so
parallel guesses cannot all slip under the limit the way they could when attempts were counted
before the check and logged after it. Recent attempts are not carried over: the old table held at
most a quarter of an hour of attempts that mattered.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sign-in limits as counters reserved before the password is checked"


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


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    manager.drop_table(class_name="SignInAttempt", tablename="sign_in_attempt", schema=None)
    manager.add_table(
        class_name="SignInLimit", tablename="sign_in_limit", schema=None, columns=None
    )
    columns = [
        ("key", Varchar, _params(length=400, default="", unique=True)),
        ("failures", Integer, _params(default=0)),
        ("window_started_at", Timestamptz, _params(default=TimestamptzNow(), index=True)),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="SignInLimit",
            tablename="sign_in_limit",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
