"""The audit log's table: one row per admin or security-relevant action,
written in the transaction of the change, never changed afterwards."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base


class AuditEntry(Base):
    """Who (``actor_id`` and the e-mail they had, or ``system``/``cli``), when,
    from which address, what (``action``: ``user.updated``, ``login.failed``,
    ``backup.created``...), on what (``target_type``/``target_id``) and the
    change itself: ``changes`` maps a column to ``[before, after]``, secrets
    redacted. ``actor_id`` has no foreign key: the log outlives its users."""

    __tablename__ = "audit_log"
    __table_args__ = (
        # The admin page's filters, each ending in id for keyset pagination.
        sa.Index("ix_audit_log_actor_id_id", "actor_id", "id"),
        sa.Index("ix_audit_log_actor_id", "actor", "id"),
        sa.Index("ix_audit_log_action_id", "action", "id"),
        sa.Index("ix_audit_log_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    actor_id: Mapped[int | None]
    actor: Mapped[str] = mapped_column(sa.String(254))
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64))
    target_type: Mapped[str | None] = mapped_column(sa.String(64))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
