"""Solutions: what each kind is made of (`kinds`, checked field by field in `fields`), reading
them (`reading`, into the typed views of `views`), what councils do about them (`activity`),
searching them (`searching`), creating, editing, publishing and retiring them (`writing`), the
procurements they are bought through (`supply`), what a person may do about one (`actions`) and
the sentences that say what organisations do (`sentences`).

Every write takes the `Actor` doing it, checks their membership of the owning organisation,
validates the whole record, carries the version the caller read (a stale one is refused with
`Conflict`), and writes its audit event and search-outbox row in the same transaction as the
change. Solutions are retired, never deleted. Input is a flat mapping of the common fields and
the kind's own, with organisations named by slug; `editable_fields` gives a stored solution back
in that same shape.
"""

from registry.catalogue.actions import Actions, actions_for
from registry.catalogue.activity import (
    may_read_pledge_note,
    organisation_activity,
    solution_activity,
    solution_with_activity,
)
from registry.catalogue.fields import (
    COMMON_FIELDS,
    DETAIL_FIELDS,
    DETAIL_JSON_COLUMNS,
    DETAIL_TABLES,
    JSON_COLUMNS,
    fields_of,
    slugify,
)
from registry.catalogue.reading import (
    editable_fields,
    get_solution,
    list_solutions,
    may_see_drafts,
    organisation_choices,
    solution_ref,
)
from registry.catalogue.supply import link_supply, supply_choices, unlink_supply
from registry.catalogue.views import (
    Activity,
    OrganisationActivity,
    OrganisationRef,
    SolutionRef,
    SolutionView,
    SolutionWithActivity,
)
from registry.catalogue.writing import (
    create_solution,
    editable_solution,
    publish_solution,
    retire_solution,
    update_solution,
)

__all__ = [
    "COMMON_FIELDS",
    "DETAIL_FIELDS",
    "DETAIL_JSON_COLUMNS",
    "DETAIL_TABLES",
    "JSON_COLUMNS",
    "Actions",
    "Activity",
    "OrganisationActivity",
    "OrganisationRef",
    "SolutionRef",
    "SolutionView",
    "SolutionWithActivity",
    "actions_for",
    "create_solution",
    "editable_fields",
    "editable_solution",
    "fields_of",
    "get_solution",
    "link_supply",
    "list_solutions",
    "may_read_pledge_note",
    "may_see_drafts",
    "organisation_activity",
    "organisation_choices",
    "publish_solution",
    "retire_solution",
    "slugify",
    "solution_activity",
    "solution_ref",
    "solution_with_activity",
    "supply_choices",
    "unlink_supply",
    "update_solution",
]
