"""Piccolo's configuration: the database, chosen from the environment.

Piccolo finds this module by name (`PICCOLO_CONF`, default `piccolo_conf`); it is installed as
a top-level module so the `registry` command finds it from any directory.
"""

from piccolo.conf.apps import AppRegistry

from registry.db import database_from_settings

DB = database_from_settings()

APP_REGISTRY = AppRegistry(apps=["registry.piccolo_app"])
