"""Watchers' use cases: who may follow a ticket, adding and removing them
(by hand, from a Cc on the requester's mail, by a merge), and who they are
for the mails. Services flush; the edge commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from helpdesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.organisations import lookup as organisations
from helpdesk.service import accounts
from helpdesk.service.access import can_work_on
from helpdesk.service.timeline import record_event
from helpdesk.vocabulary import EventKind, Role, TicketStatus
from helpdesk.watchers.models import TicketWatcher

# A ticket's watchers are few; a Cc list longer than this is cut.
MAX_WATCHERS = 50


def may_manage(actor: User, ticket: Ticket) -> bool:
    """The requester, and the staff who work on the ticket, add and remove
    watchers (anyone may stop following a ticket themselves)."""
    if actor.id == ticket.requester_id:
        return True
    return actor.is_staff and can_work_on(actor, ticket)


def may_watch(user: User, ticket: Ticket) -> bool:
    """Who may follow ``ticket``: an active member of staff, or an active
    customer of the requester's organisation (not the requester: they
    follow it already)."""
    if not user.active or user.id == ticket.requester_id:
        return False
    if user.is_staff:
        return True
    return (
        user.role == Role.CUSTOMER
        and ticket.organisation_id is not None
        and user.organisation_id == ticket.organisation_id
    )


def watcher_row(ticket_id: int, user_id: int) -> TicketWatcher | None:
    """The row saying ``user_id`` follows ``ticket_id`` (its unique key)."""
    return db.session.scalar(
        sa.select(TicketWatcher).where(
            TicketWatcher.ticket_id == ticket_id, TicketWatcher.user_id == user_id
        )
    )


def watcher_rows(ticket: Ticket) -> list[TicketWatcher]:
    """The ticket's watchers' rows with their users, by name (one query)."""
    return list(
        db.session.scalars(
            sa.select(TicketWatcher)
            .join(TicketWatcher.user)
            .options(contains_eager(TicketWatcher.user))
            .where(TicketWatcher.ticket_id == ticket.id)
            .order_by(User.name, User.id)
        )
    )


def watchers_of(ticket: Ticket) -> list[User]:
    """The ticket's watchers by name (one query; none for a ticket whose
    intake is not written yet - asking would write it before its time)."""
    if sa.inspect(ticket).pending:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .join(TicketWatcher, TicketWatcher.user_id == User.id)
            .where(TicketWatcher.ticket_id == ticket.id)
            .order_by(User.name, User.id)
        )
    )


def active_watchers(ticket: Ticket, *, besides: Iterable[int] = ()) -> list[User]:
    """Those of the watchers the ticket's mails go to: the active ones,
    without ``besides`` (the author of what the mail is about)."""
    skip = set(besides)
    return [u for u in watchers_of(ticket) if u.active and u.id not in skip]


def add_watcher(
    ticket: Ticket, user: User, *, actor: User | None, now: datetime
) -> bool:
    """``user`` follows ``ticket`` from now on; answers False when they did
    already. ``actor=None`` is the mail intake (the requester's Cc)."""
    if actor is not None and not may_manage(actor, ticket):
        raise PermissionDenied(_l("Only the requester and its agents add people."))
    if ticket.status == TicketStatus.CLOSED:
        raise Conflict(_l("This ticket is closed."))
    if not may_watch(user, ticket):
        message = _l(
            "Only staff and customers of the requester's organisation can follow "
            "this ticket."
        )
        raise InvalidInput(message, fields={"user": [message]})
    if watcher_row(ticket.id, user.id) is not None:
        return False
    if _count(ticket) >= MAX_WATCHERS:
        message = _l("A ticket has at most %(count)s watchers.", count=MAX_WATCHERS)
        raise InvalidInput(message, fields={"user": [message]})
    db.session.add(
        TicketWatcher(
            ticket_id=ticket.id,
            user_id=user.id,
            added_by_id=actor.id if actor else None,
            created_at=now,
        )
    )
    _record(ticket, EventKind.WATCHER_ADDED, user, actor=actor, now=now)
    db.session.flush()
    return True


def add_by_email(
    ticket: Ticket, email: str, *, actor: User, now: datetime
) -> TicketWatcher:
    """The requester or an agent adds someone by e-mail. An unknown address
    and someone who may not follow the ticket get the same answer, so the
    form tells nobody which addresses have an account."""
    if not may_manage(actor, ticket):
        raise PermissionDenied(_l("Only the requester and its agents add people."))
    user = accounts.find_user_by_email(email)
    if user is None or not may_watch(user, ticket):
        message = _l(
            "Only staff and customers of the requester's organisation with an "
            "account can follow this ticket."
        )
        raise InvalidInput(message, fields={"email": [message]})
    if not add_watcher(ticket, user, actor=actor, now=now):
        message = _l("%(name)s follows this ticket already.", name=user.name)
        raise Conflict(message, fields={"email": [message]})
    return watcher_row(ticket.id, user.id)


def remove_watcher(ticket: Ticket, user: User, *, actor: User, now: datetime) -> None:
    """``user`` stops following ``ticket`` (themselves, or removed by the
    requester or an agent of the ticket)."""
    if actor.id != user.id and not may_manage(actor, ticket):
        raise PermissionDenied(_l("Only the requester and its agents remove people."))
    row = watcher_row(ticket.id, user.id)
    if row is None:
        raise NotFound(_l("This person does not follow the ticket."))
    db.session.delete(row)
    _record(ticket, EventKind.WATCHER_REMOVED, user, actor=actor, now=now)
    db.session.flush()


def _record(ticket: Ticket, kind: EventKind, user: User, **kwargs) -> None:
    # Not a change of the ticket: forms loaded before stay current.
    record_event(
        ticket,
        kind,
        data={"user_id": user.id, "name": user.name},
        bumps_version=False,
        **kwargs,
    )


def _count(ticket: Ticket) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TicketWatcher)
        .where(TicketWatcher.ticket_id == ticket.id)
    )


def carry_over(duplicate: Ticket, survivor: Ticket, *, now: datetime) -> list[int]:
    """A merge: the duplicate's watchers follow the survivor too (those who
    may). Answers the ids of those added, for the merge's event (an undo
    takes them off again)."""
    added = []
    present = {u.id for u in watchers_of(survivor)}
    for user in watchers_of(duplicate):
        if user.id not in present and may_watch(user, survivor):
            db.session.add(
                TicketWatcher(ticket_id=survivor.id, user_id=user.id, created_at=now)
            )
            added.append(user.id)
    db.session.flush()
    return added


def take_off(ticket: Ticket, user_ids: list[int]) -> None:
    """Undo ``carry_over``: these watchers stop following ``ticket``."""
    if user_ids:
        db.session.execute(
            sa.delete(TicketWatcher).where(
                TicketWatcher.ticket_id == ticket.id,
                TicketWatcher.user_id.in_(user_ids),
            )
        )


def watch_copies(
    ticket: Ticket,
    addresses: Iterable[str],
    *,
    now: datetime,
    settings: Mapping[str, Any],
) -> list[User]:
    """The people the requester copied (Cc) on the ticket's mail follow it,
    those who may: staff, and customers of the requester's organisation -
    an unknown address of its domain becomes a member of it when
    ``MAIL_CREATE_REQUESTERS`` allows new customers. Others are left out
    (an outsider's reply opens a ticket of their own). Answers those added."""
    added = []
    for address in list(dict.fromkeys(addresses))[:MAX_WATCHERS]:
        user = accounts.find_user_by_email(address)
        if user is None:
            user = _new_colleague(ticket, address, now=now, settings=settings)
        if (
            user is not None
            and may_watch(user, ticket)
            and add_watcher(ticket, user, actor=None, now=now)
        ):
            added.append(user)
    return added


def _new_colleague(
    ticket: Ticket, address: str, *, now: datetime, settings: Mapping[str, Any]
) -> User | None:
    if not settings["MAIL_CREATE_REQUESTERS"] or ticket.organisation_id is None:
        return None
    organisation = organisations.by_email_domain(address)
    if organisation is None or organisation.id != ticket.organisation_id:
        return None
    return accounts.create_user(
        {
            "email": address,
            "name": address.partition("@")[0][:120],
            "role": Role.CUSTOMER,
            "organisation": organisation.name,
        },
        now=now,
    )


def snapshot_for_undo(tickets: list[Ticket]) -> dict[int, None]:
    """Undo's snapshot: nothing to keep (a merge's event names whom it added)."""
    return {}


def restore_for_undo(ticket: Ticket, _data, *, events, **_kw) -> None:
    """Undoing a merge takes the watchers it carried over off the survivor."""
    for event in events:
        if event.kind == EventKind.MERGED and event.data.get("watchers"):
            take_off(ticket, event.data["watchers"])
