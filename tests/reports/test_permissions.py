"""Every /reports and /api/v1/reports route × every role (the shared
harness, tests/permission_matrix.py): managers and admins read every
report; agents only the agents' report (their own line of it); customers
and anonymous nobody. Reading a report changes no row."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.builders import make_category, make_ticket, make_user
from tests.permission_matrix import ACTORS, LOGIN, ROLES, Case, Matrix


def managers(status) -> dict:
    return dict.fromkeys(ACTORS, 403) | {
        "anonymous": LOGIN,
        "manager": status,
        "admin": status,
    }


def staff(status) -> dict:
    return managers(status) | {"line1": status, "line2": status, "line3": status}


# One case per route and kind of report (managers' only / the agents'); the
# other reports go through the same views and the same check
# (test_each_report_refuses_agents_but_the_agents_report).
CASES = [
    Case("index", "GET", "/reports", managers(200)),
    Case("volume-page", "GET", "/reports/volume", managers(200)),
    Case("csat-csv", "GET", "/reports/csat.csv", managers(200)),
    Case("flow-xlsx", "GET", "/reports/flow.xlsx", managers(200)),
    Case("kb-api", "GET", "/api/v1/reports/kb", managers(200)),
    Case("agents-page", "GET", "/reports/agents", staff(200)),
    Case("agents-api", "GET", "/api/v1/reports/agents", staff(200)),
    Case(
        "subscribe",
        "POST",
        "/reports/subscription",
        managers(302),
        form={"frequency": "daily", "hour": "8"},
        writes=True,
    ),
    Case(
        "api-subscribe",
        "PUT",
        "/api/v1/reports/subscription",
        managers(200),
        json={"frequency": "weekly", "hour": 7},
        writes=True,
    ),
    # Nobody in the world subscribed yet.
    Case("api-subscription", "GET", "/api/v1/reports/subscription", managers(404)),
    Case("api-unsubscribe", "DELETE", "/api/v1/reports/subscription", managers(404)),
]


def _arrange(setup: dict, actor: str, fx) -> SimpleNamespace:
    given = fx.given
    given(make_category, "access")
    customer = given(make_user, role=ROLES["customer"])
    if actor == "anonymous":
        user = None
    elif actor == "customer":
        user = customer
    else:
        user = given(make_user, role=ROLES[actor])
    ticket = given(make_ticket, requester=customer)
    return SimpleNamespace(user=user, ids={"ticket": ticket.id})


def _reports_route(rule) -> bool:
    return rule.endpoint.startswith(("reports.", "reports_api."))


MATRIX = Matrix(cases=CASES, arrange=_arrange, owns=_reports_route)


@pytest.mark.parametrize(("case", "actor"), MATRIX.cells())
def test_reports_permission_matrix(case: Case, actor: str, permission_check):
    permission_check(MATRIX, case, actor)


def test_every_reports_route_is_in_the_matrix(app):
    MATRIX.assert_covers(app)


@pytest.mark.parametrize("name", ["volume", "csat", "flow", "kb", "agents"])
def test_each_report_refuses_agents_but_the_agents_report(name, client, given, login):
    agent = given(make_user, role=ROLES["line1"])
    manager = given(make_user, role=ROLES["manager"])
    login(agent)
    expected = 200 if name == "agents" else 403
    assert client.get(f"/reports/{name}").status_code == expected
    assert client.get(f"/reports/{name}.csv").status_code == expected
    login(manager)
    assert client.get(f"/reports/{name}").status_code == 200
    assert client.get(f"/reports/{name}.xlsx").status_code == 200
