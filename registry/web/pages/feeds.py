"""Atom feeds, readable without signing in: new and updated solutions, frameworks ending soon,
an organisation's and a programme's activity, and any discover search (`/feeds/search.atom`
takes the discover page's parameters). What each carries is `registry.notifications.feeds`."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import HTTPException
from litestar.params import FromPath

from registry import db
from registry.catalogue.searching import parse, search
from registry.notifications import feeds
from search import SearchUnavailable

ATOM = "application/atom+xml; charset=utf-8"
CACHE = CacheControlHeader(max_age=300, public=True)
SEARCH_FEED_SIZE = 50


def _atom(state: State, feed: feeds.Feed) -> Response:
    return Response(feeds.atom(feed, state.settings.base_url), media_type=ATOM)


class FeedPages(Controller):
    include_in_schema = False
    cache_control = CACHE

    @get("/feeds/solutions.atom", name="feed-solutions")
    async def solutions(self, state: State) -> Response:
        async with db.reading():
            return _atom(state, await feeds.solutions_feed())

    @get("/feeds/frameworks-ending.atom", name="feed-frameworks-ending")
    async def frameworks_ending(self, state: State) -> Response:
        async with db.reading():
            return _atom(state, await feeds.frameworks_ending_feed())

    @get("/organisations/{slug:str}/activity.atom", name="feed-organisation-activity")
    async def organisation(self, state: State, slug: FromPath[str]) -> Response:
        async with db.reading():
            return _atom(state, await feeds.organisation_activity_feed(slug))

    @get("/programmes/{slug:str}/activity.atom", name="feed-programme-activity")
    async def programme(self, state: State, slug: FromPath[str]) -> Response:
        async with db.reading():
            return _atom(state, await feeds.programme_activity_feed(slug))

    @get("/feeds/search.atom", name="feed-search")
    async def search(self, request: Request, state: State) -> Response:
        params = {name: request.query_params.getall(name) for name in request.query_params}
        asked = parse(params, max_per_page=SEARCH_FEED_SIZE)
        try:
            result = await search(state.search_engine, asked)
        except SearchUnavailable as exc:
            raise HTTPException(status_code=503, detail="Search is unavailable just now") from exc
        return _atom(state, feeds.search_feed(result, request.url.query or ""))
