"""The registry's schema: every table in one readable place.

Money is integer pence (BigInt), never a float. Lists of controlled values (service areas,
characteristics, tags, links, lots) are JSON arrays: they are read with their solution and
searched through the index, never joined on. Rows that other rows or history point at are not
deleted: solutions are retired, interests withdrawn, pledges withdrawn. The partial unique
and composite unique indexes (one membership per user and organisation, one active interest
per organisation and solution, ...) live in the migrations as plain SQL, because Piccolo's own
constraints are written as ALTER TABLE statements that SQLite does not accept.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Organisation(Table):
    slug = Varchar(length=80, unique=True, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=20)  # vocabulary.ORGANISATION_KINDS
    org_id = Varchar(length=40, null=True, default=None, unique=True)  # e.g. GB-LAS-GLG
    gss_code = Varchar(length=12, null=True, default=None)
    iso_3166_2 = Varchar(length=10, null=True, default=None)
    is_island = Boolean(default=False)
    website = Varchar(length=300, default="")
    description = Text(default="")  # Markdown
    description_html = Text(default="")  # the description rendered and sanitised when saved
    source = Varchar(length=120, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class User(Table, tablename="registry_user"):
    email = Varchar(length=254, unique=True, index=True)
    display_name = Varchar(length=120)
    password_hash = Varchar(length=255)
    is_digital_office = Boolean(default=False)  # platform role: curates the catalogue
    is_demo = Boolean(default=False)  # development demo account; refused outside development
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_signed_in_at = Timestamptz(null=True, default=None)


class Membership(Table):
    user = ForeignKey(references=User, on_delete=OnDelete.cascade)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.restrict)
    role = Varchar(length=20)  # vocabulary.ROLES
    created_at = Timestamptz(default=TimestamptzNow())


class Solution(Table):
    kind = Varchar(length=20, index=True)  # vocabulary.SOLUTION_KINDS
    slug = Varchar(length=80, unique=True, index=True)
    title = Varchar(length=200)
    summary = Varchar(length=280)
    description = Text(default="")  # Markdown
    description_html = Text(default="")  # the description rendered and sanitised when saved
    owner = ForeignKey(references=Organisation, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=20)  # one of its kind's statuses (catalogue/kinds.py)
    service_areas = JSON(default=[])
    characteristics = JSON(default=[])
    tags = JSON(default=[])
    links = JSON(default=[])  # [{"title": ..., "url": ...}]
    contact_name = Varchar(length=120, default="")
    contact_email = Varchar(length=254, default="")
    funding_target = BigInt(null=True, default=None)  # pence
    # Counts a source reports without naming the councils ("eleven councils signed up").
    reported_adopters = Integer(null=True, default=None)
    reported_interested = Integer(null=True, default=None)
    reported_note = Varchar(length=300, default="")
    version = Integer(default=1)
    source = Varchar(length=120, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # The key facts a council decides on (catalogue/kinds.py): the contact's role, the cost,
    # who may use it, how to join (Markdown, and its HTML made when saved), documents and
    # sources as [{"title", "url", "as_of"}], and notes on facts as {field name: note}.
    contact_role = Varchar(length=120, default="")
    charging_model = Varchar(length=30, default="")  # vocabulary.CHARGING_MODELS
    cost = Varchar(length=200, default="")
    eligibility = Varchar(length=30, default="")  # vocabulary.ELIGIBILITY
    eligibility_note = Varchar(length=300, default="")
    how_to_join = Text(default="")
    how_to_join_html = Text(default="")
    documents = JSON(default=[])
    sources = JSON(default=[])
    fact_notes = JSON(default={})


class ProcurementDetail(Table):
    solution = ForeignKey(references=Solution, on_delete=OnDelete.cascade, unique=True)
    procurement_body = ForeignKey(references=Organisation, on_delete=OnDelete.restrict)
    reference = Varchar(length=100, default="")  # e.g. a framework number
    lots = JSON(default=[])  # [{"name": ..., "suppliers": [...]}]
    max_suppliers = Integer(null=True, default=None)
    awarded_suppliers = JSON(default=[])
    call_off_method = Varchar(length=40)  # vocabulary.CALL_OFF_METHODS
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None, index=True)
    estimated_value = BigInt(null=True, default=None)  # pence
    call_off_by = Varchar(length=300, default="")
    extension_options = Varchar(length=200, default="")
    notice_reference = Varchar(length=100, default="")


class ChallengeDetail(Table):
    solution = ForeignKey(references=Solution, on_delete=OnDelete.cascade, unique=True)
    problem_statement = Text()
    sponsors = JSON(default=[])  # organisation slugs of the bodies that set the challenge
    stage = Varchar(length=30)  # vocabulary.CHALLENGE_STAGES
    application_deadline = Date(null=True, default=None)
    route_to_adoption = Text(default="")
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None)
    outcomes = Text(default="")


class ComponentDetail(Table):
    solution = ForeignKey(references=Solution, on_delete=OnDelete.cascade, unique=True)
    licence = Varchar(length=100, default="")  # an SPDX identifier or expression
    repository_url = Varchar(length=300, default="")
    software_type = Varchar(length=30)  # vocabulary.SOFTWARE_TYPES
    development_status = Varchar(length=20)  # vocabulary.DEVELOPMENT_STATUSES
    maintenance_type = Varchar(length=20, default="")  # vocabulary.MAINTENANCE_TYPES
    maintenance_contractor = Varchar(length=200, default="")
    maintenance_until = Date(null=True, default=None)


class PlatformDetail(Table):
    solution = ForeignKey(references=Solution, on_delete=OnDelete.cascade, unique=True)
    operator = ForeignKey(references=Organisation, on_delete=OnDelete.restrict)
    hosting = Varchar(length=20, default="")  # vocabulary.HOSTING


class Interest(Table):
    solution = ForeignKey(references=Solution, on_delete=OnDelete.restrict, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.restrict, index=True)
    level = Varchar(length=20)  # vocabulary.INTEREST_LEVELS
    registered_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    registered_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    withdrawn_at = Timestamptz(null=True, default=None)


class Sponsorship(Table):
    solution = ForeignKey(references=Solution, on_delete=OnDelete.restrict, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.restrict, index=True)
    amount_pence = BigInt(default=0)
    staff_days = Integer(default=0)
    status = Varchar(length=20)  # vocabulary.SPONSORSHIP_STATUSES
    note = Varchar(length=500, default="")
    pledged_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    pledged_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    withdrawn_at = Timestamptz(null=True, default=None)


class Adoption(Table):
    solution = ForeignKey(references=Solution, on_delete=OnDelete.restrict, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=20)  # vocabulary.ADOPTION_STATUSES
    status_on = Date(null=True, default=None)  # when it went live, was planned for, or retired
    recorded_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    recorded_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ProposedAdoption(Table):
    """An organisation a component's publiccode.yml names in `usedBy`, matched to a registry
    organisation, waiting for the component's owner to confirm it (which records an `Adoption`)
    or dismiss it. Kept apart from `Adoption` so that nothing counting adoptions can count a
    proposal; kept after the decision so a re-import does not propose it again."""

    solution = ForeignKey(references=Solution, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade)
    written = Varchar(length=300, default="")  # the usedBy entry as the file wrote it
    status = Varchar(length=20, default="proposed")  # proposed, confirmed or dismissed
    proposed_at = Timestamptz(default=TimestamptzNow())
    decided_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    decided_at = Timestamptz(null=True, default=None)


class Programme(Table):
    slug = Varchar(length=80, unique=True, index=True)
    title = Varchar(length=200)
    summary = Varchar(length=280)
    description = Text(default="")  # Markdown
    description_html = Text(default="")  # the description rendered and sanitised when saved
    owner = ForeignKey(references=Organisation, on_delete=OnDelete.restrict)
    status = Varchar(length=20)  # vocabulary.PROGRAMME_STATUSES
    closed_reason = Varchar(length=500, default="")  # why it stopped early (status "closed")
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None)
    version = Integer(default=1)
    source = Varchar(length=120, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ProgrammeSolution(Table):
    programme = ForeignKey(references=Programme, on_delete=OnDelete.cascade)
    solution = ForeignKey(references=Solution, on_delete=OnDelete.restrict)


class Milestone(Table):
    programme = ForeignKey(references=Programme, on_delete=OnDelete.cascade, index=True)
    slug = Varchar(length=80)
    title = Varchar(length=200)
    description = Text(default="")  # Markdown
    description_html = Text(default="")  # the description rendered and sanitised when saved
    due_on = Date(null=True, default=None)
    metric = Varchar(length=30)  # vocabulary.MILESTONE_METRICS
    solution = ForeignKey(references=Solution, on_delete=OnDelete.restrict, null=True)
    target_value = BigInt(default=1)
    target_unit = Varchar(length=60, default="")
    target_status = Varchar(length=20, default="")  # for metric "status_reached"
    position = Integer(default=0)
    source = Varchar(length=120, default="")
    version = Integer(default=1)


class Figure(Table):
    """A figure recorded against a milestone with a "recorded" target, with the date it applies
    to, where it comes from and who recorded it. Figures are only added, so a milestone keeps
    its history; the one with the latest date counts."""

    milestone = ForeignKey(references=Milestone, on_delete=OnDelete.cascade, index=True)
    value = BigInt()
    as_of = Date()
    source = Varchar(length=300, default="")  # where the figure comes from, in words
    source_url = Varchar(length=300, default="")  # and, optionally, a link to it
    note = Varchar(length=300, default="")
    recorded_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    recorded_by_name = Varchar(length=254, default="")  # kept if the user is removed
    recorded_at = Timestamptz(default=TimestamptzNow())


class AuditEvent(Table):
    """Append-only: the services insert these and nothing updates or deletes them."""

    actor = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    actor_label = Varchar(length=254)  # the user's email, or "seed" / "system"
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.set_null, null=True)
    action = Varchar(length=60, index=True)
    subject_type = Varchar(length=30)
    subject_id = Integer()
    subject_slug = Varchar(length=80, default="")
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class SearchOutbox(Table):
    """Changes waiting to reach the search index; written in the transaction of the change."""

    solution_id = Integer(index=True)
    operation = Varchar(length=10, default="upsert")  # upsert | delete
    attempts = Integer(default=0)
    last_error = Text(default="")
    available_at = Timestamptz(default=TimestamptzNow(), index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class WebSession(Table):
    """A signed-in browser. Only a hash of the cookie's token is kept, so the table cannot be
    used to take over a session."""

    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(default=TimestamptzNow())


class SignInLimit(Table):
    """Failed sign-ins counted per key ("address:…", "account:…", "account-address:…") in a
    window that starts at the first failure, and the addresses each account signed in from
    ("known:…"). One row per key, so an attempt is reserved with one conditional update."""

    key = Varchar(length=400, unique=True)
    failures = Integer(default=0)
    window_started_at = Timestamptz(default=TimestamptzNow(), index=True)


class SeedRecord(Table):
    """The digest of each seed record as last loaded, so re-seeding changes only what changed."""

    key = Varchar(length=200, unique=True)
    digest = Varchar(length=64)
    loaded_at = Timestamptz(default=TimestamptzNow())


class Invitation(Table):
    """An organisation administrator's invitation of an email address to a role in their
    organisation: used once, within its time. Only a hash of the link's token is kept, so the
    table cannot be used to accept an invitation."""

    token_hash = Varchar(length=64, unique=True, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.restrict, index=True)
    email = Varchar(length=254)
    role = Varchar(length=20)  # vocabulary.ROLES
    invited_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(default=TimestamptzNow())
    used_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)  # withdrawn, or replaced by a new one


class Follow(Table):
    """A person following a solution, an organisation, a programme or a saved search (a discover
    query string they named), told at once or in a daily or weekly digest. One row per person
    and thing followed (a unique index in the migrations); a saved search has target_id 0."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    target_type = Varchar(length=20)  # notifications.FOLLOW_TARGETS
    target_id = Integer(default=0, index=True)
    query = Varchar(length=2000, default="")  # the saved search's query string
    name = Varchar(length=120, default="")  # the saved search's name, as the person gave it
    delivery = Varchar(length=10)  # notifications.DELIVERIES
    created_at = Timestamptz(default=TimestamptzNow())


class MailMessage(Table):
    """One email to one person: a single event or a digest of a period's events. Sent by the
    worker exactly once: claimed (status "sending") before it is handed to the mail server and
    recorded as sent after; a claim found abandoned is never sent again."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=10)  # event | digest
    period = Varchar(length=20, default="")  # a digest's day ("2026-12-01") or week ("2026-W49")
    reason = Varchar(length=40, default="")  # what unsubscribing stops: "follow:12", "member", ...
    status = Varchar(length=12, default="queued", index=True)  # notifications.MESSAGE_STATUSES
    attempts = Integer(default=0)
    available_at = Timestamptz(default=TimestamptzNow())
    claimed_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    message_id = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Notification(Table):
    """Something worth telling one person, queued in the transaction of the change that caused
    it; the worker puts it in a message of its own (delivery "immediate") or in the person's
    digest for its period."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=40)  # notifications.EVENT_KINDS
    subject_type = Varchar(length=20)
    subject_slug = Varchar(length=80, default="")
    title = Varchar(length=300)  # what it is about ("Microsoft 365 federation")
    text = Varchar(length=1000)  # what happened, in a sentence
    path = Varchar(length=300, default="")  # where to read more, on the registry
    reason = Varchar(length=40, default="")
    delivery = Varchar(length=10)  # immediate | daily | weekly
    period = Varchar(length=20, default="")
    message = ForeignKey(references=MailMessage, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class SignalSent(Table):
    """The once-only signals already given (demand gathering for a solution, a framework's
    6-, 3- and 1-month warnings, a milestone met or missed), by key, so no check repeats one."""

    key = Varchar(length=200, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class MailPreference(Table):
    """What a person has stopped by unsubscribing beyond their follows: mail about what their
    organisations own and do."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, unique=True)
    organisation_mail = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class SupplyRoute(Table):
    """A platform or component a council can buy through a joint procurement (and its lot):
    one row for the one link both pages show. Kept by either side's owners; removing it
    deletes the row, and the audit trail keeps what it was."""

    solution = ForeignKey(references=Solution, on_delete=OnDelete.restrict, index=True)
    procurement = ForeignKey(references=Solution, on_delete=OnDelete.restrict, index=True)
    lot = Varchar(length=200, default="")
    created_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class SynonymGroup(Table):
    """Words and phrases search treats as meaning the same (curated by the Digital Office)."""

    terms = JSON(default=[])  # 2 to 10 words or phrases, as the curator wrote them
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class WebhookEndpoint(Table):
    """An organisation's system that is told of the events it chose, by signed HTTP calls. The
    secret the calls are signed with is derived from the registry's secret key and `salt`, so
    the database alone does not hold it; it is shown once, when the endpoint is registered."""

    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    url = Varchar(length=2000)
    events = Varchar(length=2000, default="")  # event kinds, separated by spaces
    salt = Varchar(length=64)
    active = Boolean(default=True)
    created_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    removed_at = Timestamptz(null=True, default=None)


class WebhookDelivery(Table):
    """One call to one endpoint about one subject (a solution, a programme): the events of a
    short window merged into one body. Queued in the transaction of the change that caused its
    first event; claimed (status "sending") by the worker before each attempt; its body is fixed
    at the first attempt, so every retry sends the same id and bytes."""

    endpoint = ForeignKey(references=WebhookEndpoint, on_delete=OnDelete.cascade, index=True)
    delivery_id = Varchar(length=40, unique=True)
    subject = Varchar(length=120)  # "solution:telecare-platform"
    status = Varchar(length=12, default="queued", index=True)  # webhooks.STATUSES
    event_count = Integer(default=0)
    attempts = Integer(default=0)
    body = Text(default="")
    response_status = Integer(null=True, default=None)
    last_error = Text(default="")
    available_at = Timestamptz(default=TimestamptzNow())
    retry_until = Timestamptz(default=TimestamptzNow())
    claimed_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class WebhookEvent(Table):
    """One event merged into a delivery: what the notifications say, for a system to read."""

    delivery = ForeignKey(references=WebhookDelivery, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=40)
    subject_type = Varchar(length=20)
    subject_slug = Varchar(length=80, default="")
    title = Varchar(length=300)
    text = Varchar(length=1000)
    path = Varchar(length=300, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class ApiToken(Table):
    """A person's token for the JSON API, acting for one organisation with chosen scopes. Only a
    hash of the secret is kept; `prefix` (the secret's first characters) tells tokens apart in
    lists without revealing them."""

    token_hash = Varchar(length=64, unique=True, index=True)
    prefix = Varchar(length=16)
    name = Varchar(length=80)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.restrict, index=True)
    scopes = JSON(default=[])  # accounts.tokens.SCOPES
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)


class ApiRateLimit(Table):
    """Requests counted per key ("<token id>:read", "<token id>:write") in a fixed window that
    starts at the window's first request; one row per key, taken with one conditional update, so
    every server process counts against the same numbers."""

    key = Varchar(length=80, unique=True)
    requests = Integer(default=0)
    window_started_at = Timestamptz(default=TimestamptzNow(), index=True)


class ApiIdempotency(Table):
    """The answer to a create or a pledge sent with an `Idempotency-Key`, kept per token for a
    day, so a retried request gets the first answer rather than doing the work twice. A row with
    `status` 0 is a request still in progress. `key` is "<token id>:<the key sent>", so one
    unique index keeps one row per token and key."""

    token = ForeignKey(references=ApiToken, on_delete=OnDelete.cascade)
    key = Varchar(length=220, unique=True)
    request_hash = Varchar(length=64)
    status = Integer(default=0)
    body = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class OcdsProcess(Table):
    """The OCDS process (its `ocid`) a joint procurement was imported from: importing the same
    ocid again updates that procurement instead of registering a second one."""

    solution = ForeignKey(references=Solution, on_delete=OnDelete.cascade, unique=True)
    ocid = Varchar(length=120, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ContactMessage(Table):
    """A message a signed-in person sent through the registry to a solution's named contact
    (and the owner's members). `organisation` is the owner when it was sent: its members, and
    nobody else, read it in the registry. The sender's address travels only as the Reply-To of
    the mail; the contact's address is never shown to the sender."""

    solution = ForeignKey(references=Solution, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    sender = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    sender_name = Varchar(length=120, default="")
    sender_email = Varchar(length=254, default="")
    sender_organisations = Varchar(length=500, default="")  # the sender's, named, when sent
    contact_name = Varchar(length=120, default="")
    subject = Varchar(length=150)
    body = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class ContactMail(Table):
    """One email of a contact message: to the named contact (`user` empty) or to one of the
    owner's members. Sent by the worker exactly once, as `MailMessage` is."""

    message = ForeignKey(references=ContactMessage, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, null=True)
    address = Varchar(length=254)
    name = Varchar(length=120, default="")
    role = Varchar(length=10)  # contact | member
    status = Varchar(length=12, default="queued", index=True)  # notifications.MESSAGE_STATUSES
    attempts = Integer(default=0)
    available_at = Timestamptz(default=TimestamptzNow())
    claimed_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    message_id = Varchar(length=200, default="")


ALL_TABLES: list[type[Table]] = [
    Organisation,
    User,
    Membership,
    Solution,
    ProcurementDetail,
    ChallengeDetail,
    ComponentDetail,
    PlatformDetail,
    Interest,
    Sponsorship,
    Adoption,
    Programme,
    ProgrammeSolution,
    Milestone,
    Figure,
    AuditEvent,
    SearchOutbox,
    SeedRecord,
    WebSession,
    SignInLimit,
    Invitation,
    Follow,
    MailMessage,
    Notification,
    SignalSent,
    MailPreference,
    SupplyRoute,
    SynonymGroup,
    WebhookEndpoint,
    WebhookDelivery,
    WebhookEvent,
    ApiToken,
    ApiRateLimit,
    ApiIdempotency,
    OcdsProcess,
    ProposedAdoption,
    ContactMessage,
    ContactMail,
]
