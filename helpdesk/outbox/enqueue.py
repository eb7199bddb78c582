"""Queueing a message: the one way code sends mail or webhooks."""

from __future__ import annotations

from datetime import datetime

from helpdesk.extensions import db
from helpdesk.outbox.models import OutboxChannel, OutboxMessage


def enqueue(
    *,
    channel: OutboxChannel,
    recipient: str,
    subject: str,
    body: str,
    now: datetime,
    payload: dict | None = None,
    html: str | None = None,
    ticket_id: int | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Queue one message; it is delivered only if the caller's transaction commits,
    and never before ``not_before`` (default: at once).

    A recipient holding a line break is refused (ValueError), never sent: in a
    header it would let a value add headers of its own. The subject is folded
    onto one line."""
    if "\r" in recipient or "\n" in recipient:
        raise ValueError(f"line break in the recipient {recipient!r}")
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=" ".join(subject.split())[:255],
        body=body,
        html=html,
        ticket_id=ticket_id,
        payload=payload or {},
        created_at=now,
        # Delivery claims only messages whose next attempt is due.
        next_attempt_at=max(now, not_before) if not_before else now,
    )
    db.session.add(message)
    return message
