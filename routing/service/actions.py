"""What a rule does to a ticket: each action resolved to the concrete change
it makes (or why it is skipped), then carried out through the core's
services as the system. Every rule that acts writes one internal
``routing_rule_applied`` event naming the rule, the conditions that matched
and every change, so an agent sees why a ticket is where it is.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from helpdesk import reference
from helpdesk.custom_fields import values as field_values
from helpdesk.extensions import db
from helpdesk.models import Category, Ticket, User
from helpdesk.notify.audience import line_agents, managers
from helpdesk.notify.mail import email_about_ticket
from helpdesk.service import access, timeline
from helpdesk.service import tickets as ticket_service
from helpdesk.service.lines import move_to_line
from helpdesk.vocabulary import ACTIVE_STATUSES, Priority
from routing import rules
from routing.service import assignment, tasks

log = logging.getLogger(__name__)

RULE_APPLIED = "routing_rule_applied"
NOTE = "routing_note"
_ACTIVE = frozenset(s.value for s in ACTIVE_STATUSES)


def ticket_facts(ticket: Ticket, *, sla_target: str | None = None) -> dict[str, Any]:
    """What conditions look at (see ``routing.rules.FIELDS``); the
    requester's organisation is joined with the requester (no query)."""
    organisation = ticket.requester.organisation
    return {
        "category": ticket.category.code,
        "priority": ticket.priority.value,
        "channel": ticket.channel.value,
        "status": ticket.status.value,
        "line": ticket.line,
        "organization": ticket.requester.organisation_name,
        "plan": organisation.plan if organisation else None,
        "subject": ticket.subject,
        "description": ticket.description,
        "assignee": ticket.assignee_id,
        "requester": ticket.requester_id,  # for notify_requester, not a condition
        "tags": ticket.tags,
        "sla_target": sla_target,
        # "field:<key>": the ticket's custom field values (helpdesk.custom_fields)
        **field_values.condition_facts(ticket),
    }


# --- carrying out a rule -------------------------------------------------------------


def apply_hit(
    ticket: Ticket,
    hit: rules.Hit,
    facts: Mapping[str, Any],
    *,
    trigger: str,
    now: datetime,
    settings: Mapping,
) -> list[dict]:
    """Decide each action's concrete change, write the rule's timeline event,
    then carry the changes out. Answers the changes."""
    changes = resolve_actions(hit.actions, facts, take=True)
    timeline.record_event(
        ticket,
        RULE_APPLIED,
        actor=None,
        now=now,
        internal=True,
        data={
            "rule_id": hit.rule.id,
            "rule": hit.rule.name,
            "trigger": trigger,
            "match": "all" if hit.rule.match_all else "any",
            "matched": list(hit.matched),
            "changes": changes,
        }
        | _trigger_detail(hit.rule),
    )
    for change in changes:
        if "skipped" not in change:
            _execute(change, ticket, rule=hit.rule.name, now=now, settings=settings)
    log.info("routing.rule_applied ticket_id=%s rule_id=%s", ticket.id, hit.rule.id)
    return changes


def _trigger_detail(rule) -> dict:
    """What the timeline names besides the trigger: an "unassigned for N
    minutes" rule's minutes."""
    if rule.unassigned_minutes is None:
        return {}
    return {"minutes": rule.unassigned_minutes}


def resolve_actions(
    actions: tuple[dict, ...], facts: Mapping[str, Any], *, take: bool
) -> list[dict]:
    """Each action as the change it makes to a ticket with these facts (or
    why it is skipped); later actions see what earlier ones changed.
    ``take`` is False for a dry run: the round-robin is left as it is."""
    changes = []
    current = dict(facts)
    for action in actions:
        changes.append(_resolve(action, current, take=take))
        current = rules.apply_to_facts(action, current)
    return changes


def _resolve(action: Mapping[str, Any], facts: Mapping, *, take: bool) -> dict:
    kind = action["type"]
    if kind in ("set_line", "escalate"):
        line = facts["line"]
        target = action["line"] if kind == "set_line" else min(3, line + 1)
        if facts["status"] not in _ACTIVE:
            return {"type": kind, "skipped": "inactive"}
        return _change(kind, line, target)
    if kind == "set_category":
        active = db.session.scalar(
            sa.select(Category.id).where(
                Category.code == action["category"], Category.active.is_(True)
            )
        )
        if active is None:
            return {"type": kind, "skipped": "unknown_category"}
        return _change(kind, facts["category"], action["category"])
    if kind == "set_priority":
        return _change(kind, facts["priority"], action["priority"])
    if kind in ("assign_agent", "assign_least_loaded"):
        return _resolve_assignment(action, facts, take=take)
    if kind in ("add_tags", "remove_tags"):
        old = sorted(facts.get("tags") or [])
        return _change(kind, old, rules.changed_tags(old, action))
    if kind == "add_note":
        return {"type": kind, "body": action["body"]}
    if kind == "start_process":
        return {"type": kind, "tasks": [dict(task) for task in action["tasks"]]}
    return _resolve_notify(action, facts)


def _change(kind: str, old: Any, new: Any) -> dict:
    if old == new:
        return {"type": kind, "skipped": "no_change"}
    return {"type": kind, "from": old, "to": new}


def _resolve_assignment(action: Mapping, facts: Mapping, *, take: bool) -> dict:
    kind = action["type"]
    if facts["status"] not in _ACTIVE:
        return {"type": kind, "skipped": "inactive"}
    if kind == "assign_agent":
        agent = db.session.get(User, action["user_id"])
        if not access.is_assignable(agent):
            return {"type": kind, "skipped": "not_an_agent"}
        if not assignment.is_available(agent.id):
            return {"type": kind, "skipped": "away", "agent": agent.name}
        line = agent.line
    else:
        line = action.get("line") or facts["line"]
        agent = assignment.least_loaded_agent(line, take=take)
        if agent is None:
            return {"type": kind, "skipped": "nobody_available", "line": line}
    if agent.id == facts["assignee"]:
        return {"type": kind, "skipped": "no_change", "agent": agent.name}
    return {"type": kind, "to": agent.id, "agent": agent.name, "line": line}


def _resolve_notify(action: Mapping, facts: Mapping) -> dict:
    kind = action["type"]
    users = _recipients(action, facts)
    change = {"type": kind, "recipients": [u.id for u in users]}
    if kind == "notify_line":
        change["line"] = action.get("line") or facts["line"]
    if kind == "notify_user":
        change["user_id"] = action["user_id"]
    return change


def _recipients(action: Mapping, facts: Mapping) -> list[User]:
    kind = action["type"]
    if kind == "notify_line":
        return line_agents(action.get("line") or facts["line"])
    if kind == "notify_managers":
        return managers()
    if kind == "notify_requester":
        user = db.session.get(User, facts["requester"])
        return [user] if user is not None and user.active else []
    user_id = facts["assignee"] if kind == "notify_assignee" else action["user_id"]
    user = db.session.get(User, user_id) if user_id else None
    return [user] if user is not None and user.active and user.is_staff else []


def _execute(
    change: dict, ticket: Ticket, *, rule: str, now: datetime, settings: Mapping
) -> None:
    kind = change["type"]
    if kind in ("set_line", "escalate"):
        move_to_line(
            ticket,
            change["to"],
            reason="",
            cause="rule",
            rule=rule,
            actor=None,
            now=now,
        )
    elif kind == "set_category":
        ticket_service.update_ticket(
            ticket, {"category": change["to"]}, actor=None, now=now
        )
    elif kind == "set_priority":
        ticket_service.update_ticket(
            ticket,
            {"priority": Priority(change["to"])},
            actor=None,
            now=now,
        )
    elif kind in ("add_tags", "remove_tags"):
        ticket_service.set_tags(ticket, change["to"], actor=None, now=now)
    elif kind in ("assign_agent", "assign_least_loaded"):
        ticket_service.assign_ticket(ticket, change["to"], actor=None, now=now)
    elif kind == "add_note":
        timeline.record_event(
            ticket,
            NOTE,
            actor=None,
            now=now,
            internal=True,
            data={"body": change["body"], "rule": rule},
        )
    elif kind == "start_process":
        tasks.start_process(
            ticket, change["tasks"], rule=rule, now=now, settings=settings
        )
    else:
        users = reference.users_by_ids(change["recipients"])
        email_about_ticket(
            users,
            ticket,
            lambda: _("Routing rule “%(rule)s”", rule=rule),
            now=now,
            payload={"event": "routing.rule"},
            settings=settings,
        )
