"""Exports: the queue's selection as CSV and XLSX, the SLA figures as XLSX,
and the full JSON export of every table."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from openpyxl import load_workbook

from helpdesk.exports.tickets import ticket_rows
from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import Role
from tests.builders import make_ticket, make_user
from tests.sla.builders import make_calendar, make_policy

EVIL = '=HYPERLINK("http://evil.example","click")'


def arrange(given):
    alice = given(make_user, email="alice@example.test", name=EVIL)
    for line in (1, 2, 2):
        given(make_ticket, requester=alice, line=line, subject=f"{EVIL} line {line}")
    return alice


def test_queue_export_csv_has_what_the_filters_select_and_no_formula(
    client, given, login
):
    arrange(given)
    login(given(make_user, role=Role.MANAGER))
    response = client.get("/queue/export.csv?line=2")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["line"] for r in rows] == ["2", "2"]
    assert rows[0]["subject"] == "'" + EVIL + " line 2"
    assert rows[0]["requester_name"] == "'" + EVIL
    assert rows[0]["number"] == "HD-000003"  # newest first, as the queue


def test_queue_export_xlsx_cells_are_text_not_formulas(client, given, login):
    arrange(given)
    login(given(make_user, role=Role.ADMIN))
    response = client.get("/queue/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header, *rows = list(sheet.iter_rows())
    assert len(rows) == 3
    subject = rows[0][[c.value for c in header].index("subject")]
    assert subject.data_type == "s" and subject.value.startswith("'=")


def test_queue_export_is_read_page_by_page(app, given):
    arrange(given)
    with app.app_context():
        admin = make_user(role=Role.ADMIN)
        assert list(ticket_rows(admin, {}, batch=2)) == list(ticket_rows(admin, {}))
        assert len(list(ticket_rows(admin, {}, batch=1))) == 3


def test_customers_cannot_export_the_queue(client, given, login):
    login(given(make_user))
    assert client.get("/queue/export.csv").status_code == 403


def test_sla_figures_export_as_xlsx_neutralised(app, client, given, login):
    with app.app_context():
        make_policy(name=EVIL, calendar=make_calendar(always_open=True))
        make_ticket(at=datetime(2026, 11, 23, 9, tzinfo=UTC))
        db.session.commit()
    login(given(make_user, role=Role.MANAGER))
    response = client.get("/sla/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(rows) == 2  # first response and resolution
    assert rows[0][header.index("policy")] == "'" + EVIL


def test_export_all_writes_every_table_as_json_without_secrets(
    app, runner, given, tmp_path
):
    alice = arrange(given)
    path = tmp_path / "all.json"
    result = runner.invoke(args=["export", "all", str(path)])
    assert result.exit_code == 0, result.output
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "tiered-helpdesk"
    tables = document["tables"]
    assert "api_tokens" not in tables and "import_jobs" not in tables
    assert [t["subject"] for t in tables["tickets"]][-1] == EVIL + " line 2"
    [user] = [u for u in tables["users"] if u["id"] == alice.id]
    assert user["password_hash"] is None and user["name"] == EVIL
    assert tables["tickets"][0]["created_at"].endswith("Z")
    assert len(tables["ticket_events"]) >= 3
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Ticket))
        assert len(tables["tickets"]) == count


def test_export_all_pages_through_tables(app, given, tmp_path):
    from helpdesk.exports.full import export_all

    arrange(given)
    with app.app_context():
        small, large = io.StringIO(), io.StringIO()
        now = datetime(2026, 11, 23, tzinfo=UTC)
        export_all(small, now=now, batch=1)
        export_all(large, now=now, batch=1000)
    assert json.loads(small.getvalue()) == json.loads(large.getvalue())
