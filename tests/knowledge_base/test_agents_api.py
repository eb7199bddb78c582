"""Canned responses and article<->ticket links through the API, as the pages."""

from __future__ import annotations

from helpdesk.vocabulary import Role
from knowledge_base.models import Visibility
from tests.builders import make_ticket, make_user
from tests.knowledge_base.builders import make_article, make_canned
from tests.security.support import error_of


def test_an_agent_keeps_personal_and_line_replies_and_edits_only_theirs(
    client, given, bearer
):
    agent = given(make_user, role=Role.LINE1)
    colleague = given(make_user, role=Role.LINE1)
    other_line = given(make_user, role=Role.LINE2)
    theirs = given(make_canned, author=colleague, title="Colleague's own")
    headers = bearer(agent)

    personal = client.post(
        "/api/v1/kb/canned",
        json={"title": "Hello", "body": "Hello {requester_name}!"},
        headers=headers,
    )
    shared = client.post(
        "/api/v1/kb/canned",
        json={"title": "Restart", "body": "Please restart.", "line": 1},
        headers=headers,
    )
    foreign_line = client.post(
        "/api/v1/kb/canned",
        json={"title": "Line 2", "body": "…", "line": 2},
        headers=headers,
    )
    renamed = client.patch(
        f"/api/v1/kb/canned/{personal.json['id']}",
        json={"title": "Hello there"},
        headers=headers,
    )
    listed = client.get("/api/v1/kb/canned", headers=headers)
    colleague_sees = client.get("/api/v1/kb/canned", headers=bearer(colleague))
    line2_sees = client.get("/api/v1/kb/canned", headers=bearer(other_line))
    not_visible = client.get(f"/api/v1/kb/canned/{theirs.id}", headers=headers)

    assert personal.status_code == 201, personal.json
    assert personal.json["personal"] is True and personal.json["line"] is None
    assert shared.status_code == 201 and shared.json["line"] == 1
    assert (
        foreign_line.status_code == 422 and "line" in error_of(foreign_line)["fields"]
    )
    assert renamed.status_code == 200
    assert renamed.json["title"] == "Hello there"
    assert renamed.json["body"] == "Hello {requester_name}!"
    assert {c["title"] for c in listed.json["items"]} == {"Hello there", "Restart"}
    assert {c["title"] for c in colleague_sees.json["items"]} == {
        "Colleague's own",
        "Restart",
    }
    assert line2_sees.json["items"] == []
    assert not_visible.status_code == 404

    deleted = client.delete(f"/api/v1/kb/canned/{shared.json['id']}", headers=headers)
    assert deleted.status_code == 204
    empty = client.post("/api/v1/kb/canned", json={"title": ""}, headers=headers)
    assert empty.status_code == 422
    assert {"title", "body"} <= set(error_of(empty)["fields"])


def test_customers_have_no_canned_responses(client, given, bearer):
    customer = given(make_user, role=Role.CUSTOMER)

    listed = client.get("/api/v1/kb/canned", headers=bearer(customer))
    created = client.post(
        "/api/v1/kb/canned",
        json={"title": "Mine", "body": "Text"},
        headers=bearer(customer),
    )

    assert listed.status_code == 200 and listed.json["items"] == []
    assert created.status_code == 403


def test_an_agent_links_an_article_to_a_ticket_and_removes_the_link(
    client, given, bearer
):
    agent = given(make_user, role=Role.LINE1)
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer)
    public = given(make_article, title="Restart the printer")
    internal = given(
        make_article, title="Printer admin notes", visibility=Visibility.INTERNAL
    )
    headers = bearer(agent)

    linked = client.post(
        "/api/v1/kb/links",
        json={"ticket_id": ticket.id, "article_id": public.id},
        headers=headers,
    )
    client.post(
        "/api/v1/kb/links",
        json={"ticket_id": ticket.id, "article_id": internal.id},
        headers=headers,
    )
    staff_view = client.get(f"/api/v1/kb/links?ticket={ticket.id}", headers=headers)
    customer_view = client.get(
        f"/api/v1/kb/links?ticket={ticket.id}", headers=bearer(customer)
    )
    by_customer = client.post(
        "/api/v1/kb/links",
        json={"ticket_id": ticket.id, "article_id": public.id},
        headers=bearer(customer),
    )
    no_ticket = client.get("/api/v1/kb/links", headers=headers)

    assert linked.status_code == 201, linked.json
    assert linked.json["kind"] == "linked" and linked.json["title"] == public.title
    assert [link["title"] for link in staff_view.json["items"]] == [
        "Restart the printer",
        "Printer admin notes",
    ]
    assert [link["title"] for link in customer_view.json["items"]] == [
        "Restart the printer"
    ]
    assert by_customer.status_code == 403
    assert no_ticket.status_code == 422 and "ticket" in error_of(no_ticket)["fields"]

    removed = client.delete(f"/api/v1/kb/links/{linked.json['id']}", headers=headers)
    again = client.delete(f"/api/v1/kb/links/{linked.json['id']}", headers=headers)
    assert removed.status_code == 204 and again.status_code == 404


def test_line_one_resolves_a_call_with_an_article_through_the_api(
    client, given, bearer
):
    agent = given(make_user, role=Role.LINE1)
    caller = given(make_user, role=Role.CUSTOMER)
    article = given(make_article, title="Restart the printer")
    headers = bearer(agent)

    resolved = client.post(
        "/api/v1/kb/call-resolutions",
        json={
            "requester_id": caller.id,
            "article_id": article.id,
            "subject": "My printer blinks",
            "description": "Orange light since this morning.",
        },
        headers=headers,
    )
    links = client.get(
        f"/api/v1/kb/links?ticket={resolved.json['id']}", headers=headers
    )
    no_caller = client.post(
        "/api/v1/kb/call-resolutions",
        json={"article_id": article.id},
        headers=headers,
    )
    by_customer = client.post(
        "/api/v1/kb/call-resolutions",
        json={"requester_id": caller.id, "article_id": article.id},
        headers=bearer(caller),
    )

    assert resolved.status_code == 201, resolved.json
    assert resolved.json["status"] == "resolved"
    assert resolved.json["channel"] == "phone"
    assert resolved.json["subject"] == "My printer blinks"
    assert resolved.json["requester"]["id"] == caller.id
    assert [link["kind"] for link in links.json["items"]] == ["resolved_on_call"]
    assert no_caller.status_code == 422
    assert "requester_id" in error_of(no_caller)["fields"]
    assert by_customer.status_code == 403
