"""The registry's pages for people (the JSON API lives in the package registry.web.api)."""

from registry.web.pages.account import AccountPages
from registry.web.pages.discover import DiscoverPages
from registry.web.pages.organisations import OrganisationPages
from registry.web.pages.programmes import ProgrammePages
from registry.web.pages.site import SitePages
from registry.web.pages.solutions import SolutionPages

PAGE_CONTROLLERS = [
    DiscoverPages,
    AccountPages,
    SolutionPages,
    OrganisationPages,
    ProgrammePages,
    SitePages,
]
