"""Volume/backlog and satisfaction: the API, the page's tables and the
exports show the figures counted here from the raw rows, in the manager's
local days - before the roll-ups exist (counted from the tickets), after
the scheduler's job (read from the roll-ups), and after a change to an old
ticket (its days recounted)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.service import ratings as rating_service
from helpdesk.service import tickets as ticket_service
from helpdesk.vocabulary import Channel, Priority, Role, TicketStatus
from reports.service import rollups
from tests.builders import _load, make_category, make_ticket, make_user

ZONE = "Asia/Yekaterinburg"  # UTC+5: a local day is 19:00-19:00 UTC
TZ = ZoneInfo(ZONE)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Instants around the local midnight between Nov 20 and Nov 21 (19:00 UTC).
CREATED = [
    (datetime(2026, 11, 20, 18, 30, tzinfo=UTC), Channel.WEB, "access", 1),
    (datetime(2026, 11, 20, 19, 30, tzinfo=UTC), Channel.PHONE, "access", 1),
    (datetime(2026, 11, 21, 3, 0, tzinfo=UTC), Channel.EMAIL, "hardware", 2),
    (datetime(2026, 11, 22, 12, 0, tzinfo=UTC), Channel.WEB, "hardware", 1),
    (datetime(2026, 10, 1, 12, 0, tzinfo=UTC), Channel.WEB, "access", 2),
]


def local(at: datetime) -> date:
    return at.astimezone(TZ).date()


@pytest.fixture
def world(app, clock):
    """A manager in UTC+5, an agent, tickets around a local midnight, some
    resolved and rated."""
    clock.set(NOW)
    with app.app_context():
        manager = make_user(role=Role.MANAGER, timezone=ZONE)
        agent = make_user(role=Role.LINE2, name="Agata", timezone=ZONE)
        customer = make_user(organisation="Acme")
        other = make_user()
        tickets = []
        for n, (at, channel, category, line) in enumerate(CREATED):
            make_category(category)
            tickets.append(
                make_ticket(
                    requester=customer if n % 2 == 0 else other,
                    channel=channel,
                    category=category,
                    at=at,
                    line=line,
                    priority=Priority.P2 if n == 2 else Priority.P3,
                )
            )
        # Resolved: #1 late on Nov 21 local, #2 (line 2) on Nov 22, #4 long after.
        resolutions = {
            0: datetime(2026, 11, 21, 18, 59, tzinfo=UTC),
            2: datetime(2026, 11, 21, 19, 1, tzinfo=UTC),
            4: datetime(2026, 10, 3, 8, 0, tzinfo=UTC),
        }
        admin = make_user(role=Role.ADMIN)
        for index, at in resolutions.items():
            ticket = tickets[index]
            ticket.assignee_id = agent.id
            ticket_service.change_status(
                ticket, TicketStatus.RESOLVED, actor=admin, now=at
            )
        ratings = {0: (5, "Quick, thanks"), 2: (2, "Slow"), 4: (4, "")}
        for index, (score, comment) in ratings.items():
            ticket = tickets[index]
            rating_service.rate_ticket(
                ticket,
                score=score,
                comment=comment,
                actor=_load(ticket.requester),
                now=resolutions[index] + timedelta(hours=1),
            )
        db.session.commit()
        return {
            "manager": _snap(manager),
            "agent": _snap(agent),
            "ids": [t.id for t in tickets],
        }


def _snap(user):
    from tests.builders import snapshot

    return snapshot(user)


def expected_volume(app, first: date, end: date) -> dict:
    """Created and resolved per local day, counted from the ticket rows."""
    with app.app_context():
        rows = db.session.query(Ticket).all()
        created = Counter(local(t.created_at) for t in rows)
        resolved = Counter(local(t.resolved_at) for t in rows if t.resolved_at)
        open_now = sum(1 for t in rows if t.is_active)
    days = [first + timedelta(days=i) for i in range((end - first).days)]
    return {
        "series": [
            {"period": d.isoformat(), "created": created[d], "resolved": resolved[d]}
            for d in days
        ],
        "open": open_now,
    }


def _get(client, bearer, user, path):
    response = client.get(path, headers=bearer(user))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _check_volume(app, client, bearer, world):
    first, end = date(2026, 11, 19), date(2026, 11, 24)
    got = _get(
        client,
        bearer,
        world["manager"],
        f"/api/v1/reports/volume?from={first}&to={end}",
    )
    want = expected_volume(app, first, end)
    assert got["series"] == want["series"]
    assert got["backlog"]["total"] == want["open"]
    assert got["filters"]["time_zone"] == ZONE
    return got


def test_volume_matches_raw_counts_before_and_after_the_rollups(
    app, client, bearer, world, clock
):
    before = _check_volume(app, client, bearer, world)
    # Nov 20 local holds only the 18:30 UTC ticket; Nov 21 the next two.
    by_day = {r["period"]: r for r in before["series"]}
    assert by_day["2026-11-20"]["created"] == 1 and by_day["2026-11-21"]["created"] == 2
    assert (
        by_day["2026-11-21"]["resolved"] == 1 and by_day["2026-11-22"]["resolved"] == 1
    )

    with app.app_context():
        done = rollups.roll(now=NOW, max_days=None)
        db.session.commit()
    assert done[ZONE] > 0
    after = _check_volume(app, client, bearer, world)
    assert after == before

    # An old ticket reopened and resolved again: its old day loses it.
    with app.app_context():
        ticket = db.session.get(Ticket, world["ids"][0])
        admin = make_user(role=Role.ADMIN)
        at = NOW + timedelta(minutes=1)
        ticket_service.change_status(ticket, TicketStatus.REOPENED, actor=admin, now=at)
        db.session.commit()
        rollups.roll(now=NOW + timedelta(minutes=5))
        db.session.commit()
    changed = _check_volume(app, client, bearer, world)
    assert {r["period"]: r for r in changed["series"]}["2026-11-21"]["resolved"] == 0


def test_volume_filters_and_breakdowns(app, client, bearer, world):
    got = _get(
        client,
        bearer,
        world["manager"],
        "/api/v1/reports/volume?from=2026-09-01&to=2026-11-24&line=1",
    )
    assert got["totals"] == {"created": 3, "resolved": 1}
    channels = {r["channel"]: r["created"] for r in got["by_channel"]}
    assert channels == {"web": 2, "phone": 1}
    assert (
        got["backlog"]["by_age"]["lt1"] == 1
    )  # created Nov 22 12:00, now Nov 23 09:00
    assert [r["number"] for r in got["oldest"]][:1] == [f"HD-{world['ids'][1]:06d}"]


def test_csat_matches_raw_ratings(app, client, bearer, world):
    got = _get(
        client,
        bearer,
        world["manager"],
        "/api/v1/reports/csat?from=2026-09-01&to=2026-11-24",
    )
    assert got["totals"] == {"ratings": 3, "average": 3.67, "good_percent": 66.7}
    agents = {r["agent"]: r for r in got["by_agent"]}
    assert agents["Agata"]["ratings"] == 3
    orgs = {r["organization"]: r["ratings"] for r in got["by_organization"]}
    assert orgs == {"Acme": 3}
    comments = [c["comment"] for c in got["comments"]["items"]]
    assert comments == ["Slow", "Quick, thanks"]  # newest first, empty ones left out
    weekly = {r["period"]: r["ratings"] for r in got["series"]}
    assert weekly["2026-11-16"] == 2 and weekly["2026-09-28"] == 1  # Mondays


def test_volume_page_tables_and_exports_show_the_same_figures(
    app, client, login, world
):
    login(world["manager"])
    page = client.get("/reports/volume?from=2026-11-19&to=2026-11-24")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="report-chart-data"' in html and "<script>" not in html
    assert "<td>2026-11-21</td><td>2</td><td>1</td>" in html
    assert ZONE in html

    exported = client.get("/reports/volume.csv?from=2026-11-19&to=2026-11-24")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert ["2026-11-21", "2", "1"] in rows
    workbook = client.get("/reports/volume.xlsx?from=2026-11-19&to=2026-11-24")
    sheet = load_workbook(io.BytesIO(workbook.get_data())).worksheets[0]
    assert ("2026-11-21", 2, 1) in [tuple(r) for r in sheet.iter_rows(values_only=True)]


def test_a_bad_period_shows_the_default_with_the_message(client, login, world):
    login(world["manager"])
    page = client.get("/reports/csat?from=2026-11-20&to=2026-11-01")
    assert page.status_code == 422
    assert "report-filter-error" in page.get_data(as_text=True)


def test_breakdowns_read_from_month_rows_equal_the_raw_counts(
    app, client, bearer, world
):
    """September and October are complete months once rolled up: a period
    over them reads their month rows, and the figures stay the same."""
    paths = [
        f"/api/v1/reports/{name}?from=2026-09-01&to=2026-11-24"
        for name in ("volume", "csat", "agents", "flow", "kb")
    ]
    before = [_get(client, bearer, world["manager"], p) for p in paths]
    with app.app_context():
        rollups.roll(now=NOW, max_days=None)
        db.session.commit()
        from reports.models import ReportVolumeDay

        months = db.session.scalars(
            sa.select(ReportVolumeDay.day).where(ReportVolumeDay.grain == "M")
        ).all()
    assert date(2026, 10, 1) in months
    assert [_get(client, bearer, world["manager"], p) for p in paths] == before
