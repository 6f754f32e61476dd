"""Mail: rendering a message from the templates in `templates/mail/` (plain text and HTML), the
signed one-click unsubscribe link every message carries, and handing a message to the mail
server (`REGISTRY_MAIL_URL`, with aiosmtplib) or, by default, writing it as an .eml file in
`<data dir>/mail/`, which `/dev/mail` lists in development.

An unsubscribe link names a person and what it stops ("follow:12", "member", "digest:daily"),
signed with HMAC-SHA256 under the registry's secret key, so it works without signing in and
cannot be made for anyone else or anything else. It follows RFC 8058: the `List-Unsubscribe`
header holds the https link and `List-Unsubscribe-Post` says a POST to it unsubscribes at once.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from registry.config import Settings

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "mail"
SMTP_TIMEOUT = 30.0


class MailFailed(Exception):
    """The mail server did not take a message. `permanent` when trying again cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


# -- unsubscribe tokens ------------------------------------------------------------------------


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), f"unsubscribe:{payload}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def unsubscribe_token(secret: str, user_id: int, reason: str) -> str:
    payload = f"{user_id}:{reason}"
    encoded = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{encoded}.{_signature(secret, payload)}"


def read_unsubscribe_token(secret: str, token: str) -> tuple[int, str] | None:
    """The person and what to stop, or None for a token this registry did not sign."""
    if not isinstance(token, str) or len(token) > 200 or token.count(".") != 1:
        return None
    encoded, signature = token.split(".")
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        return None
    user, _, reason = payload.partition(":")
    if not user.isascii() or not user.isdigit() or not reason:
        return None
    return int(user), reason


# -- rendering ---------------------------------------------------------------------------------


def _environment(html: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=html, default_for_string=html),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


_TEXT = _environment(html=False)
_HTML = _environment(html=True)


@dataclass(frozen=True)
class Item:
    """One thing told in a message: what it is about, what happened and where to read more."""

    title: str
    text: str
    url: str
    when: dt.datetime


def render(
    settings: Settings,
    *,
    to: str,
    name: str,
    subject: str,
    template: str,
    items: list[Item],
    unsubscribe_url: str,
    stops: str,
    period: str = "",
) -> EmailMessage:
    context = {
        "name": name,
        "subject": subject,
        "items": items,
        "unsubscribe_url": unsubscribe_url,
        "stops": stops,
        "period": period,
        "base_url": settings.base_url,
        "follows_url": f"{settings.base_url}/account/follows",
    }
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(domain=urlsplit(settings.base_url).hostname or "localhost")
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    add_bodies(message, template, context)
    return message


def add_bodies(message: EmailMessage, template: str, context: dict) -> None:
    """The plain text and HTML bodies of `message`, from `<template>.txt` and `.html`."""
    message.set_content(_TEXT.get_template(f"{template}.txt").render(context))
    message.add_alternative(_HTML.get_template(f"{template}.html").render(context), subtype="html")


# -- sending -----------------------------------------------------------------------------------


async def deliver(settings: Settings, message: EmailMessage) -> None:
    """Hand `message` to the mail server, or write it to the mail directory."""
    if settings.mail_url is None:
        _write_eml(settings.mail_dir, message)
        return
    import aiosmtplib

    parts = urlsplit(settings.mail_url)
    options = parse_qs(parts.query)
    starttls = options.get("starttls", ["false"])[0].lower() == "true"
    try:
        await aiosmtplib.send(
            message,
            hostname=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=parts.scheme == "smtps",
            start_tls=starttls if parts.scheme == "smtp" else None,
            timeout=SMTP_TIMEOUT,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise MailFailed(f"the mail server refused the recipient: {exc}", permanent=True) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise MailFailed(
            f"the mail server answered {exc.code} {exc.message}", permanent=exc.code >= 500
        ) from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise MailFailed(f"the mail server could not be reached: {exc}") from exc


def _write_eml(directory: Path, message: EmailMessage) -> Path:
    """Write the message whole or not at all: a temporary file renamed into place."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(message.as_bytes())
    path = directory / f"{stamp}-{os.getpid()}.eml"
    os.replace(temporary, path)
    return path
