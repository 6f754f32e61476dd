"""What a solution of each kind is made of: the one descriptor every other part loops over.

A `Kind` has its lifecycle statuses, the status publishing moves a draft to, its detail table
and its own fields; `COMMON` are the fields every kind shares. A `Field` says everything the
registry needs to know about one fact: its name and label, the hint a form shows, how its value
is checked (`check`), the widget that edits it, how the detail page shows it, whether it names
organisations (by slug in input, by id in the database), whether it holds a list, and whether
only Digital Office curators and the seed loader may set it.

Checking input, the solution form, the detail page's facts, reading rows into views and the API
all walk these tuples, so adding a fact to a kind means this descriptor, its table column and a
migration: no other module names it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from piccolo.table import Table

from registry.catalogue import structured
from registry.tables import (
    ChallengeDetail,
    ComponentDetail,
    PlatformDetail,
    ProcurementDetail,
)
from registry.validation import Checker
from registry.vocabulary import (
    CALL_OFF_METHODS,
    CHALLENGE_STAGES,
    CHARACTERISTICS,
    CHARGING_MODELS,
    DEVELOPMENT_STATUSES,
    ELIGIBILITY,
    HOSTING,
    MAINTENANCE_TYPES,
    PUBLISHED_STATUS,
    SERVICE_AREAS,
    SOFTWARE_TYPES,
    SOLUTION_KINDS,
    STATUSES,
)

# How each type of field is edited in the form.
WIDGETS = {
    "line": "text",
    "text": "textarea",
    "markdown": "textarea",
    "slug": "text",
    "choice": "select",
    "choices": "checkboxes",
    "lines": "lines",
    "links": "structured",
    "date": "date",
    "pence": "money",
    "count": "number",
    "url": "url",
    "email": "email",
    "licence": "text",
    "organisation": "organisation",
    "organisations": "organisations",
    # One item per line, in the format `structured.FORMATS` documents.
    "dated_links": "structured",
    "lots": "structured",
    "notes": "structured",
}
LIST_TYPES = frozenset({"choices", "lines", "links", "organisations", "dated_links", "lots"})
# Values kept in JSON columns: the lists, and notes (a mapping of fact name to note).
JSON_TYPES = LIST_TYPES | {"notes"}


@dataclass(frozen=True)
class Field:
    """One fact of a solution. `type` decides how it is checked and edited (see WIDGETS);
    `options` are the allowed values of a choice; `vocabulary` names the labels the pages show
    for its values; `fact` is the detail page's label when it differs from the form's."""

    name: str
    label: str
    type: str
    hint: str = ""
    required: bool = False
    options: Mapping[str, str] | None = None
    vocabulary: str = ""
    max_length: int = 0
    max_items: int = 20
    minimum: int = 0
    maximum: int = 1_000_000
    lowercase: bool = False
    curator_only: bool = False
    fact: str = ""
    shown: bool = True  # whether the detail page's facts list shows it
    # A part of another field's fact (the contact's role and email are shown with its name),
    # named by that field: the page shows them in one row.
    joins: str = ""
    # One of the key facts every page shows first, with "Not known" when empty.
    key: bool = False
    # A link may be a path on this site (a reference the registry describes), not only https.
    local_links: bool = False
    # How the form presents it: the design system's input width, textarea rows, the empty
    # choice's text, and a label for a group of checkboxes that reads as a question.
    width: str = ""
    rows: int = 3
    blank: str = ""
    legend: str = ""

    @property
    def widget(self) -> str:
        return WIDGETS[self.type]

    @property
    def names_organisation(self) -> bool:
        return self.type in ("organisation", "organisations")

    @property
    def is_list(self) -> bool:
        return self.type in LIST_TYPES

    @property
    def is_json(self) -> bool:
        return self.type in JSON_TYPES

    @property
    def empty(self) -> Any:
        """The value of this field when nothing is known."""
        if self.type == "notes":
            return {}
        return [] if self.is_list else None

    @property
    def format_hint(self) -> str:
        """How a structured field is typed in the form, said beside its own hint."""
        return " ".join(x for x in (self.hint, structured.FORMATS.get(self.type, "")) if x)

    @property
    def fact_label(self) -> str:
        return self.fact or self.label

    @property
    def form_label(self) -> str:
        """The form's label: the field's, saying "(optional)" where it may be left empty."""
        if self.required or self.type == "choices":
            return self.label
        unit = " in pounds" if self.type == "pence" else ""
        return f"{self.label}{unit} (optional)"

    def check(self, checker: Checker) -> Any:
        """The field's value from `checker`'s input, converted and checked; a problem is
        recorded on the checker under the field's name."""
        c, name, label, kind = checker, self.name, self.label, self.type
        if kind in ("line", "text"):
            return c.text(
                name,
                label,
                required=self.required,
                max_length=self.max_length or 10_000,
                multiline=kind == "text",
                min_length=3 if self.required and kind == "line" and name == "title" else 0,
            )
        if kind == "markdown":
            return c.markdown(name, label, max_length=self.max_length)
        if kind in ("slug", "organisation"):
            return c.slug(name, label, required=self.required)
        if kind == "choice":
            return c.choice(name, label, self.options or {}, required=self.required)
        if kind == "choices":
            return c.choices(name, label, self.options or {}, max_items=self.max_items)
        if kind in ("lines", "organisations"):
            values = c.string_list(
                name, label, max_items=self.max_items, max_length=self.max_length or 100
            )
            return [v.lower() for v in values] if self.lowercase else values
        if kind == "links":
            if isinstance(c.raw(name), str):  # typed in the form, one per line
                typed = structured.check_dated_links(c, name, label, max_items=self.max_items)
                return [{"title": link["title"], "url": link["url"]} for link in typed]
            return c.links(name, label, max_items=self.max_items)
        if kind == "date":
            return c.date(name, label, required=self.required)
        if kind == "pence":
            return c.pence(name, label, required=self.required)
        if kind == "count":
            return c.integer(
                name,
                label,
                required=self.required,
                minimum=self.minimum,
                maximum=self.maximum,
            )
        if kind == "url":
            return c.url(name, label, required=self.required)
        if kind == "email":
            return c.email(name, label, required=self.required)
        if kind == "licence":
            return c.licence(name, label)
        if kind == "dated_links":
            return structured.check_dated_links(
                c, name, label, max_items=self.max_items, local=self.local_links
            )
        if kind == "lots":
            return structured.check_lots(c, name, label, max_items=self.max_items)
        if kind == "notes":
            raise ValueError("notes are checked with the facts they are on: Kind.check_notes")
        raise ValueError(f"no check for fields of type {kind!r}")


@dataclass(frozen=True)
class Kind:
    """A kind of solution: its statuses in lifecycle order, the status a draft is published
    to, the table of its own facts, those facts, and rules across several of them (each adds
    its problems to the checker)."""

    name: str
    label: str
    heading: str
    statuses: tuple[str, ...]
    published_status: str
    detail_table: type[Table]
    fields: tuple[Field, ...]
    rules: tuple[Callable[[Checker, Mapping[str, Any]], None], ...] = ()
    # The labels a common fact takes on this kind's page ("How to call off" for "How to join").
    labels: Mapping[str, str] = dataclass_field(default_factory=dict)
    # What the one link between solutions and the procurements they are bought through is
    # called on this kind's page: "Bought through" for what is bought, "Supplies" for a
    # procurement; empty where a kind takes no part (a challenge).
    supply_label: str = ""

    @property
    def all_fields(self) -> tuple[Field, ...]:
        return COMMON + self.fields

    def label_of(self, field: Field) -> str:
        return self.labels.get(field.name) or field.fact_label

    @property
    def facts(self) -> tuple[Field, ...]:
        """The rows of this kind's facts list, in the page's order: the key facts every kind
        has, then the kind's own, then where it fits. Parts of a row (`joins`) are not rows."""
        return self.key_facts + self.own_facts + self.placing_facts

    @property
    def key_facts(self) -> tuple[Field, ...]:
        return tuple(f for f in COMMON if f.key and f.shown and not f.joins)

    @property
    def own_facts(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.shown and not f.joins)

    @property
    def placing_facts(self) -> tuple[Field, ...]:
        return tuple(f for f in COMMON if f.shown and not f.key and not f.joins)

    def parts_of(self, lead: Field) -> tuple[Field, ...]:
        """The fields shown in `lead`'s row: itself, then those that join it."""
        return (lead, *(f for f in self.all_fields if f.joins == lead.name))

    @property
    def noted(self) -> dict[str, str]:
        """The facts a note may be written on (name -> label), for `fact_notes`."""
        return {f.name: self.label_of(f) for f in self.facts}


COMMON: tuple[Field, ...] = (
    Field("slug", "Slug", "slug", shown=False),
    Field("title", "Title", "line", required=True, max_length=200, shown=False),
    Field("summary", "Summary", "text", required=True, max_length=280, shown=False),
    Field("description", "Description", "markdown", max_length=20_000, shown=False),
    Field("owner", "Owner", "organisation", required=True, shown=False),
    Field("status", "Status", "choice", vocabulary="status", shown=False),
    Field(
        "service_areas",
        "Service areas",
        "choices",
        options=SERVICE_AREAS,
        vocabulary="service_area",
    ),
    Field(
        "characteristics",
        "Characteristics",
        "choices",
        options=CHARACTERISTICS,
        vocabulary="characteristic",
        fact="Characteristics of a digital council",
    ),
    Field("tags", "Tags", "lines", max_items=20, max_length=40, lowercase=True),
    Field("links", "Links", "links", max_items=10),
    Field(
        "contact_name",
        "Contact name",
        "line",
        max_length=120,
        fact="Contact",
        key=True,
        hint="A named person at the owner who answers questions about reusing it.",
    ),
    Field("contact_role", "Contact role", "line", max_length=120, joins="contact_name"),
    Field("contact_email", "Contact email", "email", joins="contact_name"),
    Field(
        "charging_model",
        "Charging model",
        "choice",
        options=CHARGING_MODELS,
        vocabulary="charging_model",
        blank="Not known",
        fact="Cost",
        key=True,
    ),
    Field(
        "cost",
        "Cost",
        "line",
        max_length=200,
        joins="charging_model",
        hint="An amount or a range where known, like “£2,000 to £5,000 a year per council”.",
    ),
    Field(
        "eligibility",
        "Who may use it",
        "choice",
        options=ELIGIBILITY,
        vocabulary="eligibility",
        blank="Not known",
        key=True,
    ),
    Field(
        "eligibility_note",
        "Who may use it: the bodies named",
        "line",
        max_length=300,
        joins="eligibility",
    ),
    Field(
        "how_to_join",
        "How to join",
        "markdown",
        max_length=3000,
        key=True,
        rows=5,
        hint="The steps, as short Markdown: a numbered list works well.",
    ),
    Field("funding_target", "Funding target", "pence", shown=False),
    Field(
        "reported_adopters",
        "Reported number of councils using it",
        "count",
        maximum=400,
        curator_only=True,
        shown=False,
    ),
    Field(
        "reported_interested",
        "Reported number of councils interested",
        "count",
        maximum=400,
        curator_only=True,
        shown=False,
    ),
    Field(
        "reported_note",
        "Note on reported figures",
        "text",
        max_length=300,
        curator_only=True,
        shown=False,
    ),
    Field("source", "Source", "line", max_length=120, curator_only=True, shown=False),
    Field(
        "documents",
        "Documents and links",
        "dated_links",
        max_items=20,
        key=True,
        hint="Guidance, contracts, terms or specifications.",
        rows=4,
    ),
    Field(
        "sources",
        "Sources",
        "dated_links",
        max_items=10,
        key=True,
        local_links=True,
        hint="Where these facts come from, and the date they were true.",
        rows=3,
    ),
    Field(
        "fact_notes",
        "Notes on facts",
        "notes",
        max_items=30,
        shown=False,
        hint="Say here what is uncertain about a fact, not in the description.",
        rows=3,
    ),
)


def _ends_after_start(checker: Checker, values: Mapping[str, Any]) -> None:
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts and ends and ends < starts:
        checker.fail("ends_on", "End date must be the same as or after the start date")


def _awarded_within_maximum(checker: Checker, values: Mapping[str, Any]) -> None:
    maximum, awarded = values.get("max_suppliers"), values.get("awarded_suppliers") or []
    if maximum is not None and len(awarded) > maximum:
        checker.fail(
            "awarded_suppliers",
            f"Awarded suppliers lists {len(awarded)} but the framework allows at most {maximum}",
        )


def _contract_names_contractor(checker: Checker, values: Mapping[str, Any]) -> None:
    if values.get("maintenance_type") == "contract":
        if not values.get("maintenance_contractor"):
            checker.fail(
                "maintenance_contractor", "Enter the contractor who maintains it under contract"
            )
        if not values.get("maintenance_until"):
            checker.fail("maintenance_until", "Enter the date the maintenance contract ends")
    elif values.get("maintenance_contractor") or values.get("maintenance_until"):
        checker.fail(
            "maintenance_type",
            "Choose “Contract” as the maintenance, or leave the contractor and date empty",
        )


KINDS: dict[str, Kind] = {
    "platform": Kind(
        "platform",
        SOLUTION_KINDS["platform"],
        "The platform",
        STATUSES["platform"],
        PUBLISHED_STATUS["platform"],
        PlatformDetail,
        (
            Field("operator", "Operator", "organisation", blank="Not known"),
            Field(
                "hosting",
                "Hosting",
                "choice",
                options=HOSTING,
                vocabulary="hosting",
                blank="Not known",
            ),
        ),
        labels={"how_to_join": "Onboarding route"},
        supply_label="Bought through",
    ),
    "procurement": Kind(
        "procurement",
        SOLUTION_KINDS["procurement"],
        "The joint procurement",
        STATUSES["procurement"],
        PUBLISHED_STATUS["procurement"],
        ProcurementDetail,
        (
            Field(
                "procurement_body",
                "Procurement body",
                "organisation",
                required=True,
                blank="Choose an organisation",
            ),
            Field(
                "reference",
                "Reference",
                "line",
                max_length=100,
                hint="For example the framework number.",
                width="fluid-one-third",
            ),
            Field(
                "call_off_method",
                "Call-off method",
                "choice",
                options=CALL_OFF_METHODS,
                vocabulary="call_off_method",
                blank="Not known",
            ),
            Field(
                "call_off_by",
                "Who may call off",
                "line",
                max_length=300,
                hint="For example “Scottish councils and their arm's-length bodies”.",
            ),
            Field(
                "lots",
                "Lots and their suppliers",
                "lots",
                max_items=50,
                rows=4,
                fact="Lots",
            ),
            Field(
                "max_suppliers",
                "Maximum number of suppliers",
                "count",
                minimum=1,
                maximum=1000,
            ),
            Field(
                "awarded_suppliers",
                "Awarded suppliers",
                "lines",
                max_items=200,
                max_length=200,
                hint="One supplier per line.",
            ),
            Field("starts_on", "Start date", "date", fact="Starts"),
            Field("ends_on", "End date", "date", fact="Ends"),
            Field(
                "extension_options",
                "Extension options",
                "line",
                max_length=200,
                hint="For example “two optional extensions of 12 months”.",
            ),
            Field(
                "notice_reference",
                "Contract notice reference",
                "line",
                max_length=100,
                hint="The notice on Public Contracts Scotland or Find a Tender.",
                width="fluid-one-third",
            ),
            Field("estimated_value", "Estimated value", "pence"),
        ),
        (_ends_after_start, _awarded_within_maximum),
        labels={"how_to_join": "How to call off"},
        supply_label="Supplies",
    ),
    "challenge": Kind(
        "challenge",
        SOLUTION_KINDS["challenge"],
        "The challenge",
        STATUSES["challenge"],
        PUBLISHED_STATUS["challenge"],
        ChallengeDetail,
        (
            Field(
                "problem_statement",
                "Problem statement",
                "text",
                required=True,
                max_length=5000,
                hint="The problem to be solved, in plain words.",
                rows=5,
                fact="Problem",
            ),
            Field(
                "stage",
                "Stage",
                "choice",
                required=True,
                options=CHALLENGE_STAGES,
                vocabulary="stage",
                blank="Choose a stage",
            ),
            Field("application_deadline", "Application deadline", "date"),
            Field("route_to_adoption", "Route to adoption", "text", max_length=5000),
            Field(
                "sponsors",
                "Sponsors",
                "organisations",
                max_items=20,
                max_length=80,
                legend="Which organisations set or sponsor this challenge?",
            ),
            Field("starts_on", "Start date", "date", fact="Starts"),
            Field("ends_on", "End date", "date", fact="Ends"),
            Field(
                "outcomes",
                "What winners went on to",
                "text",
                max_length=5000,
                hint="Products adopted, contracts awarded, councils now using them.",
            ),
        ),
        (_ends_after_start,),
        labels={"how_to_join": "How to take part"},
    ),
    "component": Kind(
        "component",
        SOLUTION_KINDS["component"],
        "The component",
        STATUSES["component"],
        PUBLISHED_STATUS["component"],
        ComponentDetail,
        (
            Field(
                "software_type",
                "Software type",
                "choice",
                required=True,
                options=SOFTWARE_TYPES,
                vocabulary="software_type",
                blank="Choose a type",
            ),
            Field(
                "development_status",
                "Development status",
                "choice",
                required=True,
                options=DEVELOPMENT_STATUSES,
                vocabulary="development_status",
                blank="Choose a status",
            ),
            Field(
                "licence",
                "Licence",
                "licence",
                hint="An SPDX licence identifier, like MIT, EUPL-1.2 or OGL-UK-3.0.",
                width="fluid-one-third",
            ),
            Field(
                "repository_url",
                "Repository address",
                "url",
                hint="Starting https://",
                fact="Repository",
            ),
            Field(
                "maintenance_type",
                "Maintenance",
                "choice",
                options=MAINTENANCE_TYPES,
                vocabulary="maintenance_type",
                blank="Not known",
                hint="Who keeps it working, in the words of publiccode.yml.",
            ),
            Field(
                "maintenance_contractor",
                "Maintenance contractor",
                "line",
                max_length=200,
                joins="maintenance_type",
            ),
            Field(
                "maintenance_until",
                "Maintained under contract until",
                "date",
                joins="maintenance_type",
            ),
        ),
        (_contract_names_contractor,),
        labels={"how_to_join": "How to start using it"},
        supply_label="Bought through",
    ),
}


def status_options(kind_name: str) -> dict[str, str]:
    """The statuses a solution of `kind_name` may have, for a form's choice."""
    return {status: status for status in KINDS[kind_name].statuses}
