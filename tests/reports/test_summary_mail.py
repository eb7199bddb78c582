"""A manager subscribed to the daily summary at 08:00 in Moscow receives it
in the SMTP sink once the (injectable) clock passes 08:00 Moscow time -
not before, and once however often the job runs; in their language, with
server-drawn charts and links to the reports."""

from __future__ import annotations

from datetime import UTC, datetime

from helpdesk.extensions import db
from helpdesk.outbox import deliver_outbox
from helpdesk.vocabulary import Role
from reports import jobs
from tests.builders import make_ticket, make_user

START = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 07:00 in Moscow


def test_the_daily_summary_arrives_at_the_local_hour(
    mail_app, client, given, login, clock, smtp
):
    clock.set(START)
    manager = given(make_user, role=Role.MANAGER, timezone="Europe/Moscow", locale="ru")
    given(make_ticket, at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    login(manager)
    response = client.post(
        "/reports/subscription", data={"frequency": "daily", "hour": "8"}
    )
    assert response.status_code == 302
    page = client.get("/reports").get_data(as_text=True)
    assert "report-next-summary" in page

    assert jobs.mail_job(mail_app) == 0  # 07:00 local: not yet
    clock.advance(minutes=61)  # 08:01 local
    assert jobs.mail_job(mail_app) == 1
    assert jobs.mail_job(mail_app) == 0  # claimed: sent once
    deliver_outbox(mail_app)

    [mail] = [m for m in smtp.handler.messages() if m["To"] == manager.email]
    assert "2026-11-22" in mail["Subject"] and "Ежедневная сводка" in mail["Subject"]
    html = mail.get_body(("html",)).get_content()
    assert html.count('src="data:image/png;base64,') == 2
    assert "/reports/volume?from=2026-11-22&amp;to=2026-11-23" in html
    text = mail.get_body(("plain",)).get_content()
    assert "Создано заявок: 1" in text

    with mail_app.app_context():
        from reports.models import ReportSubscription

        subscription = db.session.get(ReportSubscription, manager.id)
        # The next one: tomorrow 08:00 Moscow.
        assert subscription.next_at == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)


def test_the_api_sets_reads_and_stops_the_subscription(client, given, bearer, clock):
    clock.set(START)
    manager = given(make_user, role=Role.ADMIN, timezone="Asia/Tokyo")
    headers = bearer(manager)
    put = client.put(
        "/api/v1/reports/subscription",
        json={"frequency": "weekly", "hour": 9},
        headers=headers,
    )
    assert put.status_code == 200
    # Monday 13:00 in Tokyo already: next Monday 09:00 Tokyo.
    assert put.get_json()["next_at"] == "2026-11-30T00:00:00Z"
    assert (
        client.get("/api/v1/reports/subscription", headers=headers).status_code == 200
    )
    bad = client.put(
        "/api/v1/reports/subscription",
        json={"frequency": "hourly", "hour": 25},
        headers=headers,
    )
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {
        "frequency",
        "hour",
    }
    assert (
        client.delete("/api/v1/reports/subscription", headers=headers).status_code
        == 204
    )
    assert (
        client.get("/api/v1/reports/subscription", headers=headers).status_code == 404
    )
