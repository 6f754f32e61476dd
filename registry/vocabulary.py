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

PROGRAMME_STATUSES = {
    "active": "Active",
    "completed": "Completed",
    "paused": "Paused",
}

# What a computed milestone target counts from the registry's own data.
MILESTONE_METRICS = {
    "councils_live": "Councils live on the linked solution",
    "councils_intending": "Councils intending to adopt the linked solution",
    "sponsorship_pence": "Money pledged or confirmed for the linked solution",
    "status_reached": "The linked solution has reached a status",
    "recorded": "A figure recorded with its date",
}
