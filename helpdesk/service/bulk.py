"""Queue work on several tickets at once, and merging a duplicate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from helpdesk.errors import DomainError, InvalidInput
from helpdesk.extensions import db
from helpdesk.models import (
    Attachment,
    Comment,
    EventKind,
    Ticket,
    TicketStatus,
    User,
)
from helpdesk.outbox import OutboxChannel, enqueue
from helpdesk.service.tickets import (
    assign_ticket,
    change_status,
    ensure_can_work_on,
    get_visible_ticket,
    record_event,
)


@dataclass
class BulkOutcome:
    changed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # number -> reason


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


def merge_ticket(
    duplicate: Ticket, survivor: Ticket, *, actor: User, now: datetime
) -> Ticket:
    """Close ``duplicate`` into ``survivor``: its comments and attachments
    move over, both timelines say so, and the duplicate's requester is told
    by e-mail where the conversation continues."""
    if duplicate.id == survivor.id:
        message = _l("A ticket cannot be merged into itself.")
        raise InvalidInput(message, fields={"into": [message]})
    if (
        duplicate.status == TicketStatus.CLOSED
        or survivor.status == TicketStatus.CLOSED
    ):
        message = _l("Closed tickets cannot be merged.")
        raise InvalidInput(message, fields={"into": [message]})
    if duplicate.requester_id != survivor.requester_id:
        # The requester is sent to the survivor, so it must be theirs to see;
        # one problem reported by several people is a defect to link instead.
        message = _l("Only tickets of the same requester can be merged.")
        raise InvalidInput(message, fields={"into": [message]})
    ensure_can_work_on(actor, duplicate)
    ensure_can_work_on(actor, survivor)
    moved = {}
    for model in (Comment, Attachment):
        moved[model.__tablename__] = db.session.execute(
            sa.update(model)
            .where(model.ticket_id == duplicate.id)
            .values(ticket_id=survivor.id)
        ).rowcount
    record_event(
        survivor,
        EventKind.MERGED,
        actor=actor,
        now=now,
        data={"from": duplicate.number, "from_id": duplicate.id} | moved,
    )
    record_event(
        duplicate,
        EventKind.MERGED,
        actor=actor,
        now=now,
        data={"into": survivor.number, "into_id": survivor.id},
    )
    duplicate.merged_into_id = survivor.id
    if duplicate.status != TicketStatus.RESOLVED:
        change_status(duplicate, TicketStatus.RESOLVED, actor=actor, now=now)
    change_status(duplicate, TicketStatus.CLOSED, actor=actor, now=now)
    _tell_requester(duplicate, survivor, now=now)
    return survivor


def _tell_requester(duplicate: Ticket, survivor: Ticket, *, now: datetime) -> None:
    requester = duplicate.requester
    with force_locale(requester.locale or "en"):
        subject = _(
            "%(number)s was merged into %(survivor)s",
            number=duplicate.number,
            survivor=survivor.number,
        )
        body = _(
            "Your request %(number)s describes the same problem as %(survivor)s. "
            "We merged them: please follow and answer %(survivor)s from now on.",
            number=duplicate.number,
            survivor=survivor.number,
        )
    enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=requester.email,
        subject=subject,
        body=body,
        now=now,
    )
