"""Helpers routing's partials call from inside the core's pages (a panel
gets the page's context, not routing's data, so these load it)."""

from __future__ import annotations

from datetime import datetime

from flask_login import current_user

from helpdesk.models import Ticket
from helpdesk.service import access
from routing import labels
from routing.service import assignment, defects, tasks


def routing_ticket_panel(ticket: Ticket) -> dict:
    """What the ticket sidebar shows: where the ticket may move, and its defects."""
    if not current_user.is_staff:
        return {}
    can_work = access.can_work_on(current_user, ticket)
    can_file = defects.can_file(current_user) and can_work
    return {
        "can_escalate": can_work and ticket.is_active,
        "lines": [n for n in (1, 2, 3) if n != ticket.line],
        "defects": defects.defects_of_ticket(ticket),
        "can_file": can_file,
        "linkable": defects.linkable_defects(ticket) if can_file else [],
        "tasks": [
            (task, tasks.can_tick(current_user, task))
            for task in tasks.tasks_of_ticket(ticket)
        ],
    }


def routing_can_escalate(ticket: Ticket | None) -> bool:
    return (
        ticket is not None
        and current_user.is_staff
        and ticket.is_active
        and access.can_work_on(current_user, ticket)
    )


def routing_available() -> bool | None:
    """The current agent's availability; None for anyone who has none."""
    if not current_user.is_authenticated or not current_user.is_agent:
        return None
    return assignment.is_available(current_user.id)


def routing_instant(text: str) -> datetime:
    """An instant stored as ISO text in an event's data."""
    return datetime.fromisoformat(text)


TEMPLATE_GLOBALS = {
    "routing_instant": routing_instant,
    "routing_ticket_panel": routing_ticket_panel,
    "routing_can_escalate": routing_can_escalate,
    "routing_available": routing_available,
    "routing_describe_condition": labels.describe_condition,
    "routing_describe_conditions": labels.describe_conditions,
    "routing_describe_change": labels.describe_change,
    "routing_describe_action": labels.describe_action,
    "routing_trigger_label": labels.trigger_label,
    "routing_sla_target_label": lambda t: str(labels.SLA_TARGET_LABELS.get(t, t)),
    "routing_defect_status_label": lambda s: str(labels.DEFECT_STATUS_LABELS[s]),
}
