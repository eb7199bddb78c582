"""Demo rules, loaded by ``flask demo load`` (through
``helpdesk.demo_loaders``) after the demo people and before the demo tickets,
so those are routed as they are registered. Idempotent: rules are looked up
by name."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.service import accounts
from routing.models import RoutingRule
from routing.service import rulebook

ERROR_WORDS = r"error|defect|crash|ошибк|сбо[йяюеи]"

DEMO_RULES = (
    {
        "name": "Configuration and enhancements go to line 2",
        "trigger": "ticket_created",
        "conditions": [
            {"field": "category", "op": "in", "value": ["configuration", "enhancement"]}
        ],
        "actions": [{"type": "set_line", "line": 2}],
    },
    {
        "name": "Errors and crashes go to line 2",
        "trigger": "ticket_created",
        "match": "any",
        "conditions": [
            {"field": "text", "op": "regex", "value": ERROR_WORDS},
            {"field": "category", "op": "eq", "value": "defect"},
        ],
        "actions": [
            {"type": "set_line", "line": 2},
            {
                "type": "add_note",
                "body": "Looks like an error report: ask for the exact message, "
                "the time it happened and a screenshot; check the known defects.",
            },
        ],
    },
    {
        "name": "P1: tell the managers",
        "trigger": "ticket_created",
        "conditions": [{"field": "priority", "op": "eq", "value": "P1"}],
        "actions": [{"type": "notify_managers"}],
    },
    {
        "name": "Line 2: assign after 30 minutes without an assignee",
        "trigger": "unassigned_for_minutes",
        "unassigned_minutes": 30,
        "conditions": [{"field": "line", "op": "eq", "value": 2}],
        "actions": [{"type": "assign_least_loaded", "line": None}],
    },
    {
        "name": "SLA breach on P1/P2: escalate and tell the managers",
        "trigger": "sla_breach",
        "conditions": [
            {"field": "priority", "op": "in", "value": ["P1", "P2"]},
            {"field": "line", "op": "lt", "value": 3},
        ],
        "actions": [{"type": "escalate"}, {"type": "notify_managers"}],
    },
    {
        # Registered by anyone (even line 1 on the phone): the process hands
        # the work to the responsible lines by itself. 480 min = 1 business day.
        "name": "Complaint",
        "trigger": "ticket_created",
        "conditions": [{"field": "category", "op": "eq", "value": "complaint"}],
        "actions": [
            {
                "type": "start_process",
                "tasks": [
                    {"title": "Call the customer back", "line": 1, "due_minutes": 60},
                    {"title": "Investigate the cause", "line": 2, "due_minutes": 480},
                    {"title": "Reply in writing", "line": 1, "due_minutes": 1440},
                ],
            }
        ],
    },
)


def load_demo_rules(now: datetime) -> None:
    """Create the demo rules that are missing."""
    admin = accounts.find_user_by_email("admin@example.com")
    if admin is None:
        return
    existing = set(db.session.scalars(sa.select(RoutingRule.name)))
    for data in DEMO_RULES:
        if data["name"] not in existing:
            rulebook.create_rule(dict(data), actor=admin, now=now)
