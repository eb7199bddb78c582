"""Undo for the operations people get wrong: one record per operation, one
way to take it back.

An edge (view or API) that does an undoable operation calls ``begin``
before it - the tickets' state is saved as data - and ``finish`` after it,
before the commit. Everything the operation does in that transaction counts
as part of it, including what routing's rules do at commit: every flush
moves the record's version range along, and every outbox message queued
meanwhile is tied to the record and held until the undo window ends
(``UNDO_SECONDS``; a public reply's ``REPLY_UNDO_SECONDS``).

``undo`` puts back the saved state - ticket fields, tags, the SLA clocks as
they were (so time the clock would have run is counted), routing's tasks
the operation started, the comments a merge moved, the reply it added - and
withdraws the mail still held, with an "undone" event on each timeline. It
is refused (409) when the window has passed, when the ticket changed since
(its version moved on: the customer answered, someone else changed it),
when a reply's mail has already left, and when the user is not the one who
did it (admins may). No signal is sent: nothing reacts to what did not
happen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from helpdesk.errors import Conflict, NotFound
from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.outbox.models import OutboxMessage
from helpdesk.search import index as search_index
from helpdesk.service import versions
from helpdesk.service.timeline import record_event
from helpdesk.undo import snapshot
from helpdesk.undo.models import UndoAction, UndoKind
from helpdesk.vocabulary import EventKind, Role

_PENDING = "undo.pending"


@dataclass
class _Pending:
    """An operation in progress in this transaction: its record and tickets."""

    action: UndoAction
    tickets: dict[int, Ticket] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What an undo did: the record, the tickets put back, and the text of
    a withdrawn reply (the page offers it again for editing)."""

    action: UndoAction
    tickets: list[Ticket]
    draft: str | None = None


def window_seconds(kind: UndoKind, settings: Mapping[str, Any]) -> int:
    """How long an operation of ``kind`` can be undone (and its mail held)."""
    if kind == UndoKind.REPLY:
        return int(settings["REPLY_UNDO_SECONDS"])
    return int(settings["UNDO_SECONDS"])


def begin(
    kind: UndoKind,
    tickets: list[Ticket],
    *,
    actor: User,
    now: datetime,
    settings: Mapping[str, Any],
    primary: Ticket | None = None,
) -> UndoAction | None:
    """Save the state of ``tickets`` before an operation by ``actor`` (staff)
    and start its record; None when undo is off for it (a window of 0
    seconds, or a requester acting). Flushes the record, for its id."""
    seconds = window_seconds(kind, settings)
    if seconds <= 0 or not actor.is_staff or not tickets:
        return None
    primary = primary or tickets[0]
    state: dict[str, Any] = {"tickets": snapshot.capture(tickets)}
    if kind == UndoKind.MERGE:
        duplicate, survivor = tickets
        state["merge"] = {
            "duplicate": duplicate.id,
            "survivor": survivor.id,
            "moved": snapshot.moved_rows(duplicate),
        }
    action = UndoAction(
        kind=kind,
        ticket_id=primary.id,
        actor_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(seconds=seconds),
        state=state,
    )
    db.session.add(action)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(
        _Pending(action, {t.id: t for t in tickets})
    )
    return action


def finish(action: UndoAction | None) -> UndoAction | None:
    """After the operation, before the commit: the record, or None (and no
    record) when the operation changed no ticket at all."""
    if action is None:
        return None
    db.session.flush()
    if changed_ids(action):
        return action
    _forget(action)
    db.session.delete(action)
    return None


def changed_ids(action: UndoAction) -> list[int]:
    """The tickets the operation changed (their version moved on)."""
    return [
        int(key)
        for key, saved in sorted(action.state["tickets"].items())
        if saved["after"] != saved["before"]
    ]


def api_path(action: UndoAction) -> str:
    return f"/api/v1/undo/{action.id}"


def prune(*, now: datetime, keep_seconds: int) -> int:
    """Delete the records whose window ended ``keep_seconds`` before ``now``
    (their held mail keeps going: its ``undo_id`` is cleared); how many."""
    result = db.session.execute(
        sa.delete(UndoAction).where(
            UndoAction.expires_at < now - timedelta(seconds=keep_seconds)
        )
    )
    return result.rowcount


# --- the transaction's hooks -----------------------------------------------------


def _track_versions(session: Session, _context, _instances) -> None:
    """``before_flush``: the tickets' versions as the operation leaves them."""
    for pending in session.info.get(_PENDING, ()):
        state = pending.action.state
        with session.no_autoflush:
            after = {
                str(ticket_id): ticket.version
                for ticket_id, ticket in pending.tickets.items()
                if not inspect(ticket).detached
            }
        if any(state["tickets"][k]["after"] != v for k, v in after.items()):
            tickets = {
                k: saved | {"after": after.get(k, saved["after"])}
                for k, saved in state["tickets"].items()
            }
            pending.action.state = state | {"tickets": tickets}


def _hold_mail(session: Session, instance: object) -> None:
    """``transient_to_pending``: mail the operation causes waits for its window."""
    if not isinstance(instance, OutboxMessage):
        return
    pending = session.info.get(_PENDING)
    if not pending:
        return
    action = pending[-1].action
    instance.undo_id = action.id
    instance.next_attempt_at = max(
        instance.next_attempt_at or action.expires_at, action.expires_at
    )


def _forget(action: UndoAction) -> None:
    pending = db.session.info.get(_PENDING, [])
    pending[:] = [p for p in pending if p.action is not action]


def _end(session: Session, transaction) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_PENDING, None)


def connect() -> None:
    """Install the session hooks once."""
    for name, listener in (
        ("before_flush", _track_versions),
        ("transient_to_pending", _hold_mail),
        ("after_transaction_end", _end),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


# --- undoing -----------------------------------------------------------------------


def get_action(action_id: int, *, actor: User) -> UndoAction:
    """The record, for staff; requesters never see one (404)."""
    action = db.session.get(UndoAction, action_id)
    if action is None or not actor.is_staff:
        raise NotFound(_l("Nothing to undo here."))
    return action


def undo(
    action_id: int, *, actor: User, now: datetime, settings: Mapping[str, Any]
) -> Outcome:
    """Take the operation back, or refuse with Conflict (409) saying why.

    Checks, then locks every changed ticket at the version the operation
    left it (``versions.lock_version``), withdraws the held mail, puts the
    saved state back and writes an "undone" event on each ticket."""
    action = get_action(action_id, actor=actor)
    _ensure_may_undo(action, actor=actor, now=now)
    tickets = _lock_tickets(action, actor=actor)
    _withdraw_mail(action, now=now)
    merge = action.state.get("merge")
    if merge:
        snapshot.move_back(merge)
    drafts = [
        _restore_ticket(action, ticket, actor=actor, now=now) for ticket in tickets
    ]
    if merge or any(drafts):
        # Their comments moved or went: the search finds what they hold now.
        db.session.flush()
        for ticket in tickets:
            search_index.reindex_ticket(ticket)
    claimed = db.session.execute(
        sa.update(UndoAction)
        .where(UndoAction.id == action.id, UndoAction.undone_at.is_(None))
        .values(undone_at=now, undone_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Conflict(_l("This was undone already."))
    db.session.refresh(action)
    return Outcome(action, tickets, next((d for d in drafts if d), None))


def _ensure_may_undo(action: UndoAction, *, actor: User, now: datetime) -> None:
    if action.undone_at is not None:
        raise Conflict(_l("This was undone already."))
    if action.actor_id != actor.id and actor.role != Role.ADMIN:
        raise Conflict(
            _l(
                "Only %(name)s, who did it, or an administrator can undo this.",
                name=action.actor.name,
            )
        )
    if now >= action.expires_at:
        raise Conflict(_l("The time to undo this has run out."))


def _lock_tickets(action: UndoAction, *, actor: User) -> list[Ticket]:
    tickets = []
    for ticket_id in changed_ids(action):
        saved = action.state["tickets"][str(ticket_id)]
        ticket = db.session.get(Ticket, ticket_id)
        if ticket is None:
            raise Conflict(_l("The ticket is gone."))
        if not versions.lock_version(ticket_id, saved["after"]):
            raise versions.stale(
                ticket,
                saved["after"],
                actor=actor,
                message=_l(
                    "This can no longer be undone: %(number)s has changed since.",
                    number=ticket.number,
                ),
            )
        tickets.append(ticket)
    return tickets


def _withdraw_mail(action: UndoAction, *, now: datetime) -> None:
    """Cancel the operation's mail that has not left; a reply whose mail has
    left (or is leaving) cannot be taken back."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.undo_id == action.id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.sending_at.is_(None),
            OutboxMessage.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    if action.kind != UndoKind.REPLY:
        return  # what already left stays sent; the rest never goes
    left = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.undo_id == action.id, OutboxMessage.cancelled_at.is_(None))
    )
    if left:
        raise Conflict(
            _l("The reply has already been sent; it can no longer be stopped.")
        )


def _restore_ticket(
    action: UndoAction, ticket: Ticket, *, actor: User, now: datetime
) -> str | None:
    saved = action.state["tickets"][str(ticket.id)]
    events = snapshot.operation_events(ticket.id, saved)
    snapshot.restore(ticket, saved, events=events, now=now, actor=actor)
    draft = None
    bodies = snapshot.drop_created(events)
    if bodies:
        draft = "\n\n".join(bodies)
        # A reply never sent is no part of the requester's conversation.
        for e in events:
            e.internal = True
    record_event(
        ticket,
        EventKind.UNDONE,
        actor=actor,
        now=now,
        internal=all(e.internal for e in events),
        data={
            "undo_id": action.id,
            "kind": action.kind.value,
            "by": action.actor_id,
            "from_version": saved["before"],
            "to_version": saved["after"],
        },
    )
    return draft
