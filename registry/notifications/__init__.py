"""Signals that reach people: follows, the events worth telling and who is told, mail (rendered,
queued in the change's transaction, sent once by the worker, digested), the scheduled checks
(frameworks ending, milestones met or missed) and the Atom feeds.

How a notification travels: a change records its audit event (`registry.changes`), `events`
turns it into one `Notification` per person it concerns in the same transaction, `delivery`
puts those in mail messages and sends each once, and `mail` renders and hands them over.
"""

from registry.notifications.delivery import MailResult, unsubscribe, unsubscribe_target
from registry.notifications.follows import (
    FOLLOW_TARGETS,
    FollowView,
    follow,
    follow_of,
    follows_of,
    unfollow,
)
from registry.notifications.recipients import DELIVERIES

__all__ = [
    "DELIVERIES",
    "FOLLOW_TARGETS",
    "FollowView",
    "MailResult",
    "follow",
    "follow_of",
    "follows_of",
    "unfollow",
    "unsubscribe",
    "unsubscribe_target",
]
