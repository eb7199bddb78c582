"""Routing tables: rules, their once-per-ticket marks, agents' availability,
small counters, and line 3's defects with the tickets linked to them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base, str_enum
from helpdesk.models import Ticket, User
from routing.rules import Match, Trigger


class RoutingRule(Base):
    """One rule; rules of a trigger run in ``position`` order.

    ``conditions`` and ``actions`` are the JSON lists ``routing.rules``
    validates and compiles (see its module docstring for their shape).
    """

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    position: Mapped[int] = mapped_column(index=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    trigger: Mapped[Trigger] = mapped_column(str_enum(Trigger, "routing_trigger"))
    match: Mapped[Match] = mapped_column(
        str_enum(Match, "routing_match"), default=Match.ALL
    )
    conditions: Mapped[list] = mapped_column(sa.JSON, default=list)
    actions: Mapped[list] = mapped_column(sa.JSON, default=list)
    stop: Mapped[bool] = mapped_column(default=False)
    unassigned_minutes: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def as_data(self) -> dict:
        """The rule as ``routing.rules`` reads it."""
        return {
            "id": self.id,
            "name": self.name,
            "trigger": self.trigger.value,
            "match": self.match.value,
            "conditions": self.conditions or [],
            "actions": self.actions or [],
            "stop": self.stop,
            "unassigned_minutes": self.unassigned_minutes,
        }


class RuleFiring(Base):
    """A rule with the "unassigned for N minutes" trigger looked at a ticket:
    the unique key makes it act at most once per ticket, whatever the number
    of schedulers or sweeps."""

    __tablename__ = "routing_rule_firings"
    __table_args__ = (sa.UniqueConstraint("rule_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(
        sa.ForeignKey("routing_rules.id", ondelete="CASCADE")
    )
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    fired_at: Mapped[datetime]
    # Declared so the unit of work writes a new ticket before this row
    # (helpdesk.ticket_ids: the ticket's id is known before it is written).
    ticket: Mapped[Ticket] = relationship()


class AgentStatus(Base):
    """An agent's availability for automatic assignment; no row = available."""

    __tablename__ = "routing_agent_status"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    available: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime]


class RoutingState(Base):
    """Small named values: the rules' version (for the per-process cache)
    and, per line, the agent picked last (for round-robin on ties)."""

    __tablename__ = "routing_state"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(64))


class DefectKind(enum.StrEnum):
    DEFECT = "defect"
    ENHANCEMENT = "enhancement"


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    TRIVIAL = "trivial"


class DefectStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    FIXED = "fixed"


class Defect(Base):
    """A defect or enhancement request filed from tickets for line 3."""

    __tablename__ = "routing_defects"
    __table_args__ = (sa.Index("ix_routing_defects_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DefectKind] = mapped_column(str_enum(DefectKind, "defect_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, "defect_severity"))
    status: Mapped[DefectStatus] = mapped_column(
        str_enum(DefectStatus, "defect_status"), default=DefectStatus.OPEN
    )
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    fixed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    fixed_at: Mapped[datetime | None]

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    fixed_by: Mapped[User | None] = relationship(foreign_keys=[fixed_by_id])
    links: Mapped[list[DefectLink]] = relationship(
        back_populates="defect", order_by="DefectLink.id", cascade="all, delete-orphan"
    )

    @property
    def number(self) -> str:
        return f"DF-{self.id:05d}"


class DefectLink(Base):
    """A ticket waiting on a defect; ``return_line`` is where it goes back
    for confirmation with the customer once the defect is fixed."""

    __tablename__ = "routing_defect_tickets"
    __table_args__ = (
        sa.UniqueConstraint("defect_id", "ticket_id"),
        sa.CheckConstraint("return_line BETWEEN 1 AND 3", name="return_line_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    defect_id: Mapped[int] = mapped_column(
        sa.ForeignKey("routing_defects.id", ondelete="CASCADE")
    )
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    return_line: Mapped[int]
    linked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    linked_at: Mapped[datetime]

    defect: Mapped[Defect] = relationship(back_populates="links")
    ticket: Mapped[Ticket] = relationship()


class RoutingTask(Base):
    """One step of a process a rule started on a ticket: a responsible line
    or agent, a due time, and who ticked it off when."""

    __tablename__ = "routing_tasks"
    __table_args__ = (
        sa.Index("ix_routing_tasks_open_due", "done_at", "due_at"),
        sa.CheckConstraint(
            "line IS NULL OR line BETWEEN 1 AND 3", name="task_line_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    rule_name: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(200))
    line: Mapped[int | None]
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    ticket: Mapped[Ticket] = relationship()
    agent: Mapped[User | None] = relationship(foreign_keys=[agent_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    def is_overdue(self, now: datetime) -> bool:
        return self.done_at is None and self.due_at < now
