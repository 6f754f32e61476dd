"""Signing in under load and under attack: password checks that leave the event loop free,
limits that parallel guesses cannot slip past, that count failures only, that strangers cannot
use to lock an owner out, and client addresses read from forwarding headers only behind trusted
proxies."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher, extract_parameters
from litestar.datastructures import Headers

from registry import accounts
from registry.accounts import passwords
from registry.errors import ValidationFailed
from registry.tables import User
from registry.web.pages.account import client_address
from tests.factories import PASSWORD, make_actor

OWNER = "owner@fife.gov.uk"
HOME = "198.51.100.7"


async def attempt(address: str, email: str = OWNER, password: str = PASSWORD) -> str:
    """What one sign-in came to: "signed in", "wrong" or "refused"."""
    try:
        await accounts.sign_in(address, email, password, allow_demo=False, previous_token=None)
    except ValidationFailed:
        return "wrong"
    except accounts.TooManyAttempts:
        return "refused"
    return "signed in"


@pytest.fixture
async def owner(db):
    return await make_actor(None, email=OWNER)


class CountingHasher(PasswordHasher):
    """Real argon2id at the tests' low cost, counting the passwords it checks."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.checked = 0
        self._lock = threading.Lock()  # checks run in several worker threads

    def verify(self, hash, password) -> bool:
        with self._lock:
            self.checked += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


# -- the event loop stays free ----------------------------------------------------------------


@pytest.mark.serial
async def test_other_work_stays_prompt_while_passwords_are_checked(db, monkeypatch):
    # A deliberately costly hash, so a check run on the event loop would show as a long stall.
    costly = PasswordHasher(time_cost=4, memory_cost=65536, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", costly)
    # A thread at normal priority: this test is about the event loop, and an idle-priority
    # thread could wait a long time on a machine busy with other work.
    monkeypatch.setattr(passwords, "_pool", ThreadPoolExecutor(max_workers=1))
    await make_actor(None, email=OWNER)
    stored = await User.select(User.password_hash).where(User.email == OWNER).first()
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        costly.verify(stored["password_hash"], PASSWORD)
        timings.append(time.perf_counter() - started)
    one_check = min(timings)

    longest_stall = 0.0
    done = False

    async def ticker():
        nonlocal longest_stall
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            longest_stall = max(longest_stall, time.perf_counter() - before - 0.005)

    async def sign_ins():
        nonlocal done
        try:
            return await asyncio.gather(
                *(
                    attempt(f"192.0.2.{n}", password=PASSWORD if n % 2 else "a wrong password")
                    for n in range(8)
                )
            )
        finally:
            done = True

    try:
        _, outcomes = await asyncio.gather(ticker(), sign_ins())
    finally:
        passwords._pool.shutdown()
    assert sorted(outcomes) == ["signed in"] * 4 + ["wrong"] * 4
    assert longest_stall < one_check / 2, (longest_stall, one_check)


class RecordingHasher(PasswordHasher):
    """Real argon2id at the tests' low cost, noting the thread each check runs on and how many
    run at once."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.threads: list[tuple[str, int]] = []
        self.running = self.most_at_once = 0
        self._lock = threading.Lock()

    def verify(self, hash, password) -> bool:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.threads.append((threading.current_thread().name, os.sched_getscheduler(0)))
        try:
            time.sleep(0.01)  # long enough for checks that could overlap to overlap
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="threads have no priority of their own")
async def test_sign_ins_check_passwords_one_at_a_time_on_an_idle_priority_thread(
    owner, monkeypatch
):
    recording = RecordingHasher()
    monkeypatch.setattr(passwords, "_hasher", recording)
    await accounts.create_user(
        accounts.system_actor("test"), "second@fife.gov.uk", "Second", PASSWORD
    )
    outcomes = await asyncio.gather(
        *(attempt(f"192.0.2.{n}", email=OWNER if n % 2 else "second@fife.gov.uk") for n in range(6))
    )
    assert outcomes == ["signed in"] * 6
    assert len(recording.threads) == 6
    assert recording.most_at_once == 1
    assert all(name.startswith("password") for name, _ in recording.threads)
    assert {policy for _, policy in recording.threads} == {os.SCHED_IDLE}


async def test_an_unknown_email_costs_what_a_real_password_check_costs(db, monkeypatch):
    # The hash checked for an email nobody has is made with the hasher in use, so it is exactly
    # as slow (or, in the tests, as quick) as real users' hashes.
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=2, memory_cost=64))
    await make_actor(None, email=OWNER)
    stored = await User.select(User.password_hash).where(User.email == OWNER).first()
    assert await attempt(HOME, "nobody@fife.gov.uk") == "wrong"
    assert extract_parameters(await passwords.unknown_user_hash()) == extract_parameters(
        stored["password_hash"]
    )


# -- parallel guesses -----------------------------------------------------------------------


async def test_parallel_guesses_at_one_account_are_checked_only_up_to_the_limit(owner, hasher):
    outcomes = await asyncio.gather(*(attempt(HOME, password=f"guess {n}") for n in range(30)))
    limit = accounts.MAX_FAILURES_PER_ACCOUNT_FROM_ADDRESS
    assert hasher.checked == limit
    assert outcomes.count("wrong") == limit
    assert outcomes.count("refused") == 30 - limit
    assert await attempt(HOME) == "refused"


async def test_parallel_guesses_from_one_address_are_checked_only_up_to_the_limit(db, hasher):
    outcomes = await asyncio.gather(
        *(attempt(HOME, f"guess{n}@fife.gov.uk", "a wrong password") for n in range(30))
    )
    limit = accounts.MAX_FAILURES_PER_ADDRESS
    assert hasher.checked == limit
    assert outcomes.count("wrong") == limit
    assert outcomes.count("refused") == 30 - limit


# -- failures count, successes do not ----------------------------------------------------------


async def test_everyone_behind_one_address_can_keep_signing_in(db):
    # Behind a proxy everyone may share an address: only failures count against it.
    people = [f"officer{n}@fife.gov.uk" for n in range(3)]
    for email in people:
        await make_actor(None, email=email)
    outcomes = [await attempt(HOME, email) for _ in range(9) for email in people]
    assert outcomes == ["signed in"] * 27
    assert await attempt(HOME, people[0], "a wrong password") == "wrong"


async def test_signing_in_to_ones_own_account_does_not_wipe_out_failed_guesses(owner):
    for n in range(accounts.MAX_FAILURES_PER_ADDRESS - 1):
        assert await attempt(HOME, f"guess{n}@fife.gov.uk", "wrong") == "wrong"
    assert await attempt(HOME) == "signed in"
    assert await attempt(HOME, "guess-last@fife.gov.uk", "wrong") == "wrong"
    assert await attempt(HOME, "one-more@fife.gov.uk", "wrong") == "refused"


# -- strangers cannot lock the owner out -------------------------------------------------------


async def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(owner):
    stranger = "203.0.113.9"
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT_FROM_ADDRESS):
        assert await attempt(stranger, password="a wrong password") == "wrong"
    # the stranger's address is refused for this account, even with the right password
    assert await attempt(stranger) == "refused"
    # the owner, from their own address, is not
    assert await attempt(HOME) == "signed in"


async def test_guessing_from_many_addresses_refuses_only_addresses_the_owner_has_not_used(owner):
    assert await attempt(HOME) == "signed in"  # the owner's usual address
    attackers = [f"203.0.113.{n}" for n in range(accounts.MAX_FAILURES_PER_ACCOUNT)]
    outcomes = await asyncio.gather(*(attempt(a, password="a wrong password") for a in attackers))
    assert set(outcomes) == {"wrong"}
    assert await attempt("192.0.2.200") == "refused"
    assert await attempt(HOME) == "signed in"


async def test_ipv6_addresses_count_per_network(owner):
    for n in range(accounts.MAX_FAILURES_PER_ACCOUNT_FROM_ADDRESS):
        assert await attempt(f"2001:db8:1:2::{n + 1:x}", password="wrong password") == "wrong"
    assert await attempt("2001:db8:1:2::ffff") == "refused"
    assert await attempt("2001:db8:1:3::1") == "signed in"


async def test_an_administrator_can_clear_a_limit(owner):
    stranger = "203.0.113.9"
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT_FROM_ADDRESS):
        await attempt(stranger, password="a wrong password")
    assert await attempt(stranger) == "refused"
    assert await accounts.clear_limits(email="Owner@Fife.gov.uk ") >= 1
    assert await attempt(stranger) == "signed in"


# -- the client's address ----------------------------------------------------------------------

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))


@pytest.mark.no_database
@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        # no trusted proxy in the way: the peer, whatever the headers claim
        ("192.0.2.1", {"x-forwarded-for": "203.0.113.5"}, "192.0.2.1"),
        ("192.0.2.1", {"forwarded": "for=203.0.113.5"}, "192.0.2.1"),
        # behind a trusted proxy: the address it forwarded for
        ("10.0.0.2", {"x-forwarded-for": "203.0.113.5"}, "203.0.113.5"),
        # what the client itself put in the header is not believed
        ("10.0.0.2", {"x-forwarded-for": "6.6.6.6, 203.0.113.5"}, "203.0.113.5"),
        # a chain of trusted proxies is walked back to the first untrusted hop
        ("10.0.0.2", {"x-forwarded-for": "6.6.6.6, 203.0.113.5, 10.1.1.1"}, "203.0.113.5"),
        ("10.0.0.2", {"forwarded": 'for="[2001:db8::7]:4711";proto=https'}, "2001:db8::7"),
        ("10.0.0.2", {"forwarded": "for=192.0.2.60:8080, for=10.3.3.3"}, "192.0.2.60"),
        ("fd00::1", {"x-forwarded-for": "2001:db8::9"}, "2001:db8::9"),
        # nothing usable forwarded: the proxy itself
        ("10.0.0.2", {}, "10.0.0.2"),
        ("10.0.0.2", {"x-forwarded-for": "unknown"}, "10.0.0.2"),
        ("10.0.0.2", {"forwarded": "for=_hidden"}, "10.0.0.2"),
        (None, {}, "unknown"),
    ],
)
def test_the_client_address_comes_from_forwarding_headers_only_behind_trusted_proxies(
    peer, headers, expected
):
    assert client_address(peer, Headers(headers), PROXIES) == expected


@pytest.mark.no_database
def test_without_trusted_proxies_forwarding_headers_are_ignored():
    assert client_address("10.0.0.2", Headers({"x-forwarded-for": "203.0.113.5"}), ()) == (
        "10.0.0.2"
    )


async def test_a_sign_in_refusal_is_answered_429_wherever_it_is_raised():
    from litestar import Litestar, get
    from litestar.testing import AsyncTestClient

    from registry.web.errors import EXCEPTION_HANDLERS

    @get("/api/v1/throttled", sync_to_thread=False)
    def throttled() -> None:
        raise accounts.TooManyAttempts("Too many sign-in attempts")

    app = Litestar([throttled], exception_handlers=EXCEPTION_HANDLERS)
    async with AsyncTestClient(app) as client:
        response = await client.get("/api/v1/throttled")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_requests"
