"""The one way a change is written: its rows, its audit event and its job rows commit together
or not at all, and a change that finds nothing to do writes nothing."""

from __future__ import annotations

import sqlite3

import pytest

from registry import audit, changes
from registry.tables import AuditEvent, Programme, SearchOutbox
from tests.factories import SYSTEM


async def _programme(slug: str, owner: dict) -> dict:
    inserted = await Programme.insert(
        Programme(slug=slug, title=slug.title(), summary="A programme", owner=owner["id"])
    )
    return {"id": inserted[0]["id"], "slug": slug}


async def test_a_change_commits_its_rows_its_audit_event_and_its_jobs_together(digital_office):
    owner = digital_office
    jobs: list[str] = []

    async def job() -> None:
        jobs.append("sent")

    async with changes.to_solution(SYSTEM, "solution.touch", 41, "telecare-hub") as change:
        change.reindex(41)  # asked for twice, written once
        change.reindex(42)
        change.queue(job)
        programme = await _programme("telecare", owner)
        change.after = {"programme": programme["slug"]}

    assert jobs == ["sent"]
    assert sorted(r["solution_id"] for r in await SearchOutbox.select()) == [41, 42]
    events = await audit.events_for("solution", 41)
    assert [(e["action"], e["subject_slug"], e["after"]) for e in events] == [
        ("solution.touch", "telecare-hub", {"programme": "telecare"})
    ]
    assert await Programme.count() == 1


async def test_a_failing_job_rolls_back_the_change_and_its_audit_event(digital_office):
    owner = digital_office

    async def broken() -> None:
        raise RuntimeError("mail queue unavailable")

    async def create() -> None:
        async with changes.change(SYSTEM, "programme.create", "programme") as change:
            programme = await _programme("telecare", owner)
            change.subject_id = programme["id"]
            change.reindex(41)
            change.queue(broken)

    with pytest.raises(RuntimeError, match="mail queue"):
        await create()

    assert await Programme.count() == 0
    assert await AuditEvent.count() == 0
    assert await SearchOutbox.count() == 0


async def test_save_row_inserts_updates_and_leaves_alone_and_an_unchanged_change_writes_nothing(
    digital_office,
):
    owner = digital_office
    where = Programme.slug == "telecare"

    async def save(title: str) -> changes.Saved:
        async with changes.change(SYSTEM, "programme.save", "programme") as change:
            saved = await changes.save_row(
                Programme,
                where,
                {"title": title},
                on_insert={"slug": "telecare", "summary": "A programme", "owner": owner["id"]},
                on_update={"version": Programme.version + 1},
            )
            change.reindex(41)
            if not saved.changed:
                return change.unchanged(saved)
            change.subject_id = saved.row["id"]
            return saved

    inserted = await save("Telecare")
    updated = await save("Digital telecare")
    same = await save("Digital telecare")

    assert (inserted.before, inserted.row["title"], inserted.changed) == (None, "Telecare", True)
    assert (updated.before["title"], updated.row["title"], updated.changed) == (
        "Telecare",
        "Digital telecare",
        True,
    )
    assert updated.row["version"] == inserted.row["version"] + 1
    assert (same.changed, same.before, same.row) == (False, updated.row, updated.row)
    assert await Programme.count() == 1
    assert await AuditEvent.count() == 2
    assert await SearchOutbox.count() == 2


async def test_a_change_that_never_names_its_subject_is_refused_and_rolled_back(digital_office):
    owner = digital_office
    with pytest.raises(RuntimeError, match="never said what it changed"):
        async with changes.change(SYSTEM, "programme.create", "programme"):
            await _programme("telecare", owner)
    assert await Programme.count() == 0


async def test_races_are_retried_and_other_errors_are_not():
    calls: list[int] = []

    async def loses_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.IntegrityError("UNIQUE constraint failed: interest.solution")
        return "found the winner's row"

    assert await changes.retrying_races(loses_once) == "found the winner's row"
    assert len(calls) == 2

    async def always_loses() -> None:
        calls.append(1)
        raise sqlite3.IntegrityError("UNIQUE constraint failed: interest.solution")

    calls.clear()
    with pytest.raises(sqlite3.IntegrityError):
        await changes.retrying_races(always_loses)
    assert len(calls) == changes.RACE_RETRIES

    async def broken() -> None:
        calls.append(1)
        raise ValueError("not a race")

    calls.clear()
    with pytest.raises(ValueError, match="not a race"):
        await changes.retrying_races(broken)
    assert len(calls) == 1
