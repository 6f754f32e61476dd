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
from typing import Any

from piccolo.table import Table

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
    DEVELOPMENT_STATUSES,
    HOSTING,
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
    "links": "links",
    "date": "date",
    "pence": "money",
    "count": "number",
    "url": "url",
    "email": "email",
    "licence": "text",
    "organisation": "organisation",
    "organisations": "organisations",
}
LIST_TYPES = frozenset({"choices", "lines", "links", "organisations"})


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

    @property
    def all_fields(self) -> tuple[Field, ...]:
        return COMMON + self.fields


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
    Field("contact_name", "Contact name", "line", max_length=120, fact="Contact"),
    Field("contact_email", "Contact email", "email", shown=False),
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
                required=True,
                options=CALL_OFF_METHODS,
                vocabulary="call_off_method",
                blank="Choose how councils call off",
            ),
            Field(
                "lots",
                "Lots",
                "lines",
                max_items=50,
                max_length=200,
                hint="One lot per line.",
                rows=4,
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
            Field("estimated_value", "Estimated value", "pence"),
        ),
        (_ends_after_start, _awarded_within_maximum),
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
        ),
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
        ),
    ),
}


def status_options(kind_name: str) -> dict[str, str]:
    """The statuses a solution of `kind_name` may have, for a form's choice."""
    return {status: status for status in KINDS[kind_name].statuses}
