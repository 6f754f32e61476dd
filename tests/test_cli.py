"""The `registry` command as an operator uses it, run as a real process."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry import accounts
from registry.errors import ValidationFailed
from registry.tables import Membership, User
from tests.clients import run_registry

COMMANDS = [
    "migrate",
    "seed",
    "serve",
    "create-user",
    "add-member",
    "demo-accounts",
    "sign-in-limits",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_explains_itself(command):
    result = run_registry(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert command in result.stdout


def test_migrating_a_new_database_twice_is_harmless(tmp_path: Path):
    env = {"REGISTRY_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/new.db"}
    first = run_registry("migrate", env=env)
    assert first.returncode == 0, first.stderr
    migrations = list(
        (Path(__file__).parent.parent / "registry" / "piccolo_migrations").glob("registry_*.py")
    )
    assert f"Applied {len(migrations)} migration(s)" in first.stdout
    second = run_registry("migrate", env=env)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout


async def test_create_user_and_add_member_then_the_user_can_sign_in(fife):
    created = run_registry(
        "create-user",
        "--email",
        "Ann@Fife.gov.uk",
        "--name",
        "Ann Officer",
        input="a long enough password\na long enough password\n",
    )
    assert created.returncode == 0, created.stderr
    joined = run_registry("add-member", "ann@fife.gov.uk", "fife", "--role", "procurement")
    assert joined.returncode == 0, joined.stderr
    assert "procurement of fife" in joined.stdout

    user = await accounts.authenticate(
        "ann@fife.gov.uk", "a long enough password", allow_demo=False
    )
    assert user is not None
    assert user["display_name"] == "Ann Officer"
    memberships = await Membership.select(Membership.role).where(Membership.user == user["id"])
    assert memberships == [{"role": "procurement"}]


def test_a_short_password_is_refused_with_the_reason(db):
    result = run_registry(
        "create-user", "--email", "bob@example.gov.uk", "--name", "Bob", "--password", "short"
    )
    assert result.returncode == 1
    assert "password: Password must be at least 12 characters" in result.stderr


async def test_adding_an_unknown_user_says_so(fife):
    # The organisation exists: it is looked up (and the right to act for it checked) first.
    result = run_registry("add-member", "nobody@example.gov.uk", "fife")
    assert result.returncode == 1
    assert "No user has the email address nobody@example.gov.uk" in result.stderr


async def test_demo_accounts_exist_only_in_development(db):
    from registry.accounts.demo import DEMO_PASSWORD
    from registry.seeding import load_seeds

    await load_seeds()
    refused = run_registry(
        "demo-accounts",
        env={
            "REGISTRY_ENV": "production",
            "REGISTRY_SECRET_KEY": "p" * 40,
        },
    )
    assert refused.returncode == 1
    assert "Demo accounts exist only in development" in refused.stderr
    assert await User.count() == 0

    created = run_registry("demo-accounts")
    assert created.returncode == 0, created.stderr
    assert await User.count().where(User.is_demo.eq(True)) >= 4

    email = "officer@glasgow.demo.invalid"
    assert await accounts.authenticate(email, DEMO_PASSWORD, allow_demo=True)
    # a production server passes allow_demo=False: the same account cannot sign in there
    assert await accounts.authenticate(email, DEMO_PASSWORD, allow_demo=False) is None


async def test_authentication_refuses_a_wrong_password_and_an_unknown_email(db):
    from tests.factories import PASSWORD, make_actor

    actor = await make_actor(None, email="carol@example.gov.uk")
    assert await accounts.authenticate("carol@example.gov.uk", PASSWORD, allow_demo=False)
    assert (
        await accounts.authenticate("carol@example.gov.uk", "wrong password!", allow_demo=False)
        is None
    )
    assert await accounts.authenticate("nobody@example.gov.uk", PASSWORD, allow_demo=False) is None
    assert actor.user_id is not None


async def test_an_administrator_clears_a_sign_in_limit(db):
    from tests.factories import PASSWORD, make_actor

    await make_actor(None, email="dana@example.gov.uk")

    async def attempt(password: str) -> str:
        try:
            await accounts.sign_in(
                "203.0.113.9",
                "dana@example.gov.uk",
                password,
                allow_demo=False,
                previous_token=None,
            )
        except accounts.TooManyAttempts:
            return "refused"
        except ValidationFailed:
            return "wrong"
        return "signed in"

    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT_FROM_ADDRESS):
        assert await attempt("a wrong password") == "wrong"
    assert await attempt(PASSWORD) == "refused"

    cleared = run_registry("sign-in-limits", "clear", "--email", "Dana@example.gov.uk")
    assert cleared.returncode == 0, cleared.stderr
    assert "Cleared 2 sign-in limit counter(s)." in cleared.stdout
    assert await attempt(PASSWORD) == "signed in"
