"""Reactions to the core's signals: the clocks follow the ticket."""

from __future__ import annotations

import functools

from flask import current_app

from helpdesk import events
from helpdesk.vocabulary import Channel, TicketStatus
from sla.models import Target
from sla.service import clocks, fresh_clocks, policies, retime
from sla.service.imported import replay_imported

ALL_TARGETS = frozenset(Target)
RESPONSE_TARGETS = frozenset({Target.FIRST_RESPONSE, Target.NEXT_RESPONSE})
# Statuses in which a policy may stand its clocks still (SlaPolicy.pauses_in).
WAITING = frozenset({TicketStatus.PENDING, TicketStatus.WAITING_LINE3})


def refreshes_ticket_due(handler):
    """After the clocks moved, the ticket's ``due_at`` follows them."""

    @functools.wraps(handler)
    def wrapped(ticket, **kwargs) -> None:
        handler(ticket, **kwargs)
        clocks.refresh_ticket_due(ticket)

    return wrapped


def on_ticket_created(ticket, *, actor, now, **_) -> None:
    started = clocks.start_clocks(ticket, now=now, actor=actor, cause="ticket_created")
    if (
        ticket.channel == Channel.PHONE
        and actor is not None
        and actor.is_staff
        and started
        and started[0].policy.phone_call_is_first_response
    ):
        # Line 1 registered it while talking to the caller: by the policy,
        # that is the first response.
        clocks.stop_clocks(
            ticket,
            frozenset({Target.FIRST_RESPONSE}),
            now=now,
            actor=actor,
            cause="answered_on_the_call",
            settings=current_app.config,
        )
    # A new ticket's clocks are the ones just started: no need to read them.
    clocks.set_ticket_due(ticket, started)


@refreshes_ticket_due
def on_public_reply(ticket, *, actor, now, by_agent, **_) -> None:
    if by_agent:
        clocks.stop_clocks(
            ticket,
            RESPONSE_TARGETS,
            now=now,
            actor=actor,
            cause="agent_replied",
            settings=current_app.config,
        )
    else:
        clocks.restart_next_response(
            ticket, now=now, actor=actor, cause="customer_replied"
        )


@refreshes_ticket_due
def on_status_changed(ticket, *, actor, now, old, new, **_) -> None:
    cause = f"status_{new.value}"
    if new in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        clocks.stop_clocks(
            ticket,
            ALL_TARGETS - RESPONSE_TARGETS,
            now=now,
            actor=actor,
            cause=cause,
            settings=current_app.config,
        )
        # Resolving is no reply: a response still owed stops unanswered.
        clocks.stop_clocks(
            ticket,
            RESPONSE_TARGETS,
            now=now,
            actor=actor,
            cause=cause,
            settings=current_app.config,
            answered=False,
        )
    elif new == TicketStatus.REOPENED:
        clocks.resume_clocks(
            ticket,
            now=now,
            actor=actor,
            cause=cause,
            reopen=frozenset({Target.RESOLUTION}),
        )
    elif new in WAITING or old in WAITING:
        # Waiting on the customer pauses; waiting on line 3 as the policy says.
        clocks.follow_waiting(
            ticket, now=now, actor=actor, cause=cause, settings=current_app.config
        )


@refreshes_ticket_due
def on_retarget(ticket, *, actor, now, **_) -> None:
    retime.retarget_clocks(ticket, now=now, actor=actor, cause="policy_reselected")
    if ticket.status in WAITING:
        # The new policy may decide otherwise about pausing on line 3.
        clocks.follow_waiting(
            ticket,
            now=now,
            actor=actor,
            cause="policy_reselected",
            settings=current_app.config,
        )


def on_tickets_imported(_sender, *, items, now, **_) -> None:
    replay_imported(items, now=now)


def connect() -> None:
    """Subscribe once; blinker ignores a second connection of the same function."""
    policies.watch()
    fresh_clocks.connect()
    events.ticket_created.connect(on_ticket_created)
    events.public_reply_added.connect(on_public_reply)
    events.ticket_status_changed.connect(on_status_changed)
    events.ticket_priority_changed.connect(on_retarget)
    events.ticket_category_changed.connect(on_retarget)
    events.tickets_imported.connect(on_tickets_imported)
