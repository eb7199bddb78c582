"""The undo log's table: one row per undoable operation, holding what to put
back as plain data (``helpdesk.undo.snapshot``), who did it, when, until when
it may be undone, and whether it was."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base, str_enum
from helpdesk.models import User


class UndoKind(enum.StrEnum):
    STATUS = "status"  # a status change, closing included
    UPDATE = "update"  # assignee, priority, category, tags
    LINE = "line"  # an escalation or a move back down
    MERGE = "merge"
    BULK = "bulk"  # a queue action over several tickets
    REPLY = "reply"  # a public reply, held in the outbox until the window ends


class UndoAction(Base):
    """``state`` maps each changed ticket's id (as text) to its snapshot
    before the operation and the version range the operation wrote
    (``before`` < the operation's events <= ``after``); ``after`` is kept up
    to date by every flush of the operation's transaction, so rules that run
    at commit are part of it. ``ticket_id`` is the ticket the operation was
    done from (the page to go back to)."""

    __tablename__ = "undo_actions"
    # The prune job's filter.
    __table_args__ = (sa.Index("ix_undo_actions_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[UndoKind] = mapped_column(str_enum(UndoKind, "undo_kind"))
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    state: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])

    @property
    def ticket_ids(self) -> list[int]:
        return sorted(int(key) for key in (self.state or {}).get("tickets", {}))
