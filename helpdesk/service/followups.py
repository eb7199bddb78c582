"""A requester writes again about a closed ticket: a new ticket continues it.

A closed ticket takes no more replies and cannot be reopened. The requester's
new message (from the portal, the API or by e-mail) becomes the description
of a new ticket with the same requester (so the same organisation), subject
and category, linked to the closed one; it is routed and timed like any new
ticket, and both timelines name the other. A resolved ticket is still simply
reopened by the requester's reply.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk.errors import Conflict, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Ticket, User, format_ticket_number
from helpdesk.service.tickets import open_ticket
from helpdesk.vocabulary import Channel, TicketStatus

# A page lists at most this many follow-ups of one ticket.
MAX_LISTED = 20


def takes_follow_up(ticket: Ticket, actor: User) -> bool:
    """Whether ``actor`` writing on ``ticket`` opens a follow-up: it is closed
    (and not merged away: that conversation goes on in the survivor), and
    ``actor`` is its requester."""
    return (
        ticket.status == TicketStatus.CLOSED
        and ticket.merged_into_id is None
        and actor.id == ticket.requester_id
    )


def open_follow_up(
    closed: Ticket,
    *,
    body: str,
    actor: User,
    now: datetime,
    channel: Channel = Channel.WEB,
) -> Ticket:
    """The requester's message about the closed ticket ``closed`` as a new
    ticket linked to it. Refused for anyone but the requester, and for a
    ticket that is not closed (reply on it) or was merged into another."""
    if actor.id != closed.requester_id:
        raise PermissionDenied(
            _l("Only the requester can write again about a closed request.")
        )
    if closed.merged_into_id is not None:
        raise Conflict(
            _l(
                "This request continues in %(number)s: write there.",
                number=format_ticket_number(closed.merged_into_id),
            )
        )
    if closed.status != TicketStatus.CLOSED:
        raise Conflict(_l("This request is not closed: reply on it."))
    return open_ticket(
        {
            "subject": closed.subject,
            "description": body.strip(),
            "category": closed.category.code,
        },
        actor=actor,
        now=now,
        channel=channel,
        follow_up_of=closed,
    )


def follow_ups_of(ticket: Ticket) -> list[Ticket]:
    """The tickets that continue ``ticket``, oldest first (indexed)."""
    return list(
        db.session.scalars(
            sa.select(Ticket)
            .where(Ticket.follow_up_of_id == ticket.id)
            .order_by(Ticket.id)
            .limit(MAX_LISTED)
        )
    )
