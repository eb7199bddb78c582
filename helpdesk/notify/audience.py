"""Who is told: people named by their relation to a ticket (its assignee,
requester, line, the managers), each active one once."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from helpdesk import reference
from helpdesk.extensions import db
from helpdesk.models import LINE_ROLES, Role, Ticket, User

# Who can be told about a ticket without naming a person.
ASSIGNEE, LINE, MANAGERS, REQUESTER = "assignee", "line", "managers", "requester"
AUDIENCES = (ASSIGNEE, LINE, MANAGERS, REQUESTER)


def line_agents(line: int) -> list[User]:
    """The active agents of a support line, in a stable order (cached)."""
    return reference.active_staff(LINE_ROLES[line])


def managers() -> list[User]:
    return reference.active_staff(Role.MANAGER)


def audience(ticket: Ticket, audiences: Iterable[str]) -> list[User]:
    """The active users that ``audiences`` (names from ``AUDIENCES``) stand for
    on this ticket, each once, in one query."""
    wanted = set(audiences)
    conditions = []
    if ASSIGNEE in wanted and ticket.assignee_id:
        conditions.append(User.id == ticket.assignee_id)
    if REQUESTER in wanted:
        conditions.append(User.id == ticket.requester_id)
    if LINE in wanted:
        conditions.append(User.role == LINE_ROLES[ticket.line])
    if MANAGERS in wanted:
        conditions.append(User.role == Role.MANAGER)
    return _active_users(sa.or_(*conditions)) if conditions else []


def _active_users(condition) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.active.is_(True), condition).order_by(User.id)
        )
    )
