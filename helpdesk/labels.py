"""Translated display names of the core's enums, for pages and e-mails."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from flask_babel import format_timedelta
from flask_babel import gettext as _

from helpdesk.models import Ticket, format_ticket_number
from helpdesk.notify import preferences
from helpdesk.vocabulary import Channel, Priority, Role, TicketStatus


def status_label(status: TicketStatus | str, *, requester: bool = False) -> str:
    """The status as staff call it; ``requester``: as the requester sees it,
    without the support lines' inner workings."""
    status = TicketStatus(status)
    if requester and status == TicketStatus.WAITING_LINE3:
        return _("Being fixed")
    if requester and status == TicketStatus.CONFIRM_FIX:
        return _("Fix ready")
    return {
        TicketStatus.NEW: _("New"),
        TicketStatus.OPEN: _("Open"),
        TicketStatus.PENDING: _("Waiting on customer"),
        TicketStatus.RESOLVED: _("Resolved"),
        TicketStatus.REOPENED: _("Reopened"),
        TicketStatus.CLOSED: _("Closed"),
        TicketStatus.WAITING_LINE3: _("Waiting on line 3"),
        TicketStatus.CONFIRM_FIX: _("Confirm the fix with the customer"),
    }[status]


def priority_label(priority: Priority | str) -> str:
    return {
        Priority.P1: _("P1 · critical"),
        Priority.P2: _("P2 · high"),
        Priority.P3: _("P3 · normal"),
        Priority.P4: _("P4 · low"),
    }[Priority(priority)]


def channel_label(channel: Channel | str) -> str:
    return {
        Channel.WEB: _("Web"),
        Channel.PHONE: _("Phone"),
        Channel.API: _("API"),
        Channel.EMAIL: _("E-mail"),
    }[Channel(channel)]


def role_label(role: Role | str) -> str:
    return {
        Role.CUSTOMER: _("Customer"),
        Role.LINE1: _("Line 1 agent"),
        Role.LINE2: _("Line 2 agent"),
        Role.LINE3: _("Line 3 agent"),
        Role.MANAGER: _("Manager"),
        Role.ADMIN: _("Administrator"),
    }[Role(role)]


# A deadline is at risk once less than this share of its span is left.
AT_RISK_SHARE = 0.25


class DueState(NamedTuple):
    """How a queue row shows its deadline: ``kind`` is the CSS class
    (``due-overdue``, ``due-risk``, ``due-ok``), ``label`` the word that says
    it without colour (empty when all is well), ``left`` the time left or late."""

    kind: str
    label: str
    left: str


def due_state(ticket: Ticket, now: datetime) -> DueState | None:
    """The ticket's earliest running deadline (``due_at``, kept by the SLA
    engine) as the queue shows it, from the row alone - no query.

    At risk: less than a quarter of the span from registration to the due
    time is left, in wall-clock time (the business-time share is the SLA
    panel's; this is the one a queue of a million tickets can afford)."""
    if ticket.due_at is None:
        return None
    left = ticket.due_at - now
    if left <= timedelta(0):
        late = format_timedelta(-left, threshold=1.1, add_direction=False)
        return DueState("due-overdue", _("Overdue"), _("by %(time)s", time=late))
    span = ticket.due_at - ticket.created_at
    text = _("%(time)s left", time=format_timedelta(left, threshold=1.1))
    if left < span * AT_RISK_SHARE:
        return DueState("due-risk", _("At risk"), text)
    return DueState("due-ok", "", text)


TEMPLATE_GLOBALS = {
    "due_state": due_state,
    "format_ticket_number": format_ticket_number,
    "status_label": status_label,
    "priority_label": priority_label,
    "channel_label": channel_label,
    "role_label": role_label,
    "statuses": list(TicketStatus),
    "priorities": list(Priority),
    "roles": list(Role),
    "notices_for": preferences.notices_for,
    "wants_notice": preferences.wants,
    "notice_labels": preferences.NOTICE_LABELS,
    "essential_notices": preferences.ESSENTIAL,
}
