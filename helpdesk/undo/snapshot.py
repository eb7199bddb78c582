"""A ticket's state before an undoable operation, as plain JSON data, and
putting it back: the core's fields and tags here, the other packages' state
(the SLA clocks, routing's tasks) through ``hooks.add_undo_participant``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from helpdesk import hooks
from helpdesk.extensions import db
from helpdesk.models import Attachment, Comment, Ticket, TicketEvent, TicketTag, User
from helpdesk.vocabulary import EventKind, Priority, TicketStatus

# What an operation may change on the ticket row and an undo puts back.
# (due_at follows the SLA clocks, which their participant restores.)
FIELDS = (
    "status",
    "line",
    "assignee_id",
    "priority",
    "category_id",
    "resolved_at",
    "closed_at",
    "merged_into_id",
    "due_at",
)
_ENUMS = {"status": TicketStatus, "priority": Priority}
_INSTANTS = {"resolved_at", "closed_at", "due_at"}


def capture(tickets: list[Ticket]) -> dict[str, dict]:
    """Each ticket's fields, tags, version and participants' data, by id (text)."""
    parts = {p.name: p.snapshot(tickets) for p in hooks.undo_participants()}
    return {
        str(t.id): {
            "fields": {name: to_json(getattr(t, name)) for name in FIELDS},
            "tags": t.tags,
            "before": t.version,
            "after": t.version,
            "parts": {name: data[t.id] for name, data in parts.items() if t.id in data},
        }
        for t in tickets
    }


def to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return getattr(value, "value", value)


def from_json(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def operation_events(ticket_id: int, saved: dict) -> list[TicketEvent]:
    """The events the operation wrote on the ticket: its versions' range."""
    return list(
        db.session.scalars(
            sa.select(TicketEvent)
            .where(
                TicketEvent.ticket_id == ticket_id,
                TicketEvent.ticket_version > saved["before"],
                TicketEvent.ticket_version <= saved["after"],
            )
            .order_by(TicketEvent.id)
        )
    )


def restore(
    ticket: Ticket,
    saved: dict,
    *,
    events: list[TicketEvent],
    now: datetime,
    actor: User,
) -> None:
    """Put the ticket back as ``saved`` says; then each participant's part."""
    for name, value in saved["fields"].items():
        if name in _ENUMS:
            value = _ENUMS[name](value)
        elif name in _INSTANTS:
            value = from_json(value)
        setattr(ticket, name, value)
    if ticket.tags != saved["tags"]:
        ticket.tag_rows = [TicketTag(tag=tag) for tag in saved["tags"]]
    for participant in hooks.undo_participants():
        participant.restore(
            ticket,
            saved["parts"].get(participant.name),
            events=events,
            now=now,
            actor=actor,
        )


def drop_created(events: list[TicketEvent]) -> list[str]:
    """Delete the comments and files the operation added (a reply and its
    attachment); answers the deleted comments' texts."""
    comment_ids = [
        e.data["comment_id"]
        for e in events
        if e.kind in (EventKind.REPLIED, EventKind.NOTE_ADDED)
    ]
    attachment_ids = [
        e.data["attachment_id"] for e in events if e.kind == EventKind.ATTACHMENT_ADDED
    ]
    bodies = []
    if comment_ids:
        bodies = list(
            db.session.scalars(
                sa.select(Comment.body)
                .where(Comment.id.in_(comment_ids))
                .order_by(Comment.id)
            )
        )
        db.session.execute(sa.delete(Comment).where(Comment.id.in_(comment_ids)))
    if attachment_ids:
        db.session.execute(
            sa.delete(Attachment).where(Attachment.id.in_(attachment_ids))
        )
    return bodies


def moved_rows(ticket: Ticket) -> dict[str, list[int]]:
    """The ids of a duplicate's comments and files, which a merge moves away."""
    return {
        model.__tablename__: list(
            db.session.scalars(sa.select(model.id).where(model.ticket_id == ticket.id))
        )
        for model in (Comment, Attachment)
    }


def move_back(merge: dict) -> None:
    """Undo a merge's move: the duplicate's comments and files go home."""
    for model in (Comment, Attachment):
        ids = merge["moved"].get(model.__tablename__) or []
        if ids:
            db.session.execute(
                sa.update(model)
                .where(model.id.in_(ids), model.ticket_id == merge["survivor"])
                .values(ticket_id=merge["duplicate"])
                .execution_options(synchronize_session=False)
            )
