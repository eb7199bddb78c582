"""The rules engine's orchestration: signal handlers note what happened
(``chain``); just before the transaction commits the rules of each noted
trigger run over the ticket, in order, and ``actions`` carries out what they
ask.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from helpdesk import ticket_ids
from helpdesk.extensions import db
from helpdesk.models import (
    Ticket,
)
from helpdesk.service import timeline
from routing import rules
from routing.rules import Trigger
from routing.service import actions, chain, rulebook

log = logging.getLogger(__name__)

CHAIN_STOPPED = "routing_chain_stopped"


# --- running the noted triggers before commit ---------------------------------------


def run_pending(session: Session) -> None:
    """``before_commit``: run the rules of every trigger noted in this
    transaction, and of those their own changes note, down to
    ``chain.MAX_DEPTH``. A savepoint's commit is not the transaction's."""
    state = session.info.get("routing.chain")
    if state is None or not state.queue or state.running:
        return
    if session.in_nested_transaction():
        return
    settings = current_app.config
    state.running = True
    try:
        # Read once per commit: the rules cannot change under the rules.
        compiled = rulebook.compiled_rules()
        while state.queue:
            item = state.queue.pop(0)
            state.depth = item.depth
            _handle(session, state, item, settings, compiled)
    finally:
        state.running = False


def _handle(
    session: Session,
    state: chain.Chain,
    item: chain.Pending,
    settings: Mapping,
    compiled: list[rules.CompiledRule],
) -> None:
    candidates = rules.rules_for(compiled, item.trigger)
    if not candidates:
        return
    ticket = ticket_ids.ticket_in_session(session, item.ticket_id)
    if ticket is None:
        return
    if item.depth > chain.MAX_DEPTH:
        _stop(state, ticket, item)
        return
    skip = {rule_id for rule_id, ticket_id in state.fired if ticket_id == ticket.id}

    def act(hit: rules.Hit, facts: dict[str, Any]) -> dict[str, Any]:
        state.fired.add((hit.rule.id, ticket.id))
        actions.apply_hit(
            ticket, hit, facts, trigger=item.trigger, now=item.now, settings=settings
        )
        return actions.ticket_facts(ticket, sla_target=item.sla_target)

    facts = actions.ticket_facts(ticket, sla_target=item.sla_target)
    rules.run(candidates, facts, act, skip=skip)


def _stop(state: chain.Chain, ticket: Ticket, item: chain.Pending) -> None:
    """Rules changed the ticket again and again: stop here, and say so once."""
    log.warning(
        "routing.chain_stopped ticket_id=%s trigger=%s depth=%s",
        ticket.id,
        item.trigger,
        item.depth,
    )
    if ticket.id in state.stopped:
        return
    state.stopped.add(ticket.id)
    timeline.record_event(
        ticket,
        CHAIN_STOPPED,
        actor=None,
        now=item.now,
        internal=True,
        data={"trigger": item.trigger, "depth": item.depth},
    )


# --- subscriptions -----------------------------------------------------------------------


def on_ticket_created(ticket: Ticket, *, now: datetime, **_kw) -> None:
    chain.note(db.session(), Trigger.TICKET_CREATED, ticket.id, now=now)


def on_ticket_updated(ticket: Ticket, *, now: datetime, **_kw) -> None:
    chain.note(db.session(), Trigger.TICKET_UPDATED, ticket.id, now=now)


def on_public_reply(ticket: Ticket, *, now: datetime, by_agent: bool, **_kw) -> None:
    if not by_agent:
        chain.note(db.session(), Trigger.CUSTOMER_REPLIED, ticket.id, now=now)


def on_sla_warning(ticket: Ticket, *, clock, now, **_kw) -> None:
    chain.note(
        db.session(),
        Trigger.SLA_WARNING,
        ticket.id,
        now=now,
        sla_target=clock.target.value,
    )


def on_sla_breached(ticket: Ticket, *, clock, now, **_kw) -> None:
    chain.note(
        db.session(),
        Trigger.SLA_BREACH,
        ticket.id,
        now=now,
        sla_target=clock.target.value,
    )


def on_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None and not transaction.nested:
        chain.forget(session)


def connect() -> None:
    """Subscribe to the core's and the SLA's signals, and run the noted
    triggers before every commit. Idempotent: blinker keeps one connection
    per function, and the session listeners are added once."""
    from helpdesk import events
    from sla import events as sla_events

    rulebook.watch()
    events.ticket_created.connect(on_ticket_created)
    for signal in (
        events.ticket_status_changed,
        events.ticket_priority_changed,
        events.ticket_category_changed,
        events.ticket_assigned,
        events.ticket_line_changed,
        events.ticket_fields_changed,
    ):
        signal.connect(on_ticket_updated)
    events.public_reply_added.connect(on_public_reply)
    sla_events.sla_warning.connect(on_sla_warning)
    sla_events.sla_breached.connect(on_sla_breached)
    for name, listener in (
        ("before_commit", run_pending),
        ("after_transaction_end", on_transaction_end),
    ):
        if not sa.event.contains(db.session, name, listener):
            sa.event.listen(db.session, name, listener)
