"""Who gets a ticket: agents' availability, and the least-loaded available
agent of a line, round-robin among those equally loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql

from helpdesk.errors import InvalidInput, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.vocabulary import ACTIVE_STATUSES, AGENT_ROLES, LINE_ROLES
from routing.models import AgentStatus, RoutingState


@dataclass(frozen=True)
class AgentLoad:
    user: User
    available: bool
    active_tickets: int


def is_available(user_id: int) -> bool:
    status = db.session.get(AgentStatus, user_id)
    return status is None or status.available


def set_availability(
    agent: User, available: bool, *, actor: User, now: datetime
) -> AgentStatus:
    """Agents mark themselves available or away; managers and admins may
    mark any agent. Away agents get nothing assigned automatically."""
    if agent.id != actor.id and not actor.sees_all_lines:
        raise PermissionDenied(_l("You can change only your own availability."))
    if agent.role not in AGENT_ROLES:
        raise InvalidInput(
            _l("Only line agents have an availability."),
            fields={"available": [_l("Only line agents have an availability.")]},
        )
    status = db.session.get(AgentStatus, agent.id)
    if status is None:
        status = AgentStatus(user_id=agent.id, available=available, changed_at=now)
        db.session.add(status)
    elif status.available != available:
        status.available, status.changed_at = available, now
    db.session.flush()
    return status


def line_loads(line: int | None = None) -> list[AgentLoad]:
    """Every active agent (of ``line``, or of all lines) with availability
    and count of active tickets assigned, in one grouped query."""
    load = sa.func.count(Ticket.id)
    query = (
        sa.select(User, sa.func.coalesce(AgentStatus.available, True), load)
        .outerjoin(AgentStatus, AgentStatus.user_id == User.id)
        .outerjoin(
            Ticket,
            sa.and_(
                Ticket.assignee_id == User.id,
                Ticket.status.in_(sorted(ACTIVE_STATUSES)),
            ),
        )
        .where(User.active.is_(True))
        .group_by(User.id, AgentStatus.available)
        .order_by(User.role, User.id)
        # Agents have no organisation: its eager join would break the GROUP BY.
        .options(sa.orm.noload(User.organisation))
    )
    if line is None:
        query = query.where(User.role.in_(sorted(AGENT_ROLES)))
    else:
        query = query.where(User.role == LINE_ROLES[line])
    return [
        AgentLoad(user, bool(available), count)
        for user, available, count in db.session.execute(query)
    ]


def least_loaded_agent(line: int, *, take: bool) -> User | None:
    """The available agent of ``line`` with the fewest active tickets; among
    equals, the next one after the agent picked last (round-robin).

    ``take`` remembers the pick (for a real assignment); without it this is
    a look that changes nothing (for a dry run). On PostgreSQL the line's
    counter row is locked first, so two assignments at once take turns.
    """
    cursor = _last_pick(line, lock=take)
    candidates = [a for a in line_loads(line) if a.available]
    if not candidates:
        return None
    fewest = min(a.active_tickets for a in candidates)
    tied = sorted(a.user.id for a in candidates if a.active_tickets == fewest)
    last = int(cursor.value) if cursor is not None and cursor.value else 0
    chosen = next((uid for uid in tied if uid > last), tied[0])
    if take:
        _remember_pick(line, chosen, cursor)
    return next(a.user for a in candidates if a.user.id == chosen)


def _key(line: int) -> str:
    return f"last_pick_line_{line}"


def _last_pick(line: int, *, lock: bool) -> RoutingState | None:
    query = sa.select(RoutingState).where(RoutingState.name == _key(line))
    if lock and db.session.get_bind().dialect.name == "postgresql":
        # The row must exist to be locked; a concurrent first insert is a no-op.
        db.session.execute(
            postgresql.insert(RoutingState)
            .values(name=_key(line), value="0")
            .on_conflict_do_nothing()
        )
        query = query.with_for_update()
    return db.session.scalar(query)


def _remember_pick(line: int, user_id: int, cursor: RoutingState | None) -> None:
    if cursor is None:
        db.session.add(RoutingState(name=_key(line), value=str(user_id)))
    else:
        cursor.value = str(user_id)
    db.session.flush()
