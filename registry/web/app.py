"""The Litestar application factory: routes, error handling, start-up and shut-down."""

from __future__ import annotations

import logging

from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from registry import db
from registry.config import Settings, get_settings
from registry.web.api import OrganisationsApi, SolutionsApi
from registry.web.errors import EXCEPTION_HANDLERS


@get("/healthz", summary="Is the registry up, and can it reach its database?", tags=["health"])
async def healthz() -> dict[str, str]:
    database = "ok"
    try:
        await db.engine().run_ddl("SELECT 1")
    except Exception:
        database = "unavailable"
    status = "ok" if database == "ok" else "unavailable"
    return {"status": status, "database": database}


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level.upper())

    async def connect() -> None:
        await db.start()

    async def disconnect() -> None:
        await db.stop()

    return Litestar(
        route_handlers=[healthz, OrganisationsApi, SolutionsApi],
        exception_handlers=EXCEPTION_HANDLERS,
        on_startup=[connect],
        on_shutdown=[disconnect],
        openapi_config=OpenAPIConfig(
            title="Shared Solutions Registry",
            version="1",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        debug=False,
    )
