"""Password hashing and checking (argon2id), always in worker threads, never on the event loop.

One argon2id hash with the recommended parameters takes about 150 ms of CPU over its four
lanes and 64 MiB of memory. Run on the event loop, a handful of parallel sign-ins would stall
every other request for as long; run in an unbounded number of threads, a burst of them would
exhaust memory and every core. So every hash and check goes through one thread per process, run
only when the processors are otherwise idle: sign-ins queue behind each other (sixteen at once
take a second or two), and people reading pages keep their speed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# How many hashes one process runs at once. One hash already keeps its four lanes busy on up to
# four cores, so a second thread adds memory traffic and takes time from requests, not speed.
HASHING_THREADS = 1
# Where idle scheduling is not available, hashing threads still run at the lowest priority, so
# a burst of sign-ins takes the processors' spare time, not the time of people reading pages.
HASHING_NICENESS = 19

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_pool: ThreadPoolExecutor | None = None
# The hash checked when the email is unknown, so a wrong email costs the same time as a wrong
# password. Made on first use with the hasher then in use (and again if the hasher changes), so
# its cost always matches that of real users' hashes.
_unknown_user: tuple[PasswordHasher, str] | None = None


def _yield_to_requests() -> None:
    """Let the calling thread run only when the processors have nothing else to do (Linux's
    SCHED_IDLE, per thread), or failing that at the lowest priority; elsewhere this changes
    nothing. Threads argon2 starts for its lanes inherit it."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _threads() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(
            max_workers=HASHING_THREADS,
            thread_name_prefix="password",
            initializer=_yield_to_requests,
        )
    return _pool


async def _off_the_loop(function, *args):
    return await asyncio.get_running_loop().run_in_executor(_threads(), function, *args)


def _matches(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await _off_the_loop(_hasher.hash, password)


async def password_matches(password_hash: str, password: str) -> bool:
    return await _off_the_loop(_matches, _hasher, password_hash, password)


async def unknown_user_hash() -> str:
    global _unknown_user
    hasher = _hasher
    if _unknown_user is None or _unknown_user[0] is not hasher:
        made = await _off_the_loop(hasher.hash, "no such user: this hash only equalises timing")
        _unknown_user = (hasher, made)
    return _unknown_user[1]


async def check_against_nobody(password: str) -> None:
    """Spend the time a real check would, for an email that belongs to nobody."""
    await password_matches(await unknown_user_hash(), password)


def check_password_rules(password: str, email: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    if password.strip().lower() == email.strip().lower():
        return "Password must not be your email address"
    return None
