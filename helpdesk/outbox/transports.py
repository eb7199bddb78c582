"""Sending one claimed message: e-mail over SMTP, webhooks over HTTP.

No database here: delivery hands over plain data and records the result.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from helpdesk.models import format_ticket_number
from helpdesk.outbox.models import OutboxChannel


@dataclass(frozen=True)
class Claimed:
    """A claimed message as plain data, so sending needs no database."""

    id: int
    channel: OutboxChannel
    recipient: str
    subject: str
    body: str
    payload: dict
    attempts: int
    html: str | None = None
    ticket_id: int | None = None


def send(
    message: Claimed, *, mailer: Mailer, settings: Mapping[str, Any], now: datetime
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
    message: Claimed, *, settings: Mapping[str, Any], now: datetime
) -> EmailMessage:
    mail_from = settings["MAIL_FROM"]
    domain = mail_domain(settings)
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.recipient
    # A header may not hold a line break; subjects come from user input.
    email["Subject"] = " ".join(message.subject.split())
    email["Date"] = format_datetime(now)
    # Stable per row, so a receiver can drop the resend after a crash.
    email["Message-ID"] = f"<outbox-{message.id}@{domain}>"
    # RFC 3834: other robots (vacation replies...) must not answer a robot.
    email["Auto-Submitted"] = "auto-generated"
    if message.ticket_id is not None:
        _thread(email, message.ticket_id, settings)
    email.set_content(message.body, charset="utf-8")
    if message.html:
        email.add_alternative(message.html, subtype="html", charset="utf-8")
    return email


def mail_domain(settings: Mapping[str, Any]) -> str:
    """The domain of our own Message-IDs and reply addresses."""
    return parseaddr(settings["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"


def ticket_thread_id(ticket_id: int, settings: Mapping[str, Any]) -> str:
    """The Message-ID every mail about one ticket refers to, so mail clients
    show them as one conversation and replies find the ticket."""
    return f"<ticket-{ticket_id}@{mail_domain(settings)}>"


def ticket_reply_address(ticket_id: int, settings: Mapping[str, Any]) -> str:
    """``support+HD-000123@example.com``: a reply to it lands on the ticket."""
    address = parseaddr(settings.get("MAIL_REPLY_TO") or settings["MAIL_FROM"])[1]
    local, _, domain = address.rpartition("@")
    return f"{local}+{format_ticket_number(ticket_id)}@{domain}"


def _thread(email: EmailMessage, ticket_id: int, settings: Mapping[str, Any]) -> None:
    thread = ticket_thread_id(ticket_id, settings)
    email["In-Reply-To"] = thread
    email["References"] = thread
    email["Reply-To"] = ticket_reply_address(ticket_id, settings)


def _post_webhook(message: Claimed, *, timeout: float) -> None:
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


class Mailer:
    """One SMTP connection for a batch, opened on the first e-mail.

    If the server cannot be reached, the rest of the batch fails with the same
    error at once instead of waiting for a connect timeout per message.
    """

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: Exception | None = None

    def __enter__(self) -> Mailer:
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
