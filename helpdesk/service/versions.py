"""Two people on one ticket: a change made from a stale copy is refused,
never silently written over the other's.

Every change bumps ``Ticket.version`` (``timeline.record_event``) and stores
the version on its event, so "what changed since version N" is the
timeline's events above N. A form or API client sends the version it read;
``expect_version`` takes the ticket's row lock only if that version is still
the current one - in the same transaction as the change, so of two agents
saving at once exactly one wins and the other is told what happened.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from helpdesk import hooks
from helpdesk.errors import Conflict
from helpdesk.extensions import db
from helpdesk.labels import status_label
from helpdesk.models import Ticket, TicketEvent, User
from helpdesk.service.timeline import timeline_query
from helpdesk.vocabulary import EventKind


class StaleTicket(Conflict):
    """The ticket changed since ``expected``; ``changes`` says how, one line
    per event (the pages draw the events themselves)."""

    code = "stale_version"

    def __init__(
        self, message: str, *, ticket_id: int, expected: int, changes: list[str]
    ) -> None:
        super().__init__(message, fields={"version": changes})
        self.ticket_id = ticket_id
        self.expected = expected


def lock_version(ticket_id: int, expected: int) -> bool:
    """Lock the ticket's row if its version is still ``expected``.

    One conditional UPDATE that changes nothing: on PostgreSQL it waits for
    a concurrent writer's commit and then re-checks the version; on SQLite it
    takes the database's write lock. Either way nobody else changes the
    ticket before this transaction ends."""
    result = db.session.execute(
        sa.update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.version == expected)
        .values(version=Ticket.version)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def expect_version(ticket: Ticket, expected: int | None, *, actor: User) -> None:
    """Refuse (StaleTicket, 409) a change made from version ``expected`` of
    ``ticket`` when it is no longer the current one; ``None``: the client
    sent no version, nothing is checked."""
    if expected is None or lock_version(ticket.id, expected):
        return
    raise stale(
        ticket,
        expected,
        actor=actor,
        message=_l(
            "%(number)s was changed by someone else since you loaded it. "
            "Look at what changed, then try again.",
            number=ticket.number,
        ),
    )


def stale(ticket: Ticket, expected: int, *, actor: User, message) -> StaleTicket:
    """The refusal for a change made from ``expected``, listing the changes."""
    db.session.refresh(ticket)
    return StaleTicket(
        message,
        ticket_id=ticket.id,
        expected=expected,
        changes=[describe(e) for e in changes_since(ticket, expected, actor=actor)],
    )


def changes_since(ticket: Ticket, version: int, *, actor: User) -> list[TicketEvent]:
    """The events ``actor`` may see written after ``version``, oldest first;
    bookkeeping a page does not list (the SLA clocks' own) left out."""
    events = db.session.scalars(
        timeline_query(ticket, actor=actor).where(TicketEvent.ticket_version > version)
    )
    return [e for e in events if _listed(e.kind)]


def _listed(kind: str) -> bool:
    renderer = hooks.timeline_renderer(kind)
    return renderer is None or renderer.template is not None


def describe(event: TicketEvent) -> str:
    """One event as a line of text: when, who, what."""
    who = event.actor.name if event.actor else _("System")
    return f"{_when(event.created_at)} {who}: {_what(event)}"


def _when(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")


def _what(event: TicketEvent) -> str:
    d = event.data or {}
    kind = event.kind
    texts = {
        EventKind.STATUS_CHANGED: lambda: _(
            "Status: %(old)s → %(new)s.",
            old=status_label(d["old"]),
            new=status_label(d["new"]),
        ),
        EventKind.PRIORITY_CHANGED: lambda: _(
            "Priority: %(old)s → %(new)s.", old=d["old"], new=d["new"]
        ),
        EventKind.CATEGORY_CHANGED: lambda: _(
            "Category: %(old)s → %(new)s.", old=d["old"], new=d["new"]
        ),
        EventKind.ASSIGNED: lambda: (
            _("Assigned to %(name)s.", name=_name(d["new"]))
            if d.get("new")
            else _("Assignment removed.")
        ),
        EventKind.REPLIED: lambda: _("reply"),
        EventKind.NOTE_ADDED: lambda: _("internal note"),
        EventKind.ATTACHMENT_ADDED: lambda: f"{_('File attached:')} {d['filename']}",
        EventKind.TAGS_CHANGED: lambda: _(
            "Tags: %(tags)s.", tags=", ".join(d.get("new") or []) or "—"
        ),
        EventKind.MERGED: lambda: (
            _("Merged into %(number)s.", number=d["into"])
            if d.get("into")
            else _("%(number)s was merged into this ticket.", number=d["from"])
        ),
        EventKind.LINE_CHANGED: lambda: (
            _(
                "Escalated from line %(old)s to line %(new)s.",
                old=d["old"],
                new=d["new"],
            )
            if d["new"] > d["old"]
            else _(
                "Returned from line %(old)s to line %(new)s.",
                old=d["old"],
                new=d["new"],
            )
        ),
        EventKind.RATED: lambda: _("Rated %(score)s of 5.", score=d["score"]),
        EventKind.WATCHER_ADDED: lambda: _(
            "%(name)s follows the ticket.", name=d["name"]
        ),
        EventKind.WATCHER_REMOVED: lambda: _(
            "%(name)s no longer follows the ticket.", name=d["name"]
        ),
        EventKind.UNDONE: lambda: _("An operation was undone."),
    }
    try:
        return texts[kind]() if kind in texts else kind
    except (KeyError, TypeError, ValueError):
        return kind  # an older row of another shape: its kind says enough


def _name(user_id: int) -> str:
    user = db.session.get(User, user_id)
    return user.name if user else f"#{user_id}"
