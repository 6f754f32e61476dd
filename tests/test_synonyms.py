"""Synonyms kept by Digital Office curators: the services, the curation page, the API, the seed
list, and search finding what a synonym names as soon as a curator saves it."""

from __future__ import annotations

import asyncio

import pytest

from registry import indexing
from registry.catalogue import synonyms
from registry.errors import NotFound, PermissionDenied, ValidationFailed
from registry.seeding import load_seeds
from registry.tables import AuditEvent, SynonymGroup
from search import SearchQuery
from tests.factories import SYSTEM, make_solution
from tests.web import csrf_token, error_summary, heading, html, post_form, sign_in, texts

PAGE = "/curation/synonyms"


async def _state():
    return (
        await SynonymGroup.select().order_by(SynonymGroup.id).output(load_json=True),
        await AuditEvent.count(),
    )


async def _search_titles(client, q: str) -> list[str]:
    answer = await client.get("/api/v1/search", params={"q": q})
    assert answer.status_code == 200, answer.text
    return [hit["title"] for hit in answer.json()["hits"]]


# -- the services -----------------------------------------------------------------------------


async def test_a_curator_adds_changes_and_removes_a_group_each_audited(db, curator) -> None:
    added = await synonyms.add_group(curator, "M365\n Office  365 , Microsoft 365")
    assert added.group.terms == ("M365", "Office 365", "Microsoft 365")
    changed = await synonyms.change_group(curator, added.group.id, ["M365", "Microsoft 365"])
    assert changed.group.terms == ("M365", "Microsoft 365")
    # the same terms again change nothing and record nothing
    before = await AuditEvent.count()
    await synonyms.change_group(curator, added.group.id, ["M365", "Microsoft 365"])
    assert await AuditEvent.count() == before
    await synonyms.remove_group(curator, added.group.id)
    assert await synonyms.synonym_groups() == []
    events = (
        await AuditEvent.select(
            AuditEvent.action, AuditEvent.subject_type, AuditEvent.before, AuditEvent.after
        )
        .where(AuditEvent.subject_type == "synonym_group")
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )
    assert [(e["action"], e["subject_type"]) for e in events] == [
        ("synonyms.add", "synonym_group"),
        ("synonyms.change", "synonym_group"),
        ("synonyms.remove", "synonym_group"),
    ]
    assert events[1]["before"] == {"terms": ["M365", "Office 365", "Microsoft 365"]}
    assert events[1]["after"] == {"terms": ["M365", "Microsoft 365"]}
    assert events[2]["before"] == {"terms": ["M365", "Microsoft 365"]}


async def test_only_curators_may_change_synonyms(db, glasgow_officer, curator) -> None:
    kept = await synonyms.add_group(curator, ["HR", "human resources"])
    state = await _state()
    with pytest.raises(PermissionDenied):
        await synonyms.add_group(glasgow_officer, ["RPA", "robotic process automation"])
    with pytest.raises(PermissionDenied):
        await synonyms.change_group(glasgow_officer, kept.group.id, ["HR", "workforce"])
    with pytest.raises(PermissionDenied):
        await synonyms.remove_group(glasgow_officer, kept.group.id)
    # who is acting is checked before the input: nonsense from a non-curator is still a 403
    with pytest.raises(PermissionDenied):
        await synonyms.add_group(glasgow_officer, "x" * 100_000)
    assert await _state() == state


@pytest.mark.parametrize(
    ("terms", "reason"),
    [
        ("HR", "at least two terms"),
        ("", "at least two terms"),
        ("HR\nhr", "in the group twice"),
        ("Résumé\nresume", "in the group twice"),
        ("HR\n" + "w" * 51, "longer than 50 characters"),
        ("\n".join(f"term {i}" for i in range(11)), "at most 10 terms"),
        ("HR\n---", "holds no letters or digits"),
        ("HR\nhuman\x00resources", "control characters"),
        ("one two three four\nfive six seven eight", "3 words or fewer"),
        ("x" * 10_000, "at most 10 terms"),
        (["HR", 5], "one a line"),
    ],
)
async def test_bad_groups_are_refused_naming_the_field(db, curator, terms, reason) -> None:
    state = await _state()
    with pytest.raises(ValidationFailed) as refused:
        await synonyms.add_group(curator, terms)
    assert reason in refused.value.fields["terms"]
    assert await _state() == state


async def test_a_term_belongs_to_one_group_only(db, curator) -> None:
    first = await synonyms.add_group(curator, ["HR", "human resources"])
    other = await synonyms.add_group(curator, ["RPA", "robotic process automation"])
    state = await _state()
    with pytest.raises(ValidationFailed) as refused:
        await synonyms.add_group(curator, ["workforce", "Human Resources"])
    assert "already in another group" in refused.value.fields["terms"]
    with pytest.raises(ValidationFailed):
        await synonyms.change_group(curator, other.group.id, ["RPA", "hr"])
    # a group may keep its own terms when it changes
    await synonyms.change_group(curator, first.group.id, ["hr", "human resources", "workforce"])
    assert (await _state())[1] == state[1] + 1


async def test_groups_are_bounded(db, curator, monkeypatch) -> None:
    monkeypatch.setattr(synonyms, "MAX_GROUPS", 2)
    await synonyms.add_group(curator, ["a1", "b1"])
    await synonyms.add_group(curator, ["a2", "b2"])
    with pytest.raises(ValidationFailed) as refused:
        await synonyms.add_group(curator, ["a3", "b3"])
    assert "at most 2 groups" in refused.value.fields["terms"]
    assert await SynonymGroup.count() == 2


async def test_unknown_groups_are_not_found(db, curator) -> None:
    for group_id in (12345, 0, -1, 2**63):
        with pytest.raises(NotFound):
            await synonyms.change_group(curator, group_id, ["HR", "human resources"])
        with pytest.raises(NotFound):
            await synonyms.remove_group(curator, group_id)


# -- the seed list ----------------------------------------------------------------------------


async def test_the_seed_list_loads_once_and_keeps_curators_changes(pooled_db) -> None:
    report = await load_seeds()
    assert any(line.startswith("synonym groups: ") for line in report.lines())
    groups = {g.terms[0]: g for g in await synonyms.synonym_groups()}
    assert groups["M365"].terms == ("M365", "O365", "Office 365", "Microsoft 365")
    assert groups["HR"].terms == ("HR", "human resources", "workforce")
    assert "organization" in groups["organisation"].terms
    count = await SynonymGroup.count()
    # a curator's removal survives the next seed run, which changes nothing
    await synonyms.remove_group(SYSTEM, groups["RPA"].id)
    again = await load_seeds()
    assert f"synonym groups: {count} unchanged" in again.lines()
    assert await SynonymGroup.count() == count - 1
    assert "RPA" not in {g.terms[0] for g in await synonyms.synonym_groups()}


async def test_two_curators_saving_at_once_cannot_put_a_term_in_two_groups(db, curator) -> None:
    outcomes = await asyncio.gather(
        synonyms.add_group(curator, ["HR", "human resources"]),
        synonyms.add_group(curator, ["hr", "workforce"]),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, ValidationFailed)]
    assert len(refused) == 1, outcomes
    assert "already in another group" in refused[0].fields["terms"]
    assert await SynonymGroup.count() == 1


async def test_changes_applied_at_once_leave_the_engine_with_the_latest(
    db, curator, search_index
) -> None:
    """The first change's view of the groups reaches the engine after the second's: it must
    not be the one the engine keeps."""
    await make_solution(title="Human resources and payroll", summary="Pay and absence.")
    await make_solution(title="Robotic process automation pilot", summary="Bots for forms.")
    await indexing.drain_all(search_index)
    given: list[dict] = []
    set_synonyms = search_index.set_synonyms
    second_saved = asyncio.Event()
    first_read = asyncio.Event()

    async def first_one_late(mapping) -> None:
        given.append(mapping)
        if len(given) == 1:
            first_read.set()
            await second_saved.wait()  # the second change is saved and applied meanwhile
        await set_synonyms(mapping)

    search_index.set_synonyms = first_one_late

    async def second() -> None:
        await first_read.wait()
        await synonyms.add_group(curator, ["RPA", "robotic process automation"], search_index)
        second_saved.set()

    await asyncio.gather(
        synonyms.add_group(curator, ["HR", "human resources"], search_index), second()
    )

    async def titles(q: str) -> list[str]:
        result = await search_index.search(SearchQuery(text=q))
        return [hit.document["title"] for hit in result.hits]

    assert await titles("HR") == ["Human resources and payroll"]
    assert await titles("RPA") == ["Robotic process automation pilot"]


# -- the API ----------------------------------------------------------------------------------


async def test_the_api_lists_the_groups_and_the_engines_format(client, curator) -> None:
    await synonyms.add_group(curator, ["RPA", "robotic process automation"])
    answer = await client.get("/api/v1/synonyms")
    assert answer.status_code == 200
    body = answer.json()
    assert [g["terms"] for g in body["groups"]] == [["RPA", "robotic process automation"]]
    assert body["synonyms"] == {
        "RPA": ["robotic process automation"],
        "robotic process automation": ["RPA"],
    }


# -- the page, and search following it ----------------------------------------------------------


async def test_a_curators_change_applies_to_search_without_a_restart(client, curator) -> None:
    await make_solution(title="Microsoft 365 federation", summary="One tenant for councils.")
    await make_solution(title="Human resources and payroll", summary="Pay and absence.")
    await indexing.drain_all(client.app.state.search_engine)
    assert await _search_titles(client, "M365") == []

    await sign_in(client, curator.label)
    listing = await client.get(PAGE)
    assert listing.status_code == 200
    assert heading(listing) == "Synonyms"
    added = await client.post(
        PAGE,
        data={"_csrf_token": csrf_token(listing), "terms": "M365\nMicrosoft 365"},
        follow_redirects=True,
    )
    assert added.status_code == 200
    assert "search uses them now" in added.text
    assert texts(added, "tbody td:first-child") == ["M365, Microsoft 365"]
    assert await _search_titles(client, "M365") == ["Microsoft 365 federation"]

    group_id = (await synonyms.synonym_groups())[0].id
    form = await client.get(f"{PAGE}/{group_id}")
    assert html(form).css_first("textarea#terms").text() == "M365\nMicrosoft 365"
    changed = await client.post(
        f"{PAGE}/{group_id}",
        data={"_csrf_token": csrf_token(form), "terms": "HR\nhuman resources"},
        follow_redirects=True,
    )
    assert changed.status_code == 200
    assert await _search_titles(client, "M365") == []
    assert await _search_titles(client, "HR") == ["Human resources and payroll"]

    removed = await post_form(client, PAGE, f"{PAGE}/{group_id}/remove", {}, follow_redirects=True)
    assert removed.status_code == 200
    assert "no longer uses it" in removed.text
    assert await _search_titles(client, "HR") == []


async def test_a_bad_group_reshows_the_form_with_the_reason(client, curator) -> None:
    await sign_in(client, curator.label)
    kept = await synonyms.add_group(curator, ["HR", "human resources"])
    state = await _state()
    refused = await post_form(client, PAGE, PAGE, {"terms": "just one"})
    assert refused.status_code == 422
    assert error_summary(refused) == [
        ("#terms", "A group needs at least two terms that mean the same")
    ]
    assert html(refused).css_first("textarea#terms").text() == "just one"
    refused = await post_form(client, f"{PAGE}/{kept.group.id}", f"{PAGE}/{kept.group.id}", {})
    assert refused.status_code == 422
    assert await _state() == state


async def test_others_get_403_and_change_nothing(client, glasgow_officer, curator) -> None:
    kept = await synonyms.add_group(curator, ["HR", "human resources"])
    state = await _state()
    anonymous = await client.get(PAGE, follow_redirects=False)
    assert anonymous.status_code in (302, 303)
    await sign_in(client, glasgow_officer.label)
    assert (await client.get(PAGE)).status_code == 403
    assert (await client.get(f"{PAGE}/{kept.group.id}")).status_code == 403
    token = csrf_token(await client.get("/account"))
    for path, data in (
        (PAGE, {"terms": "RPA\nrobotic process automation"}),
        (f"{PAGE}/{kept.group.id}", {"terms": "HR\nworkforce"}),
        (f"{PAGE}/{kept.group.id}/remove", {}),
    ):
        answer = await client.post(path, data={"_csrf_token": token, **data})
        assert answer.status_code == 403, path
    assert await _state() == state
    assert (await client.get(f"{PAGE}/999999")).status_code == 403


async def test_an_unknown_group_is_404_for_a_curator(client, curator) -> None:
    await sign_in(client, curator.label)
    assert (await client.get(f"{PAGE}/999999")).status_code == 404
    assert (await client.get(f"{PAGE}/99999999999999999999")).status_code in (404, 400)
