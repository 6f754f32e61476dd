"""The errors the domain services raise, each carrying the HTTP status it answers with.

The web layer maps any of them to a response in one place (`registry.web.errors`): the error
shape `{"error": {"code", "message", "fields"}}` for the API, an error page (or, for
`SignInRequired`, the sign-in page) for people. Services raise these and never speak HTTP
themselves; `status` is the one fact about HTTP they carry. (Services refuse someone not signed
in with `PermissionDenied`; `SignInRequired` is raised by pages that need a signed-in person.)
"""

from __future__ import annotations


class RegistryError(Exception):
    # A refusal nobody classified is the caller's fault, not the server's: 400, never 500.
    status = 400
    code = "error"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class SignInRequired(RegistryError):
    """Only a signed-in person may do this; people are sent to sign in, the API answers 401."""

    status = 401
    code = "unauthorised"

    def __init__(self, message: str = "Sign in to do this", fields=None) -> None:
        super().__init__(message, fields)


class PermissionDenied(RegistryError):
    """The actor has no membership that allows this action for this organisation."""

    status = 403
    code = "forbidden"


class NotFound(RegistryError):
    status = 404
    code = "not_found"


class Conflict(RegistryError):
    """The record changed since the caller read it (a stale version), or a rule of state."""

    status = 409
    code = "conflict"


class ValidationFailed(RegistryError):
    """Input broke a rule. `fields` maps each field to a message naming it and the reason."""

    status = 422
    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message or "Some of the information given is not valid", fields)


class TooManyRequests(RegistryError):
    """Too many attempts in too short a time (sign-in failures, a token's request rate)."""

    status = 429
    code = "too_many_requests"
