"""Canned responses: saved replies, personal or shared with a support line.

Placeholders ``{requester_name}``, ``{ticket_number}`` and ``{agent_name}``
are filled by plain replacement (never ``str.format``, which would let a
saved reply reach into Python objects); any other braces stay as written.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk.errors import InvalidInput, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from knowledge_base.models import CannedResponse

PLACEHOLDERS = ("requester_name", "ticket_number", "agent_name")


def fill_placeholders(body: str, *, ticket: Ticket, agent: User) -> str:
    values = {
        "requester_name": ticket.requester.name,
        "ticket_number": ticket.number,
        "agent_name": agent.name,
    }
    for name, value in values.items():
        body = body.replace("{" + name + "}", value)
    return body


def visible_canned(actor: User) -> sa.Select[tuple[CannedResponse]]:
    """Own personal replies and those shared with the actor's line (managers
    and admins: every line's)."""
    if not actor.is_staff:
        return sa.select(CannedResponse).where(sa.false())
    shared = (
        CannedResponse.line.is_not(None)
        if actor.sees_all_lines
        else CannedResponse.line == actor.line
    )
    return sa.select(CannedResponse).where(
        sa.or_(CannedResponse.owner_id == actor.id, shared)
    )


def canned_for_ticket(actor: User, ticket: Ticket) -> list[CannedResponse]:
    """What the reply tools offer on a ticket: the actor's own, and those
    shared with the ticket's line or the actor's line."""
    lines = {ticket.line, actor.line} - {None}
    query = sa.select(CannedResponse).where(
        sa.or_(CannedResponse.owner_id == actor.id, CannedResponse.line.in_(lines))
    )
    return list(db.session.scalars(query.order_by(CannedResponse.title)))


def list_canned(actor: User) -> list[CannedResponse]:
    query = visible_canned(actor).order_by(
        CannedResponse.line.is_(None).desc(), CannedResponse.line, CannedResponse.title
    )
    return list(db.session.scalars(query))


def get_canned(actor: User, canned_id: int) -> CannedResponse:
    canned = db.session.scalar(
        visible_canned(actor).where(CannedResponse.id == canned_id)
    )
    if canned is None:
        raise NotFound(_l("Canned response not found."))
    return canned


def can_edit(actor: User, canned: CannedResponse) -> bool:
    if canned.owner_id is not None:
        return canned.owner_id == actor.id
    return actor.sees_all_lines or actor.line == canned.line


def create_canned(data: dict, *, actor: User, now: datetime) -> CannedResponse:
    """A reply from loaded data: title, body, ``line`` (None = personal)."""
    if not actor.is_staff:
        raise PermissionDenied(_l("Only agents have canned responses."))
    canned = CannedResponse(created_by_id=actor.id, created_at=now)
    _apply(canned, data, actor=actor, now=now)
    db.session.add(canned)
    db.session.flush()
    return canned


def update_canned(
    canned: CannedResponse, data: dict, *, actor: User, now: datetime
) -> CannedResponse:
    _ensure_can_edit(actor, canned)
    _apply(canned, data, actor=actor, now=now)
    db.session.flush()
    return canned


def delete_canned(canned: CannedResponse, *, actor: User) -> None:
    _ensure_can_edit(actor, canned)
    db.session.delete(canned)
    db.session.flush()


def _apply(canned: CannedResponse, data: dict, *, actor: User, now: datetime) -> None:
    line = data.get("line")
    if line is not None and not actor.sees_all_lines and line != actor.line:
        raise InvalidInput(
            _l("You can share replies only with your own line."),
            fields={"line": [_l("Not your line.")]},
        )
    canned.title = data["title"]
    canned.body = data["body"]
    canned.line = line
    canned.owner_id = None if line is not None else actor.id
    canned.updated_at = now


def _ensure_can_edit(actor: User, canned: CannedResponse) -> None:
    if not can_edit(actor, canned):
        raise PermissionDenied(_l("You cannot change this canned response."))
