"""The macros table: a canned reply plus field changes, applied to a ticket
in one step (``helpdesk.macros.service``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base
from helpdesk.models import User

# What a macro does with the assignee: nothing (None), the agent applying
# it ("me"), nobody ("nobody"), or one agent ("agent", with ``assignee_id``).
ASSIGN_MODES = ("me", "nobody", "agent")


class Macro(Base):
    """Administered by admins, applied by agents. ``status``, ``priority``,
    ``line`` and ``assign`` None: that field is left as it is. ``body`` may
    be empty (a macro that only changes fields); it may hold the placeholders
    ``{requester_name}``, ``{ticket_number}`` and ``{agent_name}``."""

    __tablename__ = "macros"
    __table_args__ = (
        sa.CheckConstraint("line IS NULL OR line BETWEEN 1 AND 3", name="line_range"),
        sa.CheckConstraint(
            "assign IS NULL OR assign IN ('me', 'nobody', 'agent')", name="assign_mode"
        ),
        sa.CheckConstraint(
            "(COALESCE(assign, '') = 'agent') = (assignee_id IS NOT NULL)",
            name="agent_named",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120), unique=True)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # The text goes as an internal note instead of a reply to the requester.
    internal: Mapped[bool] = mapped_column(default=False)
    # Values of TicketStatus and Priority, checked by the schema (a new
    # status then needs no migration here).
    status: Mapped[str | None] = mapped_column(sa.String(32))
    priority: Mapped[str | None] = mapped_column(sa.String(2))
    line: Mapped[int | None]
    assign: Mapped[str | None] = mapped_column(sa.String(16))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    add_tags: Mapped[list] = mapped_column(sa.JSON, default=list)
    remove_tags: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
