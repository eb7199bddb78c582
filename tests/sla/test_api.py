"""The SLA API: calendars, holidays and policies under /api/v1/sla, the
summary, and ``sla`` on the core API's tickets."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.service import tickets as ticket_service
from helpdesk.vocabulary import Role, TicketStatus
from sla.models import BusinessCalendar, SlaClock, SlaPolicy
from tests.builders import make_category, make_ticket, make_user
from tests.security.support import (
    assert_unchanged,
    db_state,
    error_of,
)
from tests.sla.builders import make_calendar, make_policy


@pytest.fixture
def headers(given, bearer):
    return bearer(given(make_user, role=Role.MANAGER))


CALENDAR = {
    "name": "Moscow office",
    "timezone": "Europe/Moscow",
    "intervals": [
        {"weekday": "mon", "start": "09:00", "end": "18:00"},
        {"weekday": "sun", "start": "22:00", "end": "06:00"},
    ],
    "holidays": [{"day": "2027-01-07", "name": "Christmas"}],
}


# --- calendars ----------------------------------------------------------------------


def test_calendar_create_get_patch_and_delete(client, headers):
    created = client.post("/api/v1/sla/calendars", json=CALENDAR, headers=headers)
    assert created.status_code == 201, created.json
    body = created.json
    assert created.headers["Location"] == f"/api/v1/sla/calendars/{body['id']}"
    assert body == {"id": body["id"], "always_open": False, **CALENDAR}

    url = f"/api/v1/sla/calendars/{body['id']}"
    assert client.get(url, headers=headers).json == body
    patched = client.patch(url, json={"always_open": True}, headers=headers)
    assert patched.status_code == 200
    # A PATCH changes only what it sends.
    assert patched.json == body | {"always_open": True}

    listing = client.get("/api/v1/sla/calendars", headers=headers).json
    assert listing == {"items": [patched.json], "next_cursor": None}
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404


def test_calendar_list_pages_with_a_cursor(client, given, headers):
    for n in range(3):
        given(make_calendar, name=f"c{n}")
    first = client.get("/api/v1/sla/calendars?limit=2", headers=headers).json
    assert [c["name"] for c in first["items"]] == ["c0", "c1"]
    rest = client.get(
        f"/api/v1/sla/calendars?limit=2&cursor={first['next_cursor']}", headers=headers
    ).json
    assert [c["name"] for c in rest["items"]] == ["c2"] and rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone", "Unknown time zone."),
        (
            {"intervals": [{"weekday": "mon", "start": "09:00", "end": "09:00"}]},
            "intervals",
            "Row 1: The start and the end are the same",
        ),
        (
            {"intervals": [{"weekday": "mon", "start": "9", "end": "18:00"}]},
            "intervals",
            "Row 1: Write times as HH:MM",
        ),
        ({"intervals": "Mon, 09:00, 18:00"}, "intervals", "Not a valid list."),
        ({"intervals": [], "always_open": False}, "intervals", "Add at least one"),
        ({"holidays": [{"day": "07.01.2027"}]}, "holidays", "Row 1: Write the date"),
        ({"colour": "blue"}, "colour", "Unknown field."),
    ],
)
def test_calendar_validation_names_the_field_and_stores_nothing(
    changes, field, message, app, client, headers
):
    before = db_state(app)
    response = client.post(
        "/api/v1/sla/calendars", json=CALENDAR | changes, headers=headers
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert any(m.startswith(message) for m in error["fields"][field]), error
    assert_unchanged(app, before)


def test_patch_is_checked_like_a_create(app, client, given, headers):
    calendar = given(make_calendar, name="One")
    given(make_calendar, name="Two")
    before = db_state(app)
    url = f"/api/v1/sla/calendars/{calendar.id}"
    response = client.patch(url, json={"name": "Two"}, headers=headers)
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"name": ["This name is already taken."]}
    response = client.patch(url, json={"id": 99}, headers=headers)
    assert error_of(response)["fields"] == {"id": ["Unknown field."]}
    assert_unchanged(app, before)


def test_holidays_load_a_country_for_a_year_or_one_day(client, given, headers):
    calendar = given(make_calendar, name="Moscow")
    url = f"/api/v1/sla/calendars/{calendar.id}/holidays"

    loaded = client.post(url, json={"country": "RU", "year": 2027}, headers=headers)
    assert loaded.status_code == 201, loaded.json
    days = {h["day"] for h in loaded.json["calendar"]["holidays"]}
    assert loaded.json["added"] == len(days) >= 14
    assert {
        "2027-01-07",
        "2027-02-23",
        "2027-05-09",
        "2027-06-12",
        "2027-11-04",
    } <= days

    again = client.post(url, json={"country": "RU", "year": 2027}, headers=headers)
    assert again.json["added"] == 0

    one = client.post(url, json={"day": "2027-12-30", "name": "Party"}, headers=headers)
    assert one.json["added"] == 1
    twice = client.post(url, json={"day": "2027-12-30"}, headers=headers)
    assert twice.status_code == 409
    assert error_of(twice)["code"] == "conflict"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"country": "ZZ", "year": 2027}, "country"),
        ({"country": "RU"}, "year"),
        ({"country": "RU", "year": 2027, "day": "2027-01-01"}, "_schema"),
        ({}, "_schema"),
        ({"day": "tomorrow"}, "day"),
    ],
)
def test_holiday_requests_that_make_no_sense_are_422(
    body, field, app, client, given, headers
):
    calendar = given(make_calendar)
    before = db_state(app)
    response = client.post(
        f"/api/v1/sla/calendars/{calendar.id}/holidays", json=body, headers=headers
    )
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    assert_unchanged(app, before)


def test_a_calendar_used_by_a_policy_cannot_be_deleted(app, client, headers):
    with app.app_context():
        policy = make_policy(name="Uses it")
        db.session.commit()
        calendar_id = policy.calendar_id
        db.session.remove()
    response = client.delete(f"/api/v1/sla/calendars/{calendar_id}", headers=headers)
    assert response.status_code == 409
    assert "Uses it" in error_of(response)["message"]


# --- policies ------------------------------------------------------------------------


def test_policy_create_defaults_order_patch_and_delete(client, given, headers):
    given(make_category, "access")
    calendar = given(make_calendar)
    first = client.post(
        "/api/v1/sla/policies",
        json={"name": "Default", "calendar_id": calendar.id, "resolution_minutes": 480},
        headers=headers,
    )
    assert first.status_code == 201, first.json
    assert first.json == {
        "id": first.json["id"],
        "name": "Default",
        "position": 1,
        "active": True,
        "conditions": {
            "priority": [],
            "category": [],
            "organization": [],
            "plan": [],
            "channel": [],
        },
        "calendar_id": calendar.id,
        "first_response_minutes": None,
        "next_response_minutes": None,
        "resolution_minutes": 480,
        "warning_percents": [75, 90],
        "on_warning": [],
        "on_breach": [],
        "phone_call_is_first_response": True,
        "pause_on_line3": False,
    }
    urgent = client.post(
        "/api/v1/sla/policies",
        json={
            "name": "Urgent",
            "position": 1,
            "calendar_id": calendar.id,
            "first_response_minutes": 15,
            "conditions": {"priority": ["P1"], "category": ["access"]},
            "on_breach": ["escalate", "notify_managers"],
        },
        headers=headers,
    ).json
    assert urgent["on_breach"] == ["notify_managers", "escalate"]
    listing = client.get("/api/v1/sla/policies", headers=headers).json
    assert [p["name"] for p in listing["items"]] == ["Urgent", "Default"]

    url = f"/api/v1/sla/policies/{urgent['id']}"
    patched = client.patch(url, json={"warning_percents": [50]}, headers=headers)
    assert patched.json == urgent | {"warning_percents": [50]}
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"calendar_id": 404}, "calendar_id"),
        ({"resolution_minutes": None}, "_schema"),
        ({"conditions": {"priority": ["P0"]}}, "conditions"),
        ({"conditions": {"colour": ["red"]}}, "conditions"),
        ({"conditions": {"category": ["unknown"]}}, "conditions"),
        ({"on_warning": ["page_the_ceo"]}, "on_warning"),
        ({"warning_percents": [0]}, "warning_percents"),
    ],
)
def test_policy_validation_names_the_field(changes, field, app, client, given, headers):
    calendar = given(make_calendar)
    body = {"name": "P", "calendar_id": calendar.id, "resolution_minutes": 60}
    before = db_state(app)
    response = client.post("/api/v1/sla/policies", json=body | changes, headers=headers)
    assert response.status_code == 422
    assert field in error_of(response)["fields"], response.json
    assert_unchanged(app, before)


def test_targets_are_refused_only_when_their_calendar_can_never_reach_them(
    app, client, given, headers
):
    office = given(make_calendar)
    sparse = given(make_calendar, hours=((0, 540, 541),))  # a minute a week
    body = {"name": "Long", "calendar_id": office.id, "resolution_minutes": 300_000}
    # 300,000 minutes of Mon-Fri 09-18 is more than two years: still placeable.
    long = client.post("/api/v1/sla/policies", json=body, headers=headers)
    assert long.status_code == 201, long.json
    before = db_state(app)
    refused = client.post(
        "/api/v1/sla/policies",
        json=body
        | {"name": "Never", "calendar_id": sparse.id, "resolution_minutes": 527_040},
        headers=headers,
    )
    assert refused.status_code == 422
    assert list(error_of(refused)["fields"]) == ["resolution_minutes"]
    assert_unchanged(app, before)
    # Nor can a calendar become that sparse while a policy needs more of it.
    longer = client.patch(
        f"/api/v1/sla/policies/{long.json['id']}",
        json={"resolution_minutes": 527_040},
        headers=headers,
    )
    assert longer.status_code == 200
    before = db_state(app)
    patched = client.patch(
        f"/api/v1/sla/calendars/{office.id}",
        json={"intervals": [{"weekday": "mon", "start": "09:00", "end": "09:01"}]},
        headers=headers,
    )
    assert patched.status_code == 422
    assert "Long" in error_of(patched)["fields"]["intervals"][0]
    assert_unchanged(app, before)


def test_a_policy_that_timed_a_ticket_cannot_be_deleted(app, client, headers):
    with app.app_context():
        policy = make_policy()
        make_ticket()
        db.session.commit()
        policy_id = policy.id
        db.session.remove()
    response = client.delete(f"/api/v1/sla/policies/{policy_id}", headers=headers)
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(SlaPolicy, policy_id) is not None
        db.session.remove()


def test_cookie_sessions_need_the_csrf_header_for_writes(csrf_app, given):
    """The core API's rule: a browser session writing without the token is refused."""
    client = csrf_app.test_client()
    with csrf_app.app_context():
        manager = make_user(role=Role.MANAGER)
        db.session.commit()
        email = manager.email
        db.session.remove()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        "/login",
        data={"email": email, "password": "correct-horse", "csrf_token": token},
    )
    refused = client.post("/api/v1/sla/calendars", json=CALENDAR)
    assert refused.status_code == 400
    allowed = client.post(
        "/api/v1/sla/calendars", json=CALENDAR, headers={"X-CSRFToken": token}
    )
    assert allowed.status_code == 201
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(BusinessCalendar.id))) == 1
        db.session.remove()


# --- sla on the core API's tickets ------------------------------------------------------


@pytest.fixture
def timed_tickets(app, clock):
    """Three tickets under a 9-18 policy: one untouched, one answered, one
    waiting on the customer; plus a ticket no policy covers."""
    with app.app_context():
        make_policy(
            first_response_minutes=60,
            resolution_minutes=480,
            conditions={"channel": ["web"]},
        )
        agent = make_user(role=Role.LINE1)
        tickets = [make_ticket(at=clock.now()) for _ in range(3)]
        ticket_service.add_comment(
            tickets[1], body="On it", internal=False, actor=agent, now=clock.now()
        )
        ticket_service.change_status(
            tickets[2], TicketStatus.PENDING, actor=agent, now=clock.now()
        )
        from helpdesk.vocabulary import Channel

        tickets.append(make_ticket(channel=Channel.EMAIL, at=clock.now()))
        db.session.commit()
        ids = [t.id for t in tickets]
        db.session.remove()
    return ids


def test_api_tickets_carry_their_clocks(client, headers, timed_tickets, clock):
    clock.advance(minutes=30)
    untouched, answered, waiting, uncovered = timed_tickets
    body = client.get(f"/api/v1/tickets/{untouched}", headers=headers).json
    assert body["sla"] == [
        {
            "target": "first_response",
            "state": "running",
            "due_at": "2026-11-23T10:00:00Z",
            "business_seconds_left": 1800,
        },
        {
            "target": "resolution",
            "state": "running",
            "due_at": "2026-11-23T17:00:00Z",
            "business_seconds_left": 8 * 3600 - 1800,
        },
    ]
    listing = client.get("/api/v1/tickets", headers=headers).json["items"]
    by_id = {t["id"]: t["sla"] for t in listing}
    assert [c["state"] for c in by_id[answered]] == ["met", "running"]
    assert [(c["state"], c["due_at"]) for c in by_id[waiting]] == [
        ("paused", None),
        ("paused", None),
    ]
    assert by_id[waiting][0]["business_seconds_left"] == 3600
    assert by_id[uncovered] == []
    assert by_id[untouched] == body["sla"]


def test_a_clock_under_a_policy_the_cache_has_not_seen_yet_shows_its_time_left(
    app, client, headers, timed_tickets
):
    url = f"/api/v1/tickets/{timed_tickets[0]}"
    before = client.get(url, headers=headers).json["sla"]  # the policies cached
    with app.app_context():
        # As another process would, between this one's stamp read and its
        # read of the clocks: a policy and a clock moved to it, written around
        # the ORM, so nothing tells this process's cache.
        policies = SlaPolicy.__table__
        first = db.session.get(SlaPolicy, db.session.scalar(sa.select(SlaPolicy.id)))
        db.session.execute(
            policies.insert().values(
                name="not cached yet",
                position=99,
                active=True,
                conditions={},
                calendar_id=first.calendar_id,
                first_response_minutes=60,
                resolution_minutes=480,
                warning_percents=[75, 90],
                on_warning=[],
                on_breach=[],
            )
        )
        new_id = db.session.scalar(
            sa.select(policies.c.id).where(policies.c.name == "not cached yet")
        )
        db.session.execute(
            sa.update(SlaClock.__table__)
            .where(SlaClock.__table__.c.ticket_id == timed_tickets[0])
            .values(policy_id=new_id)
        )
        db.session.commit()

    after = client.get(url, headers=headers)

    assert after.status_code == 200
    assert after.json["sla"] == before  # same calendar, same time left


def test_overdue_clocks_have_negative_time_left(client, headers, timed_tickets, clock):
    clock.advance(hours=2)  # 11:00, an hour past the first-response target
    body = client.get(f"/api/v1/tickets/{timed_tickets[0]}", headers=headers).json
    assert body["sla"][0]["business_seconds_left"] == -3600


def test_a_page_of_tickets_costs_the_same_statements_for_1_or_20_tickets(
    app, client, headers, clock
):
    with app.app_context():
        make_policy()
        db.session.commit()
        db.session.remove()

    def statements_for_page() -> int:
        seen: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get("/api/v1/tickets?limit=100", headers=headers)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 200
        return len([s for s in seen if "sla_" in s])

    def add_tickets(n: int) -> None:
        with app.app_context():
            for _ in range(n):
                make_ticket(at=clock.now())
            db.session.commit()
            db.session.remove()

    add_tickets(1)
    statements_for_page()  # loads the per-process cache of policies and calendars
    one = statements_for_page()
    add_tickets(19)
    twenty = statements_for_page()
    assert one == twenty == 1  # the clocks; their calendars come from the cache


def test_openapi_documents_the_sla_paths_and_sla_on_tickets(client):
    document = client.get("/api/openapi.json").json
    for path in (
        "/v1/sla/calendars",
        "/v1/sla/calendars/{id}",
        "/v1/sla/calendars/{id}/holidays",
        "/v1/sla/policies",
        "/v1/sla/policies/{id}",
        "/v1/sla/summary",
    ):
        assert path in document["paths"], path
    ticket = document["components"]["schemas"]["TicketOut"]["properties"]
    assert ticket["sla"]["items"] == {"$ref": "#/components/schemas/SlaClockOut"}
    clock_fields = document["components"]["schemas"]["SlaClockOut"]["properties"]
    assert set(clock_fields) == {"target", "state", "due_at", "business_seconds_left"}
