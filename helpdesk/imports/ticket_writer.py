"""Writing a batch of checked ticket rows: the tickets with their legacy
number or ours, their comments with their authors and dates, a timeline
that says they were imported, and the ``tickets_imported`` signal (the SLA
engine computes their clocks from these dates). No notification: the core's
usual signals, which mail people and run routing's rules, are not sent for
history.

A batch costs a fixed number of statements (about ten flushes), whatever
its size; a re-import of a ticket updates it and adds only comments it does
not have yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from helpdesk import events
from helpdesk.extensions import db
from helpdesk.imports import refs
from helpdesk.imports.kinds import Outcome, Row, RunContext
from helpdesk.models import (
    STAFF_ROLES,
    Channel,
    Comment,
    EventKind,
    Priority,
    Ticket,
    TicketStatus,
    TicketTag,
)
from helpdesk.service.timeline import record_event

RESOLVED_STATES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


@dataclass
class ImportedTicket:
    """What the SLA engine needs to replay a ticket's clocks: its own dates,
    the first public reply of an agent, and whether it was imported before
    (its clocks are then computed anew)."""

    ticket: Ticket
    first_response_at: datetime | None
    resolved_at: datetime | None
    paused_at: datetime | None
    replaced: bool


def write_tickets(rows: list[Row], context: RunContext) -> Outcome:
    existing = _existing(rows)
    tickets = []
    for _line, data in rows:
        ticket = existing.get(data["ticket_id"]) or Ticket(id=data["new_id"])
        _apply(ticket, data)
        tickets.append(ticket)
    _insert_new(tickets, rows)
    comments = _comments(rows, tickets, context)
    items = []
    for (_line, data), ticket in zip(rows, tickets, strict=True):
        is_new = data["ticket_id"] is None
        if is_new:
            refs.remember(
                "ticket",
                data["external_id"],
                ticket.id,
                now=context.now,
                legacy_number=data.get("number"),
            )
            _timeline(ticket, data)
        for comment in comments.get(ticket.id, ()):
            kind = EventKind.NOTE_ADDED if comment.internal else EventKind.REPLIED
            record_event(
                ticket,
                kind,
                actor=comment.author,
                now=comment.created_at,
                data={"comment_id": comment.id, "imported": True},
                internal=comment.internal,
            )
        ticket.updated_at = _updated_at(data)
        items.append(_imported(ticket, data, replaced=not is_new))
    db.session.flush()
    events.tickets_imported.send(None, items=items, now=context.now)
    # The clocks' events are dated in the past: the ticket's last change stays.
    for (_line, data), ticket in zip(rows, tickets, strict=True):
        ticket.updated_at = _updated_at(data)
    created = sum(1 for _l, d in rows if d["ticket_id"] is None)
    return Outcome(created, len(rows) - created)


def _existing(rows: list[Row]) -> dict[int, Ticket]:
    ids = [d["ticket_id"] for _l, d in rows if d["ticket_id"]]
    if not ids:
        return {}
    found = db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids)))
    return {t.id: t for t in found}


def _apply(ticket: Ticket, data: dict) -> None:
    status = TicketStatus(data["status"])
    ticket.subject = data["subject"]
    ticket.description = data["description"]
    ticket.status = status
    ticket.priority = Priority(data["priority"])
    ticket.channel = Channel(data["channel"])
    ticket.line = data["line"]
    # Relationship objects, not ids: the SLA engine reads the category and
    # the requester's organisation without a query per ticket.
    ticket.category = data["category_obj"]
    ticket.requester = data["requester_obj"]
    ticket.assignee = data["assignee_obj"]
    ticket.created_at = data["created_at"]
    ticket.updated_at = _updated_at(data)
    resolved = data.get("resolved_at") or data.get("closed_at")
    if status in RESOLVED_STATES:
        resolved = resolved or ticket.updated_at
    ticket.resolved_at = resolved if status in RESOLVED_STATES else None
    closed = data.get("closed_at") or resolved
    ticket.closed_at = closed if status == TicketStatus.CLOSED else None
    if ticket.tags != data["tags"]:
        ticket.tag_rows = [TicketTag(tag=t) for t in data["tags"]]


def _updated_at(data: dict) -> datetime:
    instants = [data["created_at"], *(c["created_at"] for c in data["comments"])]
    instants += [
        data[k] for k in ("updated_at", "resolved_at", "closed_at") if data.get(k)
    ]
    return max(instants)


def _insert_new(tickets: list[Ticket], rows: list[Row]) -> None:
    """New tickets with their legacy number as id first, then ours; on
    PostgreSQL the id sequence is moved past the legacy ids in between, so
    ours never collide with them."""
    explicit = [t for t in tickets if t.id is not None and t not in db.session]
    db.session.add_all(explicit)
    db.session.flush()
    if explicit and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('tickets', 'id'), "
                "(SELECT MAX(id) FROM tickets))"
            )
        )
    db.session.add_all(t for t in tickets if t not in db.session)
    db.session.flush()


def _comments(rows: list[Row], tickets: list[Ticket], context: RunContext) -> dict:
    """The rows' comments not imported yet (by their id, else their position),
    inserted; those imported before are updated in place."""
    keys = {}
    for (_line, data), ticket in zip(rows, tickets, strict=True):
        for position, item in enumerate(data["comments"], start=1):
            keys[f"{data['external_id']}#{item.get('id') or position}"] = (ticket, item)
    known = (
        refs.lookup("comment", keys) if any(d["ticket_id"] for _l, d in rows) else {}
    )
    key_of = {comment_id: key for key, comment_id in known.items()}
    if known:
        query = sa.select(Comment).where(Comment.id.in_(list(key_of)))
        for comment in db.session.scalars(query):
            _fill_comment(comment, keys[key_of[comment.id]][1])
    added = []
    for key, (ticket, item) in keys.items():
        if key not in known:
            comment = Comment(ticket_id=ticket.id)
            _fill_comment(comment, item)
            db.session.add(comment)
            added.append((key, comment))
    db.session.flush()
    fresh: dict[int, list[Comment]] = {}
    for key, comment in added:
        refs.remember("comment", key, comment.id, now=context.now)
        fresh.setdefault(comment.ticket_id, []).append(comment)
    return fresh


def _fill_comment(comment: Comment, item: dict) -> None:
    comment.author = item["author_obj"]
    comment.body = item["body"].strip()
    comment.internal = item["internal"]
    comment.created_at = item["created_at"]


def _timeline(ticket: Ticket, data: dict) -> None:
    """A new ticket's created and status events, at their own instants."""
    record_event(
        ticket,
        EventKind.CREATED,
        actor=ticket.requester,
        now=ticket.created_at,
        data={
            "channel": ticket.channel.value,
            "priority": ticket.priority.value,
            "imported": True,
            "legacy_number": data.get("number"),
        },
    )
    steps = []
    if ticket.resolved_at:
        steps.append((TicketStatus.RESOLVED, ticket.resolved_at))
    if ticket.status == TicketStatus.CLOSED:
        steps.append((TicketStatus.CLOSED, ticket.closed_at))
    elif ticket.status not in (TicketStatus.NEW, TicketStatus.RESOLVED):
        steps.append((ticket.status, ticket.updated_at))
    old = TicketStatus.NEW
    for status, at in steps:
        record_event(
            ticket,
            EventKind.STATUS_CHANGED,
            actor=ticket.assignee,
            now=at,
            data={"old": old.value, "new": status.value, "imported": True},
        )
        old = status


def _imported(ticket: Ticket, data: dict, *, replaced: bool) -> ImportedTicket:
    replies = [
        c["created_at"]
        for c in data["comments"]
        if not c["internal"] and c["author_obj"].role in STAFF_ROLES
    ]
    return ImportedTicket(
        ticket=ticket,
        first_response_at=min(replies) if replies else None,
        resolved_at=ticket.resolved_at,
        paused_at=ticket.updated_at if ticket.status == TicketStatus.PENDING else None,
        replaced=replaced,
    )
