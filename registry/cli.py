"""The `registry` command: set up the database, load the catalogue, manage users, serve.

Every subcommand reads the settings first, so a bad environment variable stops it with a
message naming the variable (exit status 2) before anything else happens.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    """Bring the search index up to date with what a command just wrote. When the engine is
    unreachable the changes wait in the outbox, and the command still succeeds."""
    from registry import indexing

    async def work():
        engine = indexing.make_engine(_settings_or_exit())
        try:
            await engine.apply_settings()
            return await indexing.drain_all(engine)
        except indexing.SearchUnavailable as exc:
            return indexing.DrainResult(failed=1, error=str(exc))
        finally:
            await engine.close()

    result = _run(work)
    if result.failed:
        click.echo(
            f"Search index not updated yet ({result.error}); the changes wait in the outbox "
            "for `registry worker` or the server.",
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


@main.group()
def token() -> None:
    """API tokens: make one for a person acting for one of their organisations."""


@token.command("create")
@click.option("--email", required=True, help="The person the token acts as.")
@click.option("--organisation", required=True, help="The organisation (slug) it acts for.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(["read", "interest", "sponsorship", "adoption", "solutions", "programmes"]),
    help="What it may do; repeat for several.",
)
@click.option("--expires", default="", help="The last day it works (YYYY-MM-DD); none by default.")
@click.option("--name", default="Made with the registry command", show_default=True)
def token_create(
    email: str, organisation: str, scopes: tuple[str, ...], expires: str, name: str
) -> None:
    """Make a token and print its secret (shown only this once)."""
    from registry.accounts import system_actor, tokens

    issued = _run(
        lambda: tokens.issue_token(
            system_actor("cli"),
            organisation,
            {"name": name, "scopes": list(scopes), "expires_on": expires},
            for_email=email,
        )
    )
    click.echo(
        f"Token {issued.token.name!r} for {issued.token.person_email} acting for "
        f"{issued.token.organisation_name} ({', '.join(issued.token.scopes)}). Keep it secret; "
        "it is not shown again:",
        err=True,
    )
    click.echo(issued.secret)


@main.command("demo-accounts")
def demo_accounts() -> None:
    """Create demo accounts for a few councils and the Digital Office (development only)."""
    from registry.accounts.demo import DEMO_PASSWORD, NotInDevelopment, load_demo_accounts

    async def work():
        try:
            return await load_demo_accounts()
        except NotInDevelopment as exc:
            click.echo(f"Refused: {exc}", err=True)
            sys.exit(1)

    for email, organisation, role in _run(work):
        click.echo(f"  {email:40} {role:12} {organisation}")
    click.echo(f"Every demo account's password is: {DEMO_PASSWORD}")


@main.group("sign-in-limits")
def sign_in_limits() -> None:
    """The limits on failed sign-ins (see the README)."""


@sign_in_limits.command("clear")
@click.option("--email", default=None, help="Clear the failures counted against this account.")
@click.option("--address", default=None, help="Clear the failures counted from this address.")
def clear_sign_in_limits(email: str | None, address: str | None) -> None:
    """Let people sign in again now, rather than when the limit's quarter of an hour ends.

    With --email, the account's failures (from every address); with --address, the address's
    failures (at every account); with both, the account's, the address's and those of that
    account from that address; with neither, every failure counted."""
    from registry import accounts

    cleared = _run(lambda: accounts.clear_limits(email=email, address=address))
    click.echo(f"Cleared {cleared} sign-in limit counter(s).")


@main.group("import")
def import_group() -> None:
    """Import solutions from the sector's standard files (see the README)."""


@import_group.command("publiccode")
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--owner",
    default=None,
    help="The owner's slug, used when a file's organisation matches no organisation.",
)
def import_publiccode(sources: tuple[str, ...], owner: str | None) -> None:
    """Import publiccode.yml files (paths or https:// addresses) as components.

    A file whose url is a component's repository updates that component. An invalid file is
    refused with every problem and creates nothing; the others are still imported."""
    from registry import accounts
    from registry.errors import RegistryError
    from registry.interchange import importing

    async def work():
        actor = accounts.system_actor("import")
        refused = 0
        for source in sources:
            try:
                if source.startswith(("https://", "http://")):
                    data = await importing.fetch(source)
                else:
                    data = importing.read_local(source)
                report = await importing.import_publiccode(actor, data, owner=owner, source=source)
            except RegistryError as exc:
                refused += 1
                click.echo(f"{source}: refused", err=True)
                for problem in importing.as_problems(exc):
                    click.echo(f"  {problem}", err=True)
                continue
            for line in report.lines():
                click.echo(line)
        return refused

    refused = _run(work)
    _drain_after_write()
    if refused:
        sys.exit(1)


@import_group.command("ocds")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
def import_ocds(paths: tuple[str, ...]) -> None:
    """Import OCDS files (release or record packages, releases, arrays of releases), in any
    order, as joint procurements and the use of them.

    A framework agreement becomes a joint procurement, or updates the one imported from the
    same ocid; a call-off records its buyer as using the framework. A file none of whose
    processes could be imported is refused with its reasons; the others are still imported."""
    from registry import accounts
    from registry.interchange import ocds_import

    async def work():
        actor = accounts.system_actor("import")
        files, unreadable = [], []
        for path in paths:
            try:
                files.append((path, ocds_import.read_file(path)))
            except ocds_import.ProcessRefused as exc:
                unreadable.append(ocds_import.FileReport(path, refused=[exc.message]))
        reports = await ocds_import.import_ocds(actor, files) if files else []
        refused = 0
        for report in [*reports, *unreadable]:
            refused += bool(report.refused)
            for line in report.lines():
                click.echo(line, err=bool(report.refused))
        return refused

    refused = _run(work)
    _drain_after_write()
    if refused:
        sys.exit(1)


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
        # A worker killed by a fault (say SIGBUS from a damaged memory-mapped index) is
        # replaced rather than taking the whole server down with it; granian still exits if
        # the same worker dies again within seconds of its respawn (a crash loop).
        respawn_failed_workers=True,
    ).serve()


@main.command()
@click.option(
    "--interval",
    default=1.0,
    show_default=True,
    type=float,
    help="Seconds between rounds when there is nothing to do.",
)
@click.option("--once", is_flag=True, help="Run one round of every job (checks too) and stop.")
def worker(interval: float, once: bool) -> None:
    """Run the jobs until stopped (Ctrl-C): keep the search index up to date from the outbox,
    send the mail that is queued (and the digests when their period ends), and run the
    scheduled checks (frameworks ending, milestones) once a minute."""
    from registry import indexing
    from registry.jobs import Runner

    async def work():
        settings = _settings_or_exit()
        engine = indexing.make_engine(settings)
        runner = Runner(settings, engine)
        try:
            if once:
                report = await runner.round(force_checks=True)
                for line in report.lines():
                    click.echo(line)
                return
            click.echo(f"Running the jobs every {interval:g}s; Ctrl-C stops.")
            await runner.forever(interval, click.echo)
        finally:
            await engine.close()

    with contextlib.suppress(KeyboardInterrupt):
        _run(work)


@main.command()
def reindex() -> None:
    """Build a complete new search index from the database and swap it in atomically.

    Searches keep being answered by the old index until the swap; if the build fails, the old
    index stays live."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from registry import indexing

    async def work():
        engine = indexing.make_engine(_settings_or_exit())
        total = len(await indexing.published_ids())
        try:
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                transient=False,
            ) as bar:
                task = bar.add_task("Indexing solutions", total=total)
                count = await indexing.reindex(
                    engine, progress=lambda done: bar.update(task, completed=done)
                )
            return count
        except indexing.SearchUnavailable as exc:
            click.echo(f"Reindex failed, the previous index is still live: {exc}", err=True)
            sys.exit(1)
        finally:
            await engine.close()

    count = _run(work)
    click.echo(f"Indexed {count} solution(s) and swapped the new index in.")


@main.group()
def search() -> None:
    """Look after the search index."""


# What the registry's own Meilisearch key may do: its indexes only, and nothing with keys.
MEILI_ACTIONS = [
    "search",
    "documents.add",
    "documents.get",
    "documents.delete",
    "indexes.create",
    "indexes.get",
    "indexes.update",
    "indexes.delete",
    "indexes.swap",
    "settings.get",
    "settings.update",
    "tasks.get",
    "stats.get",
]


@search.command("create-key")
def search_create_key() -> None:
    """Create the registry's scoped Meilisearch key (uses MEILI_MASTER_KEY once; prints the key
    to put in MEILI_API_KEY). The registry itself never runs with the master key."""
    import os

    import meilisearch
    from meilisearch.errors import MeilisearchError

    # Read directly: the registry's own key does not exist yet, so the full settings
    # (which require it with SEARCH_ENGINE=meilisearch) cannot be checked here.
    url = os.environ.get("MEILI_URL", "").strip()
    master = os.environ.get("MEILI_MASTER_KEY", "").strip()
    prefix = os.environ.get("MEILI_INDEX_PREFIX", "").strip()
    if not url or not master:
        click.echo("Set MEILI_URL and MEILI_MASTER_KEY to create the key.", err=True)
        sys.exit(2)
    client = meilisearch.Client(url, master, timeout=10)
    try:
        key = client.create_key(
            {
                "name": "shared-solutions-registry",
                "description": "The registry's key: its own indexes, no key management",
                "actions": MEILI_ACTIONS,
                "indexes": [f"{prefix}solutions*"],
                "expiresAt": None,
            }
        )
    except MeilisearchError as exc:
        click.echo(f"Meilisearch refused: {exc}", err=True)
        sys.exit(1)
    click.echo(key.key)


@search.command("check")
def search_check() -> None:
    """List documents missing from, stale in, or orphaned in the index; non-zero exit if any."""
    from registry import indexing

    async def work():
        engine = indexing.make_engine(_settings_or_exit())
        try:
            await engine.apply_settings()  # no index yet reads as every document missing
            return await indexing.check(engine), await indexing.outbox_summary()
        except indexing.SearchUnavailable as exc:
            click.echo(f"Search is unavailable: {exc}", err=True)
            sys.exit(2)
        finally:
            await engine.close()

    report, outbox = _run(work)
    for label, items in (
        ("missing", report.missing),
        ("stale", report.stale),
        ("orphaned", report.orphaned),
    ):
        click.echo(f"{label}: {len(items)}")
        for item in items[:50]:
            click.echo(f"  {item}")
        if len(items) > 50:
            click.echo(f"  ... and {len(items) - 50} more")
    click.echo(f"outbox: {outbox['waiting']} waiting, {outbox['failing']} failing")
    if report.differences:
        click.echo(
            f"{report.differences} difference(s): run `registry reindex` or let the outbox drain",
            err=True,
        )
        sys.exit(1)
    click.echo("The index matches the database.")


if __name__ == "__main__":
    main()
