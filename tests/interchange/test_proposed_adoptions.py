"""A publiccode.yml's `usedBy` becomes adoptions the component's owner confirms or dismisses:
proposed, not counted anywhere until confirmed, then counted as any adoption is; a decided
proposal is not made again by a re-import. Real app, database and search index."""

from __future__ import annotations

import asyncio
import csv
import io

from registry import indexing, notifications
from registry.interchange.importing import import_publiccode
from registry.tables import Adoption, AuditEvent, Notification, ProposedAdoption, SearchOutbox
from tests.factories import FIFE_ADMIN, GLASGOW_OFFICER, SYSTEM
from tests.interchange.samples import PUBLICCODE
from tests.web import csrf_token, html, sign_in, text_of, texts

USED_BY = "usedBy:\n  - Glasgow City Council\n  - GB-LAS-FIF\n  - Comune di Nowhere\n"


def _file(extra: str = USED_BY) -> bytes:
    text = (PUBLICCODE / "CISOfy__lynis.yml").read_text("utf-8")
    return text.replace("publiccodeYmlVersion:", extra + "publiccodeYmlVersion:", 1).encode()


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))[1:]


async def _decide(client, slug: str, what: str, organisation: str):
    token = csrf_token(await client.get(f"/solutions/{slug}"))
    return await client.post(
        f"/solutions/{slug}/proposed-adoptions/{what}",
        data={"_csrf_token": token, "organisation": organisation},
    )


async def _adopted_by(client, search_index, organisation: str) -> list[list[str]]:
    # The app brings the index up to date after each write too: wait until neither is busy.
    for _ in range(100):
        drained = await indexing.drain_all(search_index)
        if not drained.busy and await SearchOutbox.count() == 0:
            break
        await asyncio.sleep(0.05)
    return _rows((await client.get(f"/?adopted_by={organisation}&format=csv")).text)


async def test_matched_used_by_is_proposed_not_counted_until_the_owner_confirms(
    client, search_index, glasgow, fife, glasgow_officer, edinburgh_officer
):
    report = await import_publiccode(SYSTEM, _file(), owner="glasgow-city")
    slug = report.slug
    assert [s for _, s, _ in report.proposed] == ["glasgow-city", "fife"]
    assert report.unmatched == ["Comune di Nowhere"]  # listed, never invented
    assert await ProposedAdoption.count() == 2
    assert await Adoption.count() == 0
    await notifications.follow(edinburgh_officer, "solution", slug, "immediate")

    # Not counted: not on the page's count, the activity CSV, search, nor the API.
    page = await client.get(f"/solutions/{slug}")
    assert text_of(page, "#adopters-count") == "No organisation has recorded using it yet."
    assert html(page).css_first("#proposed-adoptions") is None  # not to a reader
    assert _rows((await client.get(f"/solutions/{slug}/activity.csv")).text) == []
    assert await _adopted_by(client, search_index, "fife") == []

    # The owner's member sees them and confirms one.
    await sign_in(client, GLASGOW_OFFICER)
    page = await client.get(f"/solutions/{slug}")
    listed = texts(page, "#proposed-adoption-list > li a")
    assert listed == ["Glasgow City Council", "Fife Council"]
    response = await _decide(client, slug, "confirm", "fife")
    assert response.status_code == 200  # followed the redirect to the page
    assert "Fife Council" in text_of(response, "#adopters-count + ul")
    assert text_of(response, "#adopters-count") == "1 organisation uses it."
    assert texts(response, "#proposed-adoption-list > li a") == ["Glasgow City Council"]

    adoption = await Adoption.select(Adoption.status, Adoption.organisation.slug).first()
    assert (adoption["status"], adoption["organisation.slug"]) == ("live", "fife")
    event = (
        await AuditEvent.select(AuditEvent.after, AuditEvent.actor_label)
        .where(AuditEvent.action == "adoption.record")
        .first()
    )
    assert event["actor_label"] == GLASGOW_OFFICER
    told = await Notification.select(Notification.kind, Notification.text).where(
        Notification.kind == "adoption.recorded"
    )
    assert told
    assert "Fife Council recorded its use" in told[0]["text"]
    rows = _rows((await client.get(f"/solutions/{slug}/activity.csv")).text)
    assert [(r[0], r[1], r[3]) for r in rows] == [("adoption", "Fife Council", "live")]
    assert [r[5] for r in await _adopted_by(client, search_index, "fife")] == [slug]

    # Dismissed: not recorded, and gone from the list.
    response = await _decide(client, slug, "dismiss", "glasgow-city")
    assert response.status_code == 200
    assert html(response).css_first("#proposed-adoptions") is None
    assert await Adoption.count() == 1

    # Importing the file again proposes neither again.
    again = await import_publiccode(SYSTEM, _file(), owner="glasgow-city")
    assert again.slug == slug
    assert again.proposed == []
    assert len(again.matched) == 2
    statuses = await ProposedAdoption.select(
        ProposedAdoption.organisation.slug, ProposedAdoption.status
    ).order_by(ProposedAdoption.id)
    assert [(r["organisation.slug"], r["status"]) for r in statuses] == [
        ("glasgow-city", "dismissed"),
        ("fife", "confirmed"),
    ]
    # A decided proposal cannot be decided again.
    assert (await _decide(client, slug, "confirm", "glasgow-city")).status_code == 409


async def test_only_members_of_the_owner_may_confirm_or_dismiss(
    client, glasgow, fife, glasgow_officer, fife_admin, curator
):
    report = await import_publiccode(SYSTEM, _file(), owner="glasgow-city")
    # Fife's own administrator cannot confirm Fife's use from Glasgow's file...
    await sign_in(client, FIFE_ADMIN)
    page = await client.get(f"/solutions/{report.slug}")
    assert html(page).css_first("#proposed-adoptions") is None
    assert (await _decide(client, report.slug, "confirm", "fife")).status_code == 403
    assert (await _decide(client, report.slug, "dismiss", "glasgow-city")).status_code == 403
    # ...nor can a curator, who edits records but never acts for an organisation.
    from tests.factories import CURATOR

    await client.get("/sign-out")
    await sign_in(client, CURATOR)
    assert (await _decide(client, report.slug, "confirm", "fife")).status_code == 403
    assert await Adoption.count() == 0
    assert await ProposedAdoption.count().where(ProposedAdoption.status == "proposed") == 2


async def test_an_organisation_already_recording_its_use_is_not_proposed(glasgow, fife, fife_admin):
    from registry import collaboration

    first = await import_publiccode(
        SYSTEM, _file("usedBy:\n  - Comune di Nowhere\n"), owner="glasgow-city"
    )
    await collaboration.record_adoption(fife_admin, first.slug, "fife", "planned")
    report = await import_publiccode(SYSTEM, _file(), owner="glasgow-city")
    assert [s for _, s, _ in report.proposed] == ["glasgow-city"]
    adoption = await Adoption.select(Adoption.status).first()
    assert adoption["status"] == "planned"  # their own record stands


async def test_an_uploaded_file_proposes_as_the_command_does(
    client, glasgow, fife, glasgow_officer
):
    await sign_in(client, GLASGOW_OFFICER)
    page = "/solutions/new/from-publiccode"
    token = csrf_token(await client.get(page))
    response = await client.post(
        page,
        data={"_csrf_token": token, "owner": "glasgow-city"},
        files={"file": ("publiccode.yml", _file(), "application/yaml")},
    )
    assert response.status_code == 200, response.text
    assert texts(response, "#proposed-list li a") == ["Glasgow City Council", "Fife Council"]
    assert texts(response, "#unmatched-list li") == ["Comune di Nowhere"]
    # A draft takes no adoption yet: the page says to publish first and offers no confirm.
    slug = html(response).css_first("#component-link").attributes["href"].rsplit("/", 1)[-1]
    detail = await client.get(f"/solutions/{slug}")
    assert "Publish the component first" in text_of(detail, "#proposed-adoptions")
    assert html(detail).css_first("#proposed-adoptions form[action$='/confirm']") is None
