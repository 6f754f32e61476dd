"""People and what they may do: actors and permissions (`actors`), users and memberships
(`users`), passwords (`passwords`), sessions (`sessions`), signing in and its limits
(`signing_in`), an organisation's members (`members`) and invitations to join one
(`invitations`), and the development demo accounts (`demo`).

Other modules import from `registry.accounts`; the names they use are re-exported here.
"""

from registry.accounts.actors import (
    ANONYMOUS,
    ANY_ROLE,
    CURATION,
    PERMISSIONS,
    Actor,
    MembershipRef,
    require,
    require_digital_office,
    require_signed_in,
    system_actor,
)
from registry.accounts.invitations import (
    INVITATION_LIFETIME,
    InvitationView,
    Invited,
    accept_invitation,
    invitation_for_token,
)
from registry.accounts.members import (
    Added,
    Member,
    MembersView,
    PendingInvitation,
    add_person,
    cancel_invitation,
    change_role,
    organisation_members,
    remove_member,
)
from registry.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    check_password_rules,
    hash_password,
    password_matches,
)
from registry.accounts.sessions import (
    SESSION_IDLE,
    SESSION_LONGEST,
    actor_for_session,
    end_session,
    start_session,
)
from registry.accounts.signing_in import (
    ATTEMPT_WINDOW,
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ACCOUNT_FROM_ADDRESS,
    MAX_FAILURES_PER_ADDRESS,
    TooManyAttempts,
    clear_limits,
    sign_in,
)
from registry.accounts.users import (
    add_member,
    authenticate,
    create_user,
    load_actor,
    organisation_by_slug,
)
from registry.errors import Conflict
from registry.tables import Membership, Organisation, User, WebSession

__all__ = [
    "ANONYMOUS",
    "ANY_ROLE",
    "ATTEMPT_WINDOW",
    "CURATION",
    "INVITATION_LIFETIME",
    "MAX_FAILURES_PER_ACCOUNT",
    "MAX_FAILURES_PER_ACCOUNT_FROM_ADDRESS",
    "MAX_FAILURES_PER_ADDRESS",
    "MIN_PASSWORD_LENGTH",
    "PERMISSIONS",
    "SESSION_IDLE",
    "SESSION_LONGEST",
    "Actor",
    "Added",
    "Conflict",
    "InvitationView",
    "Invited",
    "Member",
    "MembersView",
    "Membership",
    "MembershipRef",
    "Organisation",
    "PendingInvitation",
    "TooManyAttempts",
    "User",
    "WebSession",
    "accept_invitation",
    "actor_for_session",
    "add_member",
    "add_person",
    "authenticate",
    "cancel_invitation",
    "change_role",
    "check_password_rules",
    "clear_limits",
    "create_user",
    "end_session",
    "hash_password",
    "invitation_for_token",
    "load_actor",
    "organisation_by_slug",
    "organisation_members",
    "password_matches",
    "remove_member",
    "require",
    "require_digital_office",
    "require_signed_in",
    "sign_in",
    "start_session",
    "system_actor",
]
