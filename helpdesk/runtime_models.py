"""Tables the app keeps for its own running rather than as the helpdesk's
records: the reference-cache stamps, the ticket id counter and who has a
ticket's page open."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base
from helpdesk.models import User


class CacheStamp(Base):
    """The version of the reference data each process caches (policies,
    calendars, rules, categories, agents): a fresh random value is written in
    the transaction of every change to them (``helpdesk.refcache``)."""

    __tablename__ = "cache_stamps"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(32))


class IdCounter(Base):
    """The last id handed out for a table whose rows get their id before
    they are written (``helpdesk.ticket_ids``, SQLite only: PostgreSQL has
    the table's own sequence)."""

    __tablename__ = "id_counters"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_id: Mapped[int]


class TicketViewer(Base):
    """Who has a ticket's page open, and whether they are writing a reply:
    one row per agent and ticket, refreshed by the page's heartbeat. Rows
    older than a few heartbeats mean nobody (``helpdesk.service.presence``)."""

    __tablename__ = "ticket_viewers"
    __table_args__ = (
        sa.Index("ix_ticket_viewers_ticket_id_seen_at", "ticket_id", "seen_at"),
    )

    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # "viewing" or "replying"
    activity: Mapped[str] = mapped_column(sa.String(16))
    seen_at: Mapped[datetime]

    user: Mapped[User] = relationship()
