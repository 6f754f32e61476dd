"""The page controllers, one module per area of the site."""

from registry.web.pages.account import AccountPages
from registry.web.pages.api_reference import ApiReferencePages
from registry.web.pages.contact import ContactPages
from registry.web.pages.csv_lists import CsvListPages
from registry.web.pages.curation import CurationPages
from registry.web.pages.discover import DiscoverPages
from registry.web.pages.feeds import FeedPages
from registry.web.pages.follows import FollowPages
from registry.web.pages.history import HistoryPages
from registry.web.pages.interchange import InterchangePages
from registry.web.pages.organisations import InvitationPages, MemberPages, OrganisationPages
from registry.web.pages.ownership import OwnershipPages
from registry.web.pages.programmes import ProgrammePages
from registry.web.pages.site import SitePages
from registry.web.pages.solutions import SolutionPages
from registry.web.pages.tokens import TokenPages
from registry.web.pages.uploads import UploadPages
from registry.web.pages.webhooks import WebhookPages

PAGE_CONTROLLERS = [
    DiscoverPages,
    InterchangePages,
    AccountPages,
    SolutionPages,
    OrganisationPages,
    MemberPages,
    WebhookPages,
    InvitationPages,
    ProgrammePages,
    HistoryPages,
    OwnershipPages,
    FollowPages,
    FeedPages,
    SitePages,
    CurationPages,
    TokenPages,
    ApiReferencePages,
    UploadPages,
    CsvListPages,
    ContactPages,
]
