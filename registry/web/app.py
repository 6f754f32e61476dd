"""The Litestar application factory: routes, error handling, start-up and shut-down.

The search engine and the outbox drainer live on `app.state`; the drainer is nudged after every
request that may have changed something, so a change reaches the index right after its
transaction commits, and it also wakes every few seconds for retries.
The index repairer lives there too: it rebuilds an index that is lost or damaged while the
server runs (see `registry.indexing.repair`).
"""

from __future__ import annotations

import asyncio
import errno
import logging
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.file_system import BaseLocalFileSystem
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

from registry import db, indexing
from registry.catalogue import synonyms
from registry.config import Settings, get_settings
from registry.web.api import API_CONTROLLERS
from registry.web.api.common import allow_every_method
from registry.web.api.schemas import Health, Outbox
from registry.web.errors import EXCEPTION_HANDLERS
from registry.web.pages import PAGE_CONTROLLERS
from registry.web.pages.discover import OrganisationNames
from registry.web.security import add_security_headers, csrf_cookie_name, identity_middleware
from registry.web.templating import template_config
from search import SearchEngine, SearchUnavailable

log = logging.getLogger("registry.web")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
ROOT = Path(__file__).resolve().parent.parent.parent
NODE_MODULES = ROOT / "node_modules"
# Front-end assets installed from the npm registry at set-up (never committed), by URL prefix.
ASSETS = {
    "/assets/design-system": NODE_MODULES / "@scottish-government" / "design-system" / "dist",
    "/assets/htmx": NODE_MODULES / "htmx.org" / "dist",
    # the API reference page's viewer
    "/assets/swagger-ui": NODE_MODULES / "swagger-ui-dist",
}


@get(
    "/healthz",
    summary="Is the registry up: its database, search engine and outbox",
    tags=["health"],
    responses={
        503: ResponseSpec(
            data_container=Health,
            description="The database cannot be reached: the registry cannot serve",
            generate_examples=False,
        )
    },
)
async def healthz(state: State) -> Response[Health]:
    database = "ok"
    try:
        await db.database().run_ddl("SELECT 1")
    except Exception:
        database = "unavailable"
    health = await state.search_engine.health()
    search = "ok" if health.ok else "degraded"
    if not health.ok:
        log.warning("search engine unhealthy: %s", health.detail)
        if health.needs_rebuild:
            state.repairer.nudge()  # repair now rather than at its next look
    outbox = Outbox(**await indexing.outbox_summary()) if database == "ok" else None
    status = "ok"
    if database != "ok":
        status = "unavailable"
    elif search != "ok":
        status = "degraded"
    body = Health(status=status, database=database, search=search, outbox=outbox)
    # Degraded search still serves pages (200); without its database the registry cannot.
    return Response(body, status_code=503 if database != "ok" else 200)


async def _nudge_after_writes(request: Request) -> None:
    if request.method not in SAFE_METHODS:
        request.app.state.indexer.nudge()


async def _catch_up(engine: SearchEngine, repairer: indexing.Repairer) -> None:
    """An index that is empty beside a catalogue with solutions (a new data directory, a wiped
    index) or unreadable (its layout changed with a new release) is rebuilt in the background,
    by one process of the server; until then searches see the old state or answer 503. Later
    damage is the repairer's to notice."""

    async def needed() -> bool:
        try:
            empty = await engine.count() == 0
        except SearchUnavailable as exc:
            log.warning("the search index cannot be read (%s): rebuilding it", exc)
            empty = True
        return empty and bool(await indexing.published_ids())

    try:
        if await needed():
            log.info("rebuilding the search index from the database")
            await repairer.rebuild(needed)
    except SearchUnavailable as exc:
        log.warning("search is unavailable at start-up: %s", exc)


def create_app(
    settings: Settings | None = None,
    engine: SearchEngine | None = None,
    *,
    database_pool: bool = True,
) -> Litestar:
    """The registry's web app. `engine` replaces the configured search engine (the caller then
    closes it); `database_pool=False` leaves the database connection to the caller (tests, whose
    client runs the app's lifespan on an event loop of its own)."""
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level.upper())
    owns_engine = engine is None
    engine = engine or indexing.make_engine(settings)
    indexer = indexing.Indexer(engine)
    repairer = indexing.Repairer(engine, settings.data_dir)
    background: set[asyncio.Task] = set()

    async def startup(app: Litestar) -> None:
        if database_pool:
            await db.start()
        try:
            await engine.apply_settings()
        except SearchUnavailable as exc:
            log.warning("search is unavailable at start-up: %s", exc)
        else:
            try:
                await synonyms.apply_synonyms(engine)
            except Exception as exc:  # a database not yet migrated, or away
                # The server still starts and says what is wrong; a reindex, or the first
                # curator's change, gives the engine the synonyms later.
                log.warning("the synonyms could not be read at start-up: %s", exc)
        await indexer.start()
        await repairer.start()
        task = asyncio.create_task(_catch_up(engine, repairer))
        background.add(task)
        task.add_done_callback(background.discard)

    async def shutdown(app: Litestar) -> None:
        # Let a start-up rebuild finish (cancelling it mid-transaction could leave a database
        # connection open); only one that overruns is cancelled.
        if background:
            _, overrunning = await asyncio.wait(set(background), timeout=60)
            for task in overrunning:
                task.cancel()
            await asyncio.gather(*overrunning, return_exceptions=True)
        await repairer.stop()
        await indexer.stop()
        if owns_engine:
            await engine.close()
        if database_pool:
            await db.stop()

    return Litestar(
        route_handlers=[
            healthz,
            *API_CONTROLLERS,
            *PAGE_CONTROLLERS,
            *_asset_routers(),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        on_startup=[startup],
        on_shutdown=[shutdown],
        after_response=_nudge_after_writes,
        middleware=[identity_middleware(settings)],
        before_send=[add_security_headers, allow_every_method],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name=csrf_cookie_name(settings),
            cookie_secure=not settings.is_development,
            cookie_httponly=True,
            cookie_samesite="lax",
            # The API and the feeds hold no forms: API writes take a token, never the cookie,
            # so their answers set no CSRF cookie (a program calling them keeps no cookies,
            # and an answer that sets one is not shared by caches).
            exclude=[r"^/api/v1/", r"^/feeds/"],
        ),
        template_config=template_config(),
        state=State(
            {
                "settings": settings,
                "search_engine": engine,
                "organisation_names": OrganisationNames(),
                "indexer": indexer,
                "repairer": repairer,
            }
        ),
        openapi_config=OpenAPIConfig(
            title="Shared Solutions Registry",
            version="1",
            path="/schema",
            # The machine-readable description only: the interactive viewers load scripts from
            # third-party CDNs, which this site's Content Security Policy does not allow.
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
            components=Components(
                security_schemes={
                    "bearerAuth": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="A registry API token, made on the account's tokens page",
                    )
                }
            ),
        ),
        debug=False,
    )


# What the file system says of a path no file can have: a name or path too long, a file used as
# a directory, a loop of links, bytes the file system does not take.
NO_SUCH_FILE = {errno.ENAMETOOLONG, errno.ENOTDIR, errno.ELOOP, errno.EILSEQ}


class AssetFiles(BaseLocalFileSystem):
    """The files under /static and /assets. A path that cannot name a file (a NUL byte, a
    300-character name) is not found, as any other missing file is, rather than an error."""

    async def info(self, path: Any, **kwargs: Any) -> Any:
        try:
            return await super().info(path, **kwargs)
        except ValueError as exc:  # "embedded null byte"
            raise FileNotFoundError(path) from exc
        except OSError as exc:
            if exc.errno in NO_SUCH_FILE:
                raise FileNotFoundError(path) from exc
            raise


def _asset_routers() -> list:
    cache = CacheControlHeader(max_age=3600, public=True)
    routers = [
        create_static_files_router(
            path="/static",
            directories=[Path(__file__).parent / "static"],
            file_system=AssetFiles(),
            cache_control=cache,
            name="static",
        )
    ]
    for prefix, directory in ASSETS.items():
        if directory.is_dir():
            routers.append(
                create_static_files_router(
                    path=prefix,
                    directories=[directory],
                    file_system=AssetFiles(),
                    cache_control=cache,
                    name=prefix,
                )
            )
        else:
            log.warning("front-end assets missing (%s): run `make install`", directory.name)
    return routers
