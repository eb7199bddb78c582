"""/metrics: Prometheus' text format, read back with prometheus_client's own
parser after real requests, sweeps, deliveries and polls.

Counters belong to the process and the suite shares one: each test compares
a scrape after with a scrape before. Gauges come from the database, which
every test starts empty."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import create_app
from config import TestingConfig
from helpdesk.extensions import db
from helpdesk.hooks import scheduled_jobs
from helpdesk.inbound.jobs import poll_job
from helpdesk.metrics.exposition import parse_networks
from helpdesk.outbox import OutboxChannel, OutboxMessage, deliver_outbox
from helpdesk.scheduler import run_watched
from helpdesk.vocabulary import Role, TicketStatus
from tests import mail_corpus as corpus
from tests.builders import make_category, make_ticket, make_user
from tests.helpdesk.metrics_support import LOOPBACK, Scrape, scrape
from tests.helpdesk.test_health import read_only_database
from tests.imap_server import ImapServer
from tests.sla.builders import make_policy

TICKET_PAGE = "/tickets/<int:ticket_id>"


def delta(after: Scrape, before: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


# --- requests ---------------------------------------------------------------------


def test_requests_are_counted_by_url_rule_and_status_with_their_latency(
    client, given, login
):
    login(given(make_user, role=Role.LINE1))
    ticket = given(make_ticket)
    before = scrape(client)

    for _ in range(2):
        assert client.get(f"/tickets/{ticket.id}").status_code == 200
    assert client.get("/tickets/999999").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    after = scrape(client)

    requests = "helpdesk_http_requests_total"
    assert delta(after, before, requests, route=TICKET_PAGE, status="200") == 2
    assert delta(after, before, requests, route=TICKET_PAGE, status="404") == 1
    assert delta(after, before, requests, route="<unmatched>", status="404") == 1
    # The rule, never the path: one series per page, whatever the ids.
    assert not after.has(requests, route=f"/tickets/{ticket.id}")
    assert after.families["helpdesk_http_request_duration_seconds"].type == "histogram"
    latency = "helpdesk_http_request_duration_seconds"
    assert delta(after, before, f"{latency}_count", route=TICKET_PAGE) == 3
    assert delta(after, before, f"{latency}_bucket", route=TICKET_PAGE, le="+Inf") == 3
    assert delta(after, before, f"{latency}_sum", route=TICKET_PAGE) > 0


def test_tickets_are_counted_by_status_and_line_in_the_database(client, given):
    given(make_ticket)
    given(make_ticket, line=2)
    given(make_ticket, line=2, status=TicketStatus.PENDING)
    given(make_ticket, line=3, status=TicketStatus.CLOSED)

    figures = scrape(client)

    assert figures.value("helpdesk_tickets", status="new", line="1") == 1
    assert figures.value("helpdesk_tickets", status="new", line="2") == 1
    assert figures.value("helpdesk_tickets", status="pending", line="2") == 1
    # Every status and line is there, zeros too; closed ones are not counted.
    assert figures.has("helpdesk_tickets", status="resolved", line="3")
    assert figures.value("helpdesk_tickets", status="resolved", line="3") == 0
    assert not figures.has("helpdesk_tickets", status="closed")
    assert figures.value("helpdesk_tickets") == 3
    assert figures.value("helpdesk_metrics_database_up") == 1


# --- the SLA sweep ----------------------------------------------------------------


def test_open_clocks_the_sweeps_lag_and_its_alerts(app, client, clock, given):
    given(make_policy, first_response_minutes=60, resolution_minutes=480)
    given(make_ticket, at=clock.now())
    sweep = next(job for job in scheduled_jobs(app) if job.id == "sla-sweep")
    fresh = scrape(client)
    for target in ("first_response", "resolution"):
        assert fresh.value("helpdesk_sla_open_clocks", target=target) == 1
        assert fresh.value("helpdesk_sla_open_clocks", target=target, phase="running")
    assert fresh.value("helpdesk_sla_due_clocks") == 0
    assert fresh.value("helpdesk_sla_sweep_lag_seconds") == 0

    clock.advance(minutes=46)  # the 75 % warning was due at 45 minutes
    late = scrape(client)
    assert late.value("helpdesk_sla_due_clocks") == 1
    assert late.value("helpdesk_sla_sweep_lag_seconds") == 60
    run_watched(app, sweep)
    warned = scrape(client)
    assert delta(warned, late, "helpdesk_sla_alerts_total", kind="warning") == 1
    assert warned.value("helpdesk_sla_open_clocks_warned", target="first_response") == 1
    assert warned.value("helpdesk_sla_due_clocks") == 0
    assert warned.value("helpdesk_sla_sweep_lag_seconds") == 0

    clock.advance(minutes=15)  # past 90 % and past due
    run_watched(app, sweep)
    breached = scrape(client)
    assert delta(breached, warned, "helpdesk_sla_alerts_total", kind="breach") == 1
    assert delta(breached, warned, "helpdesk_sla_alerts_total", kind="warning") == 1
    assert delta(breached, warned, "helpdesk_sla_swept_clocks_total") == 1
    first = {"target": "first_response"}
    assert breached.value("helpdesk_sla_open_clocks_breached", **first) == 1
    assert breached.value("helpdesk_sla_open_clocks_warned", **first) == 0
    # The sweep's own duration and heartbeat, from the scheduler's wrapper.
    job = {"job": "sla-sweep"}
    runs = "helpdesk_scheduler_job_duration_seconds_count"
    assert delta(breached, late, runs, **job) == 2
    ok = {"job": "sla-sweep", "outcome": "ok"}
    assert delta(breached, late, "helpdesk_scheduler_job_runs_total", **ok) == 2
    assert breached.value("helpdesk_scheduler_job_last_run_age_seconds", **job) == 0
    assert breached.value("helpdesk_scheduler_job_last_run_failed", **job) == 0


# --- the outbox and mail in -------------------------------------------------------


def test_outbox_backlog_and_delivery_failures(app, client, clock, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp.port)
    smtp.handler.refused = {"gone@example.test"}
    with app.app_context():
        for recipient in ("ann@example.test", "gone@example.test"):
            db.session.add(
                OutboxMessage(
                    channel=OutboxChannel.EMAIL,
                    recipient=recipient,
                    subject="Hello",
                    body="Hello.",
                    created_at=clock.now(),
                    next_attempt_at=clock.now(),
                )
            )
        db.session.commit()
    clock.advance(minutes=10)
    waiting = scrape(client)
    assert waiting.value("helpdesk_outbox_messages", state="pending") == 2
    assert waiting.value("helpdesk_outbox_oldest_pending_age_seconds") == 600

    deliver_outbox(app)
    after = scrape(client)

    deliveries = "helpdesk_outbox_deliveries_total"
    assert delta(after, waiting, deliveries, outcome="sent") == 1
    assert delta(after, waiting, deliveries, outcome="failed") == 1
    assert after.value("helpdesk_outbox_messages", state="pending") == 0
    assert after.value("helpdesk_outbox_messages", state="retrying") == 1
    assert after.value("helpdesk_outbox_oldest_pending_age_seconds") == 600


@pytest.fixture(scope="module")
def imap_server():
    server = ImapServer().start()
    yield server
    server.stop()


def test_mail_polled_from_the_mailbox_is_counted_by_outcome(
    app, client, given, imap_server, monkeypatch
):
    given(make_category, "access")
    imap_server.clear("INBOX")
    for key, value in imap_server.settings().items():
        monkeypatch.setitem(app.config, key, value)
    imap_server.append(corpus.plain(sender="Ann <ann@example.org>"))
    imap_server.append(corpus.auto_reply(sender="ann@example.org", ticket_number="x"))
    before = scrape(client)

    poll_job(app)
    after = scrape(client)

    ingested = "helpdesk_mail_ingested_total"
    assert delta(after, before, ingested, outcome="ticket_created") == 1
    assert delta(after, before, ingested, outcome="ignored") == 1


# --- the database -----------------------------------------------------------------


def test_database_errors_are_counted_by_kind(app, client):
    before = scrape(client)
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError):
            db.session.execute(sa.text("SELECT * FROM no_such_table"))
        db.session.rollback()
    with read_only_database(app):
        with app.app_context():
            db.engine.dispose()  # fresh connections see the read-only file
        assert client.get("/healthz").status_code == 503
        # Reading still works: the scrape has its figures.
        during = scrape(client)
    with app.app_context():
        db.engine.dispose()  # the scrape's connections were opened read-only
    assert delta(during, before, "helpdesk_database_errors_total", kind="other") == 1
    assert (
        delta(during, before, "helpdesk_database_errors_total", kind="read_only") >= 1
    )
    assert during.value("helpdesk_metrics_database_up") == 1


def test_a_database_that_cannot_be_opened_still_gets_its_counters_scraped(tmp_path):
    missing = tmp_path / "no such folder" / "helpdesk.sqlite3"
    app = create_app(
        TestingConfig, overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"}
    )
    client = app.test_client()

    figures = scrape(client)

    assert figures.value("helpdesk_metrics_database_up") == 0
    assert "helpdesk_tickets" not in figures.families
    assert figures.value("helpdesk_database_errors_total", kind="disconnected") >= 1
    with app.app_context():
        db.engine.dispose()


# --- who may read it ----------------------------------------------------------------


def outside(**headers):
    return {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}, "headers": headers}


def test_metrics_are_hidden_from_other_networks_and_behind_untrusted_proxies(client):
    assert client.get("/metrics", environ_base=LOOPBACK).status_code == 200
    assert client.get("/metrics", **outside()).status_code == 404
    proxied = client.get(
        "/metrics", environ_base=LOOPBACK, headers={"X-Forwarded-For": "203.0.113.7"}
    )
    assert proxied.status_code == 404


def test_the_configured_token_opens_metrics_from_anywhere(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-metrics-token")

    allowed = client.get(
        "/metrics", **outside(Authorization="Bearer s3cret-metrics-token")
    )
    wrong = client.get("/metrics", **outside(Authorization="Bearer guessed"))

    assert allowed.status_code == 200
    assert "helpdesk_tickets" in Scrape(allowed.get_data(as_text=True)).families
    assert wrong.status_code == 403
    assert "helpdesk_tickets" not in wrong.get_data(as_text=True)


def test_allowed_networks_replace_the_loopback_default(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", "203.0.113.0/24")

    assert client.get("/metrics", **outside()).status_code == 200
    assert client.get("/metrics", environ_base=LOOPBACK).status_code == 404


def test_a_network_that_is_none_is_refused_at_start():
    assert [str(n) for n in parse_networks("10.0.0.0/8, ::1")] == [
        "10.0.0.0/8",
        "::1/128",
    ]
    with pytest.raises(ValueError, match="'10.0.0.300/8'"):
        parse_networks("127.0.0.1,10.0.0.300/8")
