"""\"Test against ticket HD-000042\": which rules would match, why, and what
they would change, with nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from helpdesk.models import Ticket
from routing import rules
from routing.service import rulebook
from routing.service.actions import resolve_actions, ticket_facts


@dataclass(frozen=True)
class RuleOutcome:
    rule_id: int
    name: str
    outcome: str  # matched / not_matched / not_reached
    matched: tuple[dict, ...]
    changes: tuple[dict, ...]


def dry_run(
    ticket: Ticket,
    *,
    trigger: str,
    only: rules.CompiledRule | None = None,
    sla_target: str | None = None,
) -> list[RuleOutcome]:
    """Which rules of ``trigger`` (or just ``only``, enabled or not) would
    match the ticket now, why, and what they would change. Changes nothing:
    the caller rolls back, and the round-robin is not advanced."""
    candidates = [only] if only else rules.rules_for(rulebook.compiled_rules(), trigger)
    decided: dict[int, RuleOutcome] = {}

    def imagine(hit: rules.Hit, facts: dict[str, Any]) -> dict[str, Any]:
        changes = resolve_actions(hit.actions, facts, take=False)
        decided[hit.rule.id] = RuleOutcome(
            hit.rule.id, hit.rule.name, "matched", hit.matched, tuple(changes)
        )
        for action in hit.actions:
            facts = rules.apply_to_facts(action, facts)
        return facts

    hits = rules.run(candidates, ticket_facts(ticket, sla_target=sla_target), imagine)
    stop_id = hits[-1].rule.id if hits and hits[-1].rule.stop else None
    outcomes, reached = [], True
    for rule in candidates:
        if rule.id in decided:
            outcomes.append(decided[rule.id])
            reached = reached and rule.id != stop_id
            continue
        outcome = "not_matched" if reached else "not_reached"
        outcomes.append(RuleOutcome(rule.id, rule.name, outcome, (), ()))
    return outcomes
