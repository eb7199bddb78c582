"""Numbers too large for the database are bad input, never a 500.

Ids are INTEGER columns: 32-bit on PostgreSQL (a DataError past it), and
sqlite3 raises OverflowError past 2**63 - 1. An id in a URL past MAX_ID is the same 404 as any unknown id (JSON error under
/api, the error page elsewhere); one in a body, a query string or a cursor is
a 422 naming the field, or simply not found where the page treats any
non-number as absent.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from helpdesk.db import MAX_ID
from helpdesk.pagination import encode_cursor
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_ticket, make_user
from tests.security.support import auth, error_of, issue_bearer

TOO_LARGE = [2**63, 99999999999999999999, 10**60, "1" * 5000]


@pytest.fixture
def world(app, given, login):
    """An admin logged in through the form, with a bearer token too; a
    customer's ticket."""
    given(make_category, "access")
    admin = given(make_user, role=Role.ADMIN)
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer, line=1)
    login(admin)
    return SimpleNamespace(
        admin=admin,
        customer=customer,
        ticket=ticket,
        as_admin=auth(issue_bearer(app, admin).raw),
    )


def _id_routes(app) -> list[tuple[str, str]]:
    """(method, rule) for every route of every package with an <int:...>."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return found


def _url(rule: str, number: int | str) -> str:
    return re.sub(r"<int:\w+>", str(number), rule)


def _send(client, method, path, headers):
    if path.startswith("/api/"):
        return client.open(path, method=method, json={}, headers=headers)
    return client.open(path, method=method, data={})


def _assert_not_found(response, path):
    assert response.status_code == 404, (path, response.get_data(as_text=True)[:300])
    if path.startswith("/api/"):
        assert error_of(response)["code"] == "not_found"
    else:
        assert response.mimetype == "text/html"
        assert "<article>" in response.get_data(as_text=True)


def test_every_integer_route_answers_an_oversize_id_as_an_unknown_one(
    app, client, world
):
    routes = _id_routes(app)
    assert len(routes) > 50  # every package's routes are there
    for method, rule in routes:
        unknown = _send(client, method, _url(rule, MAX_ID), world.as_admin)
        assert unknown.status_code < 500, (method, rule, unknown.status_code)
        for number in TOO_LARGE:
            path = _url(rule, number)
            response = _send(client, method, path, world.as_admin)
            _assert_not_found(response, path)
            if unknown.status_code == 404:
                assert response.mimetype == unknown.mimetype, (method, rule)
                if path.startswith("/api/"):
                    assert set(error_of(response)) == set(error_of(unknown))


def test_an_oversize_ticket_id_is_the_api_404_of_an_unknown_ticket(client, world):
    unknown = client.get(f"/api/v1/tickets/{MAX_ID}", headers=world.as_admin)
    oversize = client.get(
        "/api/v1/tickets/99999999999999999999", headers=world.as_admin
    )

    assert unknown.status_code == oversize.status_code == 404
    assert error_of(unknown)["code"] == error_of(oversize)["code"] == "not_found"


@pytest.mark.parametrize(
    "number", ["0" * 5000 + "7", "9" * 5000], ids=["leading-zeros", "5000-digits"]
)
def test_thousands_of_digits_are_no_trouble_either(client, world, number):
    # Python refuses to parse more than 4,300 digits (ValueError).
    response = client.get(f"/api/v1/tickets/{number}", headers=world.as_admin)

    assert response.status_code == 404


def test_an_oversize_ticket_page_is_the_not_found_page(client, world):
    response = client.get("/tickets/99999999999999999999")

    _assert_not_found(response, "/tickets/99999999999999999999")
    assert "Not found" in response.get_data(as_text=True)


# --- ids in bodies, query strings and cursors ---------------------------------


def _api_cases(world):
    tid = world.ticket.id
    return [
        ("PATCH", f"/api/v1/tickets/{tid}", {"assignee": 2**63}, "assignee"),
        (
            "POST",
            "/api/v1/tickets",
            {
                "subject": "s",
                "description": "d",
                "category": "access",
                "requester_id": 2**64,
            },
            "requester_id",
        ),
        ("POST", f"/api/v1/tickets/{tid}/merges", {"into": 2**63}, "into"),
        (
            "POST",
            f"/api/v1/tickets/{tid}/merges",
            {"into": "HD-99999999999999999999"},
            "into",
        ),
        ("POST", "/api/v1/routing/defects/1/tickets", {"ticket": 2**63}, "ticket"),
        (
            "POST",
            "/api/v1/sla/policies",
            {"name": "P", "calendar_id": 2**63, "resolution_minutes": 60},
            "calendar_id",
        ),
        (
            "POST",
            "/api/v1/kb/articles/1/restorations",
            {"version": 2**63},
            "version",
        ),
        (
            "PATCH",
            "/api/v1/kb/articles/1",
            {"title": "t", "base_version": 2**63},
            "base_version",
        ),
    ]


def test_an_oversize_id_in_a_json_body_is_a_422_naming_the_field(app, world):
    client = app.test_client()  # the bearer token alone, no cookie session
    for method, path, body, field in _api_cases(world):
        response = client.open(path, method=method, json=body, headers=world.as_admin)
        if response.status_code == 404:  # the resource of the URL comes first
            continue
        assert response.status_code == 422, (path, response.get_data(as_text=True))
        assert field in error_of(response)["fields"], (path, error_of(response))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param({"assignee": str(2**63)}, "assignee", id="assignee"),
        pytest.param({"requester": str(2**64)}, "requester", id="requester"),
        pytest.param({"cursor": encode_cursor(2**63)}, "cursor", id="cursor"),
    ],
)
def test_an_oversize_number_in_a_list_query_is_a_422_naming_it(
    app, world, query, field
):
    response = app.test_client().get(
        "/api/v1/tickets", query_string=query, headers=world.as_admin
    )

    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in error_of(response)["fields"]


def test_an_oversize_cursor_on_a_page_is_refused_not_a_500(client, world):
    response = client.get("/admin/users", query_string={"cursor": encode_cursor(2**64)})

    assert response.status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        f"/phone?requester_id={2**63}",
        f"/phone?created={2**64}",
        f"/kb/articles/new?ticket_id={2**63}",
        f"/routing/rules/test?rule={2**63}",
    ],
)
def test_an_oversize_id_in_a_page_query_is_taken_as_no_id(client, world, path):
    response = client.get(path)

    assert response.status_code == 200, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize(
    "number", ["HD-99999999999999999999", "99999999999999999999", "HD-²"]
)
def test_an_oversize_ticket_number_to_a_dry_run_is_a_message(client, world, number):
    response = client.get("/routing/rules/test", query_string={"ticket": number})

    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert "HD-000042" in response.get_data(as_text=True)


def test_an_oversize_assignee_filter_on_the_queue_is_refused(client, world):
    response = client.get("/queue", query_string={"assignee": str(2**63)})

    assert response.status_code == 422


def test_an_oversize_ticket_for_a_new_defect_is_not_found(client, world):
    response = client.get(f"/routing/defects/new?ticket={2**63}")

    _assert_not_found(response, "/routing/defects/new")
