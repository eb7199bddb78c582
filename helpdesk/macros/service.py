"""Macros: administered by admins, previewed and applied by agents.

Applying a macro is one operation in one transaction, in this order: its
text (a reply to the requester, or an internal note), the priority, the
assignee and the tags, the status, and last the move to another line (after
it the agent may no longer work on the ticket). Every check that can refuse
runs before the first write, so a refused macro changes nothing; the edge
wraps it in one undo record, as any other change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.labels import status_label
from helpdesk.macros.models import Macro
from helpdesk.models import Comment, Ticket, User
from helpdesk.service import access
from helpdesk.service import tickets as ticket_service
from helpdesk.service.lines import move_to_line
from helpdesk.undo.models import UndoKind
from helpdesk.vocabulary import (
    ASSIGNABLE_ROLES,
    TRANSITIONS,
    Priority,
    Role,
    TicketStatus,
)

PLACEHOLDERS = ("requester_name", "ticket_number", "agent_name")


def fill_placeholders(body: str, *, ticket: Ticket, agent: User) -> str:
    """The placeholders replaced by plain replacement (never ``str.format``,
    which would let a saved text reach into Python objects); any other
    braces stay as written."""
    values = {
        "requester_name": ticket.requester.name,
        "ticket_number": ticket.number,
        "agent_name": agent.name,
    }
    for name, value in values.items():
        body = body.replace("{" + name + "}", value)
    return body


# --- administering ----------------------------------------------------------------


def assignable_people() -> list[User]:
    """Whom a macro may name as the assignee: the active agents and managers."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.role.in_(ASSIGNABLE_ROLES))
            .order_by(User.name)
        )
    )


def list_macros() -> list[Macro]:
    return list(db.session.scalars(sa.select(Macro).order_by(Macro.title)))


def get_macro(macro_id: int) -> Macro:
    macro = db.session.get(Macro, macro_id)
    if macro is None:
        raise NotFound(_l("Macro not found."))
    return macro


def create_macro(data: dict, *, actor: User, now: datetime) -> Macro:
    """A macro from loaded data (``MacroIn``); admins only."""
    _ensure_admin(actor)
    macro = Macro(created_by_id=actor.id, created_at=now)
    _set_fields(macro, data, now=now)
    db.session.add(macro)
    db.session.flush()
    return macro


def update_macro(macro: Macro, data: dict, *, actor: User, now: datetime) -> Macro:
    _ensure_admin(actor)
    _set_fields(macro, data, now=now)
    db.session.flush()
    return macro


def delete_macro(macro: Macro, *, actor: User) -> None:
    """Tickets it was applied to keep what it did."""
    _ensure_admin(actor)
    db.session.delete(macro)
    db.session.flush()


def _ensure_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_l("Only administrators manage macros."))


def _set_fields(macro: Macro, data: dict, *, now: datetime) -> None:
    taken = db.session.scalar(
        sa.select(Macro.id).where(Macro.title == data["title"], Macro.id != macro.id)
    )
    if taken is not None:
        message = _l("A macro with this title exists already.")
        raise Conflict(message, fields={"title": [message]})
    if data.get("assign") == "agent":
        if not access.is_assignable(db.session.get(User, data.get("assignee_id"))):
            message = _l("The assignee must be an active agent.")
            raise InvalidInput(message, fields={"assignee": [message]})
    else:
        data = data | {"assignee_id": None}
    if data.get("line") and data.get("status") == TicketStatus.RESOLVED:
        message = _l("A resolved ticket stays on its line: choose a status or a line.")
        raise InvalidInput(message, fields={"line": [message]})
    for name in ("title", "body", "internal", "line", "assign", "assignee_id"):
        setattr(macro, name, data.get(name))
    macro.body = macro.body or ""
    macro.status = data["status"].value if data.get("status") else None
    macro.priority = data["priority"].value if data.get("priority") else None
    macro.add_tags = _tags(data.get("add_tags"))
    macro.remove_tags = _tags(data.get("remove_tags"))
    macro.updated_at = now


def _tags(tags: list[str] | None) -> list[str]:
    return sorted({tag.strip().lower() for tag in tags or () if tag.strip()})


# --- previewing and applying ------------------------------------------------------


@dataclass
class Plan:
    """What a macro would do to a ticket: its text, and each field's change
    as ``(field, old, new)`` in plain values (statuses and priorities by
    value, the assignee as a user or None, tags and lines as they are).
    ``problem`` says why it cannot be applied now, if so."""

    body: str
    internal: bool
    changes: list[tuple[str, object, object]] = field(default_factory=list)
    problem: str | None = None

    def new(self, name: str):
        return next((new for f, _old, new in self.changes if f == name), None)

    def has(self, name: str) -> bool:
        return any(f == name for f, _old, _new in self.changes)

    @property
    def undo_kind(self) -> UndoKind:
        """A macro that replies is undone as a reply ("Undo send", its mail
        held for the reply's window); one that does not, as a change."""
        return UndoKind.REPLY if self.body and not self.internal else UndoKind.UPDATE


def plan(ticket: Ticket, macro: Macro, *, actor: User, body: str | None = None) -> Plan:
    """What applying ``macro`` to ``ticket`` as ``actor`` would do, writing
    nothing (the preview, and the apply's checks). ``body``: the text as the
    agent edited it (None: the macro's, its placeholders filled)."""
    text = fill_placeholders(macro.body, ticket=ticket, agent=actor)
    text = (text if body is None else body).strip()
    result = Plan(body=text, internal=macro.internal)
    if not access.can_work_on(actor, ticket) or not actor.is_staff:
        result.problem = str(_l("This ticket is outside your line."))
        return result
    if ticket.status == TicketStatus.CLOSED:
        result.problem = str(_l("This ticket is closed and takes no more replies."))
        return result
    _plan_status(result, ticket, macro, text=text)
    resolves = result.new("status") == TicketStatus.RESOLVED
    line = ticket.line
    if macro.line and macro.line != ticket.line and ticket.is_active and not resolves:
        line = macro.line
    _plan_fields(result, ticket, macro, actor=actor, line=line)
    if line != ticket.line:
        result.changes.append(("line", ticket.line, line))
    result.changes.sort(key=lambda change: _ORDER.index(change[0]))
    return result


# The order the changes are made (and listed) in.
_ORDER = ("priority", "assignee", "tags", "status", "line")


def _plan_fields(
    result: Plan, ticket: Ticket, macro: Macro, *, actor: User, line: int
) -> None:
    if macro.priority and macro.priority != ticket.priority.value:
        result.changes.append(("priority", ticket.priority, Priority(macro.priority)))
    if macro.assign:
        assignee = {
            "me": actor,
            "nobody": None,
            "agent": macro.assignee,
        }[macro.assign]
        if (assignee.id if assignee else None) != ticket.assignee_id:
            problem = _assign_problem(ticket, assignee, actor, line=line)
            result.problem = result.problem or problem
            result.changes.append(("assignee", ticket.assignee, assignee))
    if macro.add_tags or macro.remove_tags:
        tags = sorted((set(ticket.tags) | set(macro.add_tags)) - set(macro.remove_tags))
        if tags != ticket.tags:
            result.changes.append(("tags", ticket.tags, tags))


def _assign_problem(
    ticket: Ticket, assignee: User | None, actor: User, *, line: int
) -> str | None:
    """``assign_ticket``'s refusals, asked before anything is written. A
    macro that moves the ticket assigns it on the new ``line``, as part of
    the move: the assignee must work on that line."""
    if assignee is None:
        return None
    if not access.is_assignable(assignee):
        return str(_l("The assignee must be an active agent."))
    if line != ticket.line:
        if access.works_on_line(assignee, line):
            return None
        return str(
            _l(
                "%(name)s does not work on line %(line)s, where this macro "
                "moves the ticket.",
                name=assignee.name,
                line=line,
            )
        )
    if (
        not actor.sees_all_lines
        and assignee.id != actor.id
        and assignee.line != ticket.line
    ):
        return str(_l("You can assign only to agents of the ticket's line."))
    return None


def _plan_status(result: Plan, ticket: Ticket, macro: Macro, *, text: str) -> None:
    current = ticket.status
    if text and not macro.internal:
        current = ticket_service.status_after_reply(ticket, by_agent=True)
    if not macro.status or macro.status == current.value:
        return
    status = TicketStatus(macro.status)
    if status not in TRANSITIONS[current]:
        result.problem = str(
            _l(
                "This macro sets the status “%(new)s”, which a ticket in status "
                "“%(old)s” cannot become.",
                new=status_label(status),
                old=status_label(current),
            )
        )
    result.changes.append(("status", current, status))


def apply_macro(
    ticket: Ticket,
    macro: Macro,
    *,
    actor: User,
    now: datetime,
    body: str | None = None,
) -> Comment | None:
    """Apply ``macro`` to ``ticket`` (see the module's order); ``body`` is
    the text as edited in the preview (None: the macro's own). Refused
    (PermissionDenied, Conflict) before anything is written. Answers the
    comment it added, if any."""
    if not actor.is_staff:
        raise PermissionDenied(_l("Only agents apply macros."))
    access.ensure_can_work_on(actor, ticket)
    steps = plan(ticket, macro, actor=actor, body=body)
    if steps.problem:
        raise Conflict(steps.problem)
    comment = None
    if steps.body:
        comment = ticket_service.add_comment(
            ticket, body=steps.body, internal=steps.internal, actor=actor, now=now
        )
    moves = steps.has("line")
    changes = {}
    if steps.has("priority"):
        changes["priority"] = steps.new("priority")
    if steps.has("tags"):
        changes["tags"] = steps.new("tags")
    assignee = steps.new("assignee")
    if steps.has("assignee") and not moves:
        changes["assignee_id"] = assignee.id if assignee else None
    if changes:
        ticket_service.update_ticket(ticket, changes, actor=actor, now=now)
    if steps.has("status") and ticket.status != steps.new("status"):
        ticket_service.change_status(ticket, steps.new("status"), actor=actor, now=now)
    if moves:
        move_to_line(
            ticket, steps.new("line"), reason=macro.title, actor=actor, now=now
        )
        if steps.has("assignee"):
            # On the new line on the macro's behalf: its author chose whom.
            by = actor if access.can_work_on(actor, ticket) else None
            assignee_id = assignee.id if assignee else None
            if ticket.assignee_id != assignee_id:
                ticket_service.assign_ticket(ticket, assignee_id, actor=by, now=now)
    return comment


def macro_data(macro: Macro) -> dict:
    """The macro as ``MacroIn`` loads it (a partial change is merged into it)."""
    return {
        "title": macro.title,
        "body": macro.body,
        "internal": macro.internal,
        "status": TicketStatus(macro.status) if macro.status else None,
        "priority": Priority(macro.priority) if macro.priority else None,
        "line": macro.line,
        "assign": macro.assign,
        "assignee_id": macro.assignee_id,
        "add_tags": list(macro.add_tags or ()),
        "remove_tags": list(macro.remove_tags or ()),
    }
