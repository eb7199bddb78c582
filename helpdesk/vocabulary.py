"""The helpdesk's vocabulary: roles and their groups, ticket statuses and
the moves between them, priorities, channels, and the kinds of timeline
events. Plain enums and sets, no tables (``helpdesk.models`` has those)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    LINE1 = "line1"
    LINE2 = "line2"
    LINE3 = "line3"
    MANAGER = "manager"
    ADMIN = "admin"


class AuthSource(enum.StrEnum):
    """Where a user's password is checked."""

    LOCAL = "local"  # the password hash in this database
    DIRECTORY = "directory"  # the company directory (helpdesk/directory/)


AGENT_ROLES = frozenset({Role.LINE1, Role.LINE2, Role.LINE3})
# Full access: every line, and the pages of the SLA, the rules and the reports.
MANAGER_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
STAFF_ROLES = AGENT_ROLES | MANAGER_ROLES
# Who a ticket may be assigned to: the lines' agents and the managers.
ASSIGNABLE_ROLES = AGENT_ROLES | {Role.MANAGER}
# Each support line's agents.
LINE_ROLES = {1: Role.LINE1, 2: Role.LINE2, 3: Role.LINE3}
LINE_OF_ROLE = {role: line for line, role in LINE_ROLES.items()}


class TicketStatus(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    # Linked to a defect line 3 has not fixed yet; set and cleared by the
    # defects (routing), never picked by hand. Whether the SLA clocks pause
    # meanwhile is the ticket's policy's choice.
    WAITING_LINE3 = "waiting_line3"
    # The defect is fixed: the ticket's line confirms the fix with the customer.
    CONFIRM_FIX = "confirm_fix"


# The state machine: which status may follow which.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset(
        {
            TicketStatus.OPEN,
            TicketStatus.PENDING,
            TicketStatus.RESOLVED,
            TicketStatus.CLOSED,
        }
    ),
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING, TicketStatus.RESOLVED}),
    TicketStatus.PENDING: frozenset({TicketStatus.OPEN, TicketStatus.RESOLVED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.REOPENED, TicketStatus.CLOSED}),
    TicketStatus.REOPENED: frozenset(
        {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED}
    ),
    TicketStatus.CLOSED: frozenset(),
    TicketStatus.WAITING_LINE3: frozenset(
        {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED}
    ),
    TicketStatus.CONFIRM_FIX: frozenset(
        {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED}
    ),
}
ACTIVE_STATUSES = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.OPEN,
        TicketStatus.PENDING,
        TicketStatus.REOPENED,
        TicketStatus.WAITING_LINE3,
        TicketStatus.CONFIRM_FIX,
    }
)
# The statuses line 3's defects set (``set_line3_status``), outside TRANSITIONS.
LINE3_STATUSES = frozenset({TicketStatus.WAITING_LINE3, TicketStatus.CONFIRM_FIX})
# The order the ticket page offers the next statuses in: the usual next step
# first; closing, which cannot be undone, last and apart.
STATUS_ACTION_ORDER = (
    TicketStatus.OPEN,
    TicketStatus.PENDING,
    TicketStatus.RESOLVED,
    TicketStatus.REOPENED,
    TicketStatus.CLOSED,
)


def next_statuses(status: TicketStatus) -> list[TicketStatus]:
    """What a ticket in ``status`` may be moved to by hand, in the page's order."""
    return [s for s in STATUS_ACTION_ORDER if s in TRANSITIONS[status]]


class Priority(enum.StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Channel(enum.StrEnum):
    WEB = "web"
    PHONE = "phone"
    API = "api"
    EMAIL = "email"


class EventKind(enum.StrEnum):
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    PRIORITY_CHANGED = "priority_changed"
    CATEGORY_CHANGED = "category_changed"
    ASSIGNED = "assigned"
    REPLIED = "replied"
    NOTE_ADDED = "note_added"
    ATTACHMENT_ADDED = "attachment_added"
    RATED = "rated"
    TAGS_CHANGED = "tags_changed"
    MERGED = "merged"
    # A requester wrote again after the ticket was closed: ``follow_up`` on the
    # closed one names the new ticket, ``follow_up_of`` on the new one the old.
    FOLLOW_UP = "follow_up"
    # Named before the core owned line moves; kept so stored timelines read the same.
    LINE_CHANGED = "routing_line_changed"
    # An undoable operation taken back (helpdesk.undo); data names the operation.
    UNDONE = "undone"
    # Someone began or stopped following the ticket (helpdesk.watchers).
    WATCHER_ADDED = "watcher_added"
    WATCHER_REMOVED = "watcher_removed"
