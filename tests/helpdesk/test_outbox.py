"""Outbox delivery against a real SMTP server (aiosmtpd) and a real HTTP
server, both on loopback. Time moves with the FrozenClock, never by sleeping."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.outbox import (
    DeliveryCounts,
    OutboxChannel,
    OutboxMessage,
    deliver_due_messages,
    deliver_outbox,
    enqueue,
)


@pytest.fixture
def settings(app, smtp):
    return {**app.config, "SMTP_PORT": smtp.port}


class WebhookReceiver(BaseHTTPRequestHandler):
    """Answers each POST with the next status in ``server.statuses``."""

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.requests.append(
            (self.path, dict(self.headers), self.rfile.read(length))
        )
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture
def webhook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), WebhookReceiver)
    server.requests = []
    server.statuses = []
    # A short poll: shutdown() waits for the loop to look, 0.5 s by default.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def queue_email(clock, *, subject="SLA warning", body="Ticket HD-000001", to=None):
    message = enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=to or "agent@example.test",
        subject=subject,
        body=body,
        now=clock.now(),
    )
    db.session.commit()
    return message.id


def stored(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_queued_email_is_delivered_once_and_a_second_run_sends_nothing(
    ctx, clock, smtp, settings
):
    message_id = queue_email(clock)

    first = deliver_due_messages(now=clock.now(), settings=settings)
    clock.advance(hours=2)
    second = deliver_due_messages(now=clock.now(), settings=settings)

    assert first == DeliveryCounts(sent=1)
    assert second == DeliveryCounts()
    [received] = smtp.handler.messages()
    assert received["To"] == "agent@example.test"
    assert received["From"] == settings["MAIL_FROM"]
    assert received["Message-ID"] == f"<outbox-{message_id}@example.test>"
    assert smtp.handler.envelopes[0].rcpt_tos == ["agent@example.test"]
    row = stored(message_id)
    assert row.sent_at == clock.now() - timedelta(hours=2)
    assert row.attempts == 0 and row.last_error is None


def test_one_connection_delivers_a_batch_oldest_first(ctx, clock, smtp, settings):
    ids = [queue_email(clock, subject=f"Alert {n}") for n in range(3)]

    counts = deliver_due_messages(now=clock.now(), settings=settings)

    assert counts == DeliveryCounts(sent=3)
    assert [m["Subject"] for m in smtp.handler.messages()] == [
        "Alert 0",
        "Alert 1",
        "Alert 2",
    ]
    assert all(stored(i).sent_at is not None for i in ids)


def test_batch_size_limits_one_run(ctx, clock, smtp, settings):
    for n in range(3):
        queue_email(clock, subject=f"Alert {n}")

    first = deliver_due_messages(
        now=clock.now(), settings=settings | {"OUTBOX_BATCH": 2}
    )
    second = deliver_due_messages(
        now=clock.now(), settings=settings | {"OUTBOX_BATCH": 2}
    )

    assert (first.sent, second.sent) == (2, 1)


def test_a_job_run_sends_batch_after_batch_until_none_is_due(
    app, ctx, clock, smtp, monkeypatch
):
    for n in range(5):
        queue_email(clock, subject=f"Alert {n}")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp.port)
    monkeypatch.setitem(app.config, "OUTBOX_BATCH", 2)

    counts = deliver_outbox(app)

    assert counts == DeliveryCounts(sent=5)
    assert len(smtp.handler.messages()) == 5


def test_a_job_run_stops_at_the_first_batch_that_fails(
    app, ctx, clock, smtp, monkeypatch
):
    for n in range(5):
        queue_email(clock, subject=f"Alert {n}")
    smtp.stop()  # the server is down: nothing goes out
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp.port)
    monkeypatch.setitem(app.config, "OUTBOX_BATCH", 2)

    counts = deliver_outbox(app)

    assert counts == DeliveryCounts(failed=2)


def test_message_queued_in_a_rolled_back_transaction_is_never_sent(
    ctx, clock, smtp, settings
):
    enqueue(
        channel=OutboxChannel.EMAIL,
        recipient="agent@example.test",
        subject="Ticket created",
        body="…",
        now=clock.now(),
    )
    db.session.rollback()

    counts = deliver_due_messages(now=clock.now(), settings=settings)

    assert counts == DeliveryCounts()
    assert smtp.handler.envelopes == []
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_smtp_down_delays_the_message_with_back_off_then_delivers_it_once(
    ctx, clock, smtp, settings
):
    smtp.stop()  # nothing listens on the port now
    message_id = queue_email(clock)
    queued_at = clock.now()

    failed = deliver_due_messages(now=clock.now(), settings=settings)

    assert failed == DeliveryCounts(failed=1)
    row = stored(message_id)
    assert row.sent_at is None
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    retry_at = queued_at + timedelta(seconds=settings["OUTBOX_RETRY_BASE_SECONDS"])
    assert row.next_attempt_at == retry_at

    smtp.start()
    clock.advance(seconds=settings["OUTBOX_RETRY_BASE_SECONDS"] - 1)
    assert deliver_due_messages(now=clock.now(), settings=settings) == DeliveryCounts()
    assert smtp.handler.envelopes == []

    clock.set(retry_at)
    assert deliver_due_messages(now=clock.now(), settings=settings).sent == 1
    clock.advance(hours=1)
    assert deliver_due_messages(now=clock.now(), settings=settings) == DeliveryCounts()
    assert len(smtp.handler.envelopes) == 1
    assert stored(message_id).sent_at == retry_at


def test_back_off_doubles_and_is_capped(ctx, clock, smtp, settings):
    smtp.stop()
    message_id = queue_email(clock)
    base = settings["OUTBOX_RETRY_BASE_SECONDS"]
    delays = []
    for _ in range(9):
        deliver_due_messages(now=clock.now(), settings=settings)
        retry_at = stored(message_id).next_attempt_at
        delays.append((retry_at - clock.now()).total_seconds())
        clock.set(retry_at)

    assert delays == [min(base * 2**n, 3600) for n in range(9)]
    assert delays[-1] == 3600


def test_message_is_given_up_after_max_attempts_and_kept(ctx, clock, smtp, settings):
    settings = settings | {"OUTBOX_MAX_ATTEMPTS": 3}
    smtp.stop()
    message_id = queue_email(clock)

    runs = []
    for _ in range(3):
        runs.append(deliver_due_messages(now=clock.now(), settings=settings))
        clock.advance(hours=1)
    smtp.start()
    clock.advance(days=1)
    after = deliver_due_messages(now=clock.now(), settings=settings)

    assert runs == [
        DeliveryCounts(failed=1),
        DeliveryCounts(failed=1),
        DeliveryCounts(given_up=1),
    ]
    assert after == DeliveryCounts()
    assert smtp.handler.envelopes == []
    row = stored(message_id)
    assert row.attempts == 3
    assert row.sent_at is None
    assert "ConnectionRefusedError" in row.last_error


def test_one_failing_message_does_not_undo_another_ones_delivery(
    ctx, clock, smtp, settings
):
    smtp.handler.refused = {"gone@example.test"}
    good = queue_email(clock, to="agent@example.test")
    bad = queue_email(clock, to="gone@example.test")
    also_good = queue_email(clock, to="lead@example.test")

    counts = deliver_due_messages(now=clock.now(), settings=settings)

    assert counts == DeliveryCounts(sent=2, failed=1)
    assert stored(good).sent_at is not None
    assert stored(also_good).sent_at is not None
    assert stored(bad).sent_at is None and stored(bad).attempts == 1
    assert "No such user" in stored(bad).last_error
    assert [e.rcpt_tos for e in smtp.handler.envelopes] == [
        ["agent@example.test"],
        ["lead@example.test"],
    ]


def test_russian_subject_and_body_arrive_intact(ctx, clock, smtp, settings):
    subject = "Нарушение SLA: заявка HD-000042 «Не печатает принтер»"
    body = "Срок первого ответа истёк.\nОтветьте клиенту — он ждёт с 09:00.\n"
    queue_email(clock, subject=subject, body=body)

    deliver_due_messages(now=clock.now(), settings=settings)

    [received] = smtp.handler.messages()
    assert received["Subject"] == subject
    # SMTP carries CRLF line ends; the text itself must be unchanged.
    assert received.get_content().replace("\r\n", "\n") == body
    assert received.get_content_charset() == "utf-8"


def test_subject_with_a_line_break_cannot_inject_headers(ctx, clock, smtp, settings):
    queue_email(clock, subject="Hello\r\nBcc: victim@example.test")

    assert deliver_due_messages(now=clock.now(), settings=settings).sent == 1

    [received] = smtp.handler.messages()
    assert received["Bcc"] is None
    assert received["Subject"] == "Hello Bcc: victim@example.test"
    assert smtp.handler.envelopes[0].rcpt_tos == ["agent@example.test"]


def test_webhook_posts_the_json_payload(ctx, clock, settings, webhook):
    url = f"http://127.0.0.1:{webhook.server_port}/hooks/sla"
    message = enqueue(
        channel=OutboxChannel.WEBHOOK,
        recipient=url,
        subject="Нарушение SLA",
        body="HD-000042",
        payload={"event": "sla.breach", "ticket": "HD-000042"},
        now=clock.now(),
    )
    db.session.commit()

    counts = deliver_due_messages(now=clock.now(), settings=settings)

    assert counts == DeliveryCounts(sent=1)
    [(path, headers, raw)] = webhook.requests
    assert path == "/hooks/sla"
    assert headers["Content-Type"].startswith("application/json")
    assert headers["X-Outbox-Message-Id"] == str(message.id)
    assert json.loads(raw) == {
        "event": "sla.breach",
        "ticket": "HD-000042",
        "subject": "Нарушение SLA",
        "body": "HD-000042",
    }


def test_webhook_answering_500_is_a_failure_and_is_retried(
    ctx, clock, settings, webhook
):
    webhook.statuses = [500]
    message = enqueue(
        channel=OutboxChannel.WEBHOOK,
        recipient=f"http://127.0.0.1:{webhook.server_port}/hook",
        subject="SLA warning",
        body="HD-000001",
        now=clock.now(),
    )
    db.session.commit()

    first = deliver_due_messages(now=clock.now(), settings=settings)
    row = stored(message.id)
    assert first == DeliveryCounts(failed=1)
    assert row.attempts == 1 and row.sent_at is None
    assert "500" in row.last_error

    clock.set(row.next_attempt_at)
    second = deliver_due_messages(now=clock.now(), settings=settings)

    assert second == DeliveryCounts(sent=1)
    assert len(webhook.requests) == 2
    assert stored(message.id).sent_at == clock.now()


def test_webhook_refuses_non_http_urls(ctx, clock, settings, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not post me")
    message = enqueue(
        channel=OutboxChannel.WEBHOOK,
        recipient=secret.as_uri(),
        subject="x",
        body="y",
        now=clock.now(),
    )
    db.session.commit()

    assert deliver_due_messages(now=clock.now(), settings=settings).failed == 1
    assert "not an http(s) URL" in stored(message.id).last_error


def test_a_claimed_message_is_not_claimed_again_while_its_lease_runs(
    ctx, clock, smtp, settings
):
    """What a second worker sees while the first one is sending: the claim
    moved next_attempt_at a lease ahead, so the row is not due for it."""
    from helpdesk.outbox.delivery import _claim_due

    message_id = queue_email(clock)
    lease_until = clock.now() + timedelta(seconds=settings["OUTBOX_LEASE_SECONDS"])

    claimed = _claim_due(now=clock.now(), lease_until=lease_until, settings=settings)
    clock.advance(seconds=settings["OUTBOX_LEASE_SECONDS"] - 1)
    other_worker = deliver_due_messages(now=clock.now(), settings=settings)

    assert [m.id for m in claimed] == [message_id]
    assert other_worker == DeliveryCounts()
    assert smtp.handler.envelopes == []
    # A worker that died holding the claim: the message goes out after the lease.
    clock.set(lease_until)
    assert deliver_due_messages(now=clock.now(), settings=settings).sent == 1


def test_a_message_locked_by_another_worker_is_skipped_not_waited_for(
    ctx, clock, smtp, settings
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers")
    locked_id = queue_email(clock, subject="Being claimed elsewhere")
    free_id = queue_email(clock, subject="Free")

    with db.engine.connect() as other_worker:
        other_worker.execute(
            sa.select(OutboxMessage.id)
            .where(OutboxMessage.id == locked_id)
            .with_for_update()
        )
        counts = deliver_due_messages(now=clock.now(), settings=settings)
        other_worker.rollback()

    assert counts == DeliveryCounts(sent=1)
    assert [m["Subject"] for m in smtp.handler.messages()] == ["Free"]
    assert stored(free_id).sent_at is not None
    assert stored(locked_id).sent_at is None


def test_a_message_is_not_sent_before_its_not_before(ctx, clock, smtp, settings):
    enqueue(
        channel=OutboxChannel.EMAIL,
        recipient="customer@example.test",
        subject="Your reply",
        body="Held for undo.",
        now=clock.now(),
        not_before=clock.now() + timedelta(seconds=10),
    )
    db.session.commit()

    early = deliver_due_messages(
        now=clock.now() + timedelta(seconds=9), settings=settings
    )
    on_time = deliver_due_messages(
        now=clock.now() + timedelta(seconds=10), settings=settings
    )

    assert (early.sent, on_time.sent) == (0, 1)


def test_a_cancelled_message_is_never_sent_not_even_from_a_claim_it_lost(
    ctx, clock, smtp, settings
):
    """An undo that withdraws a message a worker has just claimed wins: the
    worker's "sending" mark finds it cancelled and sends nothing."""
    from helpdesk.outbox.delivery import _claim_due

    cancelled = queue_email(clock, to="first@example.test")
    claimed_then_cancelled = queue_email(clock, to="second@example.test")
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == cancelled)
        .values(cancelled_at=clock.now())
    )
    db.session.commit()
    lease_until = clock.now() + timedelta(seconds=settings["OUTBOX_LEASE_SECONDS"])
    claimed = _claim_due(now=clock.now(), lease_until=lease_until, settings=settings)
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == claimed_then_cancelled)
        .values(cancelled_at=clock.now())
    )
    db.session.commit()
    clock.set(lease_until)

    later = deliver_due_messages(now=clock.now(), settings=settings)

    assert [m.id for m in claimed] == [claimed_then_cancelled]
    assert later == DeliveryCounts()
    assert smtp.handler.envelopes == []
