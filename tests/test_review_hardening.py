"""Odd and hostile input to the newest features, as an attacker or a careless writer sends it:
none is a server error, each is refused (or mended) with its reason and changes nothing it
should not, and a refusal names nothing the person may not see.

- OCDS files with amounts out of any range, NaN and Infinity, a duration past the calendar's
  end, and text holding NUL or a lone surrogate escape;
- publiccode.yml uploads with a number of thousands of digits or a lone surrogate escape, a
  body that is broken multipart, and a file naming another council's draft;
- the contact limit with two messages sent at the same moment;
- the forms deciding proposed adoptions without their CSRF token.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from registry.catalogue import get_solution
from registry.errors import TooManyRequests
from registry.interchange.importing import import_publiccode
from registry.interchange.ocds_import import import_ocds
from registry.notifications import contact
from registry.tables import AuditEvent, ContactMessage, OcdsProcess, ProposedAdoption, Solution
from tests.factories import GLASGOW_OFFICER, SYSTEM, make_solution
from tests.interchange.samples import PUBLICCODE
from tests.web import csrf_token, html, sign_in, texts

LYNIS = PUBLICCODE / "CISOfy__lynis.yml"
BOOTSTRAP = PUBLICCODE / "italia__bootstrap-italia.yml"
NEW = "/solutions/new/from-publiccode"
OCID = "ocds-r6ebe6-0000-review"


# -- OCDS ----------------------------------------------------------------------------------------


def _release(**tender) -> dict:
    return {
        "ocid": OCID,
        "id": "1",
        "date": "2026-01-05T00:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "parties": [
            {
                "id": "buyer",
                "name": "Glasgow",
                "roles": ["buyer", "procuringEntity"],
                "identifier": {"scheme": "GB-LAS", "id": "GLG"},
            }
        ],
        "buyer": {"id": "buyer"},
        "tender": {
            "id": "GCC-1",
            "title": "Housing repairs software",
            "techniques": {"hasFrameworkAgreement": True},
            **tender,
        },
    }


def _package(*releases: dict, raw: tuple[str, str] | None = None) -> bytes:
    text = json.dumps({"version": "1.1", "releases": list(releases)})
    if raw is not None:  # what json.dumps cannot write: a bare Infinity, a vast number
        text = text.replace(*raw)
    return text.encode()


def _pounds(amount) -> dict:
    return {"value": {"amount": amount, "currency": "GBP"}}


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        (_package(_release(**_pounds("1e999999999"))), "is outside what the registry keeps"),
        (
            _package(_release(**_pounds(1)), raw=('"amount": 1', '"amount": 1e999999999')),
            "tender.value.amount is not a finite number; ignored",
        ),
        (
            _package(_release(**_pounds(1)), raw=('"amount": 1', '"amount": -Infinity')),
            "tender.value.amount is not a finite number; ignored",
        ),
        (_package(_release(**_pounds("NaN"))), "tender.value.amount is not a number; ignored"),
        (_package(_release(**_pounds("sNaN"))), "tender.value.amount is not a number; ignored"),
        (
            # Two releases of one process are merged, which a signalling NaN once broke.
            _package(
                _release(**_pounds("sNaN")),
                {**_release(), "id": "2", "date": "2026-02-01T00:00:00Z"},
            ),
            "tender.value.amount is not a number; ignored",
        ),
        (
            _package(
                _release(
                    contractPeriod={"startDate": "2026-01-01T00:00:00Z", "durationInDays": 10**9}
                )
            ),
            f"contract period of {10**9} days: no end date kept",
        ),
        (
            _package(
                _release(
                    contractPeriod={"startDate": "2026-01-01T00:00:00Z", "durationInDays": -(10**9)}
                )
            ),
            f"contract period of {-(10**9)} days: no end date kept",
        ),
    ],
    ids=[
        "vast-amount-as-text",
        "vast-amount",
        "minus-infinity",
        "nan",
        "signalling-nan",
        "signalling-nan-merged",
        "endless-duration",
        "negative-endless-duration",
    ],
)
async def test_an_amount_or_duration_out_of_range_is_imported_without_it_and_said(
    db, glasgow, data, warning
):
    (report,) = await import_ocds(SYSTEM, [("odd.json", data)])
    assert not report.refused, report.refused
    assert any(warning in line for line in report.warnings), report.warnings
    row = await OcdsProcess.select(OcdsProcess.solution.slug).where(OcdsProcess.ocid == OCID)
    view = await get_solution(row[0]["solution.slug"], SYSTEM)
    assert view.details["estimated_value"] is None
    assert view.details["ends_on"] is None


@pytest.mark.parametrize(
    "data",
    [
        _package({**_release(), "ocid": "ocds-r6ebe6-\u0000"}),
        _package({**_release(), "ocid": "ocds-r6ebe6-\ud800"}),
        _package(_release(title="Housing \ud800 repairs")),
        _package(_release(description="Line one\u0000line two")),
        _package(
            {
                "ocid": "ocds-r6ebe6-call-off",
                "id": "1",
                "buyer": {"id": "b"},
                "relatedProcesses": [{"relationship": ["framework"], "identifier": "x\udc00"}],
            }
        ),
    ],
    ids=["nul-ocid", "surrogate-ocid", "surrogate-title", "nul-description", "surrogate-framework"],
)
async def test_text_no_database_can_hold_refuses_the_file_and_changes_nothing(db, glasgow, data):
    (report,) = await import_ocds(SYSTEM, [("odd.json", data)])
    assert report.refused, report.lines()
    assert "which is not a character text can hold" in report.refused[0]
    assert (await Solution.count(), await OcdsProcess.count(), await AuditEvent.count()) == (
        0,
        0,
        0,
    )


# -- publiccode.yml uploads ----------------------------------------------------------------------


async def _upload(client, page: str, data: bytes, **form):
    token = csrf_token(await client.get(page))
    return await client.post(
        page,
        data={"_csrf_token": token, **form},
        files={"file": ("publiccode.yml", data, "application/yaml")},
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            ("publiccodeYmlVersion:", "softwareVersion: " + "9" * 5000 + "\npubliccodeYmlVersion:"),
            "the number on line 1 has too many digits",
        ),
        (
            ("name:", 'name: "Lynis \\ud800" #'),
            "holds an escaped character that is not a character",
        ),
        (
            ("shortDescription:", 'shortDescription: "Security \\udc00 auditing" #'),
            "holds an escaped character that is not a character",
        ),
    ],
    ids=["thousands-of-digits", "surrogate-name", "surrogate-description"],
)
async def test_a_file_no_reader_can_keep_is_refused_with_the_reason(
    client, glasgow, glasgow_officer, change, problem
):
    await sign_in(client, GLASGOW_OFFICER)
    data = LYNIS.read_text("utf-8").replace(*change, 1).encode()
    response = await _upload(client, NEW, data, owner="glasgow-city")
    assert response.status_code == 422
    problems = texts(response, "#upload-problems li")
    assert any(problem in p for p in problems), problems
    assert await Solution.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"--xx\r\ngarbage",
        b'--xx\r\nContent-Disposition: form-data; name="file"; filename="a.yml"\r\n\r\nabc',
    ],
    ids=["no-parts", "unfinished-part"],
)
async def test_a_broken_multipart_body_is_refused_as_bad_not_a_server_error(
    client, glasgow, glasgow_officer, body
):
    slug = (await import_publiccode(SYSTEM, LYNIS.read_bytes(), owner="glasgow-city")).slug
    await sign_in(client, GLASGOW_OFFICER)
    token = csrf_token(await client.get(NEW))
    for action in (NEW, f"/solutions/{slug}/from-publiccode"):
        response = await client.post(
            action,
            content=body,
            headers={"content-type": "multipart/form-data; boundary=xx", "x-csrftoken": token},
        )
        assert response.status_code == 400, (action, response.status_code)
    assert await Solution.count() == 1


async def test_a_file_naming_another_councils_draft_does_not_reveal_it(
    client, glasgow, fife, fife_admin, glasgow_officer
):
    ours = (await import_publiccode(SYSTEM, LYNIS.read_bytes(), owner="glasgow-city")).slug
    theirs = (await import_publiccode(fife_admin, BOOTSTRAP.read_bytes(), owner="fife")).slug
    await Solution.update({Solution.status: "draft"}).where(Solution.slug == theirs)
    await sign_in(client, GLASGOW_OFFICER)
    page = f"/solutions/{ours}/from-publiccode"
    version = html(await client.get(page)).css_first('input[name="version"]').attributes["value"]
    response = await _upload(client, page, BOOTSTRAP.read_bytes(), version=version)
    assert response.status_code == 422
    (problem,) = texts(response, "#upload-problems li")
    assert problem.endswith("is the repository of another component")  # not named
    assert f"({theirs})" not in response.text


# -- contacting an owner ------------------------------------------------------------------------


async def test_two_messages_sent_at_once_at_the_limit_let_only_one_through(
    db, glasgow, fife, fife_admin
):
    solution = await make_solution(
        "platform", owner=glasgow, contact_name="Alex Morgan", contact_email="alex@glasgow.gov.uk"
    )

    async def send(n: int):
        return await contact.send_message(
            fife_admin, solution.slug, f"Question {n}", "Can we reuse it?", per_day=1
        )

    results = await asyncio.gather(send(1), send(2), return_exceptions=True)
    refused = [r for r in results if isinstance(r, TooManyRequests)]
    assert len(refused) == 1, results
    assert not [r for r in results if isinstance(r, Exception) and r not in refused], results
    assert await ContactMessage.count() == 1


# -- proposed adoptions --------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["confirm", "dismiss"])
async def test_deciding_a_proposal_without_the_csrf_token_is_refused(
    client, glasgow, fife, glasgow_officer, decision
):
    text = LYNIS.read_text("utf-8") + "usedBy:\n  - Fife Council\n"
    report = await import_publiccode(SYSTEM, text.encode(), owner="glasgow-city")
    assert report.proposed, report.lines()
    await sign_in(client, GLASGOW_OFFICER)
    response = await client.post(
        f"/solutions/{report.slug}/proposed-adoptions/{decision}", data={"organisation": "fife"}
    )
    assert response.status_code == 403
    statuses = await ProposedAdoption.select(ProposedAdoption.status)
    assert [row["status"] for row in statuses] == ["proposed"]


@pytest.mark.parametrize("version", [None, "", "abc", "-1", "²"], ids=str)
async def test_an_update_without_a_readable_version_is_refused_not_applied_blindly(
    client, glasgow, glasgow_officer, version
):
    slug = (await import_publiccode(SYSTEM, LYNIS.read_bytes(), owner="glasgow-city")).slug
    before = await get_solution(slug, SYSTEM)
    await sign_in(client, GLASGOW_OFFICER)
    page = f"/solutions/{slug}/from-publiccode"
    changed = LYNIS.read_text("utf-8").replace("name: Lynis", "name: Lynis renamed", 1)
    assert changed != LYNIS.read_text("utf-8")
    form = {} if version is None else {"version": version}
    response = await _upload(client, page, changed.encode(), **form)
    assert response.status_code == 422
    (problem,) = texts(response, "#upload-problems li")
    assert problem.startswith("version: Version must be the whole number you last read")
    after = await get_solution(slug, SYSTEM)
    assert (after.title, after.version) == (before.title, before.version)
    resend = html(response).css_first('input[name="version"]').attributes["value"]
    assert resend == str(before.version)
