"""Helpers for tests that use the site as a browser would, through Litestar's test client:
parse pages, carry the CSRF token, sign in."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from tests.factories import PASSWORD


def html(response) -> HTMLParser:
    return HTMLParser(response.text)


def text_of(response, selector: str) -> str:
    node = html(response).css_first(selector)
    assert node is not None, f"nothing matches {selector!r}"
    return " ".join(node.text(separator=" ").split())


def texts(response, selector: str) -> list[str]:
    return [" ".join(n.text(separator=" ").split()) for n in html(response).css(selector)]


def heading(response) -> str:
    return text_of(response, "h1")


def csrf_token(response) -> str:
    field = html(response).css_first('input[name="_csrf_token"]')
    assert field is not None, "the page has no form with a CSRF token"
    return field.attributes["value"] or ""


async def post_form(client, page_path: str, action: str, data: dict, **kwargs):
    """Load a page (for its CSRF token and cookie) and submit a form to `action`."""
    page = await client.get(page_path)
    return await client.post(action, data={"_csrf_token": csrf_token(page), **data}, **kwargs)


async def sign_in(client, email: str, password: str = PASSWORD):
    response = await post_form(
        client,
        "/sign-in",
        "/sign-in",
        {"email": email, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response


def error_summary(response) -> list[tuple[str, str]]:
    """The error summary's (link target, message) pairs."""
    return [
        (a.attributes.get("href", ""), " ".join(a.text().split()))
        for a in html(response).css(".ds_error-summary__list a")
    ]


def live_scripts(response) -> list[str]:
    """Every script element of the page that is not one of the site's own files."""
    own = ("/assets/", "/static/")
    return [
        node.html
        for node in html(response).css("script")
        if not (node.attributes.get("src") or "").startswith(own)
    ]
