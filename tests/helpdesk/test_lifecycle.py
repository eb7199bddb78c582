"""The ticket lifecycle end to end through the API: open, reply, pend, resolve,
reopen, close, with every step on the timeline."""

from __future__ import annotations

from helpdesk.vocabulary import Role
from tests.builders import make_category, make_user


def test_ticket_goes_from_new_to_closed_and_the_timeline_shows_every_step(
    client, given, clock, bearer
):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    agent = given(make_user, role=Role.LINE1)
    as_customer, as_agent = bearer(customer), bearer(agent)

    created = client.post(
        "/api/v1/tickets",
        headers=as_customer,
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
        headers=as_agent,
        json={"body": "Please send the log.", "internal": False},
    )
    assert reply.status_code == 201
    assert (
        client.get(f"/api/v1/tickets/{tid}", headers=as_agent).json["status"] == "open"
    )

    steps = ["pending"]
    for status in steps:
        r = client.post(
            f"/api/v1/tickets/{tid}/transitions",
            headers=as_agent,
            json={"status": status},
        )
        assert r.status_code == 201, r.json
    # The customer answering a pending ticket puts it back to open.
    client.post(
        f"/api/v1/tickets/{tid}/comments",
        headers=as_customer,
        json={"body": "Log attached."},
    )
    assert (
        client.get(f"/api/v1/tickets/{tid}", headers=as_customer).json["status"]
        == "open"
    )

    for headers, status in (
        (as_agent, "resolved"),
        (as_customer, "reopened"),
        (as_agent, "resolved"),
        (as_agent, "closed"),
    ):
        r = client.post(
            f"/api/v1/tickets/{tid}/transitions",
            headers=headers,
            json={"status": status},
        )
        assert r.status_code == 201, r.json
        assert r.json["status"] == status

    events = client.get(f"/api/v1/tickets/{tid}/events", headers=as_customer).json
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


def test_illegal_transition_is_refused_with_409_and_changes_nothing(
    client, given, bearer
):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE1)
    headers = bearer(agent)
    tid = client.post(
        "/api/v1/tickets",
        headers=headers,
        json={"subject": "s", "description": "d", "category": "access"},
    ).json["id"]
    before = client.get(f"/api/v1/tickets/{tid}/events", headers=headers).json["items"]

    r = client.post(
        f"/api/v1/tickets/{tid}/transitions",
        headers=headers,
        json={"status": "reopened"},
    )

    assert r.status_code == 409
    assert r.json["error"]["code"] == "invalid_transition"
    assert "status" in r.json["error"]["fields"]
    assert client.get(f"/api/v1/tickets/{tid}", headers=headers).json["status"] == "new"
    assert (
        client.get(f"/api/v1/tickets/{tid}/events", headers=headers).json["items"]
        == before
    )
