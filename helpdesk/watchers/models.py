"""The watchers table."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base
from helpdesk.models import Ticket, User


class TicketWatcher(Base):
    """``user`` follows ``ticket``; ``added_by`` is who added them (None: a
    Cc on the requester's mail, or a merge that carried them over)."""

    __tablename__ = "ticket_watchers"
    __table_args__ = (
        # Once per ticket; the ticket's list of watchers.
        sa.UniqueConstraint("ticket_id", "user_id"),
        # A watcher's portal list: the tickets they follow, newest first.
        sa.Index("ix_ticket_watchers_user_id_ticket_id", "user_id", "ticket_id"),
    )

    # Its own id: the API names one watcher with one path parameter.
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    added_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]

    # Declared so the unit of work writes a new ticket before this row
    # (helpdesk.ticket_ids: the ticket's id is known before it is written).
    ticket: Mapped[Ticket] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
