"""The ticket lifecycle end to end through the API: open, reply, pend, resolve,
reopen, close, with every step on the timeline."""

from __future__ import annotations

from helpdesk.models import Role
from tests.builders import make_category, make_user


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token_for(client, user) -> str:
    response = client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": "correct-horse"}
    )
    assert response.status_code == 201, response.json
    return response.json["token"]


def test_ticket_goes_from_new_to_closed_and_the_timeline_shows_every_step(
    client, given, clock
):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    agent = given(make_user, role=Role.LINE1)
    customer_token, agent_token = token_for(client, customer), token_for(client, agent)

    created = client.post(
        "/api/v1/tickets",
        headers=auth(customer_token),
        json={
            "subject": "VPN drops every hour",
            "description": "Since Monday.",
            "category": "access",
        },
    )
    assert created.status_code == 201
    ticket = created.json
    assert ticket["number"] == f"HD-{ticket['id']:06d}"
    assert (ticket["status"], ticket["line"], ticket["channel"]) == ("new", 1, "api")
    assert ticket["created_at"].endswith("Z")
    tid = ticket["id"]

    clock.advance(minutes=5)
    reply = client.post(
        f"/api/v1/tickets/{tid}/comments",
        headers=auth(agent_token),
        json={"body": "Please send the log.", "internal": False},
    )
    assert reply.status_code == 201
    assert (
        client.get(f"/api/v1/tickets/{tid}", headers=auth(agent_token)).json["status"]
        == "open"
    )

    steps = ["pending"]
    for status in steps:
        r = client.post(
            f"/api/v1/tickets/{tid}/transitions",
            headers=auth(agent_token),
            json={"status": status},
        )
        assert r.status_code == 201, r.json
    # The customer answering a pending ticket puts it back to open.
    client.post(
        f"/api/v1/tickets/{tid}/comments",
        headers=auth(customer_token),
        json={"body": "Log attached."},
    )
    assert (
        client.get(f"/api/v1/tickets/{tid}", headers=auth(customer_token)).json[
            "status"
        ]
        == "open"
    )

    for token, status in (
        (agent_token, "resolved"),
        (customer_token, "reopened"),
        (agent_token, "resolved"),
        (agent_token, "closed"),
    ):
        r = client.post(
            f"/api/v1/tickets/{tid}/transitions",
            headers=auth(token),
            json={"status": status},
        )
        assert r.status_code == 201, r.json
        assert r.json["status"] == status

    events = client.get(
        f"/api/v1/tickets/{tid}/events", headers=auth(customer_token)
    ).json
    changes = [
        (e["data"]["old"], e["data"]["new"])
        for e in events["items"]
        if e["kind"] == "status_changed"
    ]
    assert changes == [
        ("new", "open"),
        ("open", "pending"),
        ("pending", "open"),
        ("open", "resolved"),
        ("resolved", "reopened"),
        ("reopened", "resolved"),
        ("resolved", "closed"),
    ]
    assert events["items"][0]["kind"] == "created"
    assert events["next_cursor"] is None


def test_illegal_transition_is_refused_with_409_and_changes_nothing(client, given):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE1)
    token = token_for(client, agent)
    tid = client.post(
        "/api/v1/tickets",
        headers=auth(token),
        json={"subject": "s", "description": "d", "category": "access"},
    ).json["id"]
    before = client.get(f"/api/v1/tickets/{tid}/events", headers=auth(token)).json[
        "items"
    ]

    r = client.post(
        f"/api/v1/tickets/{tid}/transitions",
        headers=auth(token),
        json={"status": "reopened"},
    )

    assert r.status_code == 409
    assert r.json["error"]["code"] == "invalid_transition"
    assert "status" in r.json["error"]["fields"]
    assert (
        client.get(f"/api/v1/tickets/{tid}", headers=auth(token)).json["status"]
        == "new"
    )
    assert (
        client.get(f"/api/v1/tickets/{tid}/events", headers=auth(token)).json["items"]
        == before
    )
