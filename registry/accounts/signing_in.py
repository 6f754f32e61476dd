"""Signing in, the one service function every way in goes through, and the limits on guessing.

Only failures count, in a window of `ATTEMPT_WINDOW` that starts at the first failure:

- from one address, `MAX_FAILURES_PER_ADDRESS` failures (at any accounts) and that address is
  refused until the window ends;
- at one account from one address, `MAX_FAILURES_PER_ACCOUNT_FROM_ADDRESS` failures and that
  address is refused for that account. The account's owner elsewhere is not affected, so a
  stranger's wrong guesses cannot lock the owner out;
- at one account from everywhere, `MAX_FAILURES_PER_ACCOUNT` failures (guessing spread over many
  addresses) and the account is refused from every address it has not signed in from in the
  last `KNOWN_ADDRESS_KEPT`. Its owner at an address they have used before still gets in.

IPv6 addresses count per /64 network, the block one connection is usually given.

Each attempt is reserved as a failure before the password is checked, with one conditional
update per counter (`failures < limit`) in one transaction, and released when the password turns
out right. So parallel guesses cannot all pass a check made before any of them is recorded.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from registry import db
from registry.accounts.sessions import start_session
from registry.accounts.users import authenticate
from registry.errors import TooManyRequests, ValidationFailed
from registry.tables import SignInLimit

ATTEMPT_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ADDRESS = 20
MAX_FAILURES_PER_ACCOUNT_FROM_ADDRESS = 5
MAX_FAILURES_PER_ACCOUNT = 50
KNOWN_ADDRESS_KEPT = dt.timedelta(days=30)
# Counters whose window ended this long ago are swept away.
COUNTERS_KEPT = dt.timedelta(days=1)

_KNOWN = "known:"


class TooManyAttempts(TooManyRequests):
    """Sign-in refused for a while: answered 429 wherever it is raised."""


def address_group(address: str) -> str:
    """What one client's address counts as: itself, or its /64 network for IPv6 (one home or
    server is usually given a whole /64, so counting single IPv6 addresses would count nothing).
    Anything that is not an IP address (a test client, say) counts as it is."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def normalised_email(email: str) -> str:
    return email.strip().lower()[:254]


@dataclass(frozen=True)
class _Counters:
    address: str
    account_from_address: str
    account: str
    known: str

    @classmethod
    def of(cls, address: str, email: str) -> _Counters:
        address, email = address_group(address), normalised_email(email)
        return cls(
            address=f"address:{address}",
            account_from_address=f"account-address:{email}|{address}",
            account=f"account:{email}",
            known=f"{_KNOWN}{email}|{address}",
        )


async def sign_in(
    address: str, email: str, password: str, *, allow_demo: bool, previous_token: str | None
) -> str:
    """Sign a person in: the token of a new session. Every rule of signing in lives here, so
    any way in gets them: both fields required, failures limited per address and per account
    (`TooManyAttempts`, before the password is checked), the browser's previous session ended.
    A wrong email or password is refused without saying which (`ValidationFailed` on
    "email")."""
    email = email.strip()
    missing = {}
    if not email:
        missing["email"] = "Enter your email address"
    if not password:
        missing["password"] = "Enter your password"  # noqa: S105 - a message, not a secret
    if missing:
        raise ValidationFailed(missing)
    counters = _Counters.of(address, email)
    await _reserve(counters)
    user = await authenticate(email, password, allow_demo=allow_demo)
    if user is None:
        # The reservation stands: it was a failure.
        raise ValidationFailed({"email": "Enter a correct email address and password"})
    await _release(counters)
    return await start_session(user["id"], previous_token)


async def _reserve(counters: _Counters) -> None:
    """Count this attempt as a failure in every counter, or in none and refuse it. The counters
    are always taken in the same order (address, account from address, account), so two
    reservations never wait for each other in a circle."""
    now = dt.datetime.now(dt.UTC)
    async with db.transaction():
        await _sweep(now)
        known = await SignInLimit.exists().where(
            (SignInLimit.key == counters.known)
            & (SignInLimit.window_started_at > now - KNOWN_ADDRESS_KEPT)
        )
        account_limit = None if known else MAX_FAILURES_PER_ACCOUNT
        allowed = (
            await _count_failure(counters.address, MAX_FAILURES_PER_ADDRESS, now)
            and await _count_failure(
                counters.account_from_address, MAX_FAILURES_PER_ACCOUNT_FROM_ADDRESS, now
            )
            and await _count_failure(counters.account, account_limit, now)
        )
        if not allowed:
            minutes = int(ATTEMPT_WINDOW.total_seconds() // 60)
            # Raised inside the transaction, so whatever was counted above is undone.
            raise TooManyAttempts(
                f"Too many sign-in attempts. Wait {minutes} minutes, then try again."
            )


async def _count_failure(key: str, limit: int | None, now: dt.datetime) -> bool:
    """Add one failure to `key`'s counter unless it has reached `limit` (None: no limit)."""
    # The row first, tolerating one inserted by a parallel attempt meanwhile.
    await SignInLimit.insert(SignInLimit(key=key, failures=0, window_started_at=now)).on_conflict(
        target=SignInLimit.key, action="DO NOTHING"
    )
    # A window that has run out starts again.
    await SignInLimit.update({SignInLimit.failures: 0, SignInLimit.window_started_at: now}).where(
        (SignInLimit.key == key) & (SignInLimit.window_started_at <= now - ATTEMPT_WINDOW)
    )
    condition = SignInLimit.key == key
    if limit is not None:
        condition &= SignInLimit.failures < limit
    counted = (
        await SignInLimit.update({SignInLimit.failures: SignInLimit.failures + 1})
        .where(condition)
        .returning(SignInLimit.id)
    )
    return bool(counted)


async def _release(counters: _Counters) -> None:
    """The password was right: the attempt reserved as a failure was not one. Failures of this
    account from this address are forgotten, and the address is remembered as one the account
    signs in from. The address's own count only loses this attempt, so signing in to one's own
    account cannot wipe out failed guesses at others."""
    now = dt.datetime.now(dt.UTC)
    async with db.transaction():
        await SignInLimit.update({SignInLimit.failures: SignInLimit.failures - 1}).where(
            (SignInLimit.key == counters.address) & (SignInLimit.failures > 0)
        )
        await SignInLimit.delete().where(SignInLimit.key == counters.account_from_address)
        await SignInLimit.update({SignInLimit.failures: SignInLimit.failures - 1}).where(
            (SignInLimit.key == counters.account) & (SignInLimit.failures > 0)
        )
        await SignInLimit.insert(
            SignInLimit(key=counters.known, failures=0, window_started_at=now)
        ).on_conflict(
            target=SignInLimit.key, action="DO UPDATE", values=[SignInLimit.window_started_at]
        )


async def _sweep(now: dt.datetime) -> None:
    """Forget counters whose windows ended long ago, and addresses not signed in from lately."""
    await SignInLimit.delete().where(
        (SignInLimit.window_started_at < now - KNOWN_ADDRESS_KEPT)
        | (
            (SignInLimit.window_started_at < now - COUNTERS_KEPT)
            & SignInLimit.key.not_like(f"{_KNOWN}%")
        )
    )


async def clear_limits(*, email: str | None = None, address: str | None = None) -> int:
    """Forget the failures counted against an account (`email`), an address, both, or (neither
    given) every one; returns how many counters were cleared. The addresses accounts signed in
    from are kept."""
    email = normalised_email(email) if email else None
    group = address_group(address) if address else None
    async with db.transaction():
        rows = await SignInLimit.select(SignInLimit.id, SignInLimit.key).where(
            SignInLimit.key.not_like(f"{_KNOWN}%")
        )
        chosen = [row["id"] for row in rows if _clears(row["key"], email, group)]
        if chosen:
            await SignInLimit.delete().where(SignInLimit.id.is_in(chosen))
    return len(chosen)


def _clears(key: str, email: str | None, group: str | None) -> bool:
    """Whether clearing for `email` and/or address `group` clears this counter: the account's,
    the address's, and those of the account from the address (any of them when one is not
    given)."""
    if email is None and group is None:
        return True
    kind, _, rest = key.partition(":")
    if kind == "address":
        return rest == group
    if kind == "account":
        return rest == email
    key_email, _, key_group = rest.rpartition("|")
    return (email is None or key_email == email) and (group is None or key_group == group)
