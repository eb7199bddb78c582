"""The notification outbox: messages written in the transaction of the change
that caused them, delivered after commit with retries.

A mail server that is down delays mail but loses nothing: a message stays
here until a delivery succeeds.
"""

from __future__ import annotations

import enum
import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base, str_enum
from helpdesk.extensions import db

log = logging.getLogger(__name__)


class OutboxChannel(enum.StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        # Delivery reads only pending messages that are due.
        sa.Index("ix_outbox_messages_pending", "sent_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[OutboxChannel] = mapped_column(
        str_enum(OutboxChannel, "outbox_channel")
    )
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)


def enqueue(
    *,
    channel: OutboxChannel,
    recipient: str,
    subject: str,
    body: str,
    now: datetime,
    payload: dict | None = None,
) -> OutboxMessage:
    """Queue one message; it is delivered only if the caller's transaction commits."""
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=subject[:255],
        body=body,
        payload=payload or {},
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(message)
    return message


# --- Delivery ---------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryCounts:
    """What one delivery run did. ``failed`` will be retried; ``given_up``
    failed for the last allowed time and stays in the table with its error."""

    sent: int = 0
    failed: int = 0
    given_up: int = 0


@dataclass(frozen=True)
class _Claimed:
    """A claimed message as plain data, so sending needs no database."""

    id: int
    channel: OutboxChannel
    recipient: str
    subject: str
    body: str
    payload: dict
    attempts: int


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
    2. Send, with no transaction open: e-mail over one SMTP connection for the
       batch, webhooks with ``urllib``. Sending stops at half the lease (the
       rest is handed back), so the lease never runs out under a send.
    3. Record each result in its own short transaction, only if this worker
       still holds the lease (``next_attempt_at`` is still its lease instant):
       ``sent_at = now``, or ``attempts + 1``, ``last_error`` and a back-off of
       OUTBOX_RETRY_BASE_SECONDS * 2**(attempts - 1), capped at
       OUTBOX_RETRY_MAX_SECONDS. One message's failure never touches another's
       ``sent_at``. After OUTBOX_MAX_ATTEMPTS failures a message is no longer
       claimed; it stays with its error (nothing is deleted).

    The one gap no outbox closes: if the process dies after the server
    accepted a message but before ``sent_at`` committed, the message is sent
    again when the lease expires. The Message-ID / ``X-Outbox-Message-Id`` are
    derived from the row id so receivers can drop such a duplicate.

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
    with _Mailer(settings) as mailer:
        for position, message in enumerate(claimed):
            if time.monotonic() > stop_at:
                _release(claimed[position:], now=now, lease_until=lease_until)
                break
            error = _send(message, mailer=mailer, settings=settings, now=now)
            outcomes[
                _record_sent(message, now=now, lease_until=lease_until)
                if error is None
                else _record_failure(
                    message, error, now=now, lease_until=lease_until, settings=settings
                )
            ] += 1
    return DeliveryCounts(
        sent=outcomes["sent"], failed=outcomes["failed"], given_up=outcomes["given_up"]
    )


def _claim_due(
    *, now: datetime, lease_until: datetime, settings: Mapping[str, Any]
) -> list[_Claimed]:
    due = (
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts < settings["OUTBOX_MAX_ATTEMPTS"],
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
        )
        .execution_options(synchronize_session=False)
    )
    rows = db.session.execute(claim).all()
    db.session.commit()
    # RETURNING gives no order; deliver the oldest first.
    return sorted((_Claimed(*row) for row in rows), key=lambda m: m.id)


def _still_leased(message: _Claimed, lease_until: datetime) -> sa.Update:
    return sa.update(OutboxMessage).where(
        OutboxMessage.id == message.id,
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.next_attempt_at == lease_until,
    )


def _record_sent(message: _Claimed, *, now: datetime, lease_until: datetime) -> str:
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
    message: _Claimed,
    error: str,
    *,
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
            attempts=attempts, last_error=error, next_attempt_at=retry_at
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


def _release(messages: list[_Claimed], *, now: datetime, lease_until: datetime) -> None:
    """Hand unsent claims back before the lease runs out; no attempt counted."""
    ids = [m.id for m in messages]
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at == lease_until,
        )
        .values(next_attempt_at=now)
    )
    db.session.commit()
    log.warning("outbox.released count=%s first_id=%s", len(ids), ids[0])


def _send(
    message: _Claimed, *, mailer: _Mailer, settings: Mapping[str, Any], now: datetime
) -> str | None:
    """Send one message; the error text on failure, None on success."""
    try:
        if message.channel == OutboxChannel.EMAIL:
            mailer.send(_email(message, settings=settings, now=now))
        elif message.channel == OutboxChannel.WEBHOOK:
            _post_webhook(message, timeout=settings["WEBHOOK_TIMEOUT_SECONDS"])
        else:
            raise ValueError(f"unknown channel {message.channel!r}")
    # Broad on purpose, per message: a message that fails in an unforeseen way
    # must count as a failed attempt (and be given up in the end), not abort
    # the batch on every run.
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:2000]
    return None


def _email(
    message: _Claimed, *, settings: Mapping[str, Any], now: datetime
) -> EmailMessage:
    mail_from = settings["MAIL_FROM"]
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.recipient
    # A header may not hold a line break; subjects come from user input.
    email["Subject"] = " ".join(message.subject.split())
    email["Date"] = format_datetime(now)
    # Stable per row, so a receiver can drop the resend after a crash.
    domain = mail_from.rpartition("@")[2] or "localhost"
    email["Message-ID"] = f"<outbox-{message.id}@{domain}>"
    email.set_content(message.body, charset="utf-8")
    return email


def _post_webhook(message: _Claimed, *, timeout: float) -> None:
    url = message.recipient
    # urllib also opens file:// and ftp:// URLs; a webhook is HTTP only.
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"not an http(s) URL: {url!r}")
    data = {**message.payload, "subject": message.subject, "body": message.body}
    request = urllib.request.Request(
        url,
        data=json.dumps(data, ensure_ascii=False).encode("utf-8"),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Outbox-Message-Id": str(message.id),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        # Any status >= 400 is a failed attempt; close the response it holds.
        exc.close()
        raise


class _Mailer:
    """One SMTP connection for a batch, opened on the first e-mail.

    If the server cannot be reached, the rest of the batch fails with the same
    error at once instead of waiting for a connect timeout per message.
    """

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: Exception | None = None

    def __enter__(self) -> _Mailer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def send(self, email: EmailMessage) -> None:
        smtp = self._connection()
        try:
            smtp.send_message(email)
        except (smtplib.SMTPServerDisconnected, OSError):
            # The connection is gone; the next message reconnects.
            self._close()
            raise

    def _connection(self) -> smtplib.SMTP:
        if self._unreachable is not None:
            raise self._unreachable
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except (smtplib.SMTPException, OSError) as exc:
                self._unreachable = exc
                raise
        return self._smtp

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        smtp = smtplib.SMTP(
            s["SMTP_HOST"], s["SMTP_PORT"], timeout=s["SMTP_TIMEOUT_SECONDS"]
        )
        try:
            if s["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if s.get("SMTP_USERNAME"):
                smtp.login(s["SMTP_USERNAME"], s.get("SMTP_PASSWORD") or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _close(self) -> None:
        if self._smtp is None:
            return
        smtp, self._smtp = self._smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
