"""Processes: the checklist of tasks a rule's ``start_process`` action puts
on a ticket, ticking tasks off and back on, and an agent's open tasks.

Due times are wall-clock minutes after the rule fired (not business time):
"one business day" is written as 480 minutes by whoever writes the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from helpdesk.errors import Conflict, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.notify.audience import line_agents
from helpdesk.notify.mail import email_about_ticket
from helpdesk.notify.preferences import Notice
from helpdesk.service import access, timeline
from routing.models import RoutingTask

PROCESS_STARTED = "routing_process_started"
TASK_DONE = "routing_task_done"
TASK_REOPENED = "routing_task_reopened"


def start_process(
    ticket: Ticket,
    tasks: Sequence[Mapping],
    *,
    rule: str,
    now: datetime,
    settings: Mapping,
) -> list[RoutingTask]:
    """One task per entry (already validated), one internal timeline event
    naming the rule and listing the checklist, and an e-mail to whom each
    task is given (its agent, or its line's agents) with its due time."""
    rows = [
        {
            "ticket_id": ticket.id,
            "rule_name": rule,
            "title": task["title"].strip(),
            "line": task.get("line"),
            "agent_id": task.get("agent_id"),
            "due_at": now + timedelta(minutes=task["due_minutes"]),
            "created_at": now,
        }
        for task in tasks
    ]
    # A new ticket is written by the commit's flush (helpdesk.ticket_ids):
    # write it now, since the checklist's ids are needed at once, with the
    # version the process's event gives it (no UPDATE after).
    bumps_version = ticket not in db.session.new
    if not bumps_version:
        ticket.version = (ticket.version or 0) + 1
        db.session.flush([ticket])
    # One INSERT ... RETURNING for the checklist (their ids go into the
    # event), without flushing the rest of the transaction's work early.
    with db.session.no_autoflush:
        created = sorted(
            db.session.scalars(sa.insert(RoutingTask).returning(RoutingTask), rows),
            key=lambda row: row.id,
        )
    timeline.record_event(
        ticket,
        PROCESS_STARTED,
        actor=None,
        now=now,
        internal=True,
        bumps_version=bumps_version,
        data={
            "rule": rule,
            "tasks": [
                {
                    "id": row.id,
                    "title": row.title,
                    "line": row.line,
                    "agent_id": row.agent_id,
                    "agent": row.agent.name if row.agent else None,
                    "due_at": row.due_at.isoformat(),
                }
                for row in created
            ],
        },
    )
    for row in created:
        _tell_assignees(row, ticket, now=now, settings=settings)
    return created


def _tell_assignees(
    task: RoutingTask, ticket: Ticket, *, now: datetime, settings: Mapping
) -> None:
    users = [task.agent] if task.agent else line_agents(task.line or ticket.line)
    email_about_ticket(
        [u for u in users if u.active],
        ticket,
        lambda: _("Task “%(title)s” is yours.", title=task.title),
        due_at=task.due_at,
        notice=Notice.TASK_GIVEN,
        now=now,
        settings=settings,
    )


def tasks_of_ticket(ticket: Ticket) -> list[RoutingTask]:
    return list(
        db.session.scalars(
            sa.select(RoutingTask)
            .where(RoutingTask.ticket_id == ticket.id)
            .order_by(RoutingTask.id)
        )
    )


def tasks_page(ticket: Ticket, *, after: int | None, limit: int) -> list[RoutingTask]:
    query = (
        sa.select(RoutingTask)
        .where(RoutingTask.ticket_id == ticket.id)
        .order_by(RoutingTask.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(RoutingTask.id > after)
    return list(db.session.scalars(query))


def ensure_can_see_tasks(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied(_l("Only staff see a ticket's tasks."))


def can_tick(actor: User, task: RoutingTask) -> bool:
    """Staff who can work on the ticket, the task's agent, or an agent of
    the task's line."""
    if not actor.is_staff or not actor.active:
        return False
    if access.can_work_on(actor, task.ticket):
        return True
    if task.agent_id is not None:
        return task.agent_id == actor.id
    return actor.is_agent and task.line == actor.line


def get_task(actor: User, task_id: int) -> RoutingTask:
    task = db.session.get(RoutingTask, task_id)
    if task is None or not actor.is_staff:
        raise NotFound(_l("Task not found."))
    return task


def tick(task: RoutingTask, *, actor: User, now: datetime) -> RoutingTask:
    if not can_tick(actor, task):
        raise PermissionDenied(_l("This task is not yours to tick off."))
    if task.done_at is not None:
        raise Conflict(_l("This task is already done."))
    task.done_at, task.done_by_id = now, actor.id
    _record(task, TASK_DONE, actor=actor, now=now)
    return task


def untick(task: RoutingTask, *, actor: User, now: datetime) -> RoutingTask:
    if not can_tick(actor, task):
        raise PermissionDenied(_l("This task is not yours to reopen."))
    if task.done_at is None:
        raise Conflict(_l("This task is not done."))
    task.done_at, task.done_by_id = None, None
    _record(task, TASK_REOPENED, actor=actor, now=now)
    return task


def _record(task: RoutingTask, kind: str, *, actor: User, now: datetime) -> None:
    db.session.flush()
    timeline.record_event(
        task.ticket,
        kind,
        actor=actor,
        now=now,
        internal=True,
        data={"task_id": task.id, "title": task.title, "rule": task.rule_name},
    )


def open_tasks_for(agent: User) -> list[RoutingTask]:
    """The agent's open tasks and their line's, overdue (earliest due) first."""
    mine = RoutingTask.agent_id == agent.id
    if agent.line is not None:
        mine = sa.or_(
            mine,
            sa.and_(RoutingTask.agent_id.is_(None), RoutingTask.line == agent.line),
        )
    return list(
        db.session.scalars(
            sa.select(RoutingTask)
            .where(RoutingTask.done_at.is_(None), mine)
            .order_by(RoutingTask.due_at, RoutingTask.id)
            .limit(500)
        )
    )
