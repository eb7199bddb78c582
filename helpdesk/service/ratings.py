"""Satisfaction ratings: the requester rates a resolved ticket, once."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from helpdesk.errors import Conflict, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Rating, Ticket, User
from helpdesk.service.timeline import record_event
from helpdesk.vocabulary import EventKind, TicketStatus


def rate_ticket(
    ticket: Ticket, *, score: int, comment: str, actor: User, now: datetime
) -> Rating:
    """The requester rates a resolved or closed ticket, once."""
    if ticket.requester_id != actor.id:
        raise PermissionDenied(_l("Only the requester can rate a ticket."))
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise Conflict(_l("Only resolved tickets can be rated."))
    if ticket.rating is not None:
        raise Conflict(_l("This ticket has already been rated."))
    rating = Rating(
        ticket_id=ticket.id, score=score, comment=comment.strip(), created_at=now
    )
    db.session.add(rating)
    record_event(ticket, EventKind.RATED, actor=actor, now=now, data={"score": score})
    db.session.flush()
    return rating
