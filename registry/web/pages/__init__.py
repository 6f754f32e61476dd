"""The registry's pages for people (the JSON API lives in the package registry.web.api)."""

from registry.web.pages.account import AccountPages
from registry.web.pages.api_reference import ApiReferencePages
from registry.web.pages.discover import DiscoverPages
from registry.web.pages.history import HistoryPages
from registry.web.pages.organisations import InvitationPages, MemberPages, OrganisationPages
from registry.web.pages.ownership import OwnershipPages
from registry.web.pages.programmes import ProgrammePages
from registry.web.pages.solutions import SolutionPages
from registry.web.pages.tokens import TokenPages

PAGE_CONTROLLERS = [
    DiscoverPages,
    AccountPages,
    SolutionPages,
    OrganisationPages,
    MemberPages,
    InvitationPages,
    ProgrammePages,
    HistoryPages,
    OwnershipPages,
    TokenPages,
    ApiReferencePages,
]
