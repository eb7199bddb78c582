"""Reading tickets: keyset-paginated queue pages and a ticket's comments and
files, each in a fixed number of statements (no query per row)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from helpdesk.custom_fields import filters as custom_field_filters
from helpdesk.extensions import db
from helpdesk.imports import refs
from helpdesk.models import (
    Attachment,
    Category,
    Comment,
    Ticket,
    TicketTag,
    User,
    parse_ticket_number,
)
from helpdesk.organisations.models import Organisation, organisation_key
from helpdesk.pagination import decode_cursor, decode_key, page
from helpdesk.service import access


def ticket_page(
    actor: User, filters: dict, *, cursor: str | None, limit: int
) -> tuple[list[Ticket], str | None]:
    """One page of visible tickets in the order ``filters["sort"]`` names
    (``newest`` or ``due``), and the cursor of the next page."""
    if filters.get("sort") == "due":
        rows = list_tickets_by_due(
            actor, filters, after=decode_key(cursor, datetime, int), limit=limit + 1
        )
        return page(rows, limit, key=lambda t: (t.due_at, t.id))
    rows = list_tickets(actor, filters, after_id=decode_cursor(cursor), limit=limit + 1)
    return page(rows, limit)


def list_tickets(
    actor: User, filters: dict, *, after_id: int | None, limit: int
) -> list[Ticket]:
    """Newest first, keyset-paginated on id; one statement with requester,
    assignee and category joined (no query per row).

    ``filters`` may hold ``status`` (list), ``line``, ``assignee_id``
    (``0`` = unassigned) and ``requester_id``.
    """
    conditions = _list_conditions(filters)
    if after_id is not None:
        conditions.append(Ticket.id < after_id)
    return _load_page(actor, filters, conditions, (Ticket.id.desc(),), limit)


def list_tickets_by_due(
    actor: User, filters: dict, *, after: tuple | None, limit: int
) -> list[Ticket]:
    """Least time left first: tickets with a deadline by ``due_at``, then
    those without one, oldest first. ``after`` is the (due_at, id) key of the
    last row of the previous page."""
    conditions = _list_conditions(filters)
    due, after_id = after if after else (None, None)
    rows: list[Ticket] = []
    if after is None or due is not None:
        dated = [*conditions, Ticket.due_at.is_not(None)]
        if due is not None:
            # A range on due_at the index can walk, then the ties by id.
            dated += [
                Ticket.due_at >= due,
                sa.not_(sa.and_(Ticket.due_at == due, Ticket.id <= after_id)),
            ]
        order = (Ticket.due_at, Ticket.id)
        rows = _load_page(actor, filters, dated, order, limit)
    if len(rows) < limit:
        undated = [*conditions, Ticket.due_at.is_(None)]
        if after is not None and due is None:
            undated.append(Ticket.id > after_id)
        rows += _load_page(actor, filters, undated, (Ticket.id,), limit - len(rows))
    return rows


def _load_page(
    actor: User, filters: dict, conditions: list, order: tuple, limit: int
) -> list[Ticket]:
    """One page in ``order`` with its people and category joined.

    With several statuses, ``status IN (...)`` would read every matching row
    of the index and sort them (157 ms at a million tickets, bench/README.md);
    instead one arm per status walks its own index range in order and stops
    after ``limit`` ids, so a page costs the same at any size. A customer's
    reasons to see a ticket (requested, watched, their organisation's) are
    arms the same way: an OR of them would read every ticket of the
    organisation before sorting.
    """
    statuses = [Ticket.status == s for s in filters.get("status") or []]
    reasons = access.visibility_terms(actor) or []
    query = sa.select(Ticket).options(
        joinedload(Ticket.requester),
        joinedload(Ticket.assignee),
        joinedload(Ticket.category),
        selectinload(Ticket.tag_rows),  # one more statement per page, never per row
    )
    if len(statuses) > 1 or len(reasons) > 1:
        arms = [
            sa.select(Ticket.id)
            .where(*conditions, *reason, *status)
            .order_by(*order)
            .limit(limit)
            .subquery()
            for reason in [[r] for r in reasons] or [[]]
            for status in [[s] for s in statuses] or [[]]
        ]
        query = query.where(
            Ticket.id.in_(sa.union_all(*(sa.select(arm.c.id) for arm in arms)))
        )
    else:
        query = query.where(*conditions, *reasons, *statuses)
    return list(db.session.scalars(query.order_by(*order).limit(limit)))


def _list_conditions(filters: dict) -> list:
    conditions = []
    by_assignee = "assignee_id" in filters and filters["assignee_id"] is not None
    if filters.get("line"):
        # With an assignee filter, "line + 0" keeps SQLite (which has no
        # statistics) on the (assignee_id, status, id) index: walking a whole
        # line's backlog for one agent's few tickets took 80 ms at a million.
        line = Ticket.line + 0 if by_assignee else Ticket.line
        conditions.append(line == filters["line"])
    if by_assignee:
        assignee_id = filters["assignee_id"] or None
        conditions.append(
            Ticket.assignee_id.is_(None)
            if assignee_id is None
            else Ticket.assignee_id == assignee_id
        )
    if filters.get("requester_id"):
        conditions.append(Ticket.requester_id == filters["requester_id"])
    if filters.get("number"):
        conditions.append(Ticket.id.in_(tickets_numbered(filters["number"])))
    if filters.get("tag"):
        tagged = sa.select(TicketTag.ticket_id).where(TicketTag.tag == filters["tag"])
        conditions.append(Ticket.id.in_(tagged))
    if filters.get("field"):  # "key:value" of a custom field
        conditions.append(
            Ticket.id.in_(custom_field_filters.tickets_with(filters["field"]))
        )
    return conditions + _more_conditions(filters)


def _more_conditions(filters: dict) -> list:
    """Priority, category, the requester's organisation and creation dates
    (UTC days, both included)."""
    conditions = []
    if filters.get("priority"):
        conditions.append(Ticket.priority.in_(filters["priority"]))
    if filters.get("category"):
        code = sa.select(Category.id).where(Category.code == filters["category"])
        conditions.append(Ticket.category_id == code.scalar_subquery())
    if filters.get("organization"):
        # By name as typed, any case; an unknown name matches no ticket.
        key = organisation_key(filters["organization"])
        named = sa.select(Organisation.id).where(Organisation.name_key == key)
        conditions.append(Ticket.organisation_id == named.scalar_subquery())
    if filters.get("created_from"):
        start = datetime.combine(filters["created_from"], time(), UTC)
        conditions.append(Ticket.created_at >= start)
    if filters.get("created_to"):
        end = datetime.combine(filters["created_to"] + timedelta(days=1), time(), UTC)
        conditions.append(Ticket.created_at < end)
    return conditions


def list_conditions(filters: dict) -> list:
    """The WHERE terms of ``filters`` (every queue filter but status), for
    other queries over tickets (the search)."""
    conditions = _list_conditions(filters)
    if filters.get("status"):
        conditions.append(Ticket.status.in_(filters["status"]))
    return conditions


def tickets_numbered(number: str) -> list[int]:
    """Ids of the tickets known by ``number``: ours (``HD-000123``) or the
    legacy number an imported ticket kept (an indexed lookup each)."""
    ours = parse_ticket_number(number)
    return sorted({*([ours] if ours else []), *refs.ids_by_legacy_number(number)})


def ticket_comments(ticket: Ticket, *, actor: User) -> list[Comment]:
    query = (
        ticket.comments.select()
        .options(joinedload(Comment.author))
        .order_by(Comment.id)
    )
    if not actor.is_staff:
        query = query.where(Comment.internal.is_(False))
    return list(db.session.scalars(query))


def ticket_attachments(ticket: Ticket, *, actor: User) -> list[Attachment]:
    query = (
        ticket.attachments.select()
        .options(selectinload(Attachment.uploaded_by))
        .order_by(Attachment.id)
    )
    if not actor.is_staff:
        query = query.where(Attachment.internal.is_(False))
    return list(db.session.scalars(query))


def active_categories() -> list[Category]:
    return list(
        db.session.scalars(
            sa.select(Category).where(Category.active.is_(True)).order_by(Category.id)
        )
    )
