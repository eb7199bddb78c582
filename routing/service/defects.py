"""Defects and enhancement requests for line 3, filed from tickets.

Line 2 (and managers, admins; line 3 too) files one from a ticket and links
more tickets later; a linked active ticket then waits on line 3 (its status;
its policy decides whether its SLA clocks pause meanwhile). Line 3 works the
defects queue and marks one fixed, and then every linked active ticket gets
an internal note and goes back to the line it was on when linked, as
"confirm the fix with the customer" (unless another defect it waits on is
still open). A fix that did not hold is reopened: its tickets that are still
active wait on line 3 again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from helpdesk.errors import Conflict, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.notify.audience import line_agents
from helpdesk.notify.mail import email_about_ticket
from helpdesk.service import access, timeline
from helpdesk.service.lines import move_to_line
from helpdesk.service.tickets import set_line3_status
from helpdesk.vocabulary import Role, TicketStatus
from routing.models import Defect, DefectLink, DefectStatus

FILERS = frozenset({Role.LINE2, Role.LINE3, Role.MANAGER, Role.ADMIN})
FIXERS = frozenset({Role.LINE3, Role.MANAGER, Role.ADMIN})
LINKED = "routing_defect_linked"
FIXED = "routing_defect_fixed"
REOPENED = "routing_defect_reopened"


def can_file(actor: User) -> bool:
    return actor.is_authenticated and actor.role in FILERS


def can_fix(actor: User) -> bool:
    return actor.is_authenticated and actor.role in FIXERS


def visible_defects(actor: User) -> sa.Select[tuple[Defect]]:
    """The only way to load defects: staff see them all, nobody else any."""
    query = sa.select(Defect)
    if not actor.is_staff:
        query = query.where(sa.false())
    return query


def get_visible_defect(actor: User, defect_id: int) -> Defect:
    defect = db.session.scalar(
        visible_defects(actor)
        .where(Defect.id == defect_id)
        .options(selectinload(Defect.links).joinedload(DefectLink.ticket))
    )
    if defect is None:
        raise NotFound(_l("Defect not found."))
    return defect


def list_defects(
    actor: User, filters: dict, *, after_id: int | None, limit: int
) -> list[Defect]:
    """Newest first, keyset-paginated on id; ``status`` and ``kind`` filter."""
    query = visible_defects(actor).options(joinedload(Defect.created_by))
    if filters.get("status"):
        query = query.where(Defect.status == filters["status"])
    if filters.get("kind"):
        query = query.where(Defect.kind == filters["kind"])
    if after_id is not None:
        query = query.where(Defect.id < after_id)
    return list(db.session.scalars(query.order_by(Defect.id.desc()).limit(limit)))


def defects_of_ticket(ticket: Ticket) -> list[Defect]:
    return list(
        db.session.scalars(
            sa.select(Defect)
            .join(DefectLink)
            .where(DefectLink.ticket_id == ticket.id)
            .order_by(Defect.id)
        )
    )


def linkable_defects(ticket: Ticket) -> list[Defect]:
    """Defects not fixed yet that the ticket is not linked to."""
    linked = sa.select(DefectLink.defect_id).where(DefectLink.ticket_id == ticket.id)
    return list(
        db.session.scalars(
            sa.select(Defect)
            .where(Defect.status != DefectStatus.FIXED, Defect.id.not_in(linked))
            .order_by(Defect.id.desc())
            .limit(50)
        )
    )


def _ensure_filer(actor: User, ticket: Ticket | None = None) -> None:
    if not can_file(actor):
        raise PermissionDenied(_l("Only lines 2 and 3 and managers file defects."))
    if ticket is not None:
        access.ensure_can_work_on(actor, ticket)


def create_defect(data: dict, *, ticket: Ticket, actor: User, now: datetime) -> Defect:
    """File a defect or enhancement request from ``ticket`` and link it."""
    _ensure_filer(actor, ticket)
    defect = Defect(
        kind=data["kind"],
        title=data["title"].strip(),
        description=data["description"].strip(),
        severity=data["severity"],
        status=DefectStatus.OPEN,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(defect)
    db.session.flush()
    link_ticket(defect, ticket, actor=actor, now=now)
    return defect


def link_ticket(
    defect: Defect, ticket: Ticket, *, actor: User, now: datetime
) -> DefectLink:
    """Another ticket waits on the defect; it returns to its current line
    when the defect is fixed."""
    _ensure_filer(actor, ticket)
    if defect.status == DefectStatus.FIXED:
        raise Conflict(_l("This defect is fixed already; file a new one."))
    exists = db.session.scalar(
        sa.select(DefectLink.id).where(
            DefectLink.defect_id == defect.id, DefectLink.ticket_id == ticket.id
        )
    )
    if exists:
        raise Conflict(_l("The ticket is linked to this defect already."))
    link = DefectLink(
        defect=defect,
        ticket_id=ticket.id,
        return_line=ticket.line,
        linked_by_id=actor.id,
        linked_at=now,
    )
    db.session.add(link)
    defect.updated_at = now
    timeline.record_event(
        ticket,
        LINKED,
        actor=actor,
        now=now,
        internal=True,
        data={"defect_id": defect.id, "number": defect.number, "title": defect.title},
    )
    db.session.flush()
    set_line3_status(ticket, TicketStatus.WAITING_LINE3, actor=actor, now=now)
    return link


def update_defect(
    defect: Defect, changes: dict, *, actor: User, now: datetime
) -> Defect:
    """Edit title, description, severity, kind; line 3 sets "in progress"
    (or back to "open"). "Fixed" only through ``fix_defect``."""
    _ensure_filer(actor)
    if defect.status == DefectStatus.FIXED:
        raise Conflict(_l("A fixed defect does not change any more."))
    if "status" in changes:
        if not can_fix(actor):
            raise PermissionDenied(_l("Only line 3 and managers change the status."))
        if changes["status"] == DefectStatus.FIXED:
            raise Conflict(_l("Mark the defect fixed with its resolution."))
    for name in ("kind", "title", "description", "severity", "status"):
        if name in changes:
            value = changes[name]
            setattr(defect, name, value.strip() if isinstance(value, str) else value)
    defect.updated_at = now
    db.session.flush()
    return defect


def fix_defect(
    defect: Defect,
    *,
    resolution: str,
    actor: User,
    now: datetime,
    settings: Mapping[str, Any],
) -> list[Ticket]:
    """Mark the defect fixed; every linked active ticket gets an internal
    note and goes back to its line for confirmation with the customer.
    Answers the tickets that went back (or were told)."""
    if not can_fix(actor):
        raise PermissionDenied(_l("Only line 3 and managers mark defects fixed."))
    if defect.status == DefectStatus.FIXED:
        raise Conflict(_l("This defect is fixed already."))
    defect.status, defect.fixed_at, defect.fixed_by_id = (
        DefectStatus.FIXED,
        now,
        actor.id,
    )
    defect.resolution, defect.updated_at = resolution.strip(), now
    db.session.flush()  # the defect counts as fixed for still_waiting below
    returned = []
    for link in active_links(defect):
        ticket = link.ticket
        _return_ticket(ticket, link, defect, actor=actor, now=now, settings=settings)
        returned.append(ticket)
    db.session.flush()
    return returned


def active_links(defect: Defect) -> list[DefectLink]:
    """The defect's links whose ticket is still active, each with its ticket
    (one query, not one per link)."""
    links = db.session.scalars(
        sa.select(DefectLink)
        .where(DefectLink.defect_id == defect.id)
        .options(joinedload(DefectLink.ticket))
        .order_by(DefectLink.id)
    )
    return [link for link in links if link.ticket.is_active]


def still_waiting(ticket: Ticket) -> bool:
    """Whether the ticket is linked to a defect that is not fixed."""
    return (
        db.session.scalar(
            sa.select(DefectLink.id)
            .join(Defect)
            .where(
                DefectLink.ticket_id == ticket.id,
                Defect.status != DefectStatus.FIXED,
            )
            .limit(1)
        )
        is not None
    )


def reopen_defect(
    defect: Defect, *, reason: str, actor: User, now: datetime
) -> list[Ticket]:
    """A fix that did not hold: the defect is open again, and its linked
    tickets that are still active wait on line 3 again, each with a note
    saying why. Lines 2 and 3 and managers reopen (line 2 hears it from the
    customer when confirming). Answers the tickets that wait again."""
    _ensure_filer(actor)
    if defect.status != DefectStatus.FIXED:
        raise Conflict(_l("Only a fixed defect can be reopened."))
    defect.status, defect.fixed_at, defect.fixed_by_id = DefectStatus.OPEN, None, None
    defect.updated_at = now
    waiting = []
    for link in active_links(defect):
        ticket = link.ticket
        timeline.record_event(
            ticket,
            REOPENED,
            actor=actor,
            now=now,
            internal=True,
            data={
                "defect_id": defect.id,
                "number": defect.number,
                "title": defect.title,
                "reason": reason.strip(),
            },
        )
        set_line3_status(ticket, TicketStatus.WAITING_LINE3, actor=actor, now=now)
        waiting.append(ticket)
    db.session.flush()
    return waiting


def _return_ticket(
    ticket: Ticket,
    link: DefectLink,
    defect: Defect,
    *,
    actor: User,
    now: datetime,
    settings: Mapping[str, Any],
) -> None:
    timeline.record_event(
        ticket,
        FIXED,
        actor=actor,
        now=now,
        internal=True,
        data={
            "defect_id": defect.id,
            "number": defect.number,
            "title": defect.title,
            "resolution": defect.resolution,
        },
    )
    if not still_waiting(ticket):
        set_line3_status(ticket, TicketStatus.CONFIRM_FIX, actor=actor, now=now)
    moved = move_to_line(
        ticket,
        link.return_line,
        reason=defect.number,
        cause="defect_fixed",
        actor=actor,
        now=now,
    )
    if moved:
        return  # the line was told by the move
    users = (
        [db.session.get(User, ticket.assignee_id)]
        if ticket.assignee_id
        else line_agents(ticket.line)
    )
    email_about_ticket(
        users,
        ticket,
        lambda: _(
            "%(defect)s is fixed: confirm with the customer", defect=defect.number
        ),
        now=now,
        payload={"event": "routing.defect_fixed"},
        settings=settings,
        detail=lambda: defect.resolution,
    )
