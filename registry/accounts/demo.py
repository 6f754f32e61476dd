"""Demo accounts for development: a few councils' officers, a buyer and a Digital Office
curator, all with one published password.

`load_demo_accounts` refuses to run outside `REGISTRY_ENV=development`, and sign-in refuses demo
accounts outside development, so a production registry never has a way in with that password.
"""

from __future__ import annotations

from registry.accounts.actors import system_actor
from registry.accounts.users import add_member, create_user
from registry.config import get_settings
from registry.tables import User

DEMO_PASSWORD = "shared-solutions-demo"  # noqa: S105 - a published development-only password
DEMO_ACCOUNTS = (
    # email, name, organisation, role, Digital Office curator
    ("officer@glasgow.demo.invalid", "Glasgow council officer", "glasgow-city", "member", False),
    ("admin@fife.demo.invalid", "Fife organisation admin", "fife", "org_admin", False),
    (
        "officer@perth.demo.invalid",
        "Perth and Kinross officer",
        "perth-and-kinross",
        "member",
        False,
    ),
    (
        "buyer@scotland-excel.demo.invalid",
        "Scotland Excel procurement officer",
        "scotland-excel",
        "procurement",
        False,
    ),
    (
        "curator@digital-office.demo.invalid",
        "Digital Office curator",
        "digital-office",
        "org_admin",
        True,
    ),
)


class NotInDevelopment(Exception):
    pass


async def load_demo_accounts() -> list[tuple[str, str, str]]:
    """Create the demo accounts (idempotent). Only ever in development."""
    if not get_settings().is_development:
        raise NotInDevelopment(
            "Demo accounts exist only in development (REGISTRY_ENV=development); "
            "this registry runs with REGISTRY_ENV=production"
        )
    actor = system_actor("demo")
    created = []
    for email, name, organisation, role, curator in DEMO_ACCOUNTS:
        if not await User.exists().where(User.email == email):
            await create_user(
                actor, email, name, DEMO_PASSWORD, is_digital_office=curator, is_demo=True
            )
        await add_member(actor, email, organisation, role)
        created.append((email, organisation, role))
    return created
