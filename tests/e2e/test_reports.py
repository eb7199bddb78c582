"""The managers' reports in a real browser: every report draws its charts
under the Content Security Policy (no inline code), and the volume table
shows the counts computed here from the ticket rows, in the manager's days."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import Role
from tests.builders import make_ticket, make_user

pytestmark = pytest.mark.browser
ZONE = "America/New_York"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_each_report_draws_its_charts_and_the_table_matches_the_rows(
    app, page, given, log_in, clock
):
    clock.set(NOW)
    manager = given(make_user, role=Role.MANAGER, timezone=ZONE)
    for hours in (2, 5, 20, 30, 49):  # around New York's midnights
        given(make_ticket, at=NOW - timedelta(hours=hours))
    violations: list[str] = []
    page.on(
        "console",
        lambda m: (
            violations.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    log_in(page, manager)

    charts = {
        "volume": (
            "volume-series",
            "volume-channel",
            "volume-category",
            "volume-ageing",
        ),
        "csat": ("csat-trend", "csat-good"),
        "agents": ("agents-work", "agents-sla"),
        "flow": ("flow-series", "flow-time"),
        "kb": ("kb-rates", "kb-top"),
    }
    for name, ids in charts.items():
        page.goto(f"/reports/{name}?from=2026-11-17&to=2026-11-24")
        for chart_id in ids:
            page.wait_for_function(
                "id => window.Chart && Chart.getChart(document.getElementById(id))",
                arg=chart_id,
            )
    assert violations == []

    page.goto("/reports/volume?from=2026-11-17&to=2026-11-24")
    with app.app_context():
        created = Counter(
            at.astimezone(ZoneInfo(ZONE)).date().isoformat()
            for at in db.session.scalars(sa.select(Ticket.created_at))
        )
        db.session.remove()
    for day, count in created.items():
        row = page.locator("#table-series tr", has=page.locator(f"td:text-is('{day}')"))
        expect(row.locator("td").nth(1)).to_have_text(str(count))
