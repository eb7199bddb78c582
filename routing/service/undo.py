"""Routing's part of an undo (``helpdesk.hooks.add_undo_participant``): the
core puts the line and the assignee back; here the processes that rules
started because of the undone operation are taken back too (their open
tasks are deleted; a task someone already ticked off stays)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent, User
from routing.models import RoutingTask
from routing.service.tasks import PROCESS_STARTED


def snapshot(tickets: list[Ticket]) -> dict[int, Any]:
    """Nothing to save: the operation's own events name what it started."""
    return {}


def restore(
    ticket: Ticket,
    saved: Any,
    *,
    events: list[TicketEvent],
    now: datetime,
    actor: User,
) -> None:
    task_ids = [
        task["id"]
        for e in events
        if e.kind == PROCESS_STARTED
        for task in e.data.get("tasks", [])
    ]
    if task_ids:
        db.session.execute(
            sa.delete(RoutingTask).where(
                RoutingTask.id.in_(task_ids),
                RoutingTask.ticket_id == ticket.id,
                RoutingTask.done_at.is_(None),
            )
        )
