"""Rules through the API and the pages: validated on save, reordered,
enabled and disabled, and tested against a ticket without changing it."""

from __future__ import annotations

import pytest

from helpdesk.vocabulary import Priority, Role
from tests.builders import make_category, make_ticket, make_user
from tests.routing.builders import make_rule
from tests.security.support import db_state, error_of

RULE = {
    "name": "Configuration to line 2",
    "trigger": "ticket_created",
    "conditions": [{"field": "category", "op": "eq", "value": "configuration"}],
    "actions": [{"type": "set_line", "line": 2}],
}


@pytest.fixture
def admin(given, bearer):
    given(make_category, "configuration")
    given(make_category, "access")
    user = given(make_user, role=Role.ADMIN)
    return bearer(user)


def test_create_read_update_delete_a_rule(client, admin):
    created = client.post("/api/v1/routing/rules", json=RULE, headers=admin)
    assert created.status_code == 201, created.json
    rule = created.json
    assert rule["position"] == 1 and rule["enabled"] and rule["match"] == "all"
    assert created.headers["Location"] == f"/api/v1/routing/rules/{rule['id']}"
    assert client.get(created.headers["Location"], headers=admin).json == rule

    patched = client.patch(
        created.headers["Location"], json={"enabled": False}, headers=admin
    )
    assert patched.status_code == 200
    assert patched.json["enabled"] is False
    assert patched.json["conditions"] == RULE["conditions"]  # untouched parts stay

    listed = client.get("/api/v1/routing/rules", headers=admin).json
    assert [r["name"] for r in listed["items"]] == [RULE["name"]]
    assert listed["next_cursor"] is None
    assert client.delete(created.headers["Location"], headers=admin).status_code == 204
    assert client.get(created.headers["Location"], headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"conditions": [{"field": "colour", "op": "eq", "value": "red"}]},
            "conditions.0.field",
        ),
        (
            {"conditions": [{"field": "priority", "op": "regex", "value": "P1"}]},
            "conditions.0.op",
        ),
        (
            {"conditions": [{"field": "subject", "op": "regex", "value": "(oops"}]},
            "conditions.0.value",
        ),
        ({"actions": [{"type": "set_line", "line": 7}]}, "actions.0.line"),
        ({"actions": [{"type": "self_destruct"}]}, "actions.0.type"),
        ({"actions": []}, "actions"),
        ({"trigger": "full_moon"}, "trigger"),
        ({"name": ""}, "name"),
        ({"trigger": "unassigned_for_minutes"}, "unassigned_minutes"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_an_invalid_rule_is_a_422_naming_the_field_and_nothing_is_stored(
    app, client, admin, change, field
):
    before = db_state(app)
    response = client.post("/api/v1/routing/rules", json=RULE | change, headers=admin)
    assert response.status_code == 422
    assert field in error_of(response)["fields"], error_of(response)
    assert db_state(app) == before


def test_a_regex_error_explains_itself(client, admin):
    bad = RULE | {"conditions": [{"field": "text", "op": "regex", "value": "[a-"}]}
    response = client.post("/api/v1/routing/rules", json=bad, headers=admin)
    message = error_of(response)["fields"]["conditions.0.value"][0]
    assert message.startswith("Not a valid regular expression:")


def test_an_invalid_change_keeps_the_rule_as_it_was(app, client, admin):
    rule = client.post("/api/v1/routing/rules", json=RULE, headers=admin).json
    before = db_state(app)
    response = client.patch(
        f"/api/v1/routing/rules/{rule['id']}",
        json={"conditions": [{"field": "priority", "op": "eq", "value": "P7"}]},
        headers=admin,
    )
    assert response.status_code == 422
    assert "conditions.0.value" in error_of(response)["fields"]
    assert db_state(app) == before


def test_names_are_unique(client, admin):
    assert (
        client.post("/api/v1/routing/rules", json=RULE, headers=admin).status_code
        == 201
    )
    again = client.post("/api/v1/routing/rules", json=RULE, headers=admin)
    assert again.status_code == 422
    assert "name" in error_of(again)["fields"]


def test_reordering_renumbers_the_rules(client, admin):
    ids = [
        client.post(
            "/api/v1/routing/rules", json=RULE | {"name": name}, headers=admin
        ).json["id"]
        for name in ("a", "b", "c")
    ]
    client.patch(f"/api/v1/routing/rules/{ids[2]}", json={"position": 1}, headers=admin)
    listed = client.get("/api/v1/routing/rules", headers=admin).json["items"]
    assert [(r["name"], r["position"]) for r in listed] == [
        ("c", 1),
        ("a", 2),
        ("b", 3),
    ]


def test_the_dry_run_says_what_would_happen_and_changes_nothing(
    app, client, admin, given
):
    given(make_user, role=Role.LINE2, name="Pyotr")
    given(
        make_rule,
        name="P1 stops here",
        stop=True,
        conditions=[{"field": "priority", "op": "eq", "value": "P1"}],
        actions=[{"type": "assign_least_loaded", "line": 2}],
    )
    given(make_rule, name="never reached", actions=[{"type": "notify_managers"}])
    ticket = given(make_ticket, priority=Priority.P1, category="access")
    before = db_state(app)

    response = client.post(
        "/api/v1/routing/tests", json={"ticket": ticket.number}, headers=admin
    )

    assert response.status_code == 200, response.json
    body = response.json
    assert body["ticket"] == {"id": ticket.id, "number": ticket.number}
    first, second = body["rules"]
    assert (first["name"], first["outcome"]) == ("P1 stops here", "matched")
    assert first["matched"] == [{"field": "priority", "op": "eq", "value": "P1"}]
    assert first["changes"][0]["agent"] == "Pyotr"
    assert (second["name"], second["outcome"]) == ("never reached", "not_reached")
    assert db_state(app) == before


def test_one_rule_can_be_tested_even_while_disabled(app, client, admin, given):
    rule = given(
        make_rule,
        name="off",
        enabled=False,
        actions=[{"type": "set_priority", "priority": "P2"}],
    )
    ticket = given(make_ticket)
    response = client.post(
        f"/api/v1/routing/rules/{rule.id}/tests",
        json={"ticket": ticket.id},
        headers=admin,
    )
    (outcome,) = response.json["rules"]
    assert outcome["outcome"] == "matched"
    assert outcome["changes"] == [{"type": "set_priority", "from": "P3", "to": "P2"}]


def test_the_dry_run_needs_a_ticket_that_exists(client, admin):
    for ticket in ("HD-999999", "nonsense", None):
        response = client.post(
            "/api/v1/routing/tests", json={"ticket": ticket}, headers=admin
        )
        assert response.status_code == 422
        assert "ticket" in error_of(response)["fields"]


def test_the_openapi_document_describes_the_routing_paths(client):
    paths = client.get("/api/openapi.json").json["paths"]
    for path in (
        "/v1/routing/rules",
        "/v1/routing/rules/{id}",
        "/v1/routing/rules/{id}/tests",
        "/v1/tickets/{id}/escalations",
        "/v1/routing/defects/{id}/fixes",
    ):
        assert path in paths


# --- the pages -----------------------------------------------------------------------


def rule_form(**fields) -> dict:
    return {
        "name": "Crashes to line 2",
        "trigger": "ticket_created",
        "match": "any",
        "cond-0-field": "text",
        "cond-0-op": "regex",
        "cond-0-value": r"crash|сбой",
        "cond-1-field": "",
        "cond-2-field": "priority",
        "cond-2-op": "in",
        "cond-2-value": "P1, P2",
        "act-0-type": "set_line",
        "act-0-value": "2",
        "act-1-type": "",
        "act-2-type": "notify_user",
        "act-2-value": "boss@example.test",
        "enabled": "true",
    } | fields


def test_an_admin_writes_a_rule_in_the_form(app, client, given, login, bearer):
    admin = given(make_user, role=Role.ADMIN)
    boss = given(make_user, role=Role.MANAGER, email="boss@example.test")
    login(admin)
    assert client.get("/routing/rules/new").status_code == 200
    response = client.post("/routing/rules/new", data=rule_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    rule = client.get("/api/v1/routing/rules", headers=bearer(admin)).json["items"][0]
    assert rule["match"] == "any"
    assert rule["conditions"] == [
        {"field": "text", "op": "regex", "value": r"crash|сбой"},
        {"field": "priority", "op": "in", "value": ["P1", "P2"]},
    ]
    assert rule["actions"] == [
        {"type": "set_line", "line": 2},
        {"type": "notify_user", "user_id": boss.id},
    ]
    edit = client.get(f"/routing/rules/{rule['id']}").get_data(as_text=True)
    assert 'value="boss@example.test"' in edit and 'value="P1, P2"' in edit


def test_form_errors_point_at_the_rows_that_are_wrong(app, client, given, login):
    login(given(make_user, role=Role.MANAGER))
    before = db_state(app)
    response = client.post(
        "/routing/rules/new",
        data=rule_form(**{"cond-2-value": "P9", "act-2-value": "nobody@example.test"}),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Unknown value “P9” for “priority”" in page
    assert "Not an active member of staff." in page
    assert 'value="P9"' in page  # what was typed stays
    assert db_state(app) == before


def test_the_rules_page_enables_reorders_and_tests(app, client, given, login):
    login(given(make_user, role=Role.ADMIN))
    ticket = given(make_ticket)  # registered before the rules: still on line 1
    first = given(make_rule, name="first")
    second = given(make_rule, name="second")
    assert (
        client.post(
            f"/routing/rules/{second.id}/position", data={"direction": "up"}
        ).status_code
        == 302
    )
    page = client.get("/routing/rules").get_data(as_text=True)
    assert page.index('data-rule="second"') < page.index('data-rule="first"')
    client.post(f"/routing/rules/{first.id}/enabled", data={"enabled": "false"})
    result = client.get(
        f"/routing/rules/test?ticket={ticket.number}&trigger=ticket_created"
    )
    page = result.get_data(as_text=True)
    assert result.status_code == 200
    assert 'data-rule="second" data-outcome="matched"' in page
    assert 'data-rule="first"' not in page  # disabled rules do not run
    assert "Line 1 → 2" in page
    missing = client.get("/routing/rules/test?ticket=HD-424242")
    assert missing.status_code == 422
