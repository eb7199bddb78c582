"""The manager dashboard's figures against a small data set built through the
real services, the CSV export, and the clocks panel on the ticket page.

The calendar is 24x7, so business time is wall time and every figure can be
worked out by hand. Policies: "Urgent" (P1: first response 30 min,
resolution 120 min) and "Standard" (the rest: 60 and 480), warnings at 75
and 90 %. The story (UTC), swept by the scheduler at 10:00 and 11:10:

- T5 2026-09-01 09:00 P3 line 3: answered after 10 min; never resolved
  (resolution breached on 09-01 17:00). Outside the default 30 days.
- T4 Sun 11-22 12:00 P1 line 2: answered after 10 min; resolution breached
  at 14:00.
- T1 Mon 11-23 09:00 P3 line 1: answered after 20 min, resolved at 11:00.
- T2 Mon 09:00 P3 line 2: first response breached at 10:00, answered 10:30.
- T3 Mon 10:45 P1 line 1: first response past 75 % at 11:07:30 (at risk).

Now is Monday 11:10.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from helpdesk.extensions import db
from helpdesk.service import tickets as ticket_service
from helpdesk.vocabulary import Priority, Role, TicketStatus
from sla.service import dashboard, export
from sla.service.sweep import sweep_due_clocks
from tests.builders import make_category, make_ticket, make_user
from tests.sla.builders import make_calendar, make_policy


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def story(app, clock) -> SimpleNamespace:
    with app.app_context():
        calendar = make_calendar(always_open=True, hours=())
        make_policy(
            name="Urgent",
            position=1,
            calendar=calendar,
            conditions={"priority": ["P1"]},
            first_response_minutes=30,
            resolution_minutes=120,
        )
        make_policy(
            name="Standard",
            position=2,
            calendar=calendar,
            first_response_minutes=60,
            resolution_minutes=480,
        )
        agent = make_user(role=Role.MANAGER, name="Agent Smith")
        ids = {}

        def ticket(name, when, priority, line):
            clock.set(when)
            ids[name] = make_ticket(
                priority=priority, line=line, at=when, subject=f"Ticket {name}"
            )
            return ids[name]

        def reply(name, when):
            clock.set(when)
            ticket_service.add_comment(
                ids[name], body="On it.", internal=False, actor=agent, now=when
            )

        def sweep(when):
            clock.set(when)
            sweep_due_clocks(now=when, settings=app.config)

        ticket("T5", at(9, 1, 9), Priority.P3, 3)
        reply("T5", at(9, 1, 9, 10))
        ticket("T4", at(11, 22, 12), Priority.P1, 2)
        reply("T4", at(11, 22, 12, 10))
        ticket("T1", at(11, 23, 9), Priority.P3, 1)
        ticket("T2", at(11, 23, 9), Priority.P3, 2)
        reply("T1", at(11, 23, 9, 20))
        sweep(at(11, 23, 10))
        reply("T2", at(11, 23, 10, 30))
        ticket("T3", at(11, 23, 10, 45), Priority.P1, 1)
        clock.set(at(11, 23, 11))
        ticket_service.change_status(
            ids["T1"], TicketStatus.RESOLVED, actor=agent, now=clock.now()
        )
        sweep(at(11, 23, 11, 10))
        db.session.commit()
        result = SimpleNamespace(**{k: v.id for k, v in ids.items()}, agent=agent.id)
        db.session.remove()
    return result


@pytest.fixture
def manager_headers(given, bearer):
    return bearer(given(make_user, role=Role.MANAGER))


def summary(client, headers, query: str = "") -> dict:
    response = client.get(f"/api/v1/sla/summary{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_compliance_is_met_over_decided_clocks_by_every_dimension(
    client, story, manager_headers
):
    figures = summary(client, manager_headers)
    c = figures["compliance"]
    assert figures["filters"] == {
        "from": "2026-10-25",
        "to": "2026-11-24",
        "line": None,
        "period": "day",
    }
    assert (c["met"], c["breached"], c["compliance_percent"]) == (3, 2, 60.0)

    def rows(key):
        return [
            (r[key], r["met"], r["breached"], r["compliance_percent"])
            for r in c[f"by_{key}"]
        ]

    assert rows("line") == [(1, 2, 0, 100.0), (2, 1, 2, 33.3)]
    assert rows("priority") == [("P1", 1, 1, 50.0), ("P3", 2, 1, 66.7)]
    assert rows("policy") == [("Standard", 2, 1, 66.7), ("Urgent", 1, 1, 50.0)]
    assert rows("target") == [
        ("first_response", 2, 1, 66.7),
        ("resolution", 1, 1, 50.0),
    ]
    assert rows("period") == [("2026-11-22", 1, 1, 50.0), ("2026-11-23", 2, 1, 66.7)]


def test_compliance_by_week_starts_on_monday(client, story, manager_headers):
    c = summary(client, manager_headers, "?period=week")["compliance"]
    assert [(r["period"], r["compliance_percent"]) for r in c["by_period"]] == [
        ("2026-11-16", 50.0),  # Sunday 11-22 belongs to the week of Monday 11-16
        ("2026-11-23", 66.7),
    ]


def overall(times: dict) -> dict:
    """The figures of every channel (``by_channel`` splits them)."""
    return {k: v for k, v in times.items() if k != "by_channel"}


def test_mean_and_median_business_time_to_first_response_and_resolution(
    client, story, manager_headers
):
    times = summary(client, manager_headers)["times"]
    # First responses: 1200 s (T1), 5400 s (T2), 600 s (T4).
    assert overall(times["first_response"]) == {
        "count": 3,
        "mean_seconds": 2400,
        "median_seconds": 1200,
    }
    assert overall(times["resolution"]) == {
        "count": 1,
        "mean_seconds": 7200,
        "median_seconds": 7200,
    }
    # Line 2 alone: 5400 and 600, an even count: the mean of the middle two.
    line2 = summary(client, manager_headers, "?line=2")["times"]
    assert overall(line2["first_response"]) == {
        "count": 2,
        "mean_seconds": 3000,
        "median_seconds": 3000,
    }
    assert overall(line2["resolution"]) == {
        "count": 0,
        "mean_seconds": None,
        "median_seconds": None,
    }


def test_filters_by_line_and_date_range(client, story, manager_headers):
    line1 = summary(client, manager_headers, "?line=1")["compliance"]
    assert (line1["met"], line1["breached"]) == (2, 0)
    september = summary(client, manager_headers, "?from=2026-09-01&to=2026-09-02")
    assert (september["compliance"]["met"], september["compliance"]["breached"]) == (
        1,
        1,
    )
    assert [b["ticket_id"] for b in september["breaches"]["items"]] == [story.T5]
    empty = summary(client, manager_headers, "?from=2026-11-24&to=2026-11-25")
    assert empty["compliance"]["compliance_percent"] is None
    assert empty["compliance"]["by_period"] == []


def test_backlog_and_at_risk_are_the_state_now(client, story, manager_headers):
    figures = summary(client, manager_headers)
    assert figures["backlog"] == [
        {"line": 1, "status": "new", "tickets": 1},
        {"line": 2, "status": "open", "tickets": 2},
        {"line": 3, "status": "open", "tickets": 1},  # T5, created in September
    ]
    [risk] = figures["at_risk"]
    assert (risk["ticket_id"], risk["target"], risk["state"]) == (
        story.T3,
        "first_response",
        "running",
    )
    assert risk["due_at"] == "2026-11-23T11:15:00Z"
    assert risk["business_seconds_left"] == 300
    assert summary(client, manager_headers, "?line=2")["at_risk"] == []


def test_breaches_are_newest_first_and_keyset_paginated(client, story, manager_headers):
    first = summary(client, manager_headers, "?limit=1")["breaches"]
    assert [
        (b["ticket_number"], b["target"], b["breached_at"]) for b in first["items"]
    ] == [(f"HD-{story.T2:06d}", "first_response", "2026-11-23T10:00:00Z")]
    second = summary(client, manager_headers, f"?limit=1&cursor={first['next_cursor']}")
    assert [
        (b["ticket_id"], b["target"], b["policy"]) for b in second["breaches"]["items"]
    ] == [(story.T4, "resolution", "Urgent")]
    assert second["breaches"]["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?from=2026-11-24&to=2026-11-01", "to"),
        ("?from=yesterday", "from"),
        ("?line=4", "line"),
        ("?period=month", "period"),
        ("?cursor=garbage", "cursor"),
    ],
)
def test_bad_filters_are_422_with_the_field(query, field, client, manager_headers):
    response = client.get(f"/api/v1/sla/summary{query}", headers=manager_headers)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_dashboard_page_shows_the_figures_and_the_charts(client, story, given, login):
    login(given(make_user, role=Role.MANAGER))
    page = client.get("/sla").get_data(as_text=True)
    assert '<h3 id="sla-compliance">60.0 %</h3>' in page
    assert "3 met, 2 breached" in page
    assert "20 min" in page  # median first response
    assert f"HD-{story.T3:06d}" in page and f"HD-{story.T2:06d}" in page
    assert "/static/vendor/chart-4.6.1.umd.min.js" in page
    assert 'id="sla-chart-data"' in page
    filtered = client.get("/sla?line=1&from=&to=").get_data(as_text=True)
    assert '<h3 id="sla-compliance">100.0 %</h3>' in filtered
    assert client.get("/sla?line=9").status_code == 422


def test_csv_export_streams_the_period_clocks(client, story, given, login):
    login(given(make_user, role=Role.MANAGER))
    response = client.get("/sla/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert (
        'filename="sla-2026-10-25-2026-11-23.csv"'
        in response.headers["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(int(r["ticket_id"]), r["target"], r["state"]) for r in rows] == [
        (story.T4, "first_response", "met"),
        (story.T4, "resolution", "breached"),
        (story.T1, "first_response", "met"),
        (story.T1, "resolution", "met"),
        (story.T2, "first_response", "breached"),
        (story.T2, "resolution", "running"),
        (story.T3, "first_response", "running"),
        (story.T3, "resolution", "running"),
    ]
    t2 = rows[4]
    assert t2 | {"clock_id": "x"} == {
        "clock_id": "x",
        "ticket_id": str(story.T2),
        "ticket_number": f"HD-{story.T2:06d}",
        "ticket_created_at": "2026-11-23T09:00:00Z",
        "line": "2",
        "priority": "P3",
        "ticket_status": "open",
        "policy": "Standard",
        "target": "first_response",
        "cycle": "1",
        "state": "breached",
        "target_seconds": "3600",
        "spent_seconds": "5400",
        "warnings_done": "2",
        "started_at": "2026-11-23T09:00:00Z",
        "due_at": "",
        "breached_at": "2026-11-23T10:00:00Z",
        "stopped_at": "2026-11-23T10:30:00Z",
    }
    line3 = client.get("/sla/export.csv?line=3&from=2026-09-01").get_data(as_text=True)
    assert len(line3.strip().splitlines()) == 3  # header + T5's two clocks


def test_export_batches_walk_every_row_once(app, story):
    with app.app_context():
        filters = dashboard.Filters(start=at(9, 1, 0), end=at(11, 24, 0))
        one_batch = list(export.export_rows(filters, batch=1000))
        small_batches = list(export.export_rows(filters, batch=3))
        db.session.remove()
    assert len(one_batch) == 10
    assert small_batches == one_batch


def test_csv_cells_never_start_a_formula(app, client, given, login):
    with app.app_context():
        make_policy(name='=HYPERLINK("http://evil")')
        make_ticket(at=datetime(2026, 11, 23, 9, tzinfo=UTC))
        db.session.commit()
        db.session.remove()
    login(given(make_user, role=Role.ADMIN))
    body = client.get("/sla/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body


# --- the ticket page -------------------------------------------------------------------


def test_ticket_page_shows_staff_each_clock_with_its_history(
    client, story, given, login
):
    login(given(make_user, role=Role.LINE2))
    page = client.get(f"/tickets/{story.T2}").get_data(as_text=True)
    panel = page[page.index('id="sla-clocks"') :]
    first = panel[: panel.index('data-target="resolution"')]
    assert 'data-state="breached"' in first
    assert "overdue by 30 min" in first  # spent 90 of 60 minutes
    assert "Started under “Standard”" in first
    assert "Cause: the ticket was registered" in first
    assert "Warning: 75% of the time used" in first
    assert "Breached" in first and "Cause: the scheduler&#39;s check" in first
    assert "Stopped after the breach" in first
    assert "Cause: an agent replied publicly" in first
    resolution = panel[panel.index('data-target="resolution"') :]
    assert 'data-state="running"' in resolution
    assert "5 h 50 min left" in resolution  # 480 min from 09:00, now 11:10
    assert (
        "Due 11/23/26, 5:00\u202fPM" in resolution
        or "Due 11/23/26, 5:00 PM" in resolution
    )
    # The core timeline no longer shows the raw kinds.
    assert "sla_started" not in page


def test_due_times_follow_the_viewers_time_zone(app, client, story, given, login):
    with app.app_context():
        viewer = make_user(role=Role.LINE2)
        viewer.timezone = "Asia/Tokyo"
        db.session.commit()
        email = viewer.email
        db.session.remove()
    login(SimpleNamespace(email=email))
    page = client.get(f"/tickets/{story.T2}").get_data(as_text=True)
    panel = page[page.index('id="sla-clocks"') :]
    assert "Due 11/24/26, 2:00" in panel  # 17:00 UTC is 02:00 in Tokyo


def test_customers_never_see_the_clocks(app, client, story, login):
    with app.app_context():
        from helpdesk.models import Ticket

        requester = db.session.get(Ticket, story.T2).requester
        email = requester.email
        db.session.remove()
    login(SimpleNamespace(email=email))
    page = client.get(f"/tickets/{story.T2}").get_data(as_text=True)
    assert 'id="sla-clocks"' not in page
    assert "sla_" not in page


def test_phone_tickets_show_the_cause_answered_on_the_call(app, client, login):
    with app.app_context():
        make_category("access")
        make_policy(first_response_minutes=60)
        agent, caller = make_user(role=Role.LINE1), make_user()
        ticket = ticket_service.register_call(
            {
                "subject": "s",
                "description": "d",
                "category": "access",
                "resolve_on_call": False,
            },
            caller=caller,
            actor=agent,
            now=datetime(2026, 11, 23, 9, tzinfo=UTC),
        )
        db.session.commit()
        ticket_id, email = ticket.id, agent.email
        db.session.remove()
    login(SimpleNamespace(email=email))
    page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "Cause: answered during the phone call" in page
    assert "met with 1 h to spare" in page


def test_filters_default_to_the_last_30_days_up_to_today():
    now = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)
    filters = dashboard.filters_from({}, now=now)
    assert (filters.start, filters.end) == (at(10, 25, 0), at(11, 24, 0))
    assert filters.last_day == date(2026, 11, 23)
