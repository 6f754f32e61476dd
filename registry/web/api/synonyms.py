"""`GET /api/v1/synonyms`: the groups of words and phrases search treats as meaning the same,
as Digital Office curators keep them, and the same in the search engines' format."""

from __future__ import annotations

import msgspec
from litestar import Controller, get

from registry.catalogue import synonyms
from registry.web.api.read import LIST_RESPONSES


class SynonymGroup(msgspec.Struct, kw_only=True):
    id: int
    terms: list[str]
    updated_at: str  # ISO 8601


class Synonyms(msgspec.Struct, kw_only=True):
    groups: list[SynonymGroup]
    # each term with the others of its group: what both search engines are given
    synonyms: dict[str, list[str]]


class SynonymsApi(Controller):
    path = "/api/v1/synonyms"
    tags = ["search"]

    @get(
        "/",
        name="api-synonyms",
        summary="List the synonyms search uses",
        description="Each group's terms find what the others name, case and accents aside.",
        responses=LIST_RESPONSES,
    )
    async def list(self) -> Synonyms:
        groups = await synonyms.synonym_groups()
        return Synonyms(
            groups=[
                SynonymGroup(id=g.id, terms=list(g.terms), updated_at=g.updated_at.isoformat())
                for g in groups
            ],
            synonyms=synonyms.mutual_of(groups),
        )
