"""A savepoint is part of its transaction on every database.

pysqlite opens no transaction for reads, so a savepoint taken after only
reads was SQLite's outermost transaction, and releasing it committed: a bulk
action's first ticket, or a swept clock, stayed stored when the request
failed later or the caller rolled back.
"""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket
from tests.builders import make_ticket


def _subject(ticket_id: int) -> str:
    db.session.rollback()
    return db.session.scalar(sa.select(Ticket.subject).where(Ticket.id == ticket_id))


def test_a_released_savepoint_after_reads_is_undone_by_the_rollback(ctx):
    ticket_id = make_ticket(subject="VPN drops").id
    db.session.commit()

    ticket = db.session.get(Ticket, ticket_id)  # only a read so far
    with db.session.begin_nested():
        ticket.subject = "Changed in a savepoint"
    db.session.rollback()

    assert _subject(ticket_id) == "VPN drops"


def test_a_released_savepoint_is_stored_by_the_commit(ctx):
    ticket_id = make_ticket(subject="VPN drops").id
    db.session.commit()

    ticket = db.session.get(Ticket, ticket_id)
    with db.session.begin_nested():
        ticket.subject = "Changed in a savepoint"
    db.session.commit()

    assert _subject(ticket_id) == "Changed in a savepoint"


def test_a_savepoint_rolled_back_keeps_the_work_before_it(ctx):
    ticket_id = make_ticket(subject="VPN drops").id
    db.session.commit()

    ticket = db.session.get(Ticket, ticket_id)
    ticket.subject = "Before the savepoint"
    try:
        with db.session.begin_nested():
            ticket.subject = "Undone"
            raise LookupError("refused")
    except LookupError:
        pass
    db.session.commit()

    assert _subject(ticket_id) == "Before the savepoint"
