"""The notices people get by e-mail, and which of them each person turned off.

Every notice is on by default. A person turns the non-essential ones off on
their profile; the essential ones (a requester's "registered" and "resolved")
only an admin can turn off for them. SLA alerts are no notice of this kind:
the SLA policy decides who gets them.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from helpdesk.models import User


class Notice(enum.StrEnum):
    # to the requester
    TICKET_REGISTERED = "ticket_registered"
    AGENT_REPLIED = "agent_replied"
    WAITING_ON_YOU = "waiting_on_you"
    TICKET_RESOLVED = "ticket_resolved"
    TICKET_REOPENED = "ticket_reopened"
    TICKET_MERGED = "ticket_merged"
    # to the requester and the watchers: a watcher, a colleague or the
    # requester wrote on a request they follow
    OTHER_REPLIED = "other_replied"
    # to agents
    ASSIGNED_TO_YOU = "assigned_to_you"
    CUSTOMER_REPLIED = "customer_replied"
    MOVED_TO_YOUR_LINE = "moved_to_your_line"
    TASK_GIVEN = "task_given"


REQUESTER_NOTICES = (
    Notice.TICKET_REGISTERED,
    Notice.AGENT_REPLIED,
    Notice.WAITING_ON_YOU,
    Notice.TICKET_RESOLVED,
    Notice.TICKET_REOPENED,
    Notice.TICKET_MERGED,
    Notice.OTHER_REPLIED,
)
AGENT_NOTICES = (
    Notice.ASSIGNED_TO_YOU,
    Notice.CUSTOMER_REPLIED,
    Notice.MOVED_TO_YOUR_LINE,
    Notice.TASK_GIVEN,
)
# The requester always learns that a request was taken and that it was solved.
ESSENTIAL = frozenset({Notice.TICKET_REGISTERED, Notice.TICKET_RESOLVED})

NOTICE_LABELS = {
    Notice.TICKET_REGISTERED: _l("My request was registered"),
    Notice.AGENT_REPLIED: _l("An agent replied to my request"),
    Notice.WAITING_ON_YOU: _l("A request waits for my answer"),
    Notice.TICKET_RESOLVED: _l("My request was resolved"),
    Notice.TICKET_REOPENED: _l("My request was reopened"),
    Notice.TICKET_MERGED: _l("My request was merged into another"),
    Notice.OTHER_REPLIED: _l("Someone else replied on a request I follow"),
    Notice.ASSIGNED_TO_YOU: _l("A ticket was assigned to me"),
    Notice.CUSTOMER_REPLIED: _l(
        "A customer replied on my ticket or my line's unassigned one"
    ),
    Notice.MOVED_TO_YOUR_LINE: _l("A ticket was moved to my line"),
    Notice.TASK_GIVEN: _l("A task of a process was given to me or my line"),
}


def wants(user: User, notice: Notice) -> bool:
    return bool((user.notification_settings or {}).get(notice.value, True))


def notices_for(user: User) -> tuple[Notice, ...]:
    """The notices that can reach ``user``: staff also work as requesters
    (they may open tickets for themselves)."""
    return REQUESTER_NOTICES + AGENT_NOTICES if user.is_staff else REQUESTER_NOTICES


def set_preferences(user: User, enabled: set[str], *, by_admin: bool) -> None:
    """Store which notices ``user`` gets: those in ``enabled`` stay on, the
    others are turned off. Only an admin changes the essential ones."""
    settings = dict(user.notification_settings or {})
    for notice in notices_for(user):
        if notice in ESSENTIAL and not by_admin:
            continue
        if notice.value in enabled:
            settings.pop(notice.value, None)
        else:
            settings[notice.value] = False
    user.notification_settings = settings
