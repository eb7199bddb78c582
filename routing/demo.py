"""Demo rules, loaded by ``flask demo load`` (through
``helpdesk.demo_loaders``) after the demo people and before the demo tickets,
so those are routed as they are registered. Idempotent: rules are looked up
by name."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from helpdesk.demo import demo_locale, every_name, localized
from helpdesk.extensions import db
from helpdesk.service import accounts
from routing.models import RoutingRule
from routing.service import rulebook

ERROR_WORDS = r"error|defect|crash|ошибк|сбо[йяюеи]"

CALL_BACK = {"en": "Call the customer back", "ru": "Перезвонить клиенту"}
INVESTIGATE = {"en": "Investigate the cause", "ru": "Выяснить причину"}
REPLY_IN_WRITING = {"en": "Reply in writing", "ru": "Ответить письменно"}

# Names, notes and task titles in both languages (helpdesk.demo.localized).
DEMO_RULES = (
    {
        "name": {
            "en": "Configuration and enhancements go to line 2",
            "ru": "Настройка и доработки — на 2-ю линию",
        },
        "trigger": "ticket_created",
        "conditions": [
            {"field": "category", "op": "in", "value": ["configuration", "enhancement"]}
        ],
        "actions": [{"type": "set_line", "line": 2}],
    },
    {
        "name": {
            "en": "Errors and crashes go to line 2",
            "ru": "Ошибки и сбои — на 2-ю линию",
        },
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
                "body": {
                    "en": "Looks like an error report: ask for the exact message, "
                    "the time it happened and a screenshot; check the known defects.",
                    "ru": "Похоже на сообщение об ошибке: запросите точный текст, "
                    "время, когда она возникла, и снимок экрана; проверьте "
                    "известные дефекты.",
                },
            },
        ],
    },
    {
        "name": {"en": "P1: tell the managers", "ru": "P1: сообщить руководителям"},
        "trigger": "ticket_created",
        "conditions": [{"field": "priority", "op": "eq", "value": "P1"}],
        "actions": [{"type": "notify_managers"}],
    },
    {
        "name": {
            "en": "Line 2: assign after 30 minutes without an assignee",
            "ru": "2-я линия: назначить, если 30 минут без исполнителя",
        },
        "trigger": "unassigned_for_minutes",
        "unassigned_minutes": 30,
        "conditions": [{"field": "line", "op": "eq", "value": 2}],
        "actions": [{"type": "assign_least_loaded", "line": None}],
    },
    {
        "name": {
            "en": "SLA breach on P1/P2: escalate and tell the managers",
            "ru": "Нарушение SLA по P1/P2: эскалировать и сообщить руководителям",
        },
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
        "name": {"en": "Complaint", "ru": "Жалоба"},
        "trigger": "ticket_created",
        "conditions": [{"field": "category", "op": "eq", "value": "complaint"}],
        "actions": [
            {
                "type": "start_process",
                "tasks": [
                    {"title": CALL_BACK, "line": 1, "due_minutes": 60},
                    {"title": INVESTIGATE, "line": 2, "due_minutes": 480},
                    {"title": REPLY_IN_WRITING, "line": 1, "due_minutes": 1440},
                ],
            }
        ],
    },
)


def load_demo_rules(now: datetime) -> None:
    """Create the demo rules that are missing, named in the demo's language
    (a rule loaded before in the other language counts as there)."""
    admin = accounts.find_user_by_email("admin@example.com")
    if admin is None:
        return
    locale = demo_locale()
    existing = set(db.session.scalars(sa.select(RoutingRule.name)))
    for data in DEMO_RULES:
        if not every_name(data["name"]) & existing:
            rulebook.create_rule(localized(data, locale), actor=admin, now=now)
