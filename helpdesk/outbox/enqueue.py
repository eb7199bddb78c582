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
