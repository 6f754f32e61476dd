"""The `registry` command: set up the database, load the catalogue, manage users, serve.

Every subcommand reads the settings first, so a bad environment variable stops it with a
message naming the variable (exit status 2) before anything else happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click

from registry.config import ConfigError, get_settings


def _settings_or_exit():
    try:
        return get_settings()
    except ConfigError as exc:
        click.echo(f"Configuration error: {exc}", err=True)
        sys.exit(2)


def _run(work: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine with the database connected, turning domain errors into messages."""
    from registry import db
    from registry.errors import RegistryError

    _settings_or_exit()

    async def main() -> Any:
        await db.start()
        try:
            return await work()
        finally:
            await db.stop()

    try:
        return asyncio.run(main())
    except RegistryError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        for name, message in exc.fields.items():
            click.echo(f"  {name}: {message}", err=True)
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """The Shared Solutions Registry."""


@main.command()
def migrate() -> None:
    """Apply database migrations. Running it again is harmless."""
    from registry.migrations import apply_migrations

    ran = _run(apply_migrations)
    if ran:
        click.echo(f"Applied {len(ran)} migration(s): {', '.join(ran)}")
    else:
        click.echo("The database is up to date.")


@main.command()
@click.option(
    "--path",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Seeds directory (default: the project's seeds/).",
)
def seed(path: str | None) -> None:
    """Load the seed catalogue (idempotent: unchanged records are left alone)."""
    from pathlib import Path

    from registry.seeding import SEEDS_DIR, SeedError, load_seeds

    async def work():
        try:
            return await load_seeds(Path(path) if path else SEEDS_DIR)
        except SeedError as exc:
            click.echo(f"Seed error: {exc}", err=True)
            sys.exit(1)

    report = _run(work)
    for line in report.lines():
        click.echo(line)
    _drain_after_write()


def _drain_after_write() -> None:
    """Bring the search index up to date with what a command just wrote (if search is set up)."""
    from registry import indexing

    drain = getattr(indexing, "drain_once", None)
    if drain is None:
        return
    result = _run(drain)
    if result is not None and getattr(result, "failed", 0):
        click.echo(
            f"Search index: {result.failed} change(s) could not be indexed yet; "
            "they wait in the outbox (see `registry search check`).",
            err=True,
        )


@main.command("create-user")
@click.option("--email", required=True, help="The user's email address (their sign-in name).")
@click.option("--name", "display_name", required=True, help="The user's full name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters; asked for when not given.",
)
@click.option(
    "--digital-office",
    is_flag=True,
    help="Give the user the Digital Office curator role (curates every solution, programmes).",
)
def create_user(email: str, display_name: str, password: str, digital_office: bool) -> None:
    """Create a user who can sign in."""
    from registry import accounts

    user = _run(
        lambda: accounts.create_user(
            accounts.system_actor("cli"),
            email,
            display_name,
            password,
            is_digital_office=digital_office,
        )
    )
    click.echo(f"Created {user['email']}.")


@main.command("add-member")
@click.argument("email")
@click.argument("organisation")
@click.option(
    "--role",
    type=click.Choice(["member", "procurement", "org_admin"]),
    default="member",
    show_default=True,
    help="What the user may do for the organisation.",
)
def add_member(email: str, organisation: str, role: str) -> None:
    """Make the user EMAIL a member of ORGANISATION (its slug), or change their role."""
    from registry import accounts

    result = _run(
        lambda: accounts.add_member(accounts.system_actor("cli"), email, organisation, role)
    )
    click.echo(f"{result['email']} is now {result['role']} of {result['organisation']}.")


@main.command("demo-accounts")
def demo_accounts() -> None:
    """Create demo accounts for a few councils and the Digital Office (development only)."""
    from registry.seeding import DEMO_PASSWORD, NotInDevelopment, load_demo_accounts

    async def work():
        try:
            return await load_demo_accounts()
        except NotInDevelopment as exc:
            click.echo(f"Refused: {exc}", err=True)
            sys.exit(1)

    for email, organisation, role in _run(work):
        click.echo(f"  {email:40} {role:12} {organisation}")
    click.echo(f"Every demo account's password is: {DEMO_PASSWORD}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=int, help="Server processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the registry over HTTP."""
    from granian import Granian
    from granian.constants import Interfaces

    settings = _settings_or_exit()
    click.echo(
        f"Serving the registry on http://{host}:{port} "
        f"({settings.environment}, {settings.database_kind}, search: {settings.search_engine})"
    )
    Granian(
        "registry.web.app:create_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        log_level=settings.log_level,
    ).serve()


@contextlib.contextmanager
def quiet():
    """Swallow what a library prints to stdout (Piccolo's migration chatter)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield buffer


if __name__ == "__main__":
    main()
