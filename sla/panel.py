"""What the SLA shows inside core pages: the ticket sidebar's clocks and their
history, and the translated names the SLA pages share.

Template globals (registered in ``sla.init_app``), because a partial in a
core page's panel slot gets only that page's context.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.labels import status_label
from helpdesk.models import Ticket, TicketEvent
from sla.fields import weekday_label
from sla.models import SlaClock, Target
from sla.service import dashboard

TARGET_LABELS = {
    Target.FIRST_RESPONSE.value: _l("First response"),
    Target.NEXT_RESPONSE.value: _l("Next response"),
    Target.RESOLUTION.value: _l("Resolution"),
}
STATE_LABELS = {
    "running": _l("running"),
    "paused": _l("paused"),
    "met": _l("met"),
    "breached": _l("breached"),
    "no_response": _l("no response"),
}
# Badge colours from the core's stylesheet: blue, purple, green, red.
STATE_BADGES = {
    "running": "new",
    "paused": "pending",
    "met": "resolved",
    "breached": "P1",
    "no_response": "pending",
}
ACTION_LABELS = {
    "notify_assignee": _l("Notify the assignee"),
    "notify_line": _l("Notify the ticket's line"),
    "notify_managers": _l("Notify the managers"),
    "escalate": _l("Escalate to the next line"),
}
CAUSE_LABELS = {
    "ticket_created": _l("the ticket was registered"),
    "answered_on_the_call": _l("answered during the phone call"),
    "agent_replied": _l("an agent replied publicly"),
    "customer_replied": _l("the customer wrote"),
    "policy_reselected": _l("the priority or category changed"),
    "sweep": _l("the scheduler's check"),
    "undo": _l("an agent undid the change that moved it"),
}


def target_label(target: str) -> str:
    return str(TARGET_LABELS.get(target, target))


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def cause_label(cause: str | None) -> str:
    if cause and cause.startswith("status_"):
        try:
            return _(
                "the status changed to “%(status)s”", status=status_label(cause[7:])
            )
        except ValueError:
            pass
    return str(CAUSE_LABELS.get(cause or "", cause or "—"))


def duration(seconds: int) -> str:
    """Business seconds in words: "2 h 15 min", "45 min", "< 1 min"."""
    seconds = abs(int(seconds))
    hours, minutes = divmod(seconds // 60, 60)
    if hours and minutes:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    if hours:
        return _("%(hours)s h", hours=hours)
    if minutes:
        return _("%(minutes)s min", minutes=minutes)
    return _("< 1 min")


def time_left(state: str, seconds: int) -> str:
    """The clock's business time left (or overdue, or to spare), in words."""
    if state == "met":
        return _("met with %(time)s to spare", time=duration(seconds))
    if state == "no_response":
        return _("resolved without a public reply")
    if seconds < 0:
        return _("overdue by %(time)s", time=duration(seconds))
    if state == "breached":
        return _("breached")
    return _("%(time)s left", time=duration(seconds))


# --- the ticket sidebar ---------------------------------------------------------------


@dataclass
class ClockView:
    target: str
    state: str
    badge: str
    due_at: datetime | None
    business_seconds_left: int
    policy: str
    history: list[dict[str, Any]]


def ticket_clocks(ticket: Ticket, events: list[TicketEvent]) -> list[ClockView]:
    """Each clock of the ticket with its time left now and its history: the
    page's ``sla_*`` timeline events of its target, each with its cause."""
    now = get_clock().now()
    clocks = db.session.scalars(
        sa.select(SlaClock)
        .where(SlaClock.ticket_id == ticket.id)
        .order_by(SlaClock.id)
        .options(selectinload(SlaClock.policy))
    )
    history = [e for e in events if e.kind.startswith("sla_")]
    return [
        ClockView(
            target=clock.target.value,
            state=clock.state,
            badge=STATE_BADGES[clock.state],
            due_at=clock.due_at,
            business_seconds_left=dashboard.business_seconds_left(clock, now),
            policy=clock.policy.name,
            history=[
                describe(e)
                for e in history
                if e.data.get("target") == clock.target.value
            ],
        )
        for clock in clocks
    ]


def describe(event: TicketEvent) -> dict[str, Any]:
    """One ``sla_*`` event in words: what happened, why, and the due time then."""
    d = event.data or {}
    due = d.get("due_at")
    return {
        "at": event.created_at,
        "what": _what(event.kind, d),
        "cause": cause_label(d.get("cause")),
        "due_at": datetime.fromisoformat(due) if due else None,
    }


def _what(kind: str, d: dict[str, Any]) -> str:
    if kind == "sla_started":
        if (d.get("cycle") or 1) > 1:
            return _("Started again (cycle %(cycle)s)", cycle=d["cycle"])
        return _("Started under “%(policy)s”", policy=d.get("policy", "?"))
    if kind == "sla_policy_changed":
        return _(
            "Policy “%(old)s” → “%(new)s”",
            old=d.get("old_policy", "?"),
            new=d.get("policy", "?"),
        )
    if kind == "sla_warning":
        return _("Warning: %(percent)s%% of the time used", percent=d.get("percent"))
    if kind == "sla_paused" and d.get("spent_seconds") is not None:
        return _("Paused after %(time)s", time=duration(d["spent_seconds"]))
    texts = {
        "sla_paused": _l("Paused"),
        "sla_resumed": _l("Resumed"),
        "sla_met": _l("Met"),
        "sla_stopped": _l("Stopped after the breach"),
        "sla_unanswered": _l("Stopped without a public reply: no response"),
        "sla_breached": _l("Breached"),
        "sla_restored": _l("Restored as it was before the undone change"),
    }
    return str(texts.get(kind, kind))


def weekday_labels() -> list[str]:
    """Monday … Sunday, short, in the page's language (Babel's CLDR names)."""
    locale = str(get_locale())
    return [weekday_label(day, locale) for day in range(7)]


TEMPLATE_GLOBALS = {
    "sla_weekday_labels": weekday_labels,
    "sla_ticket_clocks": ticket_clocks,
    "sla_target_label": target_label,
    "sla_state_label": state_label,
    "sla_time_left": time_left,
    "sla_duration": duration,
    "sla_action_labels": ACTION_LABELS,
}
