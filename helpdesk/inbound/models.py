"""Mail-in tables: every message ever handled (so none is ingested twice) and
the quarantine of messages that could not be. (The people copied on a
ticket's mail are its watchers: ``helpdesk.watchers``.)"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base, str_enum

if TYPE_CHECKING:
    from helpdesk.models import Ticket


class Outcome(enum.StrEnum):
    """What became of one inbound message."""

    TICKET_CREATED = "ticket_created"
    COMMENT_ADDED = "comment_added"
    IGNORED = "ignored"  # an auto-reply, a bounce, list traffic, our own mail
    REFUSED = "refused"  # an unknown sender; told so politely
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"  # never stored: the first copy's row stands


class QuarantineReason(enum.StrEnum):
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    FAILED = "failed"  # well-formed, but storing it failed (see the detail)


class InboundMessage(Base):
    """One message that was ingested or deliberately ignored or refused,
    keyed by its Message-ID (or, without one, by its bytes): a second copy
    finds the key taken and is dropped. Written in the transaction of the
    ticket or comment it produced, so both exist or neither does."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        # "Did we refuse this address lately?" (one refusal mail a day at most).
        sa.Index("ix_inbound_messages_sender_received_at", "sender", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the Message-ID: Message-IDs may be longer than an index allows.
    message_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(sa.Text)
    sender: Mapped[str] = mapped_column(sa.String(254))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "inbound_outcome"))
    # Why it was ignored or refused (``auto-submitted``, ``loop``, ...).
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    # Declared so the unit of work writes a new ticket before this row
    # (helpdesk.ticket_ids: the ticket's id is known before it is written).
    ticket: Mapped[Ticket | None] = relationship()
    received_at: Mapped[datetime]


class QuarantinedMessage(Base):
    """A message that could not be ingested, kept as received for an admin.

    An oversized message keeps only its header block (``truncated``): the
    whole of it would be as large as the limit it broke.
    """

    __tablename__ = "inbound_quarantine"
    __table_args__ = (
        # The admin's list: newest first, keyset-paginated on (received_at, id).
        sa.Index("ix_inbound_quarantine_received_at_id", "received_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[QuarantineReason] = mapped_column(
        str_enum(QuarantineReason, "quarantine_reason")
    )
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    sender: Mapped[str | None] = mapped_column(sa.String(254))
    subject: Mapped[str | None] = mapped_column(sa.String(255))
    message_id: Mapped[str | None] = mapped_column(sa.Text)
    size_bytes: Mapped[int]
    truncated: Mapped[bool] = mapped_column(default=False)
    # Deferred: the list never pulls the messages themselves.
    raw: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    received_at: Mapped[datetime]
