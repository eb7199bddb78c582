"""From a running clock to an e-mail in a real SMTP server, each alert once —
also with two schedulers sweeping the same PostgreSQL at the same time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.outbox import deliver_outbox
from helpdesk.vocabulary import Role
from sla.jobs import sweep_clocks
from sla.models import SlaAlert
from tests.builders import make_ticket, make_user
from tests.sla.builders import make_policy


def arrange_ticket_with_a_100_minute_first_response(given):
    given(
        make_policy,
        first_response_minutes=100,
        resolution_minutes=None,
        on_warning=["notify_assignee"],
        on_breach=["notify_assignee", "notify_managers"],
    )
    agent = given(make_user, role=Role.LINE1, locale="ru")
    manager = given(make_user, role=Role.MANAGER)
    ticket = given(make_ticket, assignee_id=agent.id)
    return ticket, agent, manager


def test_each_warning_and_breach_reaches_the_smtp_server_once(
    mail_app, given, clock, smtp
):
    ticket, agent, manager = arrange_ticket_with_a_100_minute_first_response(given)

    for minutes in (80, 1, 30, 60):  # 75 % at 75 min, 90 % at 90, breach at 100
        clock.advance(minutes=minutes)
        sweep_clocks(mail_app)
        deliver_outbox(mail_app)
        deliver_outbox(mail_app)  # a second delivery run sends nothing again

    received = [
        (m["To"], m["Subject"])
        for m in smtp.handler.messages()
        if "SLA" in m["Subject"]  # the alerts, not the requester's notices
    ]
    assert len(received) == 4
    assert [to for to, _ in received] == [
        agent.email,
        agent.email,
        agent.email,
        manager.email,
    ]
    # The agent reads Russian, the manager English.
    assert received[0][1].startswith("Предупреждение SLA") or "SLA" in received[0][1]
    assert ticket.number in received[3][1]


def test_two_schedulers_sweeping_at_once_raise_each_alert_once(app, given, clock):
    if "postgresql" not in app.config["SQLALCHEMY_DATABASE_URI"]:
        pytest.skip("several schedulers are a PostgreSQL deployment; SQLite has one")
    for _ in range(40):
        arrange_ticket_with_a_100_minute_first_response(given)
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # everything is past due
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def scheduler():
        try:
            start.wait()
            sweep_clocks(app)
        except BaseException as err:  # reported below, not swallowed
            errors.append(err)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with app.app_context():
        kinds = db.session.execute(
            sa.select(SlaAlert.kind, sa.func.count()).group_by(SlaAlert.kind)
        ).all()
    assert dict(kinds) == {"warning": 80, "breach": 40}
