"""SLA settings: who may reach each SLA page and API route, and how the forms
and the API check calendars, holidays and policies.

``CASES`` lists one request per SLA route (the core's matrix in
tests/security/test_permissions.py skips routes under /sla and /api/v1/sla).
Each runs as every actor; managers and admins may, the other roles get 403,
anonymous callers the login page (pages) or a 401 (API). A refused request
must leave every table as it was; an allowed write must change something.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from sla.models import BusinessCalendar, Holiday, SlaPolicy
from tests.builders import make_category, make_ticket, make_user
from tests.permission_matrix import LOGIN, Case, Matrix
from tests.security.support import assert_unchanged, db_state
from tests.sla.builders import make_calendar, make_policy

ACTORS = ("anonymous", "customer", "line1", "line2", "line3", "manager", "admin")


def managers(ok) -> dict:
    return dict.fromkeys(ACTORS, 403) | {"anonymous": LOGIN, "manager": ok, "admin": ok}


CALENDAR_FORM = {
    "name": "Moscow office",
    "timezone": "Europe/Moscow",
    "intervals": "Mon, 09:00, 13:00\nMon, 14:00, 18:00\nFri, 22:00, 06:00",
    "holidays": "2027-01-07, Christmas",
}
# The second submit of a delete, after its confirmation page.
CONFIRMED = {"confirm": "1"}

POLICY_FORM = {
    "name": "VIP",
    "active": "true",
    "calendar_id": "{calendar}",
    "first_response_minutes": "30",
    "resolution_minutes": "240",
    "warning_percents": "50, 80",
    "priority": "P1",
    "on_breach": "notify_managers",
}
CALENDAR_JSON = {
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "intervals": [{"weekday": "mon", "start": "09:00", "end": "17:00"}],
}
POLICY_JSON = {
    "name": "API policy",
    "calendar_id": "{calendar}",
    "resolution_minutes": 60,
}

CASES = [
    Case("dashboard", "GET", "/sla", managers(200)),
    # Exports are audited.
    Case(
        "dashboard-csv",
        "GET",
        "/sla/export.csv",
        managers(200),
        may_change=frozenset({"audit_log"}),
    ),
    Case(
        "dashboard-xlsx",
        "GET",
        "/sla/export.xlsx",
        managers(200),
        may_change=frozenset({"audit_log"}),
    ),
    Case("calendar-list", "GET", "/sla/calendars", managers(200)),
    Case("calendar-new-page", "GET", "/sla/calendars/new", managers(200)),
    Case(
        "calendar-create",
        "POST",
        "/sla/calendars/new",
        managers(302),
        form=CALENDAR_FORM,
        writes=True,
    ),
    Case("calendar-edit-page", "GET", "/sla/calendars/{calendar}", managers(200)),
    Case(
        "calendar-save",
        "POST",
        "/sla/calendars/{calendar}",
        managers(302),
        form=CALENDAR_FORM,
        writes=True,
    ),
    Case(
        "calendar-load-holidays",
        "POST",
        "/sla/calendars/{calendar}/holidays",
        managers(302),
        form={"country": "RU", "year": "2027"},
        writes=True,
    ),
    Case(
        "calendar-delete",
        "POST",
        "/sla/calendars/{spare}/delete",
        managers(302),
        form=CONFIRMED,
        writes=True,
    ),
    # Unconfirmed, a delete only asks (the confirmation page), changing nothing.
    Case(
        "calendar-delete-unconfirmed",
        "POST",
        "/sla/calendars/{spare}/delete",
        managers(200),
    ),
    Case("policy-list", "GET", "/sla/policies", managers(200)),
    Case("policy-new-page", "GET", "/sla/policies/new", managers(200)),
    Case(
        "policy-create",
        "POST",
        "/sla/policies/new",
        managers(302),
        form=POLICY_FORM,
        writes=True,
    ),
    Case("policy-edit-page", "GET", "/sla/policies/{policy}", managers(200)),
    Case(
        "policy-save",
        "POST",
        "/sla/policies/{policy}",
        managers(302),
        form=POLICY_FORM,
        writes=True,
    ),
    Case(
        "policy-move",
        "POST",
        "/sla/policies/{unused}/move",
        managers(302),
        form={"direction": "up"},
        writes=True,
    ),
    Case(
        "policy-delete",
        "POST",
        "/sla/policies/{unused}/delete",
        managers(302),
        form=CONFIRMED,
        writes=True,
    ),
    Case(
        "policy-delete-unconfirmed",
        "POST",
        "/sla/policies/{unused}/delete",
        managers(200),
    ),
    Case("api-calendar-list", "GET", "/api/v1/sla/calendars", managers(200)),
    Case(
        "api-calendar-create",
        "POST",
        "/api/v1/sla/calendars",
        managers(201),
        json=CALENDAR_JSON,
        writes=True,
    ),
    Case("api-calendar-get", "GET", "/api/v1/sla/calendars/{calendar}", managers(200)),
    Case(
        "api-calendar-patch",
        "PATCH",
        "/api/v1/sla/calendars/{calendar}",
        managers(200),
        json={"timezone": "Asia/Tokyo"},
        writes=True,
    ),
    Case(
        "api-calendar-delete",
        "DELETE",
        "/api/v1/sla/calendars/{spare}",
        managers(204),
        writes=True,
    ),
    Case(
        "api-holiday-create",
        "POST",
        "/api/v1/sla/calendars/{calendar}/holidays",
        managers(201),
        json={"day": "2027-03-08", "name": "Women's Day"},
        writes=True,
    ),
    Case("api-policy-list", "GET", "/api/v1/sla/policies", managers(200)),
    Case(
        "api-policy-create",
        "POST",
        "/api/v1/sla/policies",
        managers(201),
        json=POLICY_JSON,
        writes=True,
    ),
    Case("api-policy-get", "GET", "/api/v1/sla/policies/{policy}", managers(200)),
    Case(
        "api-policy-patch",
        "PATCH",
        "/api/v1/sla/policies/{policy}",
        managers(200),
        json={"active": False},
        writes=True,
    ),
    Case(
        "api-policy-delete",
        "DELETE",
        "/api/v1/sla/policies/{unused}",
        managers(204),
        writes=True,
    ),
    Case("api-summary", "GET", "/api/v1/sla/summary", managers(200)),
]


def _arrange(setup: dict, actor: str, fx) -> SimpleNamespace:
    app, given = fx.app, fx.given
    given(make_category, "access")
    calendar = given(make_calendar, name="Office")
    spare = given(make_calendar, name="Spare")
    with app.app_context():
        # A policy that has timed a ticket, and one that has timed none.
        policy = make_policy(
            calendar=db.session.get(BusinessCalendar, calendar.id),
            position=1,
            name="Standard",
        )
        make_ticket()
        unused = make_policy(
            calendar=policy.calendar, position=2, name="Unused", active=False
        )
        db.session.commit()
        ids = SimpleNamespace(policy=policy.id, unused=unused.id)
        db.session.remove()
    user = None
    if actor != "anonymous":
        role = Role.CUSTOMER if actor == "customer" else Role(actor)
        user = given(make_user, role=role)
    return SimpleNamespace(
        user=user,
        ids={
            "calendar": calendar.id,
            "spare": spare.id,
            "policy": ids.policy,
            "unused": ids.unused,
        },
    )


MATRIX = Matrix(
    cases=CASES,
    arrange=_arrange,
    owns=lambda rule: rule.rule.startswith(("/sla", "/api/v1/sla")),
    actors=ACTORS,
)


@pytest.mark.parametrize(("case", "actor"), MATRIX.cells())
def test_sla_permission_matrix(case: Case, actor: str, permission_check):
    permission_check(MATRIX, case, actor)


def test_every_sla_route_is_in_the_matrix(app):
    MATRIX.assert_covers(app)


def test_nav_shows_the_sla_link_to_managers_only(client, given, login):
    login(given(make_user, role=Role.MANAGER))
    assert 'href="/sla"' in client.get("/profile").get_data(as_text=True)
    client.post("/logout")
    login(given(make_user, role=Role.LINE2))
    assert 'href="/sla"' not in client.get("/profile").get_data(as_text=True)


# --- calendars through the pages ----------------------------------------------------


@pytest.fixture
def manager(client, given, login):
    return login(given(make_user, role=Role.MANAGER))


def _calendars(app) -> list[BusinessCalendar]:
    with app.app_context():
        calendars = list(
            db.session.scalars(
                sa.select(BusinessCalendar).order_by(BusinessCalendar.id)
            )
        )
        for c in calendars:
            c.intervals, c.holidays  # noqa: B018  (load before the session closes)
        db.session.expunge_all()
        db.session.remove()
    return calendars


def test_manager_creates_a_calendar_with_split_days_a_night_shift_and_holidays(
    app, client, manager
):
    response = client.post("/sla/calendars/new", data=CALENDAR_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)

    [calendar] = _calendars(app)
    assert (calendar.name, calendar.timezone, calendar.always_open) == (
        "Moscow office",
        "Europe/Moscow",
        False,
    )
    assert [(i.weekday, i.start_minute, i.end_minute) for i in calendar.intervals] == [
        (0, 540, 780),
        (0, 840, 1080),
        (4, 1320, 360),  # crosses midnight into Saturday
    ]
    assert [(h.day, h.name) for h in calendar.holidays] == [
        (date(2027, 1, 7), "Christmas")
    ]
    page = client.get(f"/sla/calendars/{calendar.id}").get_data(as_text=True)
    assert "Fri, 22:00, 06:00" in page and "2027-01-07, Christmas" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "Unknown time zone."),
        ("intervals", "Mon, 09:00, 09:00", "Row 1: The start and the end are the same"),
        ("intervals", "Mon, 9:00, 18:00\nXyz, 09:00, 18:00", "Row 2: Unknown weekday"),
        ("intervals", "Mon, 09:00, 25:00", "Row 1: Write times as HH:MM"),
        ("intervals", "Mon, 09:00, 13:00\nMon, 12:00, 18:00", "Rows 1 and 2 overlap."),
        ("intervals", "Sun, 22:00, 02:00\nMon, 01:00, 03:00", "Rows 1 and 2 overlap."),
        ("intervals", "", "Add at least one working interval"),
        ("holidays", "2027-13-01, Nope", "Row 1: Write the date as YYYY-MM-DD."),
        (
            "holidays",
            "2027-01-07, A\n2027-01-07, B",
            "Row 2: This date is already listed.",
        ),
        ("name", "", "Enter a name of 1 to 80 characters."),
    ],
)
def test_calendar_form_refuses_bad_input_with_the_field_message_and_stores_nothing(
    field, value, message, app, client, manager
):
    before = db_state(app)
    response = client.post("/sla/calendars/new", data=CALENDAR_FORM | {field: value})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page
    assert_unchanged(app, before)


def test_identical_start_and_end_is_refused_but_a_whole_day_is_00_to_24(
    app, client, manager
):
    form = CALENDAR_FORM | {"intervals": "Sat, 00:00, 24:00\nSun, 00:00, 00:00"}
    assert client.post("/sla/calendars/new", data=form).status_code == 422
    form["intervals"] = "Sat, 00:00, 24:00"
    assert client.post("/sla/calendars/new", data=form).status_code == 302
    assert [(i.start_minute, i.end_minute) for i in _calendars(app)[0].intervals] == [
        (0, 1440)
    ]


def test_a_24x7_calendar_needs_no_hours(app, client, manager):
    form = {"name": "Always", "timezone": "UTC", "always_open": "true", "intervals": ""}
    assert client.post("/sla/calendars/new", data=form).status_code == 302
    assert _calendars(app)[0].always_open is True


def test_a_duplicate_calendar_name_is_a_field_error(app, client, given, manager):
    given(make_calendar, name="Moscow office")
    response = client.post("/sla/calendars/new", data=CALENDAR_FORM)
    assert response.status_code == 422
    assert "This name is already taken." in response.get_data(as_text=True)


def test_loading_russian_public_holidays_for_2027_adds_them_once(
    app, client, given, manager
):
    calendar = given(make_calendar, name="Moscow")
    url = f"/sla/calendars/{calendar.id}/holidays"

    first = client.post(
        url, data={"country": "ru", "year": "2027"}, follow_redirects=True
    )
    again = client.post(
        url, data={"country": "RU", "year": "2027"}, follow_redirects=True
    )

    assert "holidays added" in first.get_data(as_text=True)
    assert "0 holidays added" in again.get_data(as_text=True)
    days = {h.day for h in _calendars(app)[0].holidays}
    assert {
        date(2027, 1, 1),
        date(2027, 1, 7),
        date(2027, 2, 23),
        date(2027, 3, 8),
        date(2027, 5, 1),
        date(2027, 5, 9),
        date(2027, 6, 12),
        date(2027, 11, 4),
    } <= days
    assert all(d.year == 2027 for d in days)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"country": "XX", "year": "2027"}, "Unknown country code"),
        ({"country": "RU", "year": "1800"}, "Choose a year from 1950 to 2100."),
    ],
)
def test_loading_holidays_refuses_unknown_countries_and_years(
    form, message, app, client, given, manager
):
    calendar = given(make_calendar)
    before = db_state(app)
    response = client.post(f"/sla/calendars/{calendar.id}/holidays", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert_unchanged(app, before)


def test_a_calendar_in_use_is_not_deleted(app, client, given, manager):
    calendar = given(make_calendar, name="Used")
    with app.app_context():
        make_policy(calendar=db.session.get(BusinessCalendar, calendar.id), name="P")
        db.session.commit()
    before = db_state(app)
    response = client.post(
        f"/sla/calendars/{calendar.id}/delete", follow_redirects=True
    )
    assert "Policies use this calendar: P." in response.get_data(as_text=True)
    assert_unchanged(app, before)


# --- policies through the pages -------------------------------------------------------


def _policies(app) -> list[SlaPolicy]:
    with app.app_context():
        policies = list(
            db.session.scalars(
                sa.select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)
            )
        )
        db.session.expunge_all()
        db.session.remove()
    return policies


def test_manager_creates_a_policy_with_conditions_targets_and_actions(
    app, client, given, manager
):
    given(make_category, "access")
    calendar = given(make_calendar)
    form = {
        "name": "VIP phone",
        "active": "true",
        "calendar_id": str(calendar.id),
        "first_response_minutes": "15",
        "next_response_minutes": "",
        "resolution_minutes": "120",
        "warning_percents": "90, 50",
        "organization": "ACME\nGlobex",
        "plan": "premium",
    }
    data = list(form.items()) + [
        ("priority", "P1"),
        ("priority", "P2"),
        ("channel", "phone"),
        ("category", "access"),
        ("on_warning", "notify_line"),
        ("on_breach", "escalate"),
        ("on_breach", "notify_managers"),
    ]
    response = client.post("/sla/policies/new", data=MultiDict(data))
    assert response.status_code == 302, response.get_data(as_text=True)

    [policy] = _policies(app)
    assert policy.conditions == {
        "priority": ["P1", "P2"],
        "category": ["access"],
        "organization": ["ACME", "Globex"],
        "plan": ["premium"],
        "channel": ["phone"],
    }
    assert (
        policy.first_response_minutes,
        policy.next_response_minutes,
        policy.resolution_minutes,
    ) == (15, None, 120)
    assert policy.warning_percents == [50, 90]
    assert policy.on_warning == ["notify_line"]
    assert policy.on_breach == ["notify_managers", "escalate"]
    assert policy.position == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"first_response_minutes": "", "resolution_minutes": ""},
            None,
            "Set at least one target.",
        ),
        ({"resolution_minutes": "0"}, "resolution_minutes", "A target is 1 to"),
        (
            {"warning_percents": "75, 150"},
            "warning_percents",
            "A warning is at 1 to 99",
        ),
        ({"warning_percents": "75, 75"}, "warning_percents", "may appear once"),
        ({"calendar_id": ""}, "calendar_id", "Choose a calendar."),
        ({"calendar_id": "999"}, "calendar_id", "Choose a calendar."),
        ({"category": "nope"}, "conditions", "Unknown category: nope."),
        ({"priority": "P9"}, "conditions", "Choose a priority from P1 to P4."),
    ],
)
def test_policy_form_refuses_bad_input_and_stores_nothing(
    changes, field, message, app, client, given, manager
):
    calendar = given(make_calendar)
    form = {"name": "Bad", "calendar_id": str(calendar.id), "resolution_minutes": "60"}
    before = db_state(app)
    response = client.post("/sla/policies/new", data=form | changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if field:
        assert f'id="{field}-error"' in page or field == "conditions"
    assert_unchanged(app, before)


def test_policy_form_refuses_a_target_its_calendar_can_never_reach(
    app, client, given, manager
):
    # A minute a week: a year of business time would end after year 9999.
    calendar = given(make_calendar, hours=((0, 540, 541),))
    form = {
        "name": "Sparse",
        "calendar_id": str(calendar.id),
        "first_response_minutes": "60",
        "resolution_minutes": "527040",
    }
    before = db_state(app)
    response = client.post("/sla/policies/new", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="resolution_minutes-error"' in page
    assert 'id="first_response_minutes-error"' not in page
    assert "this target could never be reached" in page
    assert_unchanged(app, before)


def test_policies_move_up_and_down_and_the_first_match_wins(
    app, client, given, manager
):
    with app.app_context():
        calendar = make_calendar()
        for position, name in enumerate(("A", "B", "C"), start=1):
            make_policy(calendar=calendar, name=name, position=position * 10)
        db.session.commit()
        ids = {p.name: p.id for p in db.session.scalars(sa.select(SlaPolicy))}
        db.session.remove()

    client.post(f"/sla/policies/{ids['C']}/move", data={"direction": "up"})
    assert [p.name for p in _policies(app)] == ["A", "C", "B"]
    client.post(f"/sla/policies/{ids['A']}/move", data={"direction": "down"})
    assert [p.name for p in _policies(app)] == ["C", "A", "B"]
    client.post(f"/sla/policies/{ids['C']}/move", data={"direction": "up"})  # stays
    assert [(p.name, p.position) for p in _policies(app)] == [
        ("C", 1),
        ("A", 2),
        ("B", 3),
    ]
    assert (
        client.post(
            f"/sla/policies/{ids['C']}/move", data={"direction": "sideways"}
        ).status_code
        == 422
    )
    page = client.get("/sla/policies").get_data(as_text=True)
    assert page.index(">C</a>") < page.index(">A</a>") < page.index(">B</a>")


def test_a_policy_that_timed_tickets_is_deactivated_not_deleted(
    app, client, given, manager
):
    with app.app_context():
        policy = make_policy(name="Busy")
        make_ticket()
        db.session.commit()
        policy_id = policy.id
        db.session.remove()
    before = db_state(app)
    response = client.post(f"/sla/policies/{policy_id}/delete", follow_redirects=True)
    assert "deactivate it instead" in response.get_data(as_text=True)
    assert_unchanged(app, before)


def test_edit_page_shows_the_saved_values(app, client, given, manager):
    with app.app_context():
        policy = make_policy(
            name="Shown",
            conditions={"organization": ["ACME"]},
            warning_percents=[60, 85],
        )
        db.session.commit()
        policy_id = policy.id
        db.session.remove()
    page = client.get(f"/sla/policies/{policy_id}").get_data(as_text=True)
    assert 'value="Shown"' in page
    assert 'value="60, 85"' in page
    assert ">ACME</textarea>" in page


def test_holidays_stay_when_a_calendar_is_saved_again(app, client, given, manager):
    with app.app_context():
        calendar = make_calendar(name="Kept")
        calendar.holidays.append(Holiday(day=date(2027, 1, 1), name="New Year"))
        db.session.commit()
        calendar_id = calendar.id
        db.session.remove()
    page = client.get(f"/sla/calendars/{calendar_id}").get_data(as_text=True)
    assert "2027-01-01, New Year" in page
    form = {
        "name": "Kept",
        "timezone": "UTC",
        "intervals": "Mon, 09:00, 18:00",
        "holidays": "2027-01-01, New Year's Day",
    }
    assert client.post(f"/sla/calendars/{calendar_id}", data=form).status_code == 302
    [calendar] = _calendars(app)
    assert [(h.day, h.name) for h in calendar.holidays] == [
        (date(2027, 1, 1), "New Year's Day")
    ]
