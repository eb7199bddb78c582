"""Rating a resolved ticket through the API, as the ticket page's form does."""

from __future__ import annotations

from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_category, make_ticket, make_user
from tests.security.support import error_of


def test_the_requester_rates_a_resolved_ticket_once_through_the_api(
    client, given, bearer
):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer, status=TicketStatus.RESOLVED)
    path = f"/api/v1/tickets/{ticket.id}/ratings"

    rated = client.post(
        path, json={"score": 4, "comment": " Quick. "}, headers=bearer(customer)
    )
    again = client.post(path, json={"score": 1}, headers=bearer(customer))
    events = client.get(
        f"/api/v1/tickets/{ticket.id}/events", headers=bearer(customer)
    ).json["items"]

    assert rated.status_code == 201, rated.json
    assert rated.json == {
        "ticket_id": ticket.id,
        "score": 4,
        "comment": "Quick.",
        "created_at": "2026-11-23T09:00:00Z",
    }
    assert again.status_code == 409 and error_of(again)["code"] == "conflict"
    assert events[-1]["kind"] == "rated"


def test_an_open_ticket_cannot_be_rated_and_a_bad_score_names_the_field(
    client, given, bearer
):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    open_ticket = given(make_ticket, requester=customer)
    resolved = given(make_ticket, requester=customer, status=TicketStatus.RESOLVED)
    headers = bearer(customer)

    early = client.post(
        f"/api/v1/tickets/{open_ticket.id}/ratings", json={"score": 5}, headers=headers
    )
    bad = client.post(
        f"/api/v1/tickets/{resolved.id}/ratings", json={"score": 6}, headers=headers
    )

    assert early.status_code == 409
    assert bad.status_code == 422 and "score" in error_of(bad)["fields"]
