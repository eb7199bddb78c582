"""Custom fields beyond the ticket: routing rules and SLA policies name them
``field:<key>``, and the staff search finds their values."""

from __future__ import annotations

import pytest

from helpdesk.custom_fields.models import FieldKind
from helpdesk.vocabulary import Role
from routing import rules
from tests.builders import make_category, make_ticket, make_user
from tests.helpdesk.custom_fields.builders import make_field
from tests.security.support import error_of
from tests.sla.builders import make_calendar

NEW = {"subject": "VPN drops", "description": "Every hour.", "category": "access"}


def _rule(name: str, condition: dict, line: int = 2) -> dict:
    return {
        "name": name,
        "trigger": "ticket_created",
        "conditions": [condition],
        "actions": [{"type": "set_line", "line": line}],
    }


def test_a_routing_rule_on_a_field_routes_a_new_ticket(client, given, bearer):
    given(make_field, "severity", FieldKind.CHOICE)
    given(make_field, "users", FieldKind.NUMBER, position=2)
    manager = bearer(given(make_user, role=Role.MANAGER))
    customer = bearer(given(make_user, role=Role.CUSTOMER))
    made = [
        client.post("/api/v1/routing/rules", json=rule, headers=manager)
        for rule in (
            _rule("Severe", {"field": "field:severity", "op": "eq", "value": "high"}),
            _rule("Many", {"field": "field:users", "op": "gt", "value": 50}, line=3),
        )
    ]

    high = client.post(
        "/api/v1/tickets",
        json=NEW | {"fields": {"severity": "high", "users": 3}},
        headers=customer,
    )
    many = client.post(
        "/api/v1/tickets",
        json=NEW | {"fields": {"severity": "low", "users": 80}},
        headers=customer,
    )
    plain = client.post(
        "/api/v1/tickets", json=NEW | {"fields": {"users": 3}}, headers=customer
    )

    assert [r.status_code for r in made] == [201, 201]
    assert (high.json["line"], many.json["line"], plain.json["line"]) == (2, 3, 1)


def test_a_routing_rule_runs_again_when_an_agent_changes_a_field(client, given, bearer):
    given(make_field, "severity", FieldKind.CHOICE)
    manager = bearer(given(make_user, role=Role.MANAGER))
    rule = _rule("Severe", {"field": "field:severity", "op": "eq", "value": "high"})
    client.post(
        "/api/v1/routing/rules",
        json=rule | {"trigger": "ticket_updated"},
        headers=manager,
    )
    ticket = given(make_ticket)

    changed = client.patch(
        f"/api/v1/tickets/{ticket.id}",
        json={"fields": {"severity": "high"}},
        headers=manager,
    )

    assert changed.status_code == 200, changed.json
    assert client.get(f"/api/v1/tickets/{ticket.id}", headers=manager).json["line"] == 2


@pytest.mark.parametrize(
    ("condition", "path", "message"),
    [
        (
            {"field": "field:nope", "op": "eq", "value": "x"},
            "conditions.0.field",
            "No category has a field with the key “nope”.",
        ),
        (
            {"field": "field:severity", "op": "gt", "value": "high"},
            "conditions.0.op",
            "The field “field:severity” takes the operators eq, ne, in, not_in, "
            "is_empty, is_set, not “gt”.",
        ),
        (
            {"field": "field:severity", "op": "eq", "value": "medium"},
            "conditions.0.value",
            "Not one of the field's choices: high, low.",
        ),
        (
            {"field": "field:users", "op": "lt", "value": "ten"},
            "conditions.0.value",
            "Give a number.",
        ),
    ],
)
def test_a_rule_on_a_field_is_checked_against_the_fields_kind(
    condition, path, message, client, given, bearer
):
    given(make_field, "severity", FieldKind.CHOICE)
    given(make_field, "users", FieldKind.NUMBER, position=2)
    manager = bearer(given(make_user, role=Role.MANAGER))

    response = client.post(
        "/api/v1/routing/rules", json=_rule("Bad", condition), headers=manager
    )

    assert response.status_code == 422
    assert error_of(response)["fields"][path] == [message]


@pytest.mark.parametrize(
    ("op", "value", "fact", "expected"),
    [
        ("eq", "High", "high", True),
        ("ne", "high", "low", True),
        ("in", ["a", "b"], "b", True),
        ("contains", "inv", "INV-42", True),
        ("regex", r"^inv-\d+$", "INV-42", True),
        ("gt", 10, 12.5, True),
        ("lt", 10, 12.5, False),
        ("gt", "2026-11-01", "2026-11-20", True),
        ("lt", "2026-11-01", None, False),
        ("eq", True, True, True),
        ("eq", False, None, False),
        ("is_empty", None, None, True),
        ("is_set", None, "x", True),
    ],
)
def test_a_field_condition_matches_by_its_values_kind(op, value, fact, expected):
    compiled = rules.compile_rule(
        {
            "trigger": "ticket_created",
            "conditions": [{"field": "field:f", "op": op, "value": value}],
            "actions": [{"type": "escalate"}],
        }
    )

    matched = compiled.matched(rules.prepare_facts({"field:f": fact}))

    assert (matched is not None) == expected


def test_an_sla_policy_on_a_field_times_the_tickets_that_have_its_value(
    app, client, given, bearer
):
    given(make_field, "severity", FieldKind.CHOICE)
    given(make_field, "users", FieldKind.NUMBER, position=2)
    calendar = given(make_calendar, always_open=True, hours=())
    admin = bearer(given(make_user, role=Role.ADMIN))
    customer = bearer(given(make_user, role=Role.CUSTOMER))
    policy = {
        "calendar_id": calendar.id,
        "first_response_minutes": 30,
        "resolution_minutes": 240,
    }
    severe = client.post(
        "/api/v1/sla/policies",
        json=policy
        | {
            "name": "Severe",
            "position": 1,
            "conditions": {"field:severity": ["high"], "field:users": ["10.0"]},
        },
        headers=admin,
    )
    client.post(
        "/api/v1/sla/policies",
        json=policy | {"name": "Default", "position": 2, "first_response_minutes": 480},
        headers=admin,
    )
    refused = client.post(
        "/api/v1/sla/policies",
        json=policy | {"name": "Bad", "conditions": {"field:users": ["ten"]}},
        headers=admin,
    )

    high = client.post(
        "/api/v1/tickets",
        json=NEW | {"fields": {"severity": "high", "users": 10}},
        headers=customer,
    )
    low = client.post(
        "/api/v1/tickets",
        json=NEW | {"fields": {"severity": "low", "users": 10}},
        headers=customer,
    )

    assert severe.status_code == 201, severe.json
    assert severe.json["conditions"]["field:users"] == ["10"]
    assert refused.status_code == 422
    assert "takes a number" in " ".join(error_of(refused)["fields"]["conditions"])

    def first_response(ticket):
        clock = next(c for c in ticket["sla"] if c["target"] == "first_response")
        return clock["business_seconds_left"]

    assert first_response(high.json) == 30 * 60
    assert first_response(low.json) == 480 * 60


def test_the_staff_search_finds_a_tickets_text_and_choice_values(
    client, given, bearer, login
):
    given(make_field, "asset_tag", label_en="Asset tag")
    given(make_field, "severity", FieldKind.CHOICE, position=2)
    given(make_category, "hardware")
    agent = given(make_user, role=Role.LINE1)
    headers = bearer(given(make_user, role=Role.CUSTOMER))
    tagged = client.post(
        "/api/v1/tickets",
        json=NEW | {"fields": {"asset_tag": "INV-4711", "severity": "high"}},
        headers=headers,
    ).json
    other = given(make_ticket, subject="Unrelated", description="Nothing.")
    staff = bearer(agent)

    def found(query: str) -> list[str]:
        response = client.get(f"/api/v1/tickets?q={query}", headers=staff)
        return [t["number"] for t in response.json["items"]]

    assert found("INV-4711") == [tagged["number"]]
    assert found("высокая") == [tagged["number"]]  # the choice's Russian label
    # An agent's change is found at once, the old value no longer.
    client.patch(
        f"/api/v1/tickets/{other.id}",
        json={"fields": {"asset_tag": "INV-9000"}},
        headers=bearer(given(make_user, role=Role.MANAGER)),
    )
    assert found("INV-9000") == [other.number]
    login(agent)
    page = client.get("/search?q=INV-4711").get_data(as_text=True)
    assert tagged["number"] in page and other.number not in page


def test_the_ticket_list_filters_by_a_fields_value(app, client, given, bearer):
    given(make_field, "severity", FieldKind.CHOICE)
    given(make_field, "since", FieldKind.DATE, position=2)
    headers = bearer(given(make_user, role=Role.CUSTOMER))
    high, low = (
        client.post(
            "/api/v1/tickets",
            json=NEW | {"fields": {"severity": s, "since": "2026-11-20"}},
            headers=headers,
        ).json
        for s in ("high", "low")
    )
    staff = bearer(given(make_user, role=Role.MANAGER))

    def listed(query: str):
        return client.get(f"/api/v1/tickets?{query}", headers=staff)

    assert [t["number"] for t in listed("field=severity:high").json["items"]] == [
        high["number"]
    ]
    assert [t["number"] for t in listed("field=since:2026-11-20").json["items"]] == [
        low["number"],
        high["number"],
    ]
    assert listed("field=severity:medium").status_code == 422
    assert error_of(listed("field=nope:x"))["fields"] == {
        "field": ["No category has a field with the key “nope”."]
    }


def test_the_policy_form_takes_field_conditions_one_per_line(app, client, given, login):
    given(make_field, "severity", FieldKind.CHOICE)
    calendar = given(make_calendar, always_open=True, hours=())
    login(given(make_user, role=Role.ADMIN))

    saved = client.post(
        "/sla/policies/new",
        data={
            "name": "Severe",
            "active": "true",
            "calendar_id": str(calendar.id),
            "first_response_minutes": "30",
            "field_conditions": "severity: high, low",
            "warning_percents": "75",
        },
    )
    listed = client.get("/sla/policies").get_data(as_text=True)

    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert "field:severity: high, low" in listed


def test_the_rule_editor_offers_the_fields_and_reads_their_kinds(
    client, given, login, bearer
):
    given(make_field, "users", FieldKind.NUMBER, label_en="Users")
    given(make_field, "urgent", FieldKind.CHECKBOX, position=2)
    login(given(make_user, role=Role.MANAGER))

    form = client.get("/routing/rules/new").get_data(as_text=True)
    saved = client.post(
        "/routing/rules/new",
        data={
            "name": "Many users",
            "trigger": "ticket_created",
            "match": "all",
            "cond-0-field": "field:users",
            "cond-0-op": "gt",
            "cond-0-value": "50",
            "cond-1-field": "field:urgent",
            "cond-1-op": "eq",
            "cond-1-value": "true",
            "act-0-type": "escalate",
            "enabled": "true",
        },
    )
    rules_ = client.get(
        "/api/v1/routing/rules", headers=bearer(given(make_user, role=Role.MANAGER))
    ).json["items"]

    assert '<option value="field:users"' in form and "Field: Users" in form
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert rules_[0]["conditions"] == [
        {"field": "field:users", "op": "gt", "value": 50},
        {"field": "field:urgent", "op": "eq", "value": True},
    ]
