"""The errors the domain services raise. The web layer maps each to one HTTP status and the
error shape `{"error": {"code", "message", "fields"}}`; nothing else needs to know HTTP."""

from __future__ import annotations


class RegistryError(Exception):
    code = "error"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class NotFound(RegistryError):
    code = "not_found"


class PermissionDenied(RegistryError):
    """The actor has no membership that allows this action for this organisation."""

    code = "forbidden"


class Conflict(RegistryError):
    """The record changed since the caller read it (a stale version), or a rule of state."""

    code = "conflict"


class ValidationFailed(RegistryError):
    """Input broke a rule. `fields` maps each field to a message naming it and the reason."""

    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message or "Some of the information given is not valid", fields)
