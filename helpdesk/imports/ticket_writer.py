"""Writing a batch of checked ticket rows: the tickets with their legacy
number or ours, their comments with their authors and dates, a timeline
that says they were imported, and the ``tickets_imported`` signal (the SLA
engine computes their clocks from these dates). No notification: the core's
usual signals, which mail people and run routing's rules, are not sent for
history.

Tickets are ORM objects (the SLA engine reads them); their comments, tags,
timeline events and legacy ids - four fifths of the rows - are inserted with
one multi-row INSERT each per batch (the unit of work cost ten times more
per row, bench/README.md). A re-import of a ticket updates it and adds only
the comments it does not have yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from helpdesk import events
from helpdesk.extensions import db
from helpdesk.imports import refs
from helpdesk.imports.kinds import Outcome, Row, RunContext
from helpdesk.models import Category, Comment, Ticket, TicketEvent, TicketTag, User
from helpdesk.vocabulary import STAFF_ROLES, Channel, EventKind, Priority, TicketStatus

RESOLVED_STATES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


@dataclass
class TicketDraft:
    """A ticket's values as imported, with its category and people as
    objects: the SLA engine reads it like a ticket (``ticket_facts``), and
    new tickets are inserted from it without the unit of work."""

    id: int | None
    subject: str
    description: str
    status: TicketStatus
    priority: Priority
    channel: Channel
    line: int
    category: Category
    requester: User
    assignee: User | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None = None

    @property
    def requester_id(self) -> int:
        return self.requester.id

    @property
    def assignee_id(self) -> int | None:
        return self.assignee.id if self.assignee else None

    def values(self) -> dict:
        """The ``tickets`` row (without ``id``)."""
        names = ("subject", "description", "status", "priority", "channel", "line")
        names += ("created_at", "updated_at", "resolved_at", "closed_at", "due_at")
        row = {name: getattr(self, name) for name in names}
        return row | {
            "category_id": self.category.id,
            "requester_id": self.requester_id,
            # A ticket carries its requester's organisation (its contacts see it).
            "organisation_id": self.requester.organisation_id,
            "assignee_id": self.assignee_id,
            "merged_into_id": None,
        }


@dataclass
class ImportedTicket:
    """What the SLA engine needs to replay a ticket's clocks: the ticket
    (a ``TicketDraft``), the first public reply of an agent, its resolution
    and pause instants, and whether it was imported before (its clocks are
    then computed anew)."""

    ticket: TicketDraft
    first_response_at: datetime | None
    resolved_at: datetime | None
    paused_at: datetime | None
    replaced: bool


def write_tickets(rows: list[Row], context: RunContext) -> Outcome:
    drafts = [_draft(data) for _line, data in rows]
    _update_existing(rows, drafts)
    new = [
        (d, t)
        for (_l, d), t in zip(rows, drafts, strict=True)
        if d["ticket_id"] is None
    ]
    _insert_new([(d["new_id"], t) for d, t in new])
    pairs = list(zip(rows, drafts, strict=True))
    timeline: list[dict] = []
    for data, ticket in new:
        timeline += _timeline(ticket, data)
    timeline += _comments(pairs, context)
    _insert(
        TicketTag,
        [{"ticket_id": t.id, "tag": tag} for d, t in new for tag in d["tags"]],
    )
    refs.remember_all(
        "ticket",
        [(d["external_id"], t.id, d.get("number")) for d, t in new],
        now=context.now,
    )
    _insert(TicketEvent, timeline)
    items = [
        _imported(t, d, replaced=d["ticket_id"] is not None) for (_l, d), t in pairs
    ]
    events.tickets_imported.send(None, items=items, now=context.now)
    return Outcome(len(new), len(rows) - len(new))


def _insert(model, values: list[dict]) -> None:
    if values:
        # Core's multi-row INSERT: the ORM's bulk path costs more per row.
        db.session.execute(model.__table__.insert(), values)


def _draft(data: dict) -> TicketDraft:
    status = TicketStatus(data["status"])
    updated = _updated_at(data)
    resolved = data.get("resolved_at") or data.get("closed_at")
    resolved = (resolved or updated) if status in RESOLVED_STATES else None
    closed = (
        (data.get("closed_at") or resolved) if status == TicketStatus.CLOSED else None
    )
    return TicketDraft(
        id=data["ticket_id"],
        subject=data["subject"],
        description=data["description"],
        status=status,
        priority=Priority(data["priority"]),
        channel=Channel(data["channel"]),
        line=data["line"],
        category=data["category_obj"],
        requester=data["requester_obj"],
        assignee=data["assignee_obj"],
        created_at=data["created_at"],
        updated_at=updated,
        resolved_at=resolved,
        closed_at=closed,
    )


def _update_existing(rows: list[Row], drafts: list[TicketDraft]) -> None:
    """Tickets imported before take the file's values (through the ORM)."""
    ids = [d.id for d in drafts if d.id is not None]
    if not ids:
        return
    found = {
        t.id: t for t in db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids)))
    }
    for (_line, data), draft in zip(rows, drafts, strict=True):
        ticket = found.get(draft.id)
        if ticket is None:
            continue
        for name, value in draft.values().items():
            if name not in ("due_at", "merged_into_id"):
                setattr(ticket, name, value)
        if ticket.tags != data["tags"]:
            ticket.tag_rows = [TicketTag(tag=t) for t in data["tags"]]
    db.session.flush()


def _updated_at(data: dict) -> datetime:
    instants = [data["created_at"], *(c["created_at"] for c in data["comments"])]
    instants += [
        data[k] for k in ("updated_at", "resolved_at", "closed_at") if data.get(k)
    ]
    return max(instants)


def _insert_new(new: list[tuple[int | None, TicketDraft]]) -> None:
    """New tickets with their legacy number as id first, then ours; on
    PostgreSQL the id sequence is moved past the legacy ids in between, so
    ours never collide with them."""
    table = Ticket.__table__
    explicit = [(i, d) for i, d in new if i is not None]
    if explicit:
        db.session.execute(
            table.insert(), [d.values() | {"id": i} for i, d in explicit]
        )
        for ticket_id, draft in explicit:
            draft.id = ticket_id
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('tickets', 'id'), "
                    "(SELECT MAX(id) FROM tickets))"
                )
            )
    ours = [d for i, d in new if i is None]
    if ours:
        insert = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        ids = db.session.scalars(insert, [d.values() for d in ours]).all()
        for draft, ticket_id in zip(ours, ids, strict=True):
            draft.id = ticket_id


def _comments(pairs: list, context: RunContext) -> list[dict]:
    """Insert the comments not imported yet (known by their id, else their
    position) and return their timeline events; those imported before are
    updated in place."""
    keyed = {}
    for (_line, data), ticket in pairs:
        for position, item in enumerate(data["comments"], start=1):
            keyed[f"{data['external_id']}#{item.get('id') or position}"] = (
                ticket,
                item,
            )
    known = (
        refs.lookup("comment", keyed)
        if any(d["ticket_id"] for (_l, d), _t in pairs)
        else {}
    )
    if known:
        key_of = {comment_id: key for key, comment_id in known.items()}
        for comment in db.session.scalars(
            sa.select(Comment).where(Comment.id.in_(list(key_of)))
        ):
            item = keyed[key_of[comment.id]][1]
            comment.author_id, comment.body = (
                item["author_obj"].id,
                item["body"].strip(),
            )
            comment.internal, comment.created_at = item["internal"], item["created_at"]
    fresh = [
        (key, ticket, item) for key, (ticket, item) in keyed.items() if key not in known
    ]
    if not fresh:
        return []
    values = [
        {
            "ticket_id": ticket.id,
            "author_id": item["author_obj"].id,
            "body": item["body"].strip(),
            "internal": item["internal"],
            "created_at": item["created_at"],
        }
        for _key, ticket, item in fresh
    ]
    table = Comment.__table__
    insert = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    ids = db.session.scalars(insert, values).all()
    refs.remember_all(
        "comment",
        [(k, i, None) for (k, _t, _i), i in zip(fresh, ids, strict=True)],
        now=context.now,
    )
    return [
        _event(
            ticket.id,
            EventKind.NOTE_ADDED if item["internal"] else EventKind.REPLIED,
            item["author_obj"].id,
            item["created_at"],
            {"comment_id": comment_id, "imported": True},
            internal=item["internal"],
        )
        for (_key, ticket, item), comment_id in zip(fresh, ids, strict=True)
    ]


def _event(ticket_id, kind, actor_id, at, data, *, internal=False) -> dict:
    """One timeline row, as ``helpdesk.service.timeline.record_event`` writes it."""
    return {
        "ticket_id": ticket_id,
        "actor_id": actor_id,
        "kind": str(kind),
        "data": data,
        "internal": internal,
        "created_at": at,
    }


def _timeline(ticket: TicketDraft, data: dict) -> list[dict]:
    """A new ticket's created and status events, at their own instants."""
    created = {
        "channel": ticket.channel.value,
        "priority": ticket.priority.value,
        "imported": True,
        "legacy_number": data.get("number"),
    }
    rows = [
        _event(
            ticket.id,
            EventKind.CREATED,
            ticket.requester_id,
            ticket.created_at,
            created,
        )
    ]
    steps = []
    if ticket.resolved_at:
        steps.append((TicketStatus.RESOLVED, ticket.resolved_at))
    if ticket.status == TicketStatus.CLOSED:
        steps.append((TicketStatus.CLOSED, ticket.closed_at))
    elif ticket.status not in (TicketStatus.NEW, TicketStatus.RESOLVED):
        steps.append((ticket.status, ticket.updated_at))
    old = TicketStatus.NEW
    for status, at in steps:
        change = {"old": old.value, "new": status.value, "imported": True}
        rows.append(
            _event(ticket.id, EventKind.STATUS_CHANGED, ticket.assignee_id, at, change)
        )
        old = status
    return rows


def _imported(ticket: TicketDraft, data: dict, *, replaced: bool) -> ImportedTicket:
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
