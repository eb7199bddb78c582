"""Keeping ``ticket_search`` in step with the tickets: one statement per
ticket opened, one per comment added, two per merge.

The database keeps its full-text index in step with ``ticket_search`` by
itself (FTS5 triggers on SQLite, a generated column on PostgreSQL), so this
module only writes stemmed words. It hooks into the ticket code at two
places only: a ``ticket_created`` subscriber, and one call from
``add_comment`` and ``merge_ticket`` each.
"""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk import events, unit_of_work
from helpdesk.custom_fields import values as field_values
from helpdesk.extensions import db
from helpdesk.fulltext import index_text
from helpdesk.models import Comment, Ticket
from helpdesk.search.models import TicketSearchDoc


def connect() -> None:
    """Subscribe to the core's signals (idempotent: blinker keeps one
    connection per receiver)."""
    events.ticket_created.connect(on_ticket_created)
    # Nobody reads a new ticket's row back in the transaction that writes it.
    unit_of_work.append_only(TicketSearchDoc)


def on_ticket_created(ticket: Ticket, **_kwargs) -> None:
    """A new ticket's subject, description and custom field values (from
    memory), as one INSERT in the unit of work's own flush (an INSERT now
    would flush the intake in the middle)."""
    db.session.add(TicketSearchDoc(**ticket_doc(ticket)))


def ticket_doc(
    ticket: Ticket, comments: list[Comment] = (), fields: list[str] | None = None
) -> dict:
    """The ``ticket_search`` row of ``ticket`` with ``comments``; its custom
    field values' words (``fields``, read when not given) count as its
    description's."""
    if fields is None:
        fields = field_values.search_texts(ticket)
    return {
        "ticket_id": ticket.id,
        "subject_words": index_text(ticket.subject),
        "public_words": index_text(
            ticket.description,
            *fields,
            *(c.body for c in comments if not c.internal),
        ),
        "internal_words": index_text(*(c.body for c in comments if c.internal)),
    }


def index_comment(ticket: Ticket, comment: Comment) -> None:
    """Add a comment's words to its ticket: public replies where the
    requester may find them, internal notes where only staff look. One
    UPDATE; a ticket without a row yet (bulk-loaded) gets its whole row."""
    column = "internal_words" if comment.internal else "public_words"
    words = index_text(comment.body)
    if not words:
        return
    target = getattr(TicketSearchDoc, column)
    result = db.session.execute(
        sa.update(TicketSearchDoc)
        .where(TicketSearchDoc.ticket_id == ticket.id)
        .values({column: sa.case((target == "", words), else_=target + " " + words)})
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:
        reindex_ticket(ticket)


def reindex_ticket(ticket: Ticket) -> None:
    """Write ``ticket``'s row afresh from its subject, description and comments."""
    comments = list(db.session.scalars(ticket.comments.select()))
    db.session.execute(
        sa.delete(TicketSearchDoc).where(TicketSearchDoc.ticket_id == ticket.id)
    )
    db.session.execute(
        sa.insert(TicketSearchDoc).values(**ticket_doc(ticket, comments))
    )


def absorb(duplicate: Ticket, survivor: Ticket) -> None:
    """After a merge the survivor carries the duplicate's comments: its
    words join the survivor's (the duplicate keeps its own, closed)."""
    doc = db.session.get(TicketSearchDoc, duplicate.id)
    if doc is None:
        reindex_ticket(survivor)
        return
    updates = {}
    for column in ("public_words", "internal_words"):
        words = getattr(doc, column)
        if words:
            target = getattr(TicketSearchDoc, column)
            updates[column] = sa.case((target == "", words), else_=target + " " + words)
    if updates:
        db.session.execute(
            sa.update(TicketSearchDoc)
            .where(TicketSearchDoc.ticket_id == survivor.id)
            .values(updates)
            .execution_options(synchronize_session=False)
        )


def reindex_all(*, batch: int = 2000) -> int:
    """Rebuild every ticket's row (``flask search reindex``, the migration's
    backfill); returns the number of tickets. Batches by id, comments of a
    batch in one statement."""
    db.session.execute(sa.delete(TicketSearchDoc))
    count, after = 0, 0
    while True:
        tickets = list(
            db.session.scalars(
                sa.select(Ticket)
                .where(Ticket.id > after)
                .order_by(Ticket.id)
                .limit(batch)
            )
        )
        if not tickets:
            return count
        ids = [t.id for t in tickets]
        by_ticket: dict[int, list[Comment]] = {i: [] for i in ids}
        for comment in db.session.scalars(
            sa.select(Comment).where(Comment.ticket_id.in_(ids)).order_by(Comment.id)
        ):
            by_ticket[comment.ticket_id].append(comment)
        stored = field_values.stored_values(tickets)
        db.session.execute(
            sa.insert(TicketSearchDoc),
            [
                ticket_doc(
                    t, by_ticket[t.id], field_values.search_texts(t, stored[t.id])
                )
                for t in tickets
            ],
        )
        count += len(tickets)
        after = ids[-1]
