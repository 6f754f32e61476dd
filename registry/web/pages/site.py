"""The pages about the registry itself: the accessibility statement, the privacy notice, the
contact page (with where to send feedback) and the sources the catalogue's facts come from.
What they say is kept true by tests that check the registry does what they claim."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from registry.accounts.sessions import SESSION_IDLE, SESSION_LONGEST
from registry.accounts.signing_in import ATTEMPT_WINDOW, KNOWN_ADDRESS_KEPT
from registry.catalogue.references import REFERENCES
from registry.web.pages.common import page


def _hours(delta) -> int:
    return int(delta.total_seconds() // 3600)


class SitePages(Controller):
    include_in_schema = False

    @get("/accessibility", name="accessibility")
    async def accessibility(self, request: Request) -> Template:
        return page(request, "site/accessibility.html", title="Accessibility statement")

    @get("/privacy", name="privacy")
    async def privacy(self, request: Request) -> Template:
        return page(
            request,
            "site/privacy.html",
            title="Privacy notice",
            session_idle_hours=_hours(SESSION_IDLE),
            session_longest_hours=_hours(SESSION_LONGEST),
            attempt_window_minutes=int(ATTEMPT_WINDOW.total_seconds() // 60),
            known_address_days=KNOWN_ADDRESS_KEPT.days,
        )

    @get("/contact", name="contact")
    async def contact(self, request: Request) -> Template:
        return page(request, "site/contact.html", title="Contact and feedback")

    @get("/sources", name="sources")
    async def sources(self, request: Request) -> Template:
        return page(
            request, "site/sources.html", title="Where the facts come from", references=REFERENCES
        )
