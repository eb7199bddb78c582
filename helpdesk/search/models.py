"""Tables of ticket search: the stemmed words of every ticket, and the
agents' saved queue views.

The full-text index itself (an FTS5 table over ``ticket_search`` on SQLite;
a generated tsvector column with a GIN index on PostgreSQL) is not a model:
migration 0015 writes it by hand, as 0003 does for the knowledge base.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base

if TYPE_CHECKING:
    from helpdesk.models import Ticket


class TicketSearchDoc(Base):
    """One ticket's words, stemmed (``helpdesk.fulltext.index_text``), in
    three columns the search can choose from: the subject; what the
    requester can read (description and public replies); internal notes,
    searched for staff only."""

    __tablename__ = "ticket_search"

    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    # Declared so the unit of work writes a new ticket before this row
    # (helpdesk.ticket_ids: the ticket's id is known before it is written).
    ticket: Mapped[Ticket] = relationship()
    subject_words: Mapped[str] = mapped_column(sa.Text, default="")
    public_words: Mapped[str] = mapped_column(sa.Text, default="")
    internal_words: Mapped[str] = mapped_column(sa.Text, default="")


class SavedView(Base):
    """A named set of queue filters of one agent (the query string of /queue)."""

    __tablename__ = "saved_views"
    __table_args__ = (sa.UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(80))
    # {filter: value} as /queue reads them from its query string.
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime]
