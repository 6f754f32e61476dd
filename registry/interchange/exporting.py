"""A solution's facts written in the sector's standards: a component as publiccode.yml.

`component_publiccode(slug, actor)` gives the file's text for a component the reader may see:
its facts by the mapping in `components`, its owner as the `organisation` (the owner's page in
the registry, which the importer matches back), and the organisations using it live as
`usedBy`. The file is checked by reading it back before it is served.
"""

from __future__ import annotations

import anyio

from registry.accounts import ANONYMOUS, Actor
from registry.catalogue import editable_fields, get_solution
from registry.config import get_settings
from registry.errors import Conflict, NotFound
from registry.interchange import components
from registry.interchange.publiccode import NotWritable, write_publiccode
from registry.tables import Adoption


async def component_publiccode(slug: str, actor: Actor = ANONYMOUS) -> str:
    view = await get_solution(slug, actor)
    if view.kind != "component":
        raise NotFound(f"{view.title} is not a component: it has no publiccode.yml")
    base_url = get_settings().base_url.rstrip("/")
    used_by = (
        await Adoption.select(Adoption.organisation.name)
        .where((Adoption.solution == view.id) & (Adoption.status == "live"))
        .order_by(Adoption.organisation.name)
    )
    facts = components.publiccode_facts(
        editable_fields(view),
        page_url=f"{base_url}/solutions/{view.slug}",
        owner_name=view.owner.name,
        owner_uri=f"{base_url}/organisations/{view.owner.slug}",
        used_by=tuple(row["organisation.name"] for row in used_by),
    )
    try:
        return await anyio.to_thread.run_sync(write_publiccode, facts)
    except NotWritable as exc:
        raise Conflict(
            f"{view.title} cannot be written as a valid publiccode.yml yet: {exc}"
        ) from exc
