"""The notification outbox: messages written in the transaction of the change
that caused them, delivered after commit with retries.

A mail server that is down delays mail but loses nothing: a message stays
here until a delivery succeeds. ``models`` holds the table, ``enqueue`` the
one way to send, ``delivery`` the scheduler's job, ``transports`` SMTP and
webhooks.
"""

from helpdesk.outbox.delivery import (
    DeliveryCounts,
    deliver_due_messages,
    deliver_outbox,
)
from helpdesk.outbox.enqueue import enqueue
from helpdesk.outbox.models import OutboxChannel, OutboxMessage

__all__ = [
    "DeliveryCounts",
    "OutboxChannel",
    "OutboxMessage",
    "deliver_due_messages",
    "deliver_outbox",
    "enqueue",
]
