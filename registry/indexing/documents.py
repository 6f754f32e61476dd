"""The solutions index: its spec, the engine the settings choose, and the documents.

`solution_document` is a pure function from what the database knows about a solution (with its
owner, suppliers, adopters, interested organisations and counts) to a search document.
`documents_for` loads those facts for many solutions in a handful of queries, so a full reindex
costs the same few queries per thousand solutions, not per solution.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from registry import markdown
from registry.config import Settings
from registry.tables import (
    Adoption,
    ComponentDetail,
    Interest,
    PlatformDetail,
    ProcurementDetail,
    Solution,
    Sponsorship,
)
from search import Field, FieldKind, IndexSpec, SearchEngine

log = logging.getLogger("registry.indexing")

TEXT, KEYWORD, INTEGER = FieldKind.TEXT, FieldKind.KEYWORD, FieldKind.INTEGER
SOLUTION_FIELDS = (
    Field("id", KEYWORD),
    Field("slug", KEYWORD),
    Field("kind", KEYWORD),
    Field("status", KEYWORD),
    Field("title", TEXT),
    Field("kind_words", TEXT, multi=True),
    Field("summary", TEXT),
    Field("tags", TEXT, multi=True),
    Field("owner_name", TEXT),
    Field("supplier_names", TEXT, multi=True),
    Field("description", TEXT),
    Field("owner", KEYWORD),
    Field("service_areas", KEYWORD, multi=True),
    Field("characteristics", KEYWORD, multi=True),
    Field("licence", KEYWORD, multi=True),
    Field("adopters", KEYWORD, multi=True),
    Field("interested", KEYWORD, multi=True),
    Field("title_sort", KEYWORD),
    Field("updated", INTEGER),
    Field("interest_count", INTEGER),
    Field("sponsorship_total", INTEGER),
    Field("adoption_count", INTEGER),
    Field("digest", KEYWORD),
)
FACETS = (
    "kind",
    "status",
    "service_areas",
    "characteristics",
    "owner",
    "licence",
    "adopters",
    "interested",
)
# What people call each kind, so `procurement` finds every joint procurement and `framework` the
# framework agreements: the kind's label first, then the other words for it. Every joint
# procurement has a call-off method, so each is a framework agreement or contract to call off.
KIND_WORDS = {
    "platform": ("common platform", "shared service"),
    "procurement": ("joint procurement", "framework agreement", "call-off contract"),
    "challenge": ("innovation challenge",),
    "component": ("reusable component",),
}


def solutions_spec(prefix: str = "") -> IndexSpec:
    return IndexSpec(
        name=f"{prefix}solutions",
        primary_key="id",
        fields=SOLUTION_FIELDS,
        # Ranking order: a match in the kind's words ("framework agreement") outranks one in the
        # title, which outranks one in the summary, and so on. Someone who types a kind's name
        # is asking for that kind: "framework" lists the framework agreements before the
        # components that have the word in their titles.
        searchable=(
            "kind_words",
            "title",
            "summary",
            "tags",
            "owner_name",
            "supplier_names",
            "description",
        ),
        filterable=FACETS,
        sortable=(
            "updated",
            "interest_count",
            "sponsorship_total",
            "adoption_count",
            "title_sort",
        ),
        facets=FACETS,
    )


SPEC = solutions_spec()


def make_engine(settings: Settings) -> SearchEngine:
    if settings.search_engine == "meilisearch":
        from search.meilisearch import MeiliEngine

        return MeiliEngine(
            settings.meili_url or "",
            settings.meili_api_key,
            solutions_spec(settings.meili_index_prefix),
        )
    from search.tantivy import TantivyEngine

    return TantivyEngine(settings.search_dir / SPEC.name, SPEC)


# -- documents --------------------------------------------------------------------------------


def solution_document(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The search document of one published solution, from its facts (see `documents_for`)."""
    updated = facts["updated_at"]
    document = {
        "id": str(facts["id"]),
        "slug": facts["slug"],
        "kind": fold(facts["kind"]),
        "status": fold(facts["status"]),
        "title": facts["title"],
        "kind_words": list(KIND_WORDS.get(facts["kind"], ())),
        "summary": facts["summary"],
        "tags": list(facts["tags"] or []),
        "owner_name": facts["owner_name"],
        "supplier_names": sorted(set(facts.get("supplier_names") or [])),
        "description": markdown.plain_text(facts["description"]),
        # Filter values folded as `fold` folds the values asked for (`catalogue.searching`), so
        # both engines compare them alike; pages show labels, not these.
        "owner": fold(facts["owner"]),
        "service_areas": _folded(facts["service_areas"]),
        "characteristics": _folded(facts["characteristics"]),
        "licence": _folded([facts["licence"]] if facts.get("licence") else []),
        "adopters": sorted(_folded(facts.get("adopters"))),
        "interested": sorted(_folded(facts.get("interested"))),
        "title_sort": sort_key(facts["title"]),
        "updated": int(updated.timestamp()) if isinstance(updated, dt.datetime) else 0,
        "interest_count": len(facts.get("interested") or []),
        "sponsorship_total": int(facts.get("sponsorship_total") or 0),
        "adoption_count": max(
            len(facts.get("adopters") or []), facts.get("reported_adopters") or 0
        ),
    }
    document["digest"] = _digest(document)
    return document


def fold(text: str) -> str:
    """Case, accents and surrounding space folded away ("  Éilean " is "eilean"): how filter
    values are stored and asked for, so `kind=Platform` finds the platforms on every engine."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _folded(values: Iterable[str] | None) -> list[str]:
    return list(dict.fromkeys(fold(v) for v in values or [] if fold(v)))


def sort_key(text: str) -> str:
    """Case and accents folded away ("Éilean" sorts with "eilean"), the same in every engine."""
    return fold(text)[:200]


def _digest(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def _loaded_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def chunks(items: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def documents_for(solution_ids: Sequence[int]) -> tuple[list[dict], set[int]]:
    """Documents for those of `solution_ids` that are published, and the ids that are not
    (drafts, or gone) so their documents can be removed."""
    documents: list[dict] = []
    found: set[int] = set()
    for chunk in chunks(list(solution_ids)):
        facts = await _facts(list(chunk))
        found |= set(facts)
        documents += [solution_document(f) for f in facts.values()]
    return documents, set(solution_ids) - found


async def published_ids() -> list[int]:
    rows = (
        await Solution.select(Solution.id).where(Solution.status != "draft").order_by(Solution.id)
    )
    return [row["id"] for row in rows]


async def _facts(ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = await Solution.select(
        *Solution.all_columns(),
        Solution.owner.slug.as_alias("owner_slug"),
        Solution.owner.name.as_alias("owner_name"),
    ).where(Solution.id.is_in(ids) & (Solution.status != "draft"))
    facts = {}
    for row in rows:
        for name in ("tags", "service_areas", "characteristics"):
            row[name] = _loaded_json(row[name])
        facts[row["id"]] = {
            **row,
            "owner": row["owner_slug"],
            "supplier_names": [],
            "adopters": [],
            "interested": [],
            "sponsorship_total": 0,
        }
    if not facts:
        return {}
    ids = list(facts)
    for row in await ProcurementDetail.select(
        ProcurementDetail.solution,
        ProcurementDetail.awarded_suppliers,
        ProcurementDetail.procurement_body.name.as_alias("body_name"),
    ).where(ProcurementDetail.solution.is_in(ids)):
        names = [*_loaded_json(row["awarded_suppliers"] or []), row["body_name"]]
        facts[row["solution"]]["supplier_names"] += [n for n in names if n]
    for row in await PlatformDetail.select(
        PlatformDetail.solution, PlatformDetail.operator.name.as_alias("operator_name")
    ).where(PlatformDetail.solution.is_in(ids)):
        if row["operator_name"]:
            facts[row["solution"]]["supplier_names"].append(row["operator_name"])
    for row in await ComponentDetail.select(
        ComponentDetail.solution, ComponentDetail.licence
    ).where(ComponentDetail.solution.is_in(ids)):
        facts[row["solution"]]["licence"] = row["licence"]
    for row in await Adoption.select(
        Adoption.solution, Adoption.organisation.slug.as_alias("slug")
    ).where(Adoption.solution.is_in(ids) & (Adoption.status == "live")):
        facts[row["solution"]]["adopters"].append(row["slug"])
    for row in await Interest.select(
        Interest.solution, Interest.organisation.slug.as_alias("slug")
    ).where(Interest.solution.is_in(ids) & Interest.withdrawn_at.is_null()):
        facts[row["solution"]]["interested"].append(row["slug"])
    for row in await Sponsorship.select(Sponsorship.solution, Sponsorship.amount_pence).where(
        Sponsorship.solution.is_in(ids) & (Sponsorship.status != "withdrawn")
    ):
        facts[row["solution"]]["sponsorship_total"] += row["amount_pence"]
    return facts
