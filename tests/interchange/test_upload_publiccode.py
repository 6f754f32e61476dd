"""Uploading a publiccode.yml through the site, as an owner does: in "Register a solution" and
on a component's page. Real app, real database, the form sent as a browser sends it (multipart,
with the CSRF token)."""

from __future__ import annotations

import gc

import pytest

from registry.interchange.importing import import_publiccode
from registry.interchange.publiccode import read_publiccode
from registry.interchange.yaml12 import MAX_BYTES
from registry.tables import AuditEvent, ComponentDetail, Solution
from registry.web.pages.uploads import MAX_UPLOAD_REQUEST
from tests.factories import GLASGOW_OFFICER, SYSTEM
from tests.interchange.samples import PARSER_TESTDATA, PUBLICCODE
from tests.web import csrf_token, heading, html, sign_in, text_of, texts

NEW = "/solutions/new/from-publiccode"
LYNIS = PUBLICCODE / "CISOfy__lynis.yml"


async def _send(client, page: str, action: str, data: bytes, name: str = "publiccode.yml", **form):
    token = csrf_token(await client.get(page))
    return await client.post(
        action,
        data={"_csrf_token": token, **form},
        files={"file": (name, data, "application/yaml")},
    )


async def _problems(response) -> list[str]:
    return texts(response, "#upload-problems li")


async def test_a_valid_file_registers_a_draft_component_for_the_chosen_council(
    client, glasgow, glasgow_officer
):
    await sign_in(client, GLASGOW_OFFICER)
    form = await client.get(NEW)
    assert form.status_code == 200
    assert html(form).css_first('form#publiccode-form[enctype="multipart/form-data"]')
    response = await _send(client, NEW, NEW, LYNIS.read_bytes(), owner="glasgow-city")
    assert response.status_code == 200, response.text
    assert "has been registered from publiccode.yml as a draft" in text_of(
        response, "#import-result"
    )
    row = await Solution.select(Solution.slug, Solution.status, Solution.owner.slug).first()
    assert (row["status"], row["owner.slug"]) == ("draft", "glasgow-city")
    page = await client.get(f"/solutions/{row['slug']}")
    assert heading(page) == read_publiccode(LYNIS.read_bytes()).facts.name
    assert html(page).css_first("#publiccode-upload-link") is not None


async def test_the_register_a_solution_page_offers_the_upload(client, glasgow_officer):
    await sign_in(client, GLASGOW_OFFICER)
    page = await client.get("/solutions/new")
    link = html(page).css_first("#publiccode-choice a")
    assert link.attributes["href"] == NEW


async def test_warnings_are_shown_on_success(client, glasgow, glasgow_officer):
    await sign_in(client, GLASGOW_OFFICER)
    path = PARSER_TESTDATA / "valid_with_warnings" / "valid.minimal.v0.4.yml"
    expected = [str(w) for w in read_publiccode(path.read_bytes()).warnings]
    assert expected
    response = await _send(client, NEW, NEW, path.read_bytes(), owner="glasgow-city")
    assert response.status_code == 200, response.text
    assert texts(response, "#warnings-list li") == expected


async def test_a_latin_1_file_is_refused_with_that_reason_and_nothing_created(
    client, glasgow, glasgow_officer
):
    await sign_in(client, GLASGOW_OFFICER)
    text = LYNIS.read_text("utf-8").replace("name:", "name: Café #", 1)
    response = await _send(client, NEW, NEW, text.encode("latin-1"), owner="glasgow-city")
    assert response.status_code == 422
    (problem,) = await _problems(response)
    assert "not UTF-8" in problem
    assert "Latin-1" in problem
    assert await Solution.count() == 0


async def test_an_invalid_file_shows_every_problem_by_key_path_and_creates_nothing(
    client, glasgow, glasgow_officer
):
    await sign_in(client, GLASGOW_OFFICER)
    events = await AuditEvent.count()
    path = sorted((PUBLICCODE / "broken").glob("*.yml"))[0]
    expected = [str(p) for p in read_publiccode(path.read_bytes()).errors]
    assert len(expected) >= 1
    response = await _send(client, NEW, NEW, path.read_bytes(), path.name, owner="glasgow-city")
    assert response.status_code == 422
    assert await _problems(response) == expected
    assert text_of(response, "title").startswith("Error:")
    assert html(response).css_first("#file").attributes.get("aria-invalid") == "true"
    assert (await Solution.count(), await AuditEvent.count()) == (0, events)


async def test_an_invalid_sample_with_many_problems_lists_each(client, glasgow, glasgow_officer):
    await sign_in(client, GLASGOW_OFFICER)
    broken = sorted((PUBLICCODE / "broken").glob("*.yml"))
    path = max(broken, key=lambda p: len(read_publiccode(p.read_bytes()).errors))
    expected = [str(p) for p in read_publiccode(path.read_bytes()).errors]
    response = await _send(client, NEW, NEW, path.read_bytes(), owner="glasgow-city")
    assert await _problems(response) == expected
    assert all(":" in p for p in expected)  # each by its key path
    assert await Solution.count() == 0


async def test_a_non_member_cannot_upload_for_another_council(
    client, glasgow, fife, glasgow_officer
):
    await sign_in(client, GLASGOW_OFFICER)
    response = await _send(client, NEW, NEW, LYNIS.read_bytes(), owner="fife")
    assert response.status_code == 403
    assert "not a member of Fife Council" in response.text
    assert await Solution.count() == 0


async def test_the_person_is_checked_before_the_file_is_read(
    client, glasgow, fife, glasgow_officer
):
    """A broken file for another council is refused for who is acting, not for the file."""
    await sign_in(client, GLASGOW_OFFICER)
    response = await _send(client, NEW, NEW, b"\xff\xfe not yaml", owner="fife")
    assert response.status_code == 403


async def test_someone_signed_out_cannot_upload(client, glasgow):
    form = await client.get(NEW, follow_redirects=False)
    assert form.status_code == 303
    assert "/sign-in" in form.headers["location"]
    token = csrf_token(await client.get("/sign-in"))
    response = await client.post(
        NEW,
        data={"_csrf_token": token, "owner": "glasgow-city"},
        files={"file": ("publiccode.yml", LYNIS.read_bytes(), "application/yaml")},
        follow_redirects=False,
    )
    assert response.status_code in (303, 403)
    assert await Solution.count() == 0


# Litestar's CSRF check reads the form before refusing it and leaves the parsed file to the
# garbage collector (it is deleted then; only the warning that it was not closed remains).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_a_form_without_the_csrf_token_is_refused(client, glasgow, glasgow_officer):
    await sign_in(client, GLASGOW_OFFICER)
    response = await client.post(
        NEW,
        data={"owner": "glasgow-city"},
        files={"file": ("publiccode.yml", LYNIS.read_bytes(), "application/yaml")},
    )
    assert response.status_code == 403
    assert await Solution.count() == 0
    gc.collect()


async def test_a_file_over_the_limit_is_refused(client, glasgow, glasgow_officer):
    await sign_in(client, GLASGOW_OFFICER)
    padded = LYNIS.read_bytes() + b"#" * (MAX_BYTES + 10 - len(LYNIS.read_bytes())) + b"\n"
    response = await _send(client, NEW, NEW, padded, owner="glasgow-city")
    assert response.status_code == 422
    assert await _problems(response) == [f"file: the file is larger than {MAX_BYTES // 1024} KiB"]
    # A request far larger than any file the form takes is refused before it is read.
    huge = b"#" * (MAX_UPLOAD_REQUEST + 1024)
    response = await _send(client, NEW, NEW, huge, owner="glasgow-city")
    assert response.status_code == 413
    assert heading(response) == "What was sent is too large"
    assert await Solution.count() == 0
    gc.collect()


async def test_no_file_chosen_is_said(client, glasgow, glasgow_officer):
    await sign_in(client, GLASGOW_OFFICER)
    token = csrf_token(await client.get(NEW))
    response = await client.post(NEW, data={"_csrf_token": token, "owner": "glasgow-city"})
    assert response.status_code == 422
    assert await _problems(response) == ["file: choose a publiccode.yml file to upload"]


# -- updating a component from its page --------------------------------------------------------


async def _component(glasgow) -> str:
    report = await import_publiccode(SYSTEM, LYNIS.read_bytes(), owner="glasgow-city")
    return report.slug


async def test_the_same_url_updates_the_component_with_its_version_checked(
    client, glasgow, glasgow_officer
):
    slug = await _component(glasgow)
    await sign_in(client, GLASGOW_OFFICER)
    page = f"/solutions/{slug}/from-publiccode"
    form = await client.get(page)
    version = html(form).css_first('input[name="version"]').attributes["value"]
    changed = LYNIS.read_text("utf-8").replace("name: Lynis", "name: Lynis audit tool", 1)
    assert changed != LYNIS.read_text("utf-8")
    response = await _send(client, page, page, changed.encode(), version=version)
    assert response.status_code == 200, response.text
    assert "has been updated" in text_of(response, "#import-result")
    assert await Solution.count() == 1
    assert heading(await client.get(f"/solutions/{slug}")) == "Lynis audit tool"
    # The form read before that change carries an older version: refused, nothing changed.
    stale = changed.replace("Lynis audit tool", "Lynis again")
    response = await _send(client, page, page, stale.encode(), version=version)
    assert response.status_code == 409
    assert heading(await client.get(f"/solutions/{slug}")) == "Lynis audit tool"
    # The new-solution form with the same url updates it too, rather than making a second.
    response = await _send(client, NEW, NEW, LYNIS.read_bytes(), owner="glasgow-city")
    assert response.status_code == 200
    assert "has been updated" in text_of(response, "#import-result")
    assert await Solution.count() == 1


async def test_only_those_who_may_edit_it_can_update_a_component(
    client, glasgow, fife, fife_admin, glasgow_officer
):
    slug = await _component(glasgow)
    from tests.factories import FIFE_ADMIN

    await sign_in(client, FIFE_ADMIN)
    form = await client.get(f"/solutions/{slug}/from-publiccode")
    assert form.status_code == 403
    page = f"/solutions/{slug}"
    changed = LYNIS.read_text("utf-8").replace("name: Lynis", "name: Taken over", 1)
    response = await _send(client, page, f"{page}/from-publiccode", changed.encode(), version="1")
    assert response.status_code == 403
    assert heading(await client.get(page)) != "Taken over"
    # Nor through the new-solution form with the component's url, for their own council.
    response = await _send(client, NEW, NEW, changed.encode(), owner="fife")
    assert response.status_code == 422
    assert "url:" in (await _problems(response))[0]
    assert await Solution.count() == 1


async def test_a_file_for_another_component_is_refused_on_this_ones_page(
    client, glasgow, glasgow_officer
):
    slug = await _component(glasgow)
    other = (PUBLICCODE / "italia__bootstrap-italia.yml").read_bytes()
    second = await import_publiccode(SYSTEM, other, owner="glasgow-city")
    await sign_in(client, GLASGOW_OFFICER)
    page = f"/solutions/{slug}/from-publiccode"
    version = html(await client.get(page)).css_first('input[name="version"]').attributes["value"]
    response = await _send(client, page, page, other, version=version)
    assert response.status_code == 422
    assert f"another component ({second.slug})" in (await _problems(response))[0]
    repository = await ComponentDetail.select(ComponentDetail.repository_url).where(
        ComponentDetail.solution.slug == slug
    )
    assert "lynis" in repository[0]["repository_url"].lower()


async def test_another_councils_draft_with_the_same_url_is_not_changed_nor_shown(
    client, glasgow, fife, fife_admin, glasgow_officer
):
    drafted = await import_publiccode(fife_admin, LYNIS.read_bytes(), owner="fife")
    await Solution.update({Solution.status: "draft"}).where(Solution.slug == drafted.slug)
    await sign_in(client, GLASGOW_OFFICER)
    response = await _send(client, NEW, NEW, LYNIS.read_bytes(), owner="glasgow-city")
    assert response.status_code == 422
    (problem,) = await _problems(response)
    assert problem.startswith("url: a component with this repository is already registered")
    assert drafted.slug not in problem
    assert await Solution.count() == 1
