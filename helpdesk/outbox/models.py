"""The notification outbox's table: messages written in the transaction of
the change that caused them, delivered after commit with retries."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base, str_enum

if TYPE_CHECKING:
    from helpdesk.models import Ticket


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
    # The HTML alternative of an e-mail's plain-text body, when it has one.
    html: Mapped[str | None] = mapped_column(sa.Text)
    # The ticket an e-mail is about: its mails thread together in mail clients,
    # and replies to them find their way back.
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    # Declared so the unit of work writes a new ticket before this row
    # (helpdesk.ticket_ids: the ticket's id is known before it is written).
    ticket: Mapped[Ticket | None] = relationship()
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    # Set, in its own commit, just before the message goes to the server: a
    # message with ``sending_at`` but no ``sent_at`` may have been accepted
    # (its result could not be recorded), so it is never claimed again.
    sending_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # Caused by an undoable operation (helpdesk.undo): held until its undo
    # window ends (``next_attempt_at`` is its not-before), and cancelled,
    # never sent, when the operation is undone in time.
    undo_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("undo_actions.id", ondelete="SET NULL"), index=True
    )
    cancelled_at: Mapped[datetime | None]
