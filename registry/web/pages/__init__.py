"""The registry's pages for people (the JSON API lives in the package registry.web.api)."""

from registry.web.pages.account import AccountPages
from registry.web.pages.discover import DiscoverPages
from registry.web.pages.feeds import FeedPages
from registry.web.pages.follows import FollowPages
from registry.web.pages.organisations import OrganisationPages
from registry.web.pages.programmes import ProgrammePages
from registry.web.pages.solutions import SolutionPages

PAGE_CONTROLLERS = [DiscoverPages, AccountPages, SolutionPages, OrganisationPages, ProgrammePages]
PAGE_CONTROLLERS += [FollowPages, FeedPages]
