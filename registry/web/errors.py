"""One error shape for every refusal: `{"error": {"code", "message", "fields"}}`.

The one place a refusal becomes a response. A domain error answers with the status its class
carries (`registry.errors`), so services never speak HTTP and handlers never build error bodies
by hand; the API gets the JSON shape and people an error page, or the sign-in page when they
must sign in first. Unexpected exceptions become a 500 with a generic message (the detail goes
to the log, not to the client).
"""

from __future__ import annotations

import logging
import re

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from registry.errors import RegistryError, SignInRequired

log = logging.getLogger("registry.web")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    503: "unavailable",
}


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(status: int, code: str, message: str, fields=None, headers=None) -> Response:
    return Response(
        error_body(code, message, fields),
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def registry_error(_: Request, exc: RegistryError) -> Response:
    headers = {"www-authenticate": "Bearer"} if isinstance(exc, SignInRequired) else None
    return error_response(exc.status, exc.code, exc.message, exc.fields, headers=headers)


_MSGSPEC_WORDING = [
    (re.compile(r"Expected `int` <= (\d+)"), "must be a whole number no more than {0}"),
    (re.compile(r"Expected `int` >= (\d+)"), "must be a whole number of at least {0}"),
    (re.compile(r"Expected `int`"), "must be a whole number"),
    (re.compile(r"Expected `str` of length <= (\d+)"), "must be {0} characters or fewer"),
    (re.compile(r"Expected `array` of length <= (\d+)"), "can be given at most {0} times"),
    (re.compile(r"Invalid enum value"), "is not one of the values the API's schema lists"),
    (re.compile(r"Missing required"), "is required"),
]


def _in_words(key: str, message: str) -> str:
    """Litestar's parameter messages in the registry's own wording, naming the parameter."""
    for pattern, wording in _MSGSPEC_WORDING:
        match = pattern.search(message)
        if match:
            return f"{key} {wording.format(*match.groups())}"
    return f"{key} is not valid: {message}"


def validation_error(_: Request, exc: ValidationException) -> Response:
    fields: dict[str, str] = {}
    for item in exc.extra or []:
        if isinstance(item, dict) and item.get("key"):
            key = str(item["key"])
            fields[key] = _in_words(key, str(item.get("message", "")))
    message = "Some of the information given is not valid"
    if fields:
        message = "; ".join(fields.values())
    return error_response(422, "invalid", message, fields)


def http_error(_: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    return error_response(
        status, HTTP_CODES.get(status, "error"), str(exc.detail), headers=exc.headers
    )


def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        HTTP_500_INTERNAL_SERVER_ERROR, "server_error", "Something went wrong on our side"
    )


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/schema", "/healthz")) or path == "/api"


def by_audience(json_handler):
    """Machines (the API) get the JSON error shape; people get an HTML page."""

    def handler(request: Request, exc: Exception) -> Response:
        if wants_json(request):
            return json_handler(request, exc)
        from registry.web.pages.common import html_error, sign_in_first

        if isinstance(exc, SignInRequired):
            return sign_in_first(request)
        if not isinstance(exc, RegistryError | HTTPException):
            log.exception(
                "unhandled error on %s %s", request.method, request.url.path, exc_info=exc
            )
        try:
            return html_error(request, exc)
        except Exception:  # the error page itself failed: say so plainly
            log.exception("the error page failed on %s", request.url.path)
            return Response("Something went wrong.", status_code=500, media_type=MediaType.TEXT)

    return handler


EXCEPTION_HANDLERS = {
    RegistryError: by_audience(registry_error),
    ValidationException: by_audience(validation_error),
    HTTPException: by_audience(http_error),
    Exception: by_audience(server_error),
}
