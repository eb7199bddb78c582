"""Escalation by hand: an agent moves a ticket up, or back down, with a
reason. The move itself is the core's ``move_to_line``, which rules and fixed
defects call too."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from helpdesk.errors import InvalidInput, PermissionDenied
from helpdesk.models import Ticket, User
from helpdesk.service import access
from helpdesk.service.lines import LINES, move_to_line

MAX_REASON_LENGTH = 2000


def escalate_ticket(
    ticket: Ticket,
    *,
    line: int,
    reason: str,
    actor: User,
    now: datetime,
) -> Ticket:
    """An agent moves a ticket they can work on to another line, up or back
    down, with a reason; the new line is told by e-mail (helpdesk.notify)."""
    if not actor.is_staff:
        raise PermissionDenied(_l("Only agents can escalate tickets."))
    access.ensure_can_work_on(actor, ticket)
    reason = (reason or "").strip()
    if not reason:
        message = _l("Say why the ticket moves to another line.")
        raise InvalidInput(message, fields={"reason": [message]})
    if line not in LINES or line == ticket.line:
        message = _l("Choose another line than the ticket's own.")
        raise InvalidInput(message, fields={"line": [message]})
    move_to_line(
        ticket,
        line,
        reason=reason[:MAX_REASON_LENGTH],
        actor=actor,
        now=now,
    )
    return ticket
