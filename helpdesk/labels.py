"""Translated display names of the core's enums, for pages and e-mails."""

from __future__ import annotations

from flask_babel import gettext as _

from helpdesk.models import Channel, Priority, Role, TicketStatus, format_ticket_number
from helpdesk.notify import preferences


def status_label(status: TicketStatus | str) -> str:
    return {
        TicketStatus.NEW: _("New"),
        TicketStatus.OPEN: _("Open"),
        TicketStatus.PENDING: _("Waiting on customer"),
        TicketStatus.RESOLVED: _("Resolved"),
        TicketStatus.REOPENED: _("Reopened"),
        TicketStatus.CLOSED: _("Closed"),
    }[TicketStatus(status)]


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


TEMPLATE_GLOBALS = {
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
