"""Clocks that need an admin: those the sweep failed to compute (it retries
them with back-off; see ``sla.service.sweep``)."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, format_ticket_number
from sla.models import SlaClock


def clocks_needing_attention(limit: int = 50) -> list[dict]:
    """Clocks the sweep failed to compute (retried with back-off), most
    failures first: what an admin must look at, typically a calendar."""
    rows = db.session.execute(
        sa.select(SlaClock, Ticket.subject)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(SlaClock.check_failures > 0)
        .order_by(SlaClock.check_failures.desc(), SlaClock.id)
        .limit(limit)
    )
    return [
        {
            "ticket_id": clock.ticket_id,
            "number": format_ticket_number(clock.ticket_id),
            "subject": subject,
            "target": clock.target,
            "failures": clock.check_failures,
            "error": clock.check_error,
            "next_check_at": clock.next_check_at,
        }
        for clock, subject in rows
    ]
