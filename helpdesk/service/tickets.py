"""Ticket use cases: open, reply, change status, update fields, attach, rate.

Every state change writes a timeline event in the same transaction and then
announces itself through a signal from ``helpdesk.events``. ``actor=None`` is
the system (routing's rules, the SLA sweep): it passes the agents' checks and
its events carry no actor.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l

from helpdesk import events, reference, ticket_ids
from helpdesk.custom_fields import service as custom_fields
from helpdesk.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
)
from helpdesk.extensions import db
from helpdesk.labels import status_label
from helpdesk.models import Category, Comment, Ticket, TicketTag, User
from helpdesk.search import index as search_index
from helpdesk.service.access import ensure_can_work_on, is_assignable
from helpdesk.service.timeline import record_event
from helpdesk.vocabulary import (
    LINE3_STATUSES,
    TRANSITIONS,
    Channel,
    EventKind,
    Priority,
    TicketStatus,
)

log = logging.getLogger(__name__)

# What a requester may do to their own ticket's status.
CUSTOMER_TRANSITIONS = frozenset({TicketStatus.RESOLVED, TicketStatus.REOPENED})


def active_category(code: str) -> Category:
    category = reference.category_by_code(code)
    if category is None or not category.active:
        raise InvalidInput(
            _l("Unknown category."), fields={"category": [_l("Unknown category.")]}
        )
    return category


def open_ticket(
    data: dict,
    *,
    actor: User,
    now: datetime,
    requester: User | None = None,
    channel: Channel = Channel.WEB,
    follow_up_of: Ticket | None = None,
) -> Ticket:
    """Register a ticket from loaded data (subject, description, category
    code, priority, ``fields``: custom field values by key, checked against
    the category's fields; absent, none are asked for).

    ``requester`` defaults to the actor; staff register tickets for callers.
    ``follow_up_of``: the closed ticket this one continues (see
    ``helpdesk.service.followups``); its category is carried over as it is.
    """
    requester = requester or actor
    if requester.id != actor.id and not actor.is_staff:
        raise PermissionDenied(_l("You may only open tickets for yourself."))
    category = (
        follow_up_of.category
        if follow_up_of is not None
        else active_category(data["category"])
    )
    ticket = Ticket(
        subject=data["subject"].strip(),
        description=data["description"].strip(),
        category_id=category.id,
        priority=data.get("priority") or Priority.P3,
        channel=channel,
        requester_id=requester.id,
        organisation_id=requester.organisation_id,
        status=TicketStatus.NEW,
        line=category.default_line,
        created_at=now,
        updated_at=now,
        version=0,
        # A new ticket has no tags: known, so nothing asks the database.
        tag_rows=[],
        follow_up_of_id=follow_up_of.id if follow_up_of is not None else None,
    )
    # Its id before anything is written (events, clocks and mails name it):
    # the whole intake is written by the one flush at commit.
    ticket.id = ticket_ids.reserve_ticket_id()
    db.session.add(ticket)
    record_event(
        ticket,
        EventKind.CREATED,
        actor=actor,
        now=now,
        data={"channel": channel.value, "priority": ticket.priority.value},
        bumps_version=False,
    )
    if follow_up_of is not None:
        _link_follow_up(ticket, follow_up_of, actor=actor, now=now)
    # Before the signal: rules, the SLA policy and the search read them.
    custom_fields.fill_new_ticket(ticket, category, data.get("fields"))
    events.ticket_created.send(ticket, actor=actor, now=now)
    return ticket


def _link_follow_up(
    ticket: Ticket, closed: Ticket, *, actor: User, now: datetime
) -> None:
    """Both timelines name the other ticket."""
    record_event(
        ticket,
        EventKind.FOLLOW_UP,
        actor=actor,
        now=now,
        data={"follow_up_of": closed.number, "follow_up_of_id": closed.id},
    )
    record_event(
        closed,
        EventKind.FOLLOW_UP,
        actor=actor,
        now=now,
        data={"follow_up": ticket.number, "follow_up_id": ticket.id},
    )


def register_call(data: dict, *, caller: User, actor: User, now: datetime) -> Ticket:
    """A phone call registered by an agent: a ticket with channel ``phone``,
    optionally resolved on the call with the solution as the public reply
    (which also counts as the first response; ``solution_html``, when the
    solution was rendered from Markdown, is its HTML for the mail)."""
    ticket = open_ticket(
        data, actor=actor, now=now, requester=caller, channel=Channel.PHONE
    )
    if data.get("resolve_on_call"):
        add_comment(
            ticket,
            body=data["solution"],
            body_html=data.get("solution_html"),
            internal=False,
            actor=actor,
            now=now,
        )
        change_status(ticket, TicketStatus.RESOLVED, actor=actor, now=now)
    return ticket


def add_comment(
    ticket: Ticket,
    *,
    body: str,
    internal: bool,
    actor: User,
    now: datetime,
    body_html: str | None = None,
) -> Comment:
    """A public reply or an internal note; replies may move the status on.

    A requester answering a pending ticket puts it back to open, and
    answering a resolved one reopens it; an agent's first reply opens a new one.
    ``body_html``: sanitised HTML of the same text, for the mail (see
    ``Comment.body_html``); callers that take it from people never pass it.
    """
    if ticket.status == TicketStatus.CLOSED:
        raise Conflict(_l("This ticket is closed and takes no more replies."))
    by_agent = actor.is_staff
    if by_agent:
        ensure_can_work_on(actor, ticket)
    elif internal:
        raise PermissionDenied(_l("Only agents can write internal notes."))
    comment = Comment(
        ticket_id=ticket.id,
        author_id=actor.id,
        body=body.strip(),
        body_html=body_html,
        internal=internal,
        created_at=now,
    )
    db.session.add(comment)
    db.session.flush()
    search_index.index_comment(ticket, comment)
    kind = EventKind.NOTE_ADDED if internal else EventKind.REPLIED
    record_event(
        ticket,
        kind,
        actor=actor,
        now=now,
        data={"comment_id": comment.id},
        internal=internal,
    )
    if not internal:
        db.session.flush()
        events.public_reply_added.send(
            ticket, actor=actor, now=now, comment=comment, by_agent=by_agent
        )
        _follow_reply(ticket, by_agent=by_agent, actor=actor, now=now)
    return comment


def reply_with_status(
    ticket: Ticket,
    *,
    body: str,
    internal: bool,
    status: TicketStatus | None,
    actor: User,
    now: datetime,
) -> Comment:
    """A reply (or note) and then, in the same step, a status change
    ("Send and set pending"): checked before anything is written, against
    the status the reply itself leads to, so a refused status sends nothing.
    ``status`` None, or the status the reply already left: just the reply."""
    if status is not None:
        after = (
            ticket.status
            if internal
            else status_after_reply(ticket, by_agent=actor.is_staff)
        )
        if status != after:
            ensure_may_change_status(ticket, status, actor=actor, from_status=after)
    comment = add_comment(ticket, body=body, internal=internal, actor=actor, now=now)
    if status is not None and ticket.status != status:
        change_status(ticket, status, actor=actor, now=now)
    return comment


def status_after_reply(ticket: Ticket, *, by_agent: bool) -> TicketStatus:
    """The status a public reply leaves the ticket in: an agent's first
    reply opens it, a requester's answer opens a pending one and reopens a
    resolved one."""
    if by_agent and ticket.status in (TicketStatus.NEW, TicketStatus.REOPENED):
        return TicketStatus.OPEN
    if not by_agent and ticket.status == TicketStatus.PENDING:
        return TicketStatus.OPEN
    if not by_agent and ticket.status == TicketStatus.RESOLVED:
        return TicketStatus.REOPENED
    return ticket.status


def _follow_reply(
    ticket: Ticket, *, by_agent: bool, actor: User, now: datetime
) -> None:
    moved = status_after_reply(ticket, by_agent=by_agent)
    if moved != ticket.status:
        _set_status(ticket, moved, actor=actor, now=now)


def change_status(
    ticket: Ticket, status: TicketStatus, *, actor: User | None, now: datetime
) -> Ticket:
    """Move a ticket along the state machine, or refuse with InvalidTransition."""
    ensure_may_change_status(ticket, status, actor=actor)
    _set_status(ticket, status, actor=actor, now=now)
    return ticket


def ensure_may_change_status(
    ticket: Ticket,
    status: TicketStatus,
    *,
    actor: User | None,
    from_status: TicketStatus | None = None,
) -> None:
    """``change_status``'s checks alone, for a page that asks before closing
    (``from_status``: the status the ticket will have by then)."""
    if actor is None or actor.is_staff:
        ensure_can_work_on(actor, ticket)
    elif status not in CUSTOMER_TRANSITIONS:
        raise PermissionDenied(
            _l("You can only mark your ticket resolved or reopen it.")
        )
    elif actor.id != ticket.requester_id:
        # Watchers and the organisation's contacts follow it and reply.
        raise PermissionDenied(_l("Only the requester resolves or reopens a request."))
    current = from_status or ticket.status
    if status not in TRANSITIONS[current]:
        raise InvalidTransition(
            _l(
                "A ticket in status “%(old)s” cannot become “%(new)s”.",
                old=status_label(current),
                new=status_label(status),
            ),
            fields={"status": [_l("Not allowed from the current status.")]},
        )


def set_line3_status(
    ticket: Ticket, status: TicketStatus, *, actor: User | None, now: datetime
) -> bool:
    """Line 3's defects move an active ticket outside the state machine: it
    waits on line 3 while linked to a defect not fixed yet, and asks its line
    to confirm the fix once it is. The defects check who may do that. Answers
    whether the status changed (a resolved or closed ticket is left alone)."""
    if status not in LINE3_STATUSES:
        raise ValueError(f"not a line 3 status: {status}")
    if not ticket.is_active or ticket.status == status:
        return False
    _set_status(ticket, status, actor=actor, now=now)
    return True


def _set_status(
    ticket: Ticket, status: TicketStatus, *, actor: User | None, now: datetime
) -> None:
    old = ticket.status
    ticket.status = status
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif status == TicketStatus.REOPENED:
        ticket.resolved_at = None
    record_event(
        ticket,
        EventKind.STATUS_CHANGED,
        actor=actor,
        now=now,
        data={"old": old.value, "new": status.value},
    )
    db.session.flush()
    events.ticket_status_changed.send(ticket, actor=actor, now=now, old=old, new=status)


def update_ticket(
    ticket: Ticket, changes: dict, *, actor: User | None, now: datetime
) -> Ticket:
    """Staff edit of priority, category, assignee, tags and custom field
    values; each change is an event."""
    if actor is not None and not actor.is_staff:
        raise PermissionDenied(_l("Only agents can change tickets."))
    ensure_can_work_on(actor, ticket)
    if "priority" in changes and changes["priority"] != ticket.priority:
        old = ticket.priority
        ticket.priority = changes["priority"]
        record_event(
            ticket,
            EventKind.PRIORITY_CHANGED,
            actor=actor,
            now=now,
            data={"old": old.value, "new": ticket.priority.value},
            internal=True,  # priority is the staff's label, not the requester's
        )
        db.session.flush()
        events.ticket_priority_changed.send(
            ticket, actor=actor, now=now, old=old, new=ticket.priority
        )
    if "category" in changes and changes["category"] != ticket.category.code:
        old = ticket.category.code
        ticket.category = active_category(changes["category"])
        record_event(
            ticket,
            EventKind.CATEGORY_CHANGED,
            actor=actor,
            now=now,
            data={"old": old, "new": ticket.category.code},
        )
        db.session.flush()
        events.ticket_category_changed.send(
            ticket, actor=actor, now=now, old=old, new=ticket.category.code
        )
    if "assignee_id" in changes and changes["assignee_id"] != ticket.assignee_id:
        assign_ticket(ticket, changes["assignee_id"], actor=actor, now=now)
    if "tags" in changes:
        set_tags(ticket, changes["tags"], actor=actor, now=now)
    if changes.get("fields"):  # of the category it has now
        custom_fields.change_values(ticket, changes["fields"], actor=actor, now=now)
    db.session.flush()
    return ticket


def set_tags(
    ticket: Ticket, tags: list[str], *, actor: User | None, now: datetime
) -> Ticket:
    """Replace the ticket's tags (trimmed, lower-case, each once); one event."""
    ensure_can_work_on(actor, ticket)
    new = sorted({tag.strip().lower() for tag in tags if tag.strip()})
    old = ticket.tags
    if new == old:
        return ticket
    ticket.tag_rows = [TicketTag(tag=tag) for tag in new]
    record_event(
        ticket,
        EventKind.TAGS_CHANGED,
        actor=actor,
        now=now,
        data={"old": old, "new": new},
        internal=True,
    )
    db.session.flush()
    return ticket


def assign_ticket(
    ticket: Ticket, assignee_id: int | None, *, actor: User | None, now: datetime
) -> Ticket:
    """Set or clear the assignee: an active agent; line agents assign within their line."""
    ensure_can_work_on(actor, ticket)
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id)
        if not is_assignable(assignee):
            raise InvalidInput(
                _l("The assignee must be an active agent."),
                fields={"assignee": [_l("Not an active agent.")]},
            )
        if (
            actor is not None
            and not actor.sees_all_lines
            and assignee.id != actor.id
            and assignee.line != ticket.line
        ):
            raise PermissionDenied(
                _l("You can assign only to agents of the ticket's line.")
            )
    old = ticket.assignee_id
    ticket.assignee_id = assignee_id
    record_event(
        ticket,
        EventKind.ASSIGNED,
        actor=actor,
        now=now,
        data={"old": old, "new": assignee_id},
    )
    db.session.flush()
    events.ticket_assigned.send(ticket, actor=actor, now=now, old=old, new=assignee_id)
    return ticket
