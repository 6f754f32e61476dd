"""The registry's controlled vocabularies: every enumerated value a field may take.

One place for them, so validation, forms, facets and seeds agree. Values are stored; labels are
what people read.
"""

from __future__ import annotations

ORGANISATION_KINDS = {
    "council": "Council",
    "national_body": "National body",
    "health_board": "Health board",
    "partner": "Partner",
    "supplier": "Supplier",
}

ROLES = {
    "member": "Member",
    "procurement": "Procurement officer",
    "org_admin": "Organisation administrator",
}

SOLUTION_KINDS = {
    "platform": "Common platform",
    "procurement": "Joint procurement",
    "challenge": "Innovation challenge",
    "component": "Reusable component",
}

# Lifecycle statuses per kind, in the order a solution moves through them. `draft` is private to
# the owner; `retired` is the end, kept so links, history and counts stay true.
STATUSES = {
    "platform": ("draft", "in_development", "live", "retired"),
    "procurement": ("draft", "planned", "tendering", "awarded", "expired", "retired"),
    "challenge": ("draft", "open", "in_progress", "completed", "retired"),
    "component": ("draft", "available", "retired"),
}
STATUS_LABELS = {
    "draft": "Draft",
    "in_development": "In development",
    "live": "Live",
    "planned": "Planned",
    "tendering": "Tendering",
    "awarded": "Awarded",
    "expired": "Expired",
    "open": "Open",
    "in_progress": "In progress",
    "completed": "Completed",
    "available": "Available",
    "retired": "Retired",
}
# The status `publish` moves a draft to.
PUBLISHED_STATUS = {
    "platform": "live",
    "procurement": "planned",
    "challenge": "open",
    "component": "available",
}

# The six characteristics of a digital council (Audit Scotland, 2021).
CHARACTERISTICS = {
    "digital_leadership": "Digital leadership",
    "user_focused": "User focused",
    "digital_workforce": "Digital workforce",
    "collaborative": "Collaborative",
    "technology_and_data_enabled": "Technology and data enabled",
    "innovative": "Innovative",
}

SERVICE_AREAS = {
    "children_and_families": "Children and families",
    "corporate_and_democratic": "Corporate and democratic services",
    "customer_services": "Customer services",
    "digital_and_ict": "Digital and ICT",
    "economic_development": "Economic development",
    "education": "Education",
    "environment_and_waste": "Environment and waste",
    "finance_and_revenues": "Finance, revenues and benefits",
    "health_and_social_care": "Health and social care",
    "housing": "Housing",
    "hr_and_workforce": "HR and workforce",
    "leisure_and_culture": "Leisure and culture",
    "planning_and_building": "Planning and building standards",
    "procurement": "Procurement",
    "transport_and_roads": "Transport and roads",
}

CALL_OFF_METHODS = {
    "direct_award": "Direct award",
    "mini_competition": "Mini-competition",
    "direct_award_or_mini_competition": "Direct award or mini-competition",
}

CHALLENGE_STAGES = {
    "problem_definition": "Defining the problem",
    "open_for_applications": "Open for applications",
    "exploration": "Exploration",
    "accelerator": "Accelerator",
    "adoption": "Adoption",
    "closed": "Closed",
}

# The publiccode.yml softwareType values, and two for reusable components that are not software
# (a method or framework, a data model or standard), which publiccode.yml has no word for.
SOFTWARE_TYPES = {
    "standalone/web": "Web application",
    "standalone/backend": "Back-end service or API",
    "standalone/desktop": "Desktop application",
    "standalone/mobile": "Mobile app",
    "standalone/iot": "Internet of things",
    "standalone/other": "Other standalone software",
    "addon": "Add-on to other software",
    "library": "Library",
    "configurationFiles": "Configuration files",
    "method": "Method or framework (not software)",
    "data_model": "Data model or standard (not software)",
}

# The publiccode.yml developmentStatus values.
DEVELOPMENT_STATUSES = {
    "concept": "Concept",
    "development": "Development",
    "beta": "Beta",
    "stable": "Stable",
    "obsolete": "Obsolete",
}

# The publiccode.yml maintenance types: who keeps a component working.
MAINTENANCE_TYPES = {
    "internal": "Internal: the owner maintains it",
    "contract": "Contract: a contractor maintains it",
    "community": "Community: its users maintain it together",
    "none": "None: nobody maintains it",
}

# How using a solution is paid for.
CHARGING_MODELS = {
    "free_to_councils": "Free to councils",
    "shared_cost": "Shared cost between the organisations using it",
    "per_user_licence": "Per-user licence",
    "subscription": "Subscription per organisation",
    "call_off_fees": "Paid per call-off contract",
    "funded_by_sponsor": "Funded by its sponsors",
    "other": "Other (see the note)",
}

# Who may use a solution.
ELIGIBILITY = {
    "scottish_councils": "Scottish councils",
    "scottish_public_sector": "The Scottish public sector",
    "uk_public_sector": "All UK public sector bodies",
    "named_bodies": "Named bodies only (see the note)",
    "anyone": "Anyone",
}

HOSTING = {
    "saas": "Software as a service",
    "cloud": "Cloud hosted",
    "on_premises": "On premises",
    "hybrid": "Hybrid",
}

INTEREST_LEVELS = {
    "following": "Following",
    "exploring": "Exploring",
    "intends_to_adopt": "Intends to adopt",
}

SPONSORSHIP_STATUSES = {
    "pledged": "Pledged",
    "confirmed": "Confirmed",
    "withdrawn": "Withdrawn",
}

ADOPTION_STATUSES = {
    "planned": "Planned",
    "live": "Live",
    "retired": "Retired",
}

# A programme is planned, under way (active), run to its end (completed) or stopped early
# (closed, with the reason recorded). Once completed or closed, none of its milestones is overdue.
PROGRAMME_STATUSES = {
    "planned": "Planned",
    "active": "Active",
    "completed": "Completed",
    "closed": "Closed early",
}
ENDED_PROGRAMME_STATUSES = frozenset({"completed", "closed"})

# What a milestone target counts. Every value but "recorded" is computed from the registry's own
# data about the milestone's linked solution, so it cannot drift from it; "recorded" is a figure
# a curator records with its date and source, keeping its history.
MILESTONE_METRICS = {
    "councils_live": "Councils live on the linked solution",
    "councils_adopted": "Councils that have adopted the linked solution (live or since retired)",
    "councils_planned": "Councils planning to adopt the linked solution",
    "councils_interested": "Councils interested in the linked solution at any level",
    "councils_exploring": "Councils exploring or intending to adopt the linked solution",
    "councils_intending": "Councils intending to adopt the linked solution",
    "councils_pledged": "Councils with a pledge to the linked solution",
    "sponsorship_pence": "Money pledged or confirmed for the linked solution",
    "sponsorship_confirmed_pence": "Money confirmed for the linked solution",
    "sponsorship_staff_days": "Staff days pledged or confirmed for the linked solution",
    "status_reached": "The linked solution has reached a status",
    "recorded": "A figure recorded with its date and source",
}
COMPUTED_METRICS = frozenset(MILESTONE_METRICS) - {"recorded"}
MONEY_METRICS = frozenset({"sponsorship_pence", "sponsorship_confirmed_pence"})

# Where a milestone stands, as the programme pages say it. Red, amber and green are the rating of
# a milestone of a programme that is planned or under way (programmes/progress.py says how it is
# judged); a programme that has ended is not rated, and its milestones say how they ended.
MILESTONE_STATES = {
    "met": "Met",
    "on_track": "On track",
    "at_risk": "At risk",
    "behind": "Behind",
    "overdue": "Overdue",
    "not_met": "Not met",
    "not_recorded": "Outcome not recorded",
}
RAG = {"green": "Green", "amber": "Amber", "red": "Red"}
