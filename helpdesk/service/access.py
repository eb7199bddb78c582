"""Who may see and work on which ticket: the one rule the views, the API and
the other packages ask.

Staff see every ticket. A customer sees the tickets they requested, those
they watch (``helpdesk.watchers``) and, as a designated contact of an
organisation, every ticket of that organisation; a plain member of it sees
only their own. Seeing a ticket is following it: its page, its replies, and
replying. What only the requester does (resolving, reopening, rating,
writing again after it closed) is checked by those services.

``actor=None`` is the system (rules, the SLA sweep): it may work on every
ticket.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk.errors import NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.vocabulary import ASSIGNABLE_ROLES, LINE_ROLES
from helpdesk.watchers.models import TicketWatcher


def visibility_terms(actor: User) -> list[sa.ColumnElement[bool]] | None:
    """Why a ticket is ``actor``'s to see, one term per reason (any of them
    will do), each served by an index of its own: requested
    (``requester_id, id``), watched (``ticket_watchers (user_id,
    ticket_id)``), of the organisation they are a contact of
    (``organisation_id, id``). None: staff, who see every ticket."""
    if actor.is_staff:
        return None
    terms = [
        Ticket.requester_id == actor.id,
        Ticket.id.in_(
            sa.select(TicketWatcher.ticket_id).where(TicketWatcher.user_id == actor.id)
        ),
    ]
    if actor.is_org_contact:
        terms.append(Ticket.organisation_id == actor.organisation_id)
    return terms


def visible_tickets(actor: User) -> sa.Select[tuple[Ticket]]:
    """The only way to load tickets: staff see all, customers those of
    ``visibility_terms``."""
    query = sa.select(Ticket)
    terms = visibility_terms(actor)
    if terms is not None:
        query = query.where(sa.or_(*terms))
    return query


def visible_ids(actor: User) -> sa.CompoundSelect | None:
    """The ids of the tickets a customer sees, as one UNION ALL of indexed
    reads: a search over them costs what they see, whatever the number of
    tickets (an OR of the terms lets SQLite walk a status index instead).
    None: staff, who see every ticket."""
    if actor.is_staff:
        return None
    parts = [
        sa.select(Ticket.id).where(Ticket.requester_id == actor.id),
        sa.select(TicketWatcher.ticket_id).where(TicketWatcher.user_id == actor.id),
    ]
    if actor.is_org_contact:
        parts.append(
            sa.select(Ticket.id).where(Ticket.organisation_id == actor.organisation_id)
        )
    return sa.union_all(*parts)


def follows(user: User, ticket: Ticket) -> bool:
    """Whether ``user`` may see ``ticket`` (and so reply on it)."""
    if user.is_staff or ticket.requester_id == user.id:
        return True
    if user.is_org_contact and ticket.organisation_id == user.organisation_id:
        return True
    watched = sa.select(TicketWatcher.id).where(
        TicketWatcher.ticket_id == ticket.id, TicketWatcher.user_id == user.id
    )
    return db.session.scalar(watched) is not None


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
