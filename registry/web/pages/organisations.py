"""The organisation pages: the directory of councils, national bodies and partners
(`/organisations`, optionally one kind with `?kind=`), each organisation's profile with what
it owns, uses, is interested in and sponsors (`/organisations/{slug}`), its members for those
who manage them (`/organisations/{slug}/members`), and accepting an invitation to join one
(`/invitations/{token}`).

The directory and profiles are read-only and the same for everyone; an unknown slug is the
service's NotFound, which the app turns into the 404 page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from registry import accounts, notifications, organisations, vocabulary
from registry.errors import Conflict, ValidationFailed
from registry.web.pages.common import actor_of, form_data, page, redirect, signed_in_actor


class OrganisationPages(Controller):
    path = "/organisations"
    include_in_schema = False

    @get("/", name="organisations")
    async def directory(self, request: Request, kind: FromQuery[str | None] = None) -> Template:
        directory = await organisations.organisation_directory(kind or None)
        return page(request, "organisations/index.html", title="Organisations", view=directory)

    @get("/{slug:str}", name="organisation")
    async def profile(self, request: Request, slug: FromPath[str]) -> Template:
        profile = await organisations.organisation_profile(slug)
        actor = actor_of(request)
        manages = actor.is_digital_office or any(
            m.slug == slug for m in actor.organisations_for("membership.manage")
        )
        return page(
            request,
            "organisations/profile.html",
            title=profile.name,
            organisation=profile,
            manages_members=manages,
            following=await notifications.follow_of(actor, "organisation", profile.slug),
        )


# -- members, for the organisation's administrators and the Digital Office ----------------------

ADD_ORDER = ["email", "role"]


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    value = value[-1] if isinstance(value, list) and value else value
    return value if isinstance(value, str) else ""


class MemberPages(Controller):
    """`/organisations/{slug}/members`: the list of members with their roles, changing a role,
    removing a member, and adding a person by email (an invitation link for a new address,
    shown once on the page that answers the form). Every action is one service call; the
    service refuses anyone who does not manage this organisation's members (403)."""

    path = "/organisations/{slug:str}"
    include_in_schema = False

    async def _page(
        self,
        request: Request,
        slug: str,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        add_errors: dict[str, str] | None = None,
        values: dict | None = None,
        invited: accounts.Added | None = None,
    ) -> Template:
        actor = signed_in_actor(request)
        view = await accounts.organisation_members(actor, slug)
        return page(
            request,
            "organisations/members.html",
            status_code=status_code,
            title=f"Members of {view.name}",
            view=view,
            # The summary links to the add form's fields by their ids ("add-email"); the fields
            # find their messages by name.
            errors={
                **(errors or {}),
                **{f"add-{name}": message for name, message in (add_errors or {}).items()},
            },
            add_errors=add_errors or {},
            field_order=[f"add-{name}" for name in ADD_ORDER] + ["members"],
            values=values or {},
            invited=invited,
            link_base=str(request.base_url).rstrip("/"),
            roles=vocabulary.ROLES,
        )

    @get("/members", name="organisation-members")
    async def members(self, request: Request, slug: FromPath[str]) -> Template:
        return await self._page(request, slug)

    @post("/members", name="organisation-member-add")
    async def add(self, request: Request, slug: FromPath[str]) -> Response:
        data = await form_data(request)
        try:
            added = await accounts.add_person(
                actor_of(request), slug, _text(data, "email"), _text(data, "role")
            )
        except ValidationFailed as exc:
            return await self._page(
                request, slug, status_code=422, add_errors=exc.fields, values=data
            )
        if added.invitation is None:
            return redirect(
                request.app.route_reverse("organisation-members", slug=slug), "member-added"
            )
        # The link exists only now: it is shown on this answer, never stored to show again.
        return await self._page(request, slug, invited=added)

    async def _member_action(self, request: Request, slug: str, action) -> Response:
        data = await form_data(request)
        try:
            notice, target = await action(data)
        except ValidationFailed as exc:
            message = " ".join(exc.fields.values()) or exc.message
            return await self._page(request, slug, status_code=422, errors={"members": message})
        except Conflict as exc:
            return await self._page(request, slug, status_code=409, errors={"members": exc.message})
        return redirect(target, notice)

    @post("/members/role", name="organisation-member-role")
    async def change_role(self, request: Request, slug: FromPath[str]) -> Response:
        async def act(data: dict) -> tuple[str, str]:
            await accounts.change_role(
                actor_of(request), slug, _text(data, "email"), _text(data, "role")
            )
            return "role-changed", request.app.route_reverse("organisation-members", slug=slug)

        return await self._member_action(request, slug, act)

    @post("/members/remove", name="organisation-member-remove")
    async def remove(self, request: Request, slug: FromPath[str]) -> Response:
        async def act(data: dict) -> tuple[str, str]:
            actor = actor_of(request)
            email = _text(data, "email")
            await accounts.remove_member(actor, slug, email)
            if email.strip().lower() == actor.label and not actor.is_digital_office:
                return "left-organisation", request.app.route_reverse("account")
            return "member-removed", request.app.route_reverse("organisation-members", slug=slug)

        return await self._member_action(request, slug, act)

    @post("/invitations/{invitation_id:int}/withdraw", name="organisation-invitation-withdraw")
    async def withdraw(
        self, request: Request, slug: FromPath[str], invitation_id: FromPath[int]
    ) -> Response:
        await accounts.cancel_invitation(actor_of(request), slug, invitation_id)
        return redirect(
            request.app.route_reverse("organisation-members", slug=slug), "invitation-withdrawn"
        )


# -- accepting an invitation ----------------------------------------------------------------------


class InvitationPages(Controller):
    """`/invitations/{token}`: the person invited sets their name and password, which creates
    their account and membership, then signs in. The token is the only credential: an unknown,
    used, withdrawn or expired one gets a page saying which, and nothing else."""

    path = "/invitations"
    include_in_schema = False

    def _form(
        self,
        request: Request,
        token: str,
        invitation: accounts.InvitationView,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        values: dict | None = None,
    ) -> Template:
        return page(
            request,
            "organisations/invitation.html",
            status_code=status_code,
            title=f"Join {invitation.organisation_name}",
            token=token,
            invitation=invitation,
            errors=errors or {},
            field_order=["display_name", "password"],
            values=values or {},
        )

    @get("/{token:str}", name="invitation", cache_control=CacheControlHeader(no_store=True))
    async def show(self, request: Request, token: FromPath[str]) -> Template:
        invitation = await accounts.invitation_for_token(token)
        return self._form(request, token, invitation)

    @post("/{token:str}", name="invitation-accept")
    async def accept(self, request: Request, token: FromPath[str]) -> Response:
        data = await form_data(request)
        try:
            await accounts.accept_invitation(
                token, _text(data, "display_name"), _text(data, "password")
            )
        except ValidationFailed as exc:
            invitation = await accounts.invitation_for_token(token)
            return self._form(
                request,
                token,
                invitation,
                status_code=422,
                errors=exc.fields,
                values={"display_name": _text(data, "display_name")},
            )
        sign_in = request.app.route_reverse("sign-in")
        account = request.app.route_reverse("account")
        return redirect(f"{sign_in}?{urlencode({'next': account})}", "invitation-accepted")
