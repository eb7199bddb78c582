"""The "unassigned for N minutes" trigger, checked by a scheduler job
(``routing.jobs.check_unassigned``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from helpdesk.db import insert_once
from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import ACTIVE_STATUSES
from routing import rules
from routing.models import RuleFiring
from routing.rules import Trigger
from routing.service import rulebook
from routing.service.actions import apply_hit, ticket_facts


def sweep_unassigned(*, now: datetime, settings: Mapping, limit: int = 500) -> int:
    """Let each enabled "unassigned for N minutes" rule look at the active
    tickets registered at least N minutes ago that still have no assignee,
    once per ticket (a unique mark per rule and ticket, so a late, doubled or
    parallel sweep acts once). Answers how many tickets were looked at."""
    looked = 0
    for rule in rules.rules_for(rulebook.compiled_rules(), Trigger.UNASSIGNED):
        for ticket in _unassigned_since(rule, now=now, limit=limit):
            if not _mark(rule.id, ticket.id, now=now):
                continue
            looked += 1
            facts = rules.prepare_facts(ticket_facts(ticket))
            matched = rule.matched(facts)
            if matched is not None:
                hit = rules.Hit(rule, matched, rule.actions)
                apply_hit(
                    ticket, hit, facts, trigger=rule.trigger, now=now, settings=settings
                )
    db.session.flush()
    return looked


def _unassigned_since(
    rule: rules.CompiledRule, *, now: datetime, limit: int
) -> list[Ticket]:
    cutoff = now - timedelta(minutes=rule.unassigned_minutes or 0)
    marked = sa.select(RuleFiring.id).where(
        RuleFiring.rule_id == rule.id, RuleFiring.ticket_id == Ticket.id
    )
    return list(
        db.session.scalars(
            sa.select(Ticket)
            .where(
                Ticket.assignee_id.is_(None),
                Ticket.status.in_(sorted(ACTIVE_STATUSES)),
                Ticket.created_at <= cutoff,
                ~marked.exists(),
            )
            .order_by(Ticket.id)
            .limit(limit)
            .options(selectinload(Ticket.tag_rows))  # the facts' tags, not per row
        )
    )


def _mark(rule_id: int, ticket_id: int, *, now: datetime) -> bool:
    """Claim (rule, ticket) once; False if another sweep already did."""
    values = {"rule_id": rule_id, "ticket_id": ticket_id, "fired_at": now}
    return insert_once(db.session.connection(), RuleFiring.__table__, values)
