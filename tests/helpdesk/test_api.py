"""The REST API as its OpenAPI document describes it."""

from __future__ import annotations

import re
from datetime import timedelta

from helpdesk.vocabulary import Role
from tests.builders import PASSWORD, make_category, make_ticket, make_user


def test_token_endpoint_answers_token_and_expiry_and_refuses_wrong_passwords(
    client, given, clock
):
    user = given(make_user, role=Role.LINE1)
    response = client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 201
    assert set(response.json) == {"token", "expires_at"}
    assert len(response.json["token"]) >= 43  # 256 random bits, url-safe base64
    assert response.json["expires_at"] == (clock.now() + timedelta(days=90)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    wrong = client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": "nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json["error"]["code"] == "invalid_credentials"


def test_expired_token_is_refused(client, given, bearer, clock):
    headers = bearer(given(make_user))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(days=91)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_ticket_list_pages_with_cursor_and_filters(client, given, bearer):
    manager = given(make_user, role=Role.MANAGER)
    ids = [given(make_ticket).id for _ in range(5)]
    given(make_ticket, line=2)
    headers = bearer(manager)

    first = client.get("/api/v1/tickets?line=1&limit=3", headers=headers).json
    assert [t["id"] for t in first["items"]] == ids[::-1][:3]
    second = client.get(
        f"/api/v1/tickets?line=1&limit=3&cursor={first['next_cursor']}", headers=headers
    ).json
    assert [t["id"] for t in second["items"]] == ids[::-1][3:]
    assert second["next_cursor"] is None
    assert (
        client.get("/api/v1/tickets?status=new,open&line=2", headers=headers).json[
            "items"
        ][0]["line"]
        == 2
    )


def test_ticket_shape_matches_the_design(client, given, bearer):
    customer = given(make_user)
    ticket = given(make_ticket, requester=customer)
    body = client.get(f"/api/v1/tickets/{ticket.id}", headers=bearer(customer)).json
    assert {
        "id",
        "number",
        "line",
        "status",
        "priority",
        "category",
        "channel",
        "requester",
        "assignee",
    } <= set(body)
    assert body["number"] == "HD-000001"
    assert body["priority"] == "P3" and body["category"] == "access"
    assert body["requester"]["id"] == customer.id and body["assignee"] is None


def test_staff_registers_a_ticket_for_a_caller_from_any_channel(client, given, bearer):
    given(make_category, "access")
    agent, caller = given(make_user, role=Role.LINE1), given(make_user)
    response = client.post(
        "/api/v1/tickets",
        headers=bearer(agent),
        json={
            "subject": "Phone call",
            "description": "d",
            "category": "access",
            "requester_id": caller.id,
            "channel": "phone",
            "priority": "P2",
        },
    )
    assert response.status_code == 201
    assert response.headers["Location"] == f"/api/v1/tickets/{response.json['id']}"
    assert (
        response.json["requester"]["id"],
        response.json["channel"],
        response.json["priority"],
    ) == (caller.id, "phone", "P2")


def test_customer_cannot_open_a_ticket_for_someone_else(client, given, bearer):
    given(make_category, "access")
    customer, other = given(make_user), given(make_user)
    response = client.post(
        "/api/v1/tickets",
        headers=bearer(customer),
        json={
            "subject": "s",
            "description": "d",
            "category": "access",
            "requester_id": other.id,
        },
    )
    assert response.status_code == 422
    assert "requester_id" in response.json["error"]["fields"]


def test_patch_changes_priority_category_and_assignee(client, given, bearer):
    given(make_category, "hardware")
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket)
    response = client.patch(
        f"/api/v1/tickets/{ticket.id}",
        headers=bearer(agent),
        json={"priority": "P1", "category": "hardware", "assignee": agent.id},
    )
    assert response.status_code == 200
    assert (
        response.json["priority"],
        response.json["category"],
        response.json["assignee"]["id"],
    ) == ("P1", "hardware", agent.id)
    unassigned = client.patch(
        f"/api/v1/tickets/{ticket.id}", headers=bearer(agent), json={"assignee": None}
    )
    assert unassigned.json["assignee"] is None


def test_events_page_oldest_first_and_hide_internal_ones_from_the_requester(
    client, given, bearer
):
    customer, agent = given(make_user), given(make_user, role=Role.LINE1)
    ticket = given(make_ticket, requester=customer)
    agent_headers = bearer(agent)
    client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        headers=agent_headers,
        json={"body": "secret", "internal": True},
    )
    client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        headers=agent_headers,
        json={"body": "hello"},
    )

    staff_view = client.get(
        f"/api/v1/tickets/{ticket.id}/events?limit=2", headers=agent_headers
    ).json
    assert [e["kind"] for e in staff_view["items"]] == ["created", "note_added"]
    rest = client.get(
        f"/api/v1/tickets/{ticket.id}/events?cursor={staff_view['next_cursor']}",
        headers=agent_headers,
    ).json
    assert [e["kind"] for e in rest["items"]] == ["replied", "status_changed"]

    customer_view = client.get(
        f"/api/v1/tickets/{ticket.id}/events", headers=bearer(customer)
    ).json
    assert "note_added" not in [e["kind"] for e in customer_view["items"]]
    comments = client.get(
        f"/api/v1/tickets/{ticket.id}/comments", headers=bearer(customer)
    ).json["items"]
    assert [c["body"] for c in comments] == ["hello"]


def test_openapi_document_names_every_api_route_with_id_parameters(client, app):
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    documented = {
        ("/api" + path, method.upper())
        for path, ops in document["paths"].items()
        for method in ops
    }
    routes = {
        (re.sub(r"<int:\w+>", "{id}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods
        if method not in ("HEAD", "OPTIONS")
    }
    assert routes - documented == set()
    assert "/v1/tickets/{id}/events" in document["paths"]


def test_healthz_answers_with_the_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == {"status": "ok", "error": None}


def test_openapi_document_is_valid_openapi_3(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/openapi.json").json)
