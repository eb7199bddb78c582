"""Who else has a ticket open: the ticket page reports every few seconds
("viewing", or "replying" while its reply box holds text) and is told who
else reported lately. One small row per agent and ticket, upserted."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from helpdesk.db import dialect_insert
from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.runtime_models import TicketViewer

ACTIVITIES = ("viewing", "replying")
# Rows this old are deleted when the ticket's viewers are next written.
_FORGET_AFTER = timedelta(hours=1)


def heartbeat(ticket: Ticket, *, user: User, activity: str, now: datetime) -> None:
    """``user`` has the page open (``activity``: viewing or replying) at ``now``."""
    insert = dialect_insert(db.session.get_bind().dialect.name)(TicketViewer)
    db.session.execute(
        insert.values(
            ticket_id=ticket.id, user_id=user.id, activity=activity, seen_at=now
        ).on_conflict_do_update(
            index_elements=["ticket_id", "user_id"],
            set_={"activity": activity, "seen_at": now},
        )
    )
    db.session.execute(
        sa.delete(TicketViewer).where(
            TicketViewer.ticket_id == ticket.id,
            TicketViewer.seen_at < now - _FORGET_AFTER,
        )
    )


def others(
    ticket: Ticket, *, user: User, now: datetime, timeout_seconds: int
) -> list[TicketViewer]:
    """The other people heard from on ``ticket`` in the last
    ``timeout_seconds``, replying ones first, then by name."""
    since = now - timedelta(seconds=timeout_seconds)
    viewers = db.session.scalars(
        sa.select(TicketViewer)
        .options(joinedload(TicketViewer.user))
        .where(
            TicketViewer.ticket_id == ticket.id,
            TicketViewer.seen_at >= since,
            TicketViewer.user_id != user.id,
        )
    )
    return sorted(viewers, key=lambda v: (v.activity != "replying", v.user.name))
