"""Ticket search: numbers, words in every form, comments, filters, who sees what."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpdesk.vocabulary import Priority, Role, TicketStatus
from tests.builders import make_comment, make_ticket, make_user

LAST_WEEK = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["number"] for item in response.get_json()["items"]]


def test_words_match_in_any_form_in_subject_description_and_comments(
    client, given, bearer
):
    agent = given(make_user, role=Role.LINE1)
    printers = given(make_ticket, subject="Принтеры не печатают", description="x")
    mail = given(make_ticket, subject="Mail", description="Outlook keeps crashing")
    vpn = given(make_ticket, subject="VPN", description="It drops.")
    given(make_comment, vpn, author=agent, body="The tunnels were reset overnight")
    given(make_ticket, subject="Other", description="Nothing related")
    headers = bearer(agent)
    assert numbers(client.get("/api/v1/tickets?q=принтер", headers=headers)) == [
        printers.number
    ]
    assert numbers(client.get("/api/v1/tickets?q=crashes", headers=headers)) == [
        mail.number
    ]
    # A trailing * asks for a prefix.
    assert numbers(client.get("/api/v1/tickets?q=tunn*", headers=headers)) == [
        vpn.number
    ]


def test_every_word_must_match_and_the_subject_ranks_first(client, given, bearer):
    agent = given(make_user, role=Role.LINE2)
    body_only = given(make_ticket, subject="Help", description="printer toner empty")
    in_subject = given(make_ticket, subject="Printer toner", description="empty")
    given(make_ticket, subject="Printer", description="jammed")
    found = numbers(
        client.get("/api/v1/tickets?q=printer toner", headers=bearer(agent))
    )
    assert found == [in_subject.number, body_only.number]


def test_internal_notes_are_searched_for_staff_only(client, given, bearer):
    agent = given(make_user, role=Role.LINE1)
    customer = given(make_user)
    ticket = given(make_ticket, requester=customer, subject="Laptop", description="x")
    given(
        make_comment,
        ticket,
        author=agent,
        body="Suspect a faulty charger",
        internal=True,
    )
    given(make_comment, ticket, author=agent, body="Please send the serial number")
    assert numbers(client.get("/api/v1/tickets?q=charger", headers=bearer(agent))) == [
        ticket.number
    ]
    assert (
        numbers(client.get("/api/v1/tickets?q=charger", headers=bearer(customer))) == []
    )
    assert numbers(
        client.get("/api/v1/tickets?q=serial", headers=bearer(customer))
    ) == [ticket.number]


def test_a_customer_finds_only_their_own_tickets(client, given, bearer):
    alice, bob = given(make_user), given(make_user)
    mine = given(make_ticket, requester=alice, subject="Scanner offline")
    theirs = given(make_ticket, requester=bob, subject="Scanner offline")
    assert numbers(client.get("/api/v1/tickets?q=scanner", headers=bearer(alice))) == [
        mine.number
    ]
    by_number = client.get(f"/api/v1/tickets?q={theirs.number}", headers=bearer(alice))
    assert numbers(by_number) == []


def test_a_number_finds_its_ticket_written_either_way(client, given, bearer):
    agent = given(make_user, role=Role.LINE3)
    ticket = given(make_ticket)
    headers = bearer(agent)
    for q in (ticket.number, str(ticket.id), ticket.number.lower()):
        assert numbers(client.get(f"/api/v1/tickets?q={q}", headers=headers)) == [
            ticket.number
        ]


def test_filters_narrow_a_word_search(client, given, bearer):
    agent = given(make_user, role=Role.MANAGER)
    acme = given(make_user, organisation="Acme")
    urgent = given(
        make_ticket,
        requester=acme,
        subject="Server down",
        priority=Priority.P1,
        status=TicketStatus.OPEN,
        line=2,
    )
    given(make_ticket, subject="Server slow", priority=Priority.P3, at=LAST_WEEK)
    headers = bearer(agent)
    for query in (
        "priority=P1",
        "organization=Acme",
        "status=open",
        "line=2",
        f"requester={acme.id}",
        "category=access",
        "created_from=2026-11-23&created_to=2026-11-23",
    ):
        found = numbers(
            client.get(f"/api/v1/tickets?q=server&{query}", headers=headers)
        )
        assert urgent.number in found, query
        if query != "category=access":
            assert len(found) == 1, query
    late = client.get(
        "/api/v1/tickets?q=server&created_from=2026-11-24", headers=headers
    )
    assert numbers(late) == []


@pytest.mark.parametrize("by_requester", [False, True])
def test_search_results_page_with_a_cursor(client, given, bearer, by_requester):
    agent = given(make_user, role=Role.LINE1)
    requester = given(make_user)
    made = [
        given(make_ticket, requester=requester, subject=f"Monitor flickers {i}")
        for i in range(5)
    ]
    headers = bearer(agent)
    url = "/api/v1/tickets?q=monitor&limit=3"
    if by_requester:  # the plan that starts from the filters
        url += f"&requester={requester.id}"
    first = client.get(url, headers=headers).get_json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = client.get(f"{url}&cursor={first['next_cursor']}", headers=headers)
    second = second.get_json()
    seen = [i["number"] for i in first["items"] + second["items"]]
    assert sorted(seen) == sorted(t.number for t in made)
    assert second["next_cursor"] is None


def test_a_wide_search_ranks_its_newest_matches(app, ctx):
    from helpdesk.search import tickets as ticket_search

    agent = make_user(role=Role.LINE1)
    made = [make_ticket(subject="Toner", description=f"toner {i}") for i in range(6)]
    rows, cursor = ticket_search.search_tickets(
        agent, {"q": "toner"}, cursor=None, limit=10, window=4
    )
    assert sorted(t.id for t in rows) == [t.id for t in made[2:]]
    assert cursor is None


def test_a_reversed_date_range_is_refused_naming_the_field(client, given, bearer):
    agent = given(make_user, role=Role.LINE1)
    response = client.get(
        "/api/v1/tickets?q=x&created_from=2026-11-24&created_to=2026-11-01",
        headers=bearer(agent),
    )
    assert response.status_code == 422
    assert "created_to" in response.get_json()["error"]["fields"]


def test_the_openapi_document_describes_q(client):
    document = client.get("/api/openapi.json").get_json()
    params = document["paths"]["/v1/tickets"]["get"]["parameters"]
    q = next(p for p in params if p["name"] == "q")
    assert "HD-000123" in q["schema"]["description"]
    assert {"priority", "category", "organization", "created_from"} <= {
        p["name"] for p in params
    }


def test_reindex_rebuilds_the_words_of_every_ticket(runner, given, client, bearer):
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket, subject="Projector", description="No signal")
    given(make_comment, ticket, author=agent, body="Swapped the HDMI cable")
    result = runner.invoke(args=["search", "reindex"])
    assert "Indexed 1 tickets." in result.output
    assert numbers(client.get("/api/v1/tickets?q=hdmi", headers=bearer(agent))) == [
        ticket.number
    ]
