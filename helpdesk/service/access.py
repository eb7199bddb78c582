"""Who may see and work on which ticket: the one rule the views, the API and
the other packages ask.

``actor=None`` is the system (rules, the SLA sweep): it may work on every
ticket.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk.errors import NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import ASSIGNABLE_ROLES, LINE_ROLES, Ticket, User


def visible_tickets(actor: User) -> sa.Select[tuple[Ticket]]:
    """The only way to load tickets: staff see all, customers their own."""
    query = sa.select(Ticket)
    if not actor.is_staff:
        query = query.where(Ticket.requester_id == actor.id)
    return query


def get_visible_ticket(actor: User, ticket_id: int) -> Ticket:
    ticket = db.session.scalar(visible_tickets(actor).where(Ticket.id == ticket_id))
    if ticket is None:
        # Same answer for "absent" and "not yours": ids leak nothing.
        raise NotFound(_l("Ticket not found."))
    return ticket


def can_work_on(actor: User | None, ticket: Ticket) -> bool:
    """Agents act on their line's tickets and on those assigned to them."""
    if actor is None or actor.sees_all_lines:
        return True
    return actor.is_agent and (
        ticket.line == actor.line or ticket.assignee_id == actor.id
    )


def ensure_can_work_on(actor: User | None, ticket: Ticket) -> None:
    if not can_work_on(actor, ticket):
        raise PermissionDenied(_l("This ticket is outside your line."))


def works_on_line(user: User, line: int) -> bool:
    """Whether ``user`` keeps a ticket of ``line`` assigned to them."""
    return user.sees_all_lines or user.line == line


def is_assignable(user: User | None) -> bool:
    """An active agent or manager: who a ticket may be assigned to."""
    return user is not None and user.active and user.role in ASSIGNABLE_ROLES


def assignable_agents(ticket: Ticket, *, actor: User) -> list[User]:
    """Whom ``actor`` may assign ``ticket`` to, by name: anyone assignable for
    those who see every line, otherwise the ticket's line and themselves."""
    query = sa.select(User).where(User.active.is_(True)).order_by(User.name)
    if actor.sees_all_lines:
        query = query.where(User.role.in_(ASSIGNABLE_ROLES))
    else:
        query = query.where(
            sa.or_(User.role == LINE_ROLES[ticket.line], User.id == actor.id)
        )
    return list(db.session.scalars(query))
