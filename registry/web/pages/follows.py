"""Following and being told: the list of a person's follows (`/account/follows`), following and
unfollowing, the one-click unsubscribe link that works without signing in, and, in development
only, the mailbox of messages written as .eml files (`/dev/mail`).

The unsubscribe address is signed (`registry.notifications.mail`), so it needs no session and no
CSRF token: a GET shows what it stops and a button, a POST (the button, or a mail program's
RFC 8058 one-click request) stops it.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from registry import notifications
from registry.errors import ValidationFailed
from registry.notifications.searches import MAX_QUERY_CHARS
from registry.web.pages.common import (
    NOTICES,
    form_data,
    page,
    redirect,
    signed_in_actor,
)

NOTICES.update(
    {
        "followed": "You are following it: you will be told as you chose.",
        "unfollowed": "You no longer follow it.",
    }
)
MAX_FIELD = MAX_QUERY_CHARS + 100
MAILBOX_SIZE = 100


def _field(data: dict, name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)[:MAX_FIELD]


def _back(request: Request, data: dict) -> str:
    """Back to the page the form was on (a path on this site only), or the list of follows."""
    target = _field(data, "next")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return request.app.route_reverse("follows")


@dataclass(frozen=True)
class MailboxEntry:
    name: str
    subject: str
    to: str
    sent: str


class FollowPages(Controller):
    include_in_schema = False

    @get("/account/follows", name="follows", cache_control=CacheControlHeader(no_store=True))
    async def follows(self, request: Request) -> Template:
        actor = signed_in_actor(request)
        return page(
            request,
            "account/follows.html",
            title="What you follow",
            follows=await notifications.follows_of(actor),
            deliveries=notifications.DELIVERIES,
            targets=notifications.FOLLOW_TARGETS,
            # "Save this search" on the discover page brings its query string here
            values={"target": request.query_params.get("search", "")[:2000]},
            errors={},
        )

    @post("/account/follows", name="follow")
    async def follow(self, request: Request) -> Response:
        actor = signed_in_actor(request)
        data = await form_data(request)
        try:
            await notifications.follow(
                actor,
                _field(data, "target_type"),
                _field(data, "target"),
                _field(data, "delivery"),
                _field(data, "name"),
            )
        except ValidationFailed as exc:
            return page(
                request,
                "account/follows.html",
                status_code=422,
                title="What you follow",
                follows=await notifications.follows_of(actor),
                deliveries=notifications.DELIVERIES,
                targets=notifications.FOLLOW_TARGETS,
                values={k: _field(data, k) for k in ("target_type", "target", "name", "delivery")},
                errors=exc.fields,
            )
        return redirect(_back(request, data), "followed")

    @post("/account/follows/{follow_id:int}/stop", name="unfollow")
    async def unfollow(self, request: Request, follow_id: FromPath[int]) -> Response:
        actor = signed_in_actor(request)
        data = await form_data(request)
        await notifications.unfollow(actor, follow_id)
        return redirect(_back(request, data), "unfollowed")

    @get(
        "/unsubscribe/{token:str}",
        name="unsubscribe",
        cache_control=CacheControlHeader(no_store=True),
    )
    async def unsubscribe_form(
        self, request: Request, state: State, token: FromPath[str]
    ) -> Template:
        _, _, what = await notifications.unsubscribe_target(state.settings, token)
        return page(
            request,
            "follows/unsubscribe.html",
            title="Stop these messages",
            what=what,
            token=token,
            done=False,
        )

    @post("/unsubscribe/{token:str}", name="unsubscribe-submit", exclude_from_csrf=True)
    async def unsubscribe(self, request: Request, state: State, token: FromPath[str]) -> Template:
        done = await notifications.unsubscribe(state.settings, token)
        return page(
            request,
            "follows/unsubscribe.html",
            title="You have unsubscribed",
            what=done.what,
            token=token,
            done=True,
        )

    @get("/dev/mail", name="dev-mail", cache_control=CacheControlHeader(no_store=True))
    async def mailbox(self, request: Request, state: State) -> Template:
        settings = state.settings
        if not settings.is_development:
            raise NotFoundException()
        files = sorted(settings.mail_dir.glob("*.eml"), reverse=True)[:MAILBOX_SIZE]
        entries = []
        for path in files:
            with path.open("rb") as handle:
                message = email.message_from_binary_file(handle, policy=email.policy.default)
            date = message.get("Date")
            entries.append(
                MailboxEntry(
                    path.name,
                    str(message.get("Subject", "")),
                    str(message.get("To", "")),
                    parsedate_to_datetime(date).strftime("%d %B %Y %H:%M") if date else "",
                )
            )
        return page(
            request,
            "follows/mailbox.html",
            title="Mail written in development",
            entries=entries,
            directory=str(settings.mail_dir),
        )

    @get(
        "/dev/mail/{file:str}",
        name="dev-mail-message",
        cache_control=CacheControlHeader(no_store=True),
    )
    async def mailbox_message(
        self, request: Request, state: State, file: FromPath[str]
    ) -> Template:
        settings = state.settings
        name = file
        if not settings.is_development or "/" in name or not name.endswith(".eml"):
            raise NotFoundException()
        path = settings.mail_dir / name
        if not path.is_file():
            raise NotFoundException()
        with path.open("rb") as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        return page(
            request,
            "follows/mail_message.html",
            title=str(message.get("Subject", name)),
            headers=[(k, str(v)) for k, v in message.items()],
            text=body.get_content() if body is not None else "",
        )
