"""Delivering the outbox: claim the due messages under a lease, mark each one
"sending" before it goes out, send with no transaction open, record each
result on its own with a few short retries."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask

from helpdesk.clock import get_clock
from helpdesk.db import database_trouble
from helpdesk.extensions import db
from helpdesk.metrics.instruments import OUTBOX_DELIVERIES, count_outcomes
from helpdesk.outbox.models import OutboxMessage
from helpdesk.outbox.transports import Claimed, Mailer, send

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class DeliveryCounts:
    """What one delivery run did. ``failed`` will be retried; ``given_up``
    failed for the last allowed time and stays in the table with its error;
    ``unrecorded`` went to the server but its result could not be stored: it
    stays marked as sending and is never sent again."""

    sent: int = 0
    failed: int = 0
    given_up: int = 0
    unrecorded: int = 0


def deliver_due_messages(
    *, now: datetime, settings: Mapping[str, Any]
) -> DeliveryCounts:
    """Deliver the pending messages that are due at ``now`` (aware UTC).

    Sent at most once, retried until sent - by a lease on each row:

    1. Claim: one ``UPDATE ... SET next_attempt_at = now + OUTBOX_LEASE_SECONDS
       WHERE id IN (the first OUTBOX_BATCH due ids) RETURNING ...``, committed
       at once. On PostgreSQL the inner select is ``FOR UPDATE SKIP LOCKED``,
       so a second worker skips rows being claimed and, once the claim commits,
       no longer sees them as due. On SQLite the single statement runs under
       the one writer lock. The row lock lasts only for the claim: no network
       I/O happens while it is held.
    2. Mark the message as sending (``sending_at = now``, its own commit)
       just before it goes out; a message so marked is never claimed again.
       If even that mark cannot be written, nothing is sent and the rest of
       the batch is handed back.
    3. Send, with no transaction open: e-mail over one SMTP connection for the
       batch, webhooks with ``urllib``. Sending stops at half the lease (the
       rest is handed back), so the lease never runs out under a send.
    4. Record each result in its own short transaction, only if this worker
       still holds the lease (``next_attempt_at`` is still its lease instant):
       ``sent_at = now``, or ``attempts + 1``, ``last_error``, ``sending_at``
       cleared and a back-off of OUTBOX_RETRY_BASE_SECONDS * 2**(attempts - 1),
       capped at OUTBOX_RETRY_MAX_SECONDS. One message's failure never touches
       another's ``sent_at``. After OUTBOX_MAX_ATTEMPTS failures a message is
       no longer claimed; it stays with its error (nothing is deleted).

    Every write after the claim is retried on its own when the database is in
    trouble (locked, read-only, full): OUTBOX_RECORD_ATTEMPTS tries, waiting
    OUTBOX_RECORD_RETRY_SECONDS, doubled each time, in between. A result that
    still cannot be recorded leaves the message marked as sending: at most
    once, so a message the server accepted is never delivered twice, and the
    batch goes on with the next message. The price: such a message (or one
    whose process died between its mark and its record) is not retried even
    if the server had refused it; the log says ``outbox.unrecorded`` with its
    id, and the row keeps ``sending_at`` without ``sent_at``.
    The Message-ID ``<outbox-N@domain>`` / ``X-Outbox-Message-Id`` are derived
    from the row id so receivers can drop a duplicate from anywhere else.

    Commits (the claim and every result), so call it from a job with a fresh
    session inside an app context; ``settings`` is the app's config mapping.
    """
    lease_until = now + timedelta(seconds=settings["OUTBOX_LEASE_SECONDS"])
    claimed = _claim_due(now=now, lease_until=lease_until, settings=settings)
    if not claimed:
        return DeliveryCounts()
    log.info("outbox.claimed count=%s lease_until=%s", len(claimed), lease_until)
    # Elapsed real time, not domain time: the lease is measured in wall seconds.
    stop_at = time.monotonic() + settings["OUTBOX_LEASE_SECONDS"] / 2
    outcomes: Counter[str] = Counter()
    with Mailer(settings) as mailer:
        for position, message in enumerate(claimed):
            if time.monotonic() > stop_at:
                _release(
                    claimed[position:], now=now, lease_until=lease_until, s=settings
                )
                break
            outcome = _deliver_one(
                message, mailer=mailer, now=now, lease_until=lease_until, s=settings
            )
            if outcome == "unmarked":
                _release(
                    claimed[position:], now=now, lease_until=lease_until, s=settings
                )
                break
            outcomes[outcome] += 1
    return DeliveryCounts(
        sent=outcomes["sent"],
        failed=outcomes["failed"],
        given_up=outcomes["given_up"],
        unrecorded=outcomes["unrecorded"],
    )


def _deliver_one(
    message: Claimed,
    *,
    mailer: Mailer,
    now: datetime,
    lease_until: datetime,
    s: Mapping[str, Any],
) -> str:
    """Mark, send and record one message; the outcome's name."""
    try:
        marked = _retrying(lambda: _mark_sending(message, now, lease_until), s)
    except sa.exc.SQLAlchemyError:
        log.error("outbox.unmarked id=%s (not sent)", message.id, exc_info=True)
        return "unmarked"
    if not marked:
        log.warning("outbox.lease_lost id=%s (not sent)", message.id)
        return "lost"
    error = send(message, mailer=mailer, settings=s, now=now)
    try:
        if error is None:
            return _retrying(lambda: _record_sent(message, now, lease_until), s)
        return _retrying(
            lambda: _record_failure(message, error, now, lease_until, s), s
        )
    except sa.exc.SQLAlchemyError:
        # Marked as sending, so never claimed again: at most once.
        log.error(
            "outbox.unrecorded id=%s sent=%s error=%s (kept as sending, not resent)",
            message.id,
            error is None,
            error,
            exc_info=True,
        )
        return "unrecorded"


def _retrying(write: Callable[[], T], settings: Mapping[str, Any]) -> T:
    """Run ``write`` (it commits) again after a rollback while the database is
    in trouble, a bounded number of times with a doubling pause; a bug or
    the last failure is raised."""
    attempts = settings["OUTBOX_RECORD_ATTEMPTS"]
    pause = settings["OUTBOX_RECORD_RETRY_SECONDS"]
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except sa.exc.SQLAlchemyError as exc:
            db.session.rollback()
            if attempt == attempts or not database_trouble(exc):
                raise
            log.warning("outbox.write_retry attempt=%s error=%s", attempt, exc.orig)
        # Wall time on purpose: a lock is released in real seconds.
        time.sleep(pause * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _claim_due(
    *, now: datetime, lease_until: datetime, settings: Mapping[str, Any]
) -> list[Claimed]:
    due = (
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts < settings["OUTBOX_MAX_ATTEMPTS"],
            # Marked as sending by an earlier run that could not record its
            # result: the server may have it already.
            OutboxMessage.sending_at.is_(None),
            # Withdrawn by an undo before it was due.
            OutboxMessage.cancelled_at.is_(None),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(settings["OUTBOX_BATCH"])
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # A CTE, not a plain ``IN (subquery)``: PostgreSQL may rescan a locking
    # subquery once per updated row, and each rescan skips the rows already
    # taken and returns the next ones, so LIMIT would no longer bound the batch.
    # A CTE with FOR UPDATE is always evaluated once.
    due_ids = due.cte("due_outbox_messages")
    claim = (
        sa.update(OutboxMessage)
        # Repeating the conditions keeps the claim correct whatever the CTE
        # saw: a row sent or re-leased meanwhile is not taken.
        .where(
            OutboxMessage.id.in_(sa.select(due_ids.c.id)),
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.sending_at.is_(None),
            OutboxMessage.cancelled_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=lease_until)
        .returning(
            OutboxMessage.id,
            OutboxMessage.channel,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.payload,
            OutboxMessage.attempts,
            OutboxMessage.html,
            OutboxMessage.ticket_id,
        )
        .execution_options(synchronize_session=False)
    )
    rows = db.session.execute(claim).all()
    db.session.commit()
    # RETURNING gives no order; deliver the oldest first.
    return sorted((Claimed(*row) for row in rows), key=lambda m: m.id)


def _still_leased(message: Claimed, lease_until: datetime) -> sa.Update:
    # The table, not the model: no object of it is in the session, and the
    # ORM's bulk UPDATE cost as much again as the statement (two a message).
    return sa.update(OutboxMessage.__table__).where(
        OutboxMessage.id == message.id,
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.next_attempt_at == lease_until,
        # An undo that won the race against this claim: the message stays unsent.
        OutboxMessage.cancelled_at.is_(None),
    )


def _mark_sending(message: Claimed, now: datetime, lease_until: datetime) -> bool:
    result = db.session.execute(
        _still_leased(message, lease_until)
        .where(OutboxMessage.sending_at.is_(None))
        .values(sending_at=now)
    )
    db.session.commit()
    return result.rowcount == 1


def _record_sent(message: Claimed, now: datetime, lease_until: datetime) -> str:
    result = db.session.execute(
        _still_leased(message, lease_until).values(sent_at=now, last_error=None)
    )
    db.session.commit()
    if result.rowcount != 1:
        # Only if a send outlived its lease and another worker re-claimed it.
        log.warning("outbox.lease_lost id=%s (sent; result not recorded)", message.id)
        return "lost"
    log.info("outbox.sent id=%s channel=%s", message.id, message.channel)
    return "sent"


def _record_failure(
    message: Claimed,
    error: str,
    now: datetime,
    lease_until: datetime,
    settings: Mapping[str, Any],
) -> str:
    """Store a failed attempt and schedule the retry (exponential back-off)."""
    attempts = message.attempts + 1
    delay = min(
        settings["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1),
        settings["OUTBOX_RETRY_MAX_SECONDS"],
    )
    retry_at = now + timedelta(seconds=delay)
    result = db.session.execute(
        _still_leased(message, lease_until).values(
            attempts=attempts,
            last_error=error,
            next_attempt_at=retry_at,
            sending_at=None,
        )
    )
    db.session.commit()
    if result.rowcount != 1:
        log.warning("outbox.lease_lost id=%s (failed; not recorded)", message.id)
        return "lost"
    if attempts >= settings["OUTBOX_MAX_ATTEMPTS"]:
        log.error(
            "outbox.given_up id=%s attempts=%s error=%s", message.id, attempts, error
        )
        return "given_up"
    log.warning(
        "outbox.failed id=%s attempts=%s retry_at=%s error=%s",
        message.id,
        attempts,
        retry_at.isoformat(),
        error,
    )
    return "failed"


def _release(
    messages: list[Claimed],
    *,
    now: datetime,
    lease_until: datetime,
    s: Mapping[str, Any],
) -> None:
    """Hand unsent claims back before the lease runs out; no attempt counted.
    If even that cannot be written they come back when the lease ends."""
    ids = [m.id for m in messages]

    def write() -> None:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.sending_at.is_(None),
                OutboxMessage.next_attempt_at == lease_until,
            )
            .values(next_attempt_at=now)
        )
        db.session.commit()

    try:
        _retrying(write, s)
    except sa.exc.SQLAlchemyError:
        log.error("outbox.release_failed count=%s first_id=%s", len(ids), ids[0])
        return
    log.warning("outbox.released count=%s first_id=%s", len(ids), ids[0])


def deliver_outbox(app: Flask) -> DeliveryCounts:
    """The scheduler's job: send the notifications that are due, batch after
    batch while whole batches go out - one batch a run let mail pile up as
    soon as more than OUTBOX_BATCH were queued per interval (a hundred every
    30 s, against 150 tickets a second) - for at most half a job interval
    (the next run goes on, never skipped for this one still running). A
    batch with a failure ends the run: the server is in trouble, and the
    failed messages wait for their back-off anyway."""
    with app.app_context():
        counts = DeliveryCounts()
        batch = app.config["OUTBOX_BATCH"]
        run_ends = time.monotonic() + app.config["OUTBOX_DELIVERY_SECONDS"] / 2
        while True:
            done = deliver_due_messages(now=get_clock().now(), settings=app.config)
            counts = DeliveryCounts(
                **{k: v + getattr(done, k) for k, v in asdict(counts).items()}
            )
            if done.sent < batch or time.monotonic() > run_ends:
                break
        count_outcomes(OUTBOX_DELIVERIES, asdict(counts))
        log.info(
            "outbox.deliver sent=%s failed=%s given_up=%s unrecorded=%s",
            counts.sent,
            counts.failed,
            counts.given_up,
            counts.unrecorded,
        )
        return counts
