"""Every routing route × every role: the server checks each permission.

As in tests/security/test_permissions.py: the ticket lives on line 2; a
refused request (401, 403, 404, 422 or the login redirect) leaves every row
of every table as it was; an allowed write changes something.
``test_every_routing_route_is_in_the_matrix`` fails when a route of
routing's blueprints has no row here (the core's matrix leaves them to us).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from helpdesk.vocabulary import Role
from tests.builders import make_category, make_ticket, make_user
from tests.permission_matrix import (
    ACTORS,
    AGENTS,
    LOGIN,
    STAFF,
    Case,
    Matrix,
    make_actor,
    make_requester,
)
from tests.routing.builders import make_rule, make_task


def expect(ok, *, default=403, anonymous=LOGIN, **overrides) -> dict:
    """``ok`` for the roles named in ``ok`` (a tuple), ``default`` for the rest.
    The requester's organisation's contact sees its tickets as the requester
    does, a plain member of it as another customer (unless overridden)."""
    roles, status = ok
    result = {a: default for a in ACTORS} | {"anonymous": anonymous}
    result |= dict.fromkeys(roles, status)
    result |= overrides
    org = {"org_contact": result["customer"], "org_member": result["other_customer"]}
    return result | org | {k: v for k, v in overrides.items() if k in org}


MANAGERS = ("manager", "admin")
FILERS_HERE = ("line2", "manager", "admin")  # file defects on the line-2 ticket
FIXERS = ("line3", "manager", "admin")
REOPENERS = ("line2", "line3", "manager", "admin")

RULE_FORM = {
    "name": "Form rule",
    "trigger": "ticket_created",
    "match": "all",
    "cond-0-field": "priority",
    "cond-0-op": "eq",
    "cond-0-value": "P1",
    "act-0-type": "set_line",
    "act-0-value": "2",
    "enabled": "true",
}
RULE_JSON = {
    "name": "API rule",
    "trigger": "ticket_created",
    "actions": [{"type": "notify_managers"}],
}
DEFECT = {
    "kind": "defect",
    "title": "Crash",
    "description": "It crashes.",
    "severity": "minor",
}

CASES = [
    # --- rule pages
    Case("rules", "GET", "/routing/rules", expect((MANAGERS, 200))),
    Case("rule-new", "GET", "/routing/rules/new", expect((MANAGERS, 200))),
    Case(
        "rule-create",
        "POST",
        "/routing/rules/new",
        expect((MANAGERS, 302)),
        form=RULE_FORM,
        writes=True,
    ),
    Case("rule-edit", "GET", "/routing/rules/{rule}", expect((MANAGERS, 200))),
    Case(
        "rule-save",
        "POST",
        "/routing/rules/{rule}",
        expect((MANAGERS, 302)),
        form=RULE_FORM,
        writes=True,
    ),
    Case(
        "rule-enable",
        "POST",
        "/routing/rules/{rule}/enabled",
        expect((MANAGERS, 302)),
        form={"enabled": "false"},
        writes=True,
    ),
    Case(
        "rule-move",
        "POST",
        "/routing/rules/{rule}/position",
        expect((MANAGERS, 302)),
        form={"direction": "down"},
        writes=True,
    ),
    Case(
        "rule-delete",
        "POST",
        "/routing/rules/{rule}/delete",
        expect((MANAGERS, 302)),
        form={"confirm": "1"},
        writes=True,
    ),
    # Unconfirmed, it only asks (the confirmation page), changing nothing.
    Case(
        "rule-delete-unconfirmed",
        "POST",
        "/routing/rules/{rule}/delete",
        expect((MANAGERS, 200)),
    ),
    Case(
        "rules-test-page",
        "GET",
        "/routing/rules/test?ticket={number}",
        expect((MANAGERS, 200)),
    ),
    # --- escalation and availability pages
    Case(
        "escalate-page",
        "POST",
        "/routing/tickets/{ticket}/escalations",
        expect((FILERS_HERE, 302)),
        form={"line": "3", "reason": "Needs a developer."},
        writes=True,
    ),
    Case(
        "availability",
        "POST",
        "/routing/availability",
        expect((AGENTS, 302), manager=422, admin=422),
        form={"available": "false"},
        writes=True,
    ),
    # --- defect pages
    Case("defects", "GET", "/routing/defects", expect((STAFF, 200))),
    Case(
        "defect-new-page",
        "GET",
        "/routing/defects/new?ticket={ticket}",
        expect((FILERS_HERE, 200), other_customer=403),
    ),
    Case(
        "defect-create-page",
        "POST",
        "/routing/defects/new",
        expect((FILERS_HERE, 302)),
        form=lambda w: DEFECT | {"ticket": str(w.ticket.id)},
        writes=True,
    ),
    Case("defect-page", "GET", "/routing/defects/{defect}", expect((STAFF, 200))),
    Case(
        "defect-link-page",
        "POST",
        "/routing/defects/{defect}/tickets",
        expect((FILERS_HERE, 302)),
        form=lambda w: {"ticket": w.other.number},
        writes=True,
    ),
    Case(
        "ticket-defect-link-page",
        "POST",
        "/routing/tickets/{other}/defects",
        expect((FILERS_HERE, 302)),
        form=lambda w: {"defect": str(w.defect.id)},
        writes=True,
    ),
    Case(
        "defect-status-page",
        "POST",
        "/routing/defects/{defect}/status",
        expect((FIXERS, 302)),
        form={"status": "in_progress"},
        writes=True,
    ),
    Case(
        "defect-fix-page",
        "POST",
        "/routing/defects/{defect}/fixes",
        expect((FIXERS, 302)),
        form={"resolution": "Patched.", "confirm": "1"},
        writes=True,
    ),
    Case(
        "defect-reopen-page",
        "POST",
        "/routing/defects/{fixed}/reopenings",
        expect((REOPENERS, 302)),
        form={"reason": "Still fails."},
        writes=True,
    ),
    Case(
        "defect-fix-page-unconfirmed",
        "POST",
        "/routing/defects/{defect}/fixes",
        expect((FIXERS, 200)),
        form={"resolution": "Patched."},
    ),
    # --- process tasks and bulk escalation pages
    Case("tasks", "GET", "/routing/tasks", expect((STAFF, 200))),
    Case(
        "task-tick-page",
        "POST",
        "/routing/tasks/{task}/completion",
        expect((FILERS_HERE, 302)),
        writes=True,
    ),
    Case(
        "task-untick-page",
        "POST",
        "/routing/tasks/{done}/reopening",
        expect((FILERS_HERE, 302)),
        writes=True,
    ),
    Case(
        "bulk-escalate-page",
        "POST",
        "/routing/escalations/bulk?sort=due",
        # everyone on the staff gets the queue back; line 1 and 3 had their
        # ticket skipped (not their line), so nothing changed for them
        expect((STAFF, 302)),
        form=lambda w: {
            "ticket_ids": [str(w.ticket.id)],
            "routing_line": "3",
            "routing_reason": "Needs a developer.",
        },
        writes=FILERS_HERE,
    ),
    # --- the API: rules
    Case("api-rules", "GET", "/api/v1/routing/rules", expect((MANAGERS, 200))),
    Case(
        "api-rule-create",
        "POST",
        "/api/v1/routing/rules",
        expect((MANAGERS, 201)),
        json=RULE_JSON,
        writes=True,
    ),
    Case(
        "api-rule-get", "GET", "/api/v1/routing/rules/{rule}", expect((MANAGERS, 200))
    ),
    Case(
        "api-rule-patch",
        "PATCH",
        "/api/v1/routing/rules/{rule}",
        expect((MANAGERS, 200)),
        json={"enabled": False},
        writes=True,
    ),
    Case(
        "api-rule-delete",
        "DELETE",
        "/api/v1/routing/rules/{rule}",
        expect((MANAGERS, 204)),
        writes=True,
    ),
    Case(
        "api-rule-test",
        "POST",
        "/api/v1/routing/rules/{rule}/tests",
        expect((MANAGERS, 200)),
        json=lambda w: {"ticket": w.ticket.number},
    ),
    Case(
        "api-rules-test",
        "POST",
        "/api/v1/routing/tests",
        expect((MANAGERS, 200)),
        json=lambda w: {"ticket": w.ticket.number},
    ),
    # --- the API: escalation, agents
    Case(
        "api-escalate",
        "POST",
        "/api/v1/tickets/{ticket}/escalations",
        expect((FILERS_HERE, 201), other_customer=404),
        json={"line": 3, "reason": "Needs a developer."},
        writes=True,
    ),
    Case(
        "api-bulk-escalate",
        "POST",
        "/api/v1/tickets/bulk-escalations",
        # as the page: line 1 and 3 have the ticket skipped (not their line)
        expect((STAFF, 201)),
        json=lambda w: {
            "ticket_ids": [w.ticket.id],
            "line": 3,
            "reason": "Needs a developer.",
        },
        writes=FILERS_HERE,
    ),
    Case("api-agents", "GET", "/api/v1/routing/agents", expect((STAFF, 200))),
    Case(
        "api-agent-colleague",
        "PATCH",
        "/api/v1/routing/agents/{colleague}",
        expect((MANAGERS, 200)),
        json={"available": False},
        writes=True,
    ),
    Case(
        "api-agent-self",
        "PATCH",
        "/api/v1/routing/agents/{me}",
        expect((AGENTS, 200), manager=422, admin=422),
        json={"available": False},
        writes=True,
    ),
    # --- the API: process tasks
    Case(
        "api-ticket-tasks",
        "GET",
        "/api/v1/tickets/{ticket}/tasks",
        expect((STAFF, 200), other_customer=404),
    ),
    Case(
        "api-task-tick",
        "POST",
        "/api/v1/routing/tasks/{task}/completions",
        expect((FILERS_HERE, 201), customer=404, other_customer=404),
        writes=True,
    ),
    Case(
        "api-task-untick",
        "DELETE",
        "/api/v1/routing/tasks/{done}/completions",
        expect((FILERS_HERE, 204), customer=404, other_customer=404),
        writes=True,
    ),
    # --- the API: defects
    Case("api-defects", "GET", "/api/v1/routing/defects", expect((STAFF, 200))),
    Case(
        "api-defect-create",
        "POST",
        "/api/v1/routing/defects",
        expect((FILERS_HERE, 201)),
        json=lambda w: DEFECT | {"ticket": w.ticket.id},
        writes=True,
    ),
    Case(
        "api-defect-get",
        "GET",
        "/api/v1/routing/defects/{defect}",
        expect((STAFF, 200), customer=404, other_customer=404),
    ),
    Case(
        "api-defect-patch",
        "PATCH",
        "/api/v1/routing/defects/{defect}",
        expect(
            (("line2", "line3", "manager", "admin"), 200),
            customer=404,
            other_customer=404,
        ),
        json={"title": "Crash on start"},
        writes=True,
    ),
    Case(
        "api-defect-link",
        "POST",
        "/api/v1/routing/defects/{defect}/tickets",
        expect((FILERS_HERE, 201), customer=404, other_customer=404),
        json=lambda w: {"ticket": w.other.id},
        writes=True,
    ),
    Case(
        "api-defect-fix",
        "POST",
        "/api/v1/routing/defects/{defect}/fixes",
        expect((FIXERS, 201), customer=404, other_customer=404),
        json={"resolution": "Patched."},
        writes=True,
    ),
    Case(
        "api-defect-reopen",
        "POST",
        "/api/v1/routing/defects/{fixed}/reopenings",
        expect((REOPENERS, 201), customer=404, other_customer=404),
        json={"reason": "Still fails."},
        writes=True,
    ),
]


def _arrange(setup: dict, actor: str, fx) -> SimpleNamespace:
    given = fx.given
    given(make_category, "access")
    customer = make_requester(given)
    filer = given(make_user, role=Role.LINE2, name="Filer")
    colleague = given(make_user, role=Role.LINE2, name="Colleague")
    user = make_actor(given, actor, customer)
    ticket = given(make_ticket, requester=customer, line=2)
    other = given(make_ticket, requester=customer, line=2)
    rule = given(make_rule, name="Existing rule", actions=[{"type": "notify_managers"}])
    defect = given(_defect, ticket=ticket, filer=filer)
    fixed = given(_defect, ticket=other, filer=filer, fixed=True)
    task = given(make_task, ticket, title="Open task")
    done = given(make_task, ticket, title="Done task", done_by=filer)
    return SimpleNamespace(
        user=user,
        ticket=ticket,
        other=other,
        defect=defect,
        ids={
            "ticket": ticket.id,
            "other": other.id,
            "number": ticket.number,
            "rule": rule.id,
            "defect": defect.id,
            "fixed": fixed.id,
            "colleague": colleague.id,
            "me": user.id if user else 0,
            "task": task.id,
            "done": done.id,
        },
    )


def _defect(*, ticket, filer, fixed=False):
    from helpdesk.extensions import db
    from helpdesk.models import Ticket, User
    from routing.models import DefectStatus
    from routing.service import defects
    from tests.builders import _AT

    defect = defects.create_defect(
        DEFECT,
        ticket=db.session.get(Ticket, ticket.id),
        actor=db.session.get(User, filer.id),
        now=_AT,
    )
    if fixed:
        defect.status, defect.fixed_at = DefectStatus.FIXED, _AT
    return defect


MATRIX = Matrix(
    cases=CASES, arrange=_arrange, owns=lambda rule: rule.endpoint.startswith("routing")
)


@pytest.mark.parametrize(("case", "actor"), MATRIX.cells())
def test_routing_permission_matrix(case: Case, actor: str, permission_check):
    permission_check(MATRIX, case, actor)


def test_every_routing_route_is_in_the_matrix(app):
    MATRIX.assert_covers(app)
