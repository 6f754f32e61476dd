"""What every page handler shares: the acting user, rendering with the site's common context,
redirects that carry a notice, reading forms, and the HTML error pages.

A notice says in words what an action changed ("Glasgow City Council now intends to adopt
myjobscotland"). It travels in the redirect's address either as the key of a fixed message or
as a sentence the service wrote, signed with the registry's secret key, so no text made up in
an address can reach a page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template

from registry.accounts import ANONYMOUS, Actor
from registry.errors import RegistryError, SignInRequired

# Fixed messages a redirect can ask the next page to show (?notice=...): only these keys are
# ever displayed, so no text from the URL reaches the page.
NOTICES = {
    "signed-in": "You are signed in.",
    "signed-out": "You have signed out.",
    "member-added": "The person has been added as a member.",
    "role-changed": "The member's role has been changed.",
    "member-removed": "The member has been removed.",
    "left-organisation": "You have left the organisation.",
    "invitation-withdrawn": "The invitation has been withdrawn: its link no longer works.",
    "invitation-accepted": "Your account has been created. Sign in with your email address "
    "and the password you chose.",
    "transferred": "The solution now belongs to its new owner.",
    "synonyms-saved": "The synonyms are saved, and search uses them now.",
    "synonyms-removed": "The group of synonyms is removed, and search no longer uses it.",
    "synonyms-waiting": "The change is saved. Search is unavailable just now and will use it "
    "once it is back.",
    "interest-registered": "Your organisation's interest has been recorded.",
    "interest-withdrawn": "Your organisation's interest has been withdrawn.",
    "pledged": "Your organisation's pledge has been recorded.",
    "pledge-withdrawn": "Your organisation's pledge has been withdrawn.",
    "pledge-confirmed": "The pledge has been confirmed.",
    "adoption-recorded": "Your organisation's use of this solution has been recorded.",
    "saved": "Your changes have been saved.",
    "published": "The solution has been published.",
    "retired": "The solution has been retired.",
    "token-revoked": "The token has been revoked: it no longer works.",
}


def actor_of(request: Request) -> Actor:
    return request.scope.get("actor") or ANONYMOUS  # type: ignore[return-value]


def signed_in_actor(request: Request) -> Actor:
    """The acting person on a page only signed-in people may see; anyone else is sent to sign
    in (the error handler turns `SignInRequired` into that redirect)."""
    actor = actor_of(request)
    if not actor.signed_in:
        raise SignInRequired("Sign in to see this page")
    return actor


# The longest sentence a notice carries, and so the longest signed value read from an address.
MAX_NOTICE = 600
MAX_SIGNED_NOTICE = 2 * MAX_NOTICE + 80


def _signature(request: Request, encoded: str) -> str:
    key = request.app.state.settings.secret_key.encode()
    return hmac.new(key, b"notice:" + encoded.encode(), hashlib.sha256).hexdigest()[:32]


def signed_notice(request: Request, sentence: str) -> str:
    """A sentence for the next page's notice, as a value an address can carry."""
    encoded = base64.urlsafe_b64encode(sentence[:MAX_NOTICE].encode()).decode().rstrip("=")
    return f"{encoded}.{_signature(request, encoded)}"


def read_notice(request: Request) -> str | None:
    """The notice the address asks for: a fixed message by its key, or a signed sentence."""
    params = request.query_params
    fixed = NOTICES.get(params.get("notice", ""))
    said = params.get("said", "")
    if fixed or not said or len(said) > MAX_SIGNED_NOTICE or "." not in said:
        return fixed
    encoded, _, signature = said.rpartition(".")
    if not hmac.compare_digest(signature, _signature(request, encoded)):
        return None
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None


def said(request: Request, path: str, sentence: str) -> Redirect:
    """See-other redirect after a successful form, with the sentence saying what changed."""
    path += ("&" if "?" in path else "?") + urlencode({"said": signed_notice(request, sentence)})
    return Redirect(path=path, status_code=303)


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    """A page with the site's common context. A form page passes `errors` (field -> message)
    and optionally `field_order`; the error summary's entries are derived from them."""
    notice = read_notice(request)
    if "errors" in context:
        context["summary"] = error_summary(
            context["errors"], context.get("field_order"), context.get("id_prefix", "")
        )
    return Template(
        template_name=template,
        context={
            "actor": actor_of(request),
            "current_path": request.url.path,
            # The page's own query, without a notice, for links that come back here.
            "current_query": urlencode(
                [
                    (k, v)
                    for k, v in request.query_params.multi_items()
                    if k not in ("notice", "said")
                ]
            ),
            "notice": notice,
            **context,
        },
        status_code=status_code,
    )


def redirect(path: str, notice: str | None = None) -> Redirect:
    """See-other redirect after a successful form (post/redirect/get)."""
    if notice:
        assert notice in NOTICES
        path += ("&" if "?" in path else "?") + f"notice={notice}"
    return Redirect(path=path, status_code=303)


async def form_data(request: Request) -> dict[str, Any]:
    """The submitted form, with repeated names (checkboxes) as lists."""
    form = await request.form()
    data: dict[str, Any] = {}
    for name in form:
        values = form.getall(name)
        data[name] = values if len(values) > 1 else values[0]
    data.pop("_csrf_token", None)
    return data


# A version is digits 0-9 only: str.isdigit() also takes "²", which int() refuses.
VERSION_RE = re.compile(r"[0-9]{1,9}")


def form_version(raw: Any) -> int | None:
    """The version a form carries (the last, if repeated), or None when it is not a whole
    number: the service then refuses the change, naming the version field, once it knows who
    is acting."""
    raw = raw[-1] if isinstance(raw, list) and raw else raw
    if isinstance(raw, str) and VERSION_RE.fullmatch(raw.strip()):
        return int(raw)
    return None


def as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def error_summary(
    fields: Mapping[str, str], order: list[str] | None = None, prefix: str = ""
) -> list[dict]:
    """The error summary's entries, in the order the fields appear on the form, each linking
    to its field's id (`prefix-name` where one page holds several forms)."""
    names = [n for n in (order or []) if n in fields] + [
        n for n in fields if n not in (order or [])
    ]
    return [
        {"field": f"{prefix}-{name}" if prefix else name, "message": fields[name]} for name in names
    ]


# -- HTML error pages ------------------------------------------------------------------------

ERROR_TITLES = {
    400: "That request could not be understood",
    401: "Sign in to continue",
    403: "You cannot do that",
    404: "Page not found",
    405: "That cannot be done here",
    409: "That could not be done",
    413: "What was sent is too large",
    422: "Some of the information given is not valid",
    429: "Too many attempts",
    503: "Service unavailable",
}


def error_page(request: Request, status: int, message: str) -> Template:
    title = ERROR_TITLES.get(status, "Something went wrong")
    return page(
        request,
        "errors/error.html",
        status_code=status,
        title=title,
        message=message,
        status=status,
    )


def sign_in_first(request: Request) -> Redirect:
    """Where `SignInRequired` sends a person: the sign-in page, which brings them back to the
    page they asked for (its path and query) once they are signed in."""
    wanted = request.url.path
    if request.url.query:
        wanted += f"?{request.url.query}"
    sign_in = request.app.route_reverse("sign-in")
    return Redirect(path=f"{sign_in}?{urlencode({'next': wanted})}", status_code=303)


def html_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, RegistryError):
        return error_page(request, exc.status, exc.message)
    if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        return error_page(
            request,
            403,
            "This form could not be accepted: it had expired or did not come from this site. "
            "Go back, reload the page and try again.",
        )
    if isinstance(exc, HTTPException) and exc.status_code == 413:
        return error_page(
            request, 413, "What was sent is larger than this address accepts. Nothing was changed."
        )
    if isinstance(exc, NotFoundException):
        return error_page(request, 404, "There is nothing at this address.")
    if isinstance(exc, HTTPException):
        return error_page(request, exc.status_code, str(exc.detail))
    return error_page(request, 500, "Something went wrong on our side. Please try again later.")
