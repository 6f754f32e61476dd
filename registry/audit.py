"""The append-only audit trail: who did what to which record, with its state before and after.

`record` must be called inside the transaction of the change it describes, so an event exists
exactly when its change does. Nothing in the registry updates or deletes an audit event.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from registry.tables import AuditEvent

if TYPE_CHECKING:
    from registry.accounts import Actor


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


async def record(
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: int,
    *,
    subject_slug: str = "",
    organisation_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    await AuditEvent.insert(
        AuditEvent(
            actor=actor.user_id,
            actor_label=actor.label,
            organisation=organisation_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            subject_slug=subject_slug,
            before=_plain(before) if before is not None else None,
            after=_plain(after) if after is not None else None,
        )
    )


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict, dict]:
    """Only the fields that differ, in their before and after values."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


async def events_for(subject_type: str, subject_id: int, limit: int = 50) -> list[dict]:
    return (
        await AuditEvent.select()
        .where((AuditEvent.subject_type == subject_type) & (AuditEvent.subject_id == subject_id))
        .order_by(AuditEvent.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
