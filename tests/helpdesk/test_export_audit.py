"""Exports from the pages - the queue's, the search's, the SLA figures' - are
in the audit log: who, when, which format and which filters; and the search
exports what it finds."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from openpyxl import load_workbook

from helpdesk.audit import AuditEntry
from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from tests.builders import make_ticket, make_user


def exports_audited(app) -> list[tuple[str, str, dict]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEntry.action, AuditEntry.actor, AuditEntry.data)
            .where(AuditEntry.action.like("export.%"))
            .order_by(AuditEntry.id)
        )
        return [tuple(row) for row in rows]


def test_queue_exports_are_audited_with_their_filters(app, client, given, login):
    agent = login(given(make_user, role=Role.LINE2, email="lena@example.test"))

    for url in ("/queue/export.csv?line=2&priority=P1", "/queue/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 200 and response.data

    assert exports_audited(app) == [
        (
            "export.tickets",
            agent.email,
            {"format": "csv", "filters": {"line": "2", "priority": "P1"}},
        ),
        ("export.tickets", agent.email, {"format": "xlsx", "filters": {"line": "2"}}),
    ]


def test_sla_exports_are_audited(app, client, given, login):
    manager = login(given(make_user, role=Role.MANAGER, email="max@example.test"))

    csv_export = client.get("/sla/export.csv?from=2026-11-01&to=2026-11-30")
    assert csv_export.status_code == 200 and csv_export.data
    xlsx_export = client.get("/sla/export.xlsx?line=2")
    assert xlsx_export.status_code == 200 and xlsx_export.data
    assert exports_audited(app) == [
        (
            "export.sla",
            manager.email,
            {"format": "csv", "filters": {"from": "2026-11-01", "to": "2026-11-30"}},
        ),
        ("export.sla", manager.email, {"format": "xlsx", "filters": {"line": "2"}}),
    ]


def test_search_results_export_as_csv_and_xlsx_and_are_audited(
    app, client, given, login
):
    given(make_ticket, subject="Scanner jams on every page")
    given(make_ticket, subject="Printer does not print")
    agent = login(given(make_user, role=Role.LINE1, email="ivan@example.test"))

    # Each streamed answer is read before the next request, as a browser does.
    response = client.get("/search/export.csv?q=scanner")
    text = response.get_data(as_text=True)
    sheet = client.get("/search/export.xlsx?q=scanner")

    assert response.status_code == sheet.status_code == 200
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["subject"] for row in rows] == ["Scanner jams on every page"]
    header, *cells = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows())
    assert len(cells) == 1
    assert exports_audited(app) == [
        ("export.search", agent.email, {"format": "csv", "filters": {"q": "scanner"}}),
        ("export.search", agent.email, {"format": "xlsx", "filters": {"q": "scanner"}}),
    ]


def test_the_search_page_links_its_exports(client, given, login):
    given(make_ticket, subject="Scanner jams on every page")
    login(given(make_user, role=Role.LINE1))

    page = client.get("/search?q=scanner").get_data(as_text=True)

    assert "/search/export.csv?q=scanner" in page
    assert "/search/export.xlsx?q=scanner" in page


def test_customers_cannot_export_a_search(client, given, login):
    login(given(make_user))
    assert client.get("/search/export.csv?q=x").status_code == 403
    assert client.get("/sla/export.csv").status_code == 403
