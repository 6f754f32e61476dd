"""Contacting a solution's owner: a signed-in person writes to the solution's named contact
through the registry, and the owner's members see the message too.

The contact's address is never shown to the sender: the registry mails the contact with the
sender's address as Reply-To, so the contact's address is revealed only when they answer. The
owner's members get a copy by mail (unless they stopped mail about their organisations) and
read every message on their organisation's "Messages" page; nobody else can read them.

Sending is one change: the message, one `ContactMail` row per email and the audit event are
written in one transaction, and the worker sends the mail (`send_due`, from
`delivery.run`), each email claimed before it is handed over and recorded after, exactly as
notification mail is. A person may send `REGISTRY_CONTACT_PER_DAY` messages in any 24 hours;
the count is taken inside the transaction (under an advisory lock on PostgreSQL, SQLite's write
lock otherwise), so parallel sends cannot pass it.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from urllib.parse import urlsplit

from piccolo.engine.postgres import PostgresEngine

from registry import changes, db
from registry.accounts import Actor
from registry.catalogue.reading import may_see_drafts
from registry.config import Settings
from registry.errors import Conflict, NotFound, PermissionDenied, TooManyRequests, ValidationFailed
from registry.notifications import delivery
from registry.notifications.delivery import MailResult
from registry.notifications.mail import (
    add_bodies,
    unsubscribe_token,
)
from registry.notifications.recipients import MEMBER
from registry.tables import (
    ContactMail,
    ContactMessage,
    MailPreference,
    Membership,
    Organisation,
    Solution,
    User,
)

log = logging.getLogger("registry.notifications")

MAX_SUBJECT = 150
MAX_BODY = 5000
PAGE_SIZE = 25
MAX_PAGE = 40
WINDOW = dt.timedelta(hours=24)
RATE_LOCK_KEY = 74203  # a person's contact messages, among PostgreSQL advisory locks
FIELD_ORDER = ["subject", "body"]


# -- what the form shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactTarget:
    """Whom a message about a solution reaches, in the words the form uses: never an address."""

    slug: str
    title: str
    status: str
    owner_slug: str
    owner_name: str
    contact_name: str
    contact_role: str
    has_contact: bool  # a named contact with an address the registry can write to


async def _solution(actor: Actor, slug: str) -> dict:
    """The solution's row as the actor may see it: a draft they cannot see does not exist, and
    one they can see has nobody to contact yet (it is published first)."""
    if not isinstance(slug, str) or len(slug) > 80:
        raise NotFound("There is no such solution")
    row = (
        await Solution.select(
            Solution.id,
            Solution.slug,
            Solution.title,
            Solution.status,
            Solution.owner,
            Solution.owner.slug.as_alias("owner_slug"),
            Solution.owner.name.as_alias("owner_name"),
            Solution.contact_name,
            Solution.contact_role,
            Solution.contact_email,
        )
        .where(Solution.slug == slug)
        .first()
    )
    if row is None or (row["status"] == "draft" and not may_see_drafts(actor, row["owner"])):
        raise NotFound(f"There is no solution called {slug!r}")
    if row["status"] == "draft":
        raise Conflict(f"{row['title']} is a draft: it can be contacted once it is published")
    return row


def _target(row: dict) -> ContactTarget:
    return ContactTarget(
        slug=row["slug"],
        title=row["title"],
        status=row["status"],
        owner_slug=row["owner_slug"],
        owner_name=row["owner_name"],
        contact_name=row["contact_name"] or "",
        contact_role=row["contact_role"] or "",
        has_contact=bool(row["contact_name"] and row["contact_email"]),
    )


async def contact_target(actor: Actor, slug: str) -> ContactTarget:
    return _target(await _solution(actor, slug))


# -- sending ------------------------------------------------------------------------------------


def _one_line(value: object) -> str:
    return " ".join(str(value).split()) if isinstance(value, str) else ""


def _checked(subject: object, body: object) -> tuple[str, str]:
    errors: dict[str, str] = {}
    subject_text = subject.strip() if isinstance(subject, str) else ""
    body_text = (
        body.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(body, str) else ""
    )
    if not subject_text:
        errors["subject"] = "Enter a subject"
    elif len(subject_text) > MAX_SUBJECT:
        errors["subject"] = f"The subject must be {MAX_SUBJECT} characters or fewer"
    elif any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in subject_text):
        errors["subject"] = "The subject must be one line of text"
    if not body_text:
        errors["body"] = "Enter your message"
    elif len(body_text) > MAX_BODY:
        errors["body"] = f"The message must be {MAX_BODY:,} characters or fewer"
    elif any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in body_text):
        errors["body"] = "The message must be plain text: it holds characters that are not"
    if errors:
        raise ValidationFailed(errors)
    return subject_text, body_text


async def _lock_sender(user_id: int) -> None:
    database = db.database()
    if isinstance(database, PostgresEngine):
        await ContactMessage.raw("SELECT pg_advisory_xact_lock({}, {})", RATE_LOCK_KEY, user_id)


async def sent_recently(user_id: int, now: dt.datetime | None = None) -> int:
    now = now or dt.datetime.now(dt.UTC)
    return await ContactMessage.count().where(
        (ContactMessage.sender == user_id) & (ContactMessage.created_at > now - WINDOW)
    )


def _limit_reached(per_day: int) -> TooManyRequests:
    return TooManyRequests(
        f"You have sent {per_day} messages to solutions' contacts in the last 24 hours, the "
        "most one person may. Try again tomorrow, or write to the organisation another way.",
    )


async def _member_recipients(organisation_id: int, sender_id: int, contact_email: str) -> list:
    rows = await Membership.select(
        Membership.user,
        Membership.user.email.as_alias("email"),
        Membership.user.display_name.as_alias("name"),
    ).where(
        (Membership.organisation == organisation_id) & (Membership.user.is_active == True)  # noqa: E712
    )
    off = set()
    if rows:
        stopped = await MailPreference.select(MailPreference.user).where(
            MailPreference.user.is_in([r["user"] for r in rows])
            & (MailPreference.organisation_mail == False)  # noqa: E712
        )
        off = {r["user"] for r in stopped}
    seen = {contact_email.casefold()} if contact_email else set()
    chosen = []
    for row in sorted(rows, key=lambda r: r["user"]):
        address = (row["email"] or "").casefold()
        if row["user"] == sender_id or row["user"] in off or not address or address in seen:
            continue
        seen.add(address)
        chosen.append(row)
    return chosen


@dataclass(frozen=True)
class Sent:
    """What the confirmation says: whom the message went to, in words (never an address)."""

    title: str
    slug: str
    to_contact: str  # the contact's name, or "" when the solution names none
    owner_name: str


async def send_message(
    actor: Actor, slug: str, subject: object, body: object, *, per_day: int
) -> Sent:
    """Send a message about solution `slug` to its named contact and its owner's members."""
    if not actor.signed_in:
        raise PermissionDenied("Sign in to contact a solution's owner")
    solution = await _solution(actor, slug)
    subject_text, body_text = _checked(subject, body)
    sender = (
        await User.select(User.id, User.email, User.display_name, User.is_active)
        .where(User.id == actor.user_id)
        .first()
    )
    if sender is None or not sender["is_active"]:
        raise PermissionDenied("Your account cannot send messages")
    named = await Organisation.select(Organisation.name).where(
        Organisation.id.is_in(sorted(actor.roles) or [0])
    )
    sender_orgs = ", ".join(sorted((r["name"] for r in named), key=str.casefold))[:500]
    contact_email = solution["contact_email"] if solution["contact_name"] else ""
    now = dt.datetime.now(dt.UTC)

    async with changes.change(
        actor, "contact.send", "contact_message", subject_slug=solution["slug"]
    ) as change:
        await _lock_sender(sender["id"])
        if await sent_recently(sender["id"], now) >= per_day:
            raise _limit_reached(per_day)
        inserted = await ContactMessage.insert(
            ContactMessage(
                solution=solution["id"],
                organisation=solution["owner"],
                sender=sender["id"],
                sender_name=sender["display_name"][:120],
                sender_email=sender["email"],
                sender_organisations=sender_orgs,
                contact_name=solution["contact_name"] or "",
                subject=subject_text,
                body=body_text,
                created_at=now,
            )
        )
        message_id = inserted[0]["id"]
        mails = []
        if contact_email:
            mails.append(
                ContactMail(
                    message=message_id,
                    user=None,
                    address=contact_email,
                    name=solution["contact_name"][:120],
                    role="contact",
                )
            )
        for member in await _member_recipients(solution["owner"], sender["id"], contact_email):
            mails.append(
                ContactMail(
                    message=message_id,
                    user=member["user"],
                    address=member["email"],
                    name=(member["name"] or "")[:120],
                    role="member",
                )
            )
        if mails:
            await ContactMail.insert(*mails)
        change.subject_id = message_id
        change.after = {
            "solution": solution["slug"],
            "subject": subject_text,
            "to_contact": bool(contact_email),
            "members_mailed": len(mails) - (1 if contact_email else 0),
        }
    return Sent(
        solution["title"],
        solution["slug"],
        solution["contact_name"] if contact_email else "",
        solution["owner_name"],
    )


# -- reading: the owner's members only ------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    sent_at: dt.datetime
    sender_name: str
    sender_email: str
    sender_organisations: str
    solution_slug: str
    solution_title: str
    contact_name: str
    subject: str
    body: str


@dataclass(frozen=True)
class Inbox:
    organisation_slug: str
    organisation_name: str
    messages: tuple[Received, ...]
    page: int
    total: int

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _page_number(page: object) -> int:
    if isinstance(page, str) and page.isascii() and page.isdigit() and len(page) <= 4:
        number = int(page)
    elif page in (None, ""):
        number = 1
    else:
        number = 0
    if not 1 <= number <= MAX_PAGE:
        raise ValidationFailed(
            {"page": f"Page must be a whole number from 1 to {MAX_PAGE}"},
            message=f"Messages are listed {MAX_PAGE} pages deep: choose a page from 1 to "
            f"{MAX_PAGE}.",
        )
    return number


async def messages_for(actor: Actor, organisation_slug: str, page: object = None) -> Inbox:
    """The messages sent to an organisation's solutions, newest first, for its members."""
    if not actor.signed_in:
        raise PermissionDenied("Sign in to read your organisation's messages")
    organisation = (
        await Organisation.select(Organisation.id, Organisation.slug, Organisation.name)
        .where(Organisation.slug == organisation_slug[:80])
        .first()
    )
    if organisation is None:
        raise NotFound(f"There is no organisation called {organisation_slug!r}")
    if actor.role_in(organisation["id"]) is None:
        raise PermissionDenied(
            f"Only members of {organisation['name']} can read the messages sent to it"
        )
    number = _page_number(page)
    where = ContactMessage.organisation == organisation["id"]
    async with db.reading():
        total = await ContactMessage.count().where(where)
        rows = (
            await ContactMessage.select(
                ContactMessage.all_columns(),
                ContactMessage.solution.slug.as_alias("solution_slug"),
                ContactMessage.solution.title.as_alias("solution_title"),
            )
            .where(where)
            .order_by(ContactMessage.id, ascending=False)
            .limit(PAGE_SIZE)
            .offset((number - 1) * PAGE_SIZE)
        )
    return Inbox(
        organisation["slug"],
        organisation["name"],
        tuple(
            Received(
                r["created_at"],
                r["sender_name"],
                r["sender_email"],
                r["sender_organisations"],
                r["solution_slug"],
                r["solution_title"],
                r["contact_name"],
                r["subject"],
                r["body"],
            )
            for r in rows
        ),
        number,
        min(total, PAGE_SIZE * MAX_PAGE),
    )


def is_member(actor: Actor, organisation_id: int) -> bool:
    return actor.signed_in and actor.role_in(organisation_id) is not None


# -- the worker ---------------------------------------------------------------------------------


def render(settings: Settings, mail: dict, message: dict) -> EmailMessage:
    base = settings.base_url
    context = {
        "name": mail["name"] or "there",
        "role": mail["role"],
        "sender_name": message["sender_name"],
        "sender_organisations": message["sender_organisations"],
        "solution_title": message["solution_title"],
        "solution_url": f"{base}/solutions/{message['solution_slug']}",
        "owner_name": message["owner_name"],
        "messages_url": f"{base}/organisations/{message['owner_slug']}/messages",
        "contact_name": message["contact_name"],
        "subject": message["subject"],
        "body": message["body"],
        "unsubscribe_url": "",
    }
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = formataddr((_one_line(mail["name"]), mail["address"]))
    email["Reply-To"] = formataddr((_one_line(message["sender_name"]), message["sender_email"]))
    email["Subject"] = f"{message['subject']} (about {_one_line(message['solution_title'])})"
    email["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    email["Message-ID"] = make_msgid(domain=urlsplit(base).hostname or "localhost")
    if mail["role"] == "member" and mail["user"] is not None:
        token = unsubscribe_token(settings.secret_key, mail["user"], MEMBER)
        context["unsubscribe_url"] = f"{base}/unsubscribe/{token}"
        email["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    add_bodies(email, "contact", context)
    return email


async def _still_wanted(mail: dict) -> bool:
    """A member's copy goes only while they are active and have not stopped organisation mail;
    the contact's always goes."""
    if mail["role"] != "member":
        return True
    user = await User.select(User.is_active).where(User.id == mail["user"]).first()
    if user is None or not user["is_active"]:
        return False
    off = await MailPreference.exists().where(
        (MailPreference.user == mail["user"]) & (MailPreference.organisation_mail == False)  # noqa: E712
    )
    return not off


async def send_due(settings: Settings, now: dt.datetime | None = None) -> MailResult:
    """Send the contact mail that is due, one at a time, each exactly once."""
    return await delivery.send_rows(settings, ContactMail, _send_one, now)


async def _send_one(settings: Settings, mail: dict) -> str:
    message = (
        await ContactMessage.select(
            ContactMessage.all_columns(),
            ContactMessage.solution.slug.as_alias("solution_slug"),
            ContactMessage.solution.title.as_alias("solution_title"),
            ContactMessage.organisation.slug.as_alias("owner_slug"),
            ContactMessage.organisation.name.as_alias("owner_name"),
        )
        .where(ContactMessage.id == mail["message"])
        .first()
    )
    if message is None or not await _still_wanted(mail):
        await delivery.record(ContactMail, mail["id"], "cancelled")
        return "cancelled"
    email = render(settings, mail, message)
    return await delivery.hand_over(settings, ContactMail, mail, email)
