"""Who is told what, by e-mail, when the core's signals say something
happened to a ticket. Runs inside the change's transaction: it only writes
outbox rows, delivered after the commit.

- the requester: registered (every channel, phone too, so a caller has the
  number in writing), an agent's public reply with its text, waiting on you
  (pending), resolved (with links to rate and to reopen), reopened by someone
  else. Never an internal note, never internal fields.
- the watchers (``helpdesk.watchers``) the same public mails but the
  registration, worded for someone who follows the request (no rating
  links); the requester and the watchers also get a reply someone else of
  them wrote.
- agents: a ticket assigned to you (by someone else), the customer replied on
  your ticket (or on your line's unassigned one), a ticket moved to your line.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from helpdesk import events
from helpdesk.extensions import db
from helpdesk.i18n import N_
from helpdesk.models import Comment, Ticket, User
from helpdesk.notify.audience import line_agents
from helpdesk.notify.mail import email_about_ticket, ticket_link
from helpdesk.notify.preferences import Notice
from helpdesk.vocabulary import TicketStatus
from helpdesk.watchers.service import active_watchers


def _tell(users, ticket: Ticket, notice: Notice, headline, *, now, **texts) -> None:
    email_about_ticket(
        users,
        ticket,
        headline,
        subject=lambda: f"[{ticket.number}] {_subject(notice)}: {ticket.subject}",
        notice=notice,
        now=now,
        settings=current_app.config,
        **texts,
    )


# Each notice's subject line; translated for the recipient, one per mail.
SUBJECTS = {
    Notice.TICKET_REGISTERED: N_("Request registered"),
    Notice.AGENT_REPLIED: N_("New reply"),
    Notice.WAITING_ON_YOU: N_("Waiting for your answer"),
    Notice.TICKET_RESOLVED: N_("Resolved"),
    Notice.TICKET_REOPENED: N_("Reopened"),
    Notice.ASSIGNED_TO_YOU: N_("Assigned to you"),
    Notice.CUSTOMER_REPLIED: N_("The customer replied"),
    Notice.OTHER_REPLIED: N_("New reply"),
}


def _subject(notice: Notice) -> str:
    return _(SUBJECTS[notice])


def _followers(ticket: Ticket, actor: User | None) -> list[User]:
    """The watchers a mail about ``ticket`` goes to: not its author."""
    besides = [ticket.requester_id] + ([actor.id] if actor is not None else [])
    return active_watchers(ticket, besides=besides)


def on_ticket_created(ticket: Ticket, *, now: datetime, **_kw) -> None:
    _tell(
        [ticket.requester],
        ticket,
        Notice.TICKET_REGISTERED,
        lambda: _(
            "We have registered your request %(number)s and will answer as soon "
            "as we can.",
            number=ticket.number,
        ),
        now=now,
    )


def on_public_reply(
    ticket: Ticket,
    *,
    actor: User,
    now: datetime,
    comment: Comment,
    by_agent: bool,
    **_kw,
) -> None:
    def replied_on() -> str:
        return _(
            "%(name)s replied on %(number)s:", name=actor.name, number=ticket.number
        )

    followers = _followers(ticket, actor)
    if by_agent:
        _tell(
            [ticket.requester],
            ticket,
            Notice.AGENT_REPLIED,
            lambda: _("%(name)s replied to your request:", name=actor.name),
            detail=lambda: comment.body,
            detail_html=(lambda: comment.body_html) if comment.body_html else None,
            now=now,
        )
        _tell(
            followers,
            ticket,
            Notice.AGENT_REPLIED,
            replied_on,
            detail=lambda: comment.body,
            now=now,
        )
        return
    # A watcher or a contact of the organisation wrote: the requester too.
    others = followers + ([ticket.requester] if actor.id != ticket.requester_id else [])
    _tell(
        [u for u in others if u.active],
        ticket,
        Notice.OTHER_REPLIED,
        replied_on,
        detail=lambda: comment.body,
        now=now,
    )
    # The customer wrote: their agent, or the line's agents while nobody is.
    users = [ticket.assignee] if ticket.assignee else line_agents(ticket.line)
    _tell(
        [u for u in users if u.active and u.id != actor.id],
        ticket,
        Notice.CUSTOMER_REPLIED,
        replied_on,
        detail=lambda: comment.body,
        now=now,
    )


def on_status_changed(
    ticket: Ticket, *, actor: User | None, now: datetime, new: TicketStatus, **_kw
) -> None:
    if new in (TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.REOPENED):
        _tell_followers(ticket, actor=actor, now=now, new=new)
    if actor is not None and actor.id == ticket.requester_id:
        return  # they did it themselves
    if new == TicketStatus.PENDING:
        _tell(
            [ticket.requester],
            ticket,
            Notice.WAITING_ON_YOU,
            lambda: _(
                "We need your answer to go on with %(number)s: reply to this "
                "e-mail or on the request's page.",
                number=ticket.number,
            ),
            now=now,
        )
    elif new == TicketStatus.RESOLVED and ticket.merged_into_id is None:
        # (a merged duplicate's requester gets the merge notice instead)
        _tell(
            [ticket.requester],
            ticket,
            Notice.TICKET_RESOLVED,
            lambda: _("Your request %(number)s is resolved.", number=ticket.number),
            links=lambda: _resolved_links(ticket),
            now=now,
        )
    elif new == TicketStatus.REOPENED:
        _tell(
            [ticket.requester],
            ticket,
            Notice.TICKET_REOPENED,
            lambda: _("Your request %(number)s is open again.", number=ticket.number),
            now=now,
        )


def _tell_followers(
    ticket: Ticket, *, actor: User | None, now: datetime, new: TicketStatus
) -> None:
    """The watchers' side of the requester's status notices."""
    if new == TicketStatus.RESOLVED and ticket.merged_into_id is not None:
        return  # the merge notice says where it goes on
    notice, headline = {
        TicketStatus.PENDING: (
            Notice.WAITING_ON_YOU,
            lambda: _(
                "%(number)s waits for an answer from you or its requester: "
                "reply to this e-mail or on the request's page.",
                number=ticket.number,
            ),
        ),
        TicketStatus.RESOLVED: (
            Notice.TICKET_RESOLVED,
            lambda: _("%(number)s is resolved.", number=ticket.number),
        ),
        TicketStatus.REOPENED: (
            Notice.TICKET_REOPENED,
            lambda: _("%(number)s is open again.", number=ticket.number),
        ),
    }[new]
    _tell(_followers(ticket, actor), ticket, notice, headline, now=now)


def _resolved_links(ticket: Ticket) -> list[tuple[str, str]]:
    settings = current_app.config
    return [
        (_("Confirm and rate the solution"), ticket_link(ticket, settings, "rate")),
        (_("Not solved? Reopen the request"), ticket_link(ticket, settings, "reopen")),
    ]


def on_assigned(
    ticket: Ticket, *, actor: User | None, now: datetime, new: int | None, **_kw
) -> None:
    if new is None or (actor is not None and actor.id == new):
        return  # unassigned, or they took it themselves
    assignee = db.session.get(User, new)
    _tell(
        [assignee],
        ticket,
        Notice.ASSIGNED_TO_YOU,
        lambda: _("%(number)s is assigned to you.", number=ticket.number),
        now=now,
    )


def on_line_changed(
    ticket: Ticket, *, actor: User | None, now: datetime, new: int, reason: str, **_kw
) -> None:
    email_about_ticket(
        [u for u in line_agents(new) if actor is None or u.id != actor.id],
        ticket,
        lambda: _("Moved to line %(line)s", line=new),
        detail=lambda: _("Reason: %(reason)s", reason=reason),
        notice=Notice.MOVED_TO_YOUR_LINE,
        now=now,
        settings=current_app.config,
    )


def connect() -> None:
    """Subscribe to the core's signals (idempotent: blinker keeps one
    connection per function)."""
    events.ticket_created.connect(on_ticket_created)
    events.public_reply_added.connect(on_public_reply)
    events.ticket_status_changed.connect(on_status_changed)
    events.ticket_assigned.connect(on_assigned)
    events.ticket_line_changed.connect(on_line_changed)
