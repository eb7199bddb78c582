"""The clocks of tickets created in the current transaction, kept in memory
so the answer to the intake is built from what was just written instead of
being read back (``sla.api.ticket_sla``).

Only a ticket created in this transaction is known completely: every clock
it has was started here. Clocks are kept only when the unit of work asked
for it (they are strong references: kept objects stay in the identity map
with the values this session gave them). The list lives in ``session.info`` and is dropped
when the session begins another transaction or rolls back, so it never
outlives what it describes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.unit_of_work import keeps_written
from sla.calendar import CalendarSpec
from sla.models import SlaClock

_KEY = "sla.fresh_clocks"


def remember(
    ticket: Ticket, clock: SlaClock, spec: CalendarSpec, *, new_ticket: bool
) -> None:
    """Keep a started clock, when the unit of work answers from memory
    (``helpdesk.unit_of_work.keep_written``); else nothing is held."""
    if not keeps_written(db.session()):
        return
    known = db.session.info.setdefault(_KEY, {})
    if new_ticket:
        known.setdefault(ticket.id, [])
    if ticket.id in known:
        known[ticket.id].append((clock, clock.policy.id, spec))


def of(ticket_id: int) -> list[tuple[SlaClock, CalendarSpec | None]] | None:
    """Every clock of a ticket created in this transaction with the calendar
    it started on (None once it moved to another policy), or None."""
    found = db.session.info.get(_KEY, {}).get(ticket_id)
    if found is None:
        return None
    return [
        (clock, spec if clock.policy_id == policy_id else None)
        for clock, policy_id, spec in found
    ]


def _forget(session: Session, *_args) -> None:
    session.info.pop(_KEY, None)


def connect() -> None:
    for name in ("after_begin", "after_soft_rollback"):
        if not sa.event.contains(db.session, name, _forget):
            sa.event.listen(db.session, name, _forget)
