"""Moving tickets between the support lines: escalation by hand (up, or back
down with a reason), by the SLA policy, by a rule or by a fixed defect."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from helpdesk.errors import Conflict, InvalidInput, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Role, Ticket, User
from helpdesk.service import access, timeline
from helpdesk.service import tickets as ticket_service
from routing import notify
from routing.rules import Trigger
from routing.service import chain

LINE_CHANGED = "routing_line_changed"
MAX_REASON_LENGTH = 2000


def system_actor() -> User:
    """Who the rules are when a core service needs an actor: an unsaved
    administrator, so the core's checks pass and its timeline events carry
    no actor (shown as "System"). Never added to a session."""
    return User(role=Role.ADMIN, name="Routing", email="routing@localhost", active=True)


def escalate_ticket(
    ticket: Ticket,
    *,
    line: int,
    reason: str,
    actor: User,
    now: datetime,
    settings: Mapping[str, Any],
) -> Ticket:
    """An agent moves a ticket they can work on to another line, up or back
    down, with a reason; the new line is told by e-mail."""
    if not actor.is_staff:
        raise PermissionDenied(_l("Only agents can escalate tickets."))
    access.ensure_can_work_on(actor, ticket)
    reason = (reason or "").strip()
    if not reason:
        message = _l("Say why the ticket moves to another line.")
        raise InvalidInput(message, fields={"reason": [message]})
    if line not in (1, 2, 3) or line == ticket.line:
        message = _l("Choose another line than the ticket's own.")
        raise InvalidInput(message, fields={"line": [message]})
    move_ticket(
        ticket,
        line=line,
        reason=reason[:MAX_REASON_LENGTH],
        cause="manual",
        actor=actor,
        now=now,
        settings=settings,
    )
    return ticket


def move_ticket(
    ticket: Ticket,
    *,
    line: int,
    reason: str,
    cause: str,
    actor: User | None,
    now: datetime,
    settings: Mapping[str, Any],
    rule: str | None = None,
) -> bool:
    """Put the ticket in ``line``'s queue; no permission check (callers do).

    The assignee stays only if they work on that line; the timeline records
    the move with its reason and cause (``manual``, ``rule``, ``sla_warning``,
    ``sla_breach``, ``defect_fixed``); the new line's agents get an e-mail.
    False when there is nothing to do (same line, or the ticket is done).
    """
    if line == ticket.line:
        return False
    if not ticket.is_active:
        raise Conflict(_l("Only an active ticket can move to another line."))
    old_line, old_assignee = ticket.line, ticket.assignee_id
    if old_assignee is not None and not _works_on(old_assignee, line):
        by = actor if actor and access.can_work_on(actor, ticket) else None
        ticket_service.assign_ticket(ticket, None, actor=by or system_actor(), now=now)
    ticket.line = line
    timeline.record_event(
        ticket,
        LINE_CHANGED,
        actor=actor,
        now=now,
        internal=True,
        data={
            "old": old_line,
            "new": line,
            "reason": reason,
            "cause": cause,
            "rule": rule,
            "unassigned": old_assignee if ticket.assignee_id is None else None,
        },
    )
    db.session.flush()
    notify.send(
        notify.line_agents(line),
        ticket,
        lambda: _("Moved to line %(line)s", line=line),
        now=now,
        base_url=settings.get("BASE_URL", ""),
        detail=_("Reason: %(reason)s", reason=reason),
    )
    chain.note(db.session(), Trigger.TICKET_UPDATED, ticket.id, now=now)
    return True


def _works_on(user_id: int, line: int) -> bool:
    user = db.session.get(User, user_id)
    return user is not None and (user.sees_all_lines or user.line == line)


def next_line(ticket: Ticket) -> int | None:
    return ticket.line + 1 if ticket.line < 3 else None
