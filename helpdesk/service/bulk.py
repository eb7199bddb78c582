"""Queue work on several tickets at once: one savepoint per ticket, so a
refused ticket is skipped with its reason and the others go through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from helpdesk.errors import DomainError, InvalidInput
from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.service.access import get_visible_ticket, visible_tickets
from helpdesk.service.tickets import assign_ticket, change_status
from helpdesk.vocabulary import TicketStatus


@dataclass
class BulkOutcome:
    changed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # number -> reason


def visible(ticket_ids: list[int], *, actor: User) -> list[Ticket]:
    """The selected tickets the actor can see, in one query (by id)."""
    query = visible_tickets(actor).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id)
    return list(db.session.scalars(query))


def for_each_ticket(
    ticket_ids: list[int], change: Callable[[Ticket], object], *, actor: User
) -> BulkOutcome:
    """Apply ``change`` to each ticket the actor can see, each in its own
    savepoint: a refused one (a ``DomainError``) is skipped with its reason
    and leaves nothing half-done, the others still change. Other packages'
    queue actions (routing's bulk escalation) go through here too."""
    outcome = BulkOutcome()
    for ticket_id in dict.fromkeys(ticket_ids):
        try:
            ticket = get_visible_ticket(actor, ticket_id)
        except DomainError as err:
            outcome.skipped[f"#{ticket_id}"] = str(err.message)
            continue
        try:
            with db.session.begin_nested():
                change(ticket)
        except DomainError as err:
            outcome.skipped[ticket.number] = str(err.message)
        else:
            outcome.changed.append(ticket.number)
    return outcome


def bulk_update(
    ticket_ids: list[int],
    *,
    action: str,
    actor: User,
    now: datetime,
    status: TicketStatus | None = None,
) -> BulkOutcome:
    """Apply one action (``assign_me``, ``unassign`` or ``status``) to each ticket."""
    return for_each_ticket(
        ticket_ids,
        lambda t: _apply(t, action, status, actor=actor, now=now),
        actor=actor,
    )


def _apply(
    ticket: Ticket,
    action: str,
    status: TicketStatus | None,
    *,
    actor: User,
    now: datetime,
) -> None:
    if action == "assign_me":
        if ticket.assignee_id != actor.id:
            assign_ticket(ticket, actor.id, actor=actor, now=now)
    elif action == "unassign":
        if ticket.assignee_id is not None:
            assign_ticket(ticket, None, actor=actor, now=now)
    elif action == "status" and status is not None:
        if ticket.status != status:
            change_status(ticket, status, actor=actor, now=now)
    else:
        raise InvalidInput(
            _l("Unknown action."), fields={"action": [_l("Unknown action.")]}
        )
