"""A joint procurement written as OCDS: a release package of one OCDS 1.1 release, using the
techniques and lots extensions, for `GET /solutions/{slug}/ocds.json`.

The release's `ocid` is the process the procurement was imported from, or, for one registered
here, the registry's own (`procurements.OCID_PREFIX`). Its facts come from the procurement by
the mapping in `procurements`; the owner is the buyer, the procurement body the procuring
entity, and the organisations using it further buyers. Each organisation is identified by its
org-id identifier where it has one and always by the address of its page here, so importing
the release back matches the same organisations and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from registry.accounts import ANONYMOUS, Actor
from registry.catalogue import editable_fields, get_solution
from registry.config import get_settings
from registry.errors import NotFound
from registry.interchange import ocds, procurements
from registry.tables import Adoption, OcdsProcess, Organisation

PUBLISHER = "Shared Solutions Registry"


async def _organisation(slug: str, base_url: str) -> procurements.OrganisationFacts:
    row = (
        await Organisation.select(Organisation.slug, Organisation.name, Organisation.org_id)
        .where(Organisation.slug == slug)
        .first()
    )
    return procurements.OrganisationFacts(
        row["slug"], row["name"], row["org_id"], f"{base_url}/organisations/{row['slug']}"
    )


async def procurement_ocds(slug: str, actor: Actor = ANONYMOUS) -> str:
    """The procurement's release package as JSON text; NotFound for another kind of solution
    or a draft the reader may not see."""
    view = await get_solution(slug, actor)
    if view.kind != "procurement":
        raise NotFound(f"{view.title} is not a joint procurement: it has no OCDS release")
    base_url = get_settings().base_url.rstrip("/")
    process = await OcdsProcess.select(OcdsProcess.ocid).where(OcdsProcess.solution == view.id)
    ocid = process[0]["ocid"] if process else procurements.own_ocid(view.id)
    values = editable_fields(view)
    owner = await _organisation(values["owner"], base_url)
    body = await _organisation(values["procurement_body"] or values["owner"], base_url)
    users = (
        await Adoption.select(
            Adoption.organisation.slug, Adoption.organisation.name, Adoption.organisation.org_id
        )
        .where((Adoption.solution == view.id) & (Adoption.status == "live"))
        .order_by(Adoption.organisation.name)
    )
    also_buying = [
        procurements.OrganisationFacts(
            row["organisation.slug"],
            row["organisation.name"],
            row["organisation.org_id"],
            f"{base_url}/organisations/{row['organisation.slug']}",
        )
        for row in users
        if row["organisation.slug"] not in (owner.slug, body.slug)
    ]
    framework = procurements.framework_facts(
        values, ocid=ocid, owner=owner, procurement_body=body, also_buying=also_buying
    )
    updated = view.updated_at
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=dt.UTC)
    release = ocds.write_release(framework, release_id=f"{ocid}-v{view.version}", date=updated)
    package = ocds.write_package(
        [release],
        uri=f"{base_url}/solutions/{view.slug}/ocds.json",
        published=updated,
        publisher=PUBLISHER,
    )
    return ocds.dumps(package)
