"""SLA tables: business calendars, policies, per-ticket clocks and their alerts.

A clock keeps the business seconds spent before its current running segment
(``spent_seconds``) and when that segment began (``running_since``), so its
due time and time left follow from its calendar without replaying history.
``next_check_at`` is the next instant a sweep must look at it (a warning
threshold or the breach); it is indexed, so a sweep reads only due clocks.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, orm_insert_sentinel, relationship

from helpdesk.db import Base, str_enum
from helpdesk.models import Ticket
from helpdesk.vocabulary import TicketStatus


class Target(enum.StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class Phase(enum.StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class BusinessCalendar(Base):
    __tablename__ = "sla_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    # Open around the clock except on its holidays: intervals are ignored.
    always_open: Mapped[bool] = mapped_column(default=False)

    intervals: Mapped[list[WorkingInterval]] = relationship(
        back_populates="calendar",
        cascade="all, delete-orphan",
        order_by="(WorkingInterval.weekday, WorkingInterval.start_minute)",
    )
    holidays: Mapped[list[Holiday]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", order_by="Holiday.day"
    )


class WorkingInterval(Base):
    """Open from ``start_minute`` to ``end_minute`` after local midnight of
    ``weekday`` (0 = Monday); an end at or before the start crosses midnight."""

    __tablename__ = "sla_working_intervals"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("start_minute BETWEEN 0 AND 1439", name="start_range"),
        sa.CheckConstraint("end_minute BETWEEN 0 AND 1440", name="end_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sla_calendars.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    start_minute: Mapped[int]
    end_minute: Mapped[int]

    calendar: Mapped[BusinessCalendar] = relationship(back_populates="intervals")


class Holiday(Base):
    __tablename__ = "sla_holidays"
    __table_args__ = (sa.UniqueConstraint("calendar_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sla_calendars.id", ondelete="CASCADE")
    )
    day: Mapped[date]
    name: Mapped[str] = mapped_column(sa.String(120), default="")

    calendar: Mapped[BusinessCalendar] = relationship(back_populates="holidays")


class SlaPolicy(Base):
    """Targets for the tickets its conditions match; the lowest position wins.

    ``conditions`` maps ``priority``/``category``/``organization`` (the
    requester's organisation's name)/``plan`` (its plan)/``channel`` to lists
    of accepted values; a missing or empty list accepts anything.
    ``on_warning``/``on_breach`` list actions: ``notify_assignee``,
    ``notify_line``, ``notify_managers``, ``escalate``.
    """

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    position: Mapped[int] = mapped_column(index=True)
    active: Mapped[bool] = mapped_column(default=True)
    conditions: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("sla_calendars.id"))
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    warning_percents: Mapped[list] = mapped_column(sa.JSON, default=lambda: [75, 90])
    on_warning: Mapped[list] = mapped_column(
        sa.JSON, default=lambda: ["notify_assignee"]
    )
    on_breach: Mapped[list] = mapped_column(
        sa.JSON, default=lambda: ["notify_assignee", "notify_managers"]
    )
    # Line 1 answers most calls while the caller is on the line (DESIGN §1), so
    # by default registering a phone call is its first response; a policy can
    # instead wait for a public reply on phone tickets too.
    phone_call_is_first_response: Mapped[bool] = mapped_column(
        default=True, server_default=sa.true()
    )
    # Whether the clocks pause while a ticket waits on line 3 (a defect not
    # fixed yet). Off by default: line 3 is part of the service the customer
    # is promised; a policy for work that waits on a vendor may pause.
    pause_on_line3: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )

    calendar: Mapped[BusinessCalendar] = relationship()

    def pauses_in(self, status: TicketStatus) -> bool:
        """Whether this policy's clocks stand still while a ticket has ``status``:
        always while it waits on the customer, by choice while on line 3."""
        if status == TicketStatus.PENDING:
            return True
        return status == TicketStatus.WAITING_LINE3 and self.pause_on_line3

    def target_minutes(self, target: Target) -> int | None:
        return getattr(self, f"{target.value}_minutes")

    def matches(self, facts: dict[str, str | None]) -> bool:
        """True when every condition accepts the ticket's fact of that name."""
        return all(
            not accepted or facts.get(name) in accepted
            for name, accepted in (self.conditions or {}).items()
        )


class SlaClock(Base):
    __tablename__ = "sla_clocks"
    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "target"),
        # The sweep's only read: due clocks, oldest first.
        sa.Index("ix_sla_clocks_next_check_at", "next_check_at"),
        # The at-risk list and the queue's "time left" sort.
        sa.Index("ix_sla_clocks_phase_due_at", "phase", "due_at"),
        sa.Index("ix_sla_clocks_started_at", "started_at"),
        # The dashboard's breaches list and its per-ticket aggregates.
        sa.Index("ix_sla_clocks_breached_at", "breached_at", "phase", "due_at"),
        # The SLA pages' "clocks that need attention".
        sa.Index("ix_sla_clocks_check_failures", "check_failures"),
        # A median's exact value among the stopped clocks of its bucket.
        sa.Index(
            "ix_sla_clocks_target_phase_spent", "target", "phase", "spent_seconds"
        ),
        sa.Index(
            "ix_sla_clocks_report",
            "ticket_id",
            "target",
            "phase",
            "policy_id",
            "breached_at",
            "spent_seconds",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lets SQLite match a batched INSERT ... RETURNING's ids to the clocks
    # (a new ticket's clocks are written by one statement).
    _sentinel: Mapped[int | None] = orm_insert_sentinel()
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    target: Mapped[Target] = mapped_column(str_enum(Target, "sla_target"))
    # active_history: the daily roll-ups subtract what a clock counted for
    # before a change (sla.service.rollups), so the old value is always known.
    policy_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sla_policies.id"), index=True, active_history=True
    )
    phase: Mapped[Phase] = mapped_column(
        str_enum(Phase, "sla_phase"), active_history=True
    )
    # Restarts of a next-response clock count up; alerts are unique per cycle.
    cycle: Mapped[int] = mapped_column(default=1)
    target_seconds: Mapped[int]
    spent_seconds: Mapped[int] = mapped_column(default=0, active_history=True)
    started_at: Mapped[datetime]
    running_since: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None]
    warnings_done: Mapped[int] = mapped_column(default=0)
    breached_at: Mapped[datetime | None] = mapped_column(active_history=True)
    # Who had the ticket when it breached: figures attribute the breach there,
    # wherever the ticket went afterwards.
    breached_line: Mapped[int | None] = mapped_column(active_history=True)
    breached_assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    breached_policy_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sla_policies.id"), active_history=True
    )
    stopped_at: Mapped[datetime | None]
    # A response clock stopped by the ticket's resolution or closing, with no
    # public reply of an agent: neither met nor (unless it was already past
    # due) breached, but "no response". Reopening the ticket resumes it.
    unanswered: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), active_history=True
    )
    # Sweeps that failed to compute this clock in a row, and the last error;
    # such a clock is retried with back-off and listed for admins.
    check_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    check_error: Mapped[str | None] = mapped_column(sa.Text)

    policy: Mapped[SlaPolicy] = relationship(foreign_keys=[policy_id])
    ticket: Mapped[Ticket] = relationship()

    @property
    def state(self) -> str:
        """What people see: running / paused / met / breached, or
        no_response for a response clock its ticket's resolution stopped
        before any public reply (see ``unanswered``)."""
        if self.breached_at is not None:
            return "breached"
        if self.phase == Phase.STOPPED:
            return "no_response" if self.unanswered else "met"
        return self.phase.value


class SlaAlert(Base):
    """One warning or breach of one clock cycle and target; the unique key
    makes each happen exactly once, however many schedulers sweep. A policy
    re-selected with another target arms its thresholds anew."""

    __tablename__ = "sla_alerts"
    __table_args__ = (
        sa.UniqueConstraint("clock_id", "cycle", "target_seconds", "kind", "percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(sa.ForeignKey("sla_clocks.id"))
    cycle: Mapped[int]
    target_seconds: Mapped[int] = mapped_column(server_default="0")
    kind: Mapped[str] = mapped_column(sa.String(16))  # warning | breach
    percent: Mapped[int]
    created_at: Mapped[datetime]


class SlaDailyCompliance(Base):
    """Decided clocks of the tickets created on one UTC ``day``, counted by
    the line, priority, policy, target and channel group the dashboard
    groups by (see ``sla.service.rollups``): the compliance figures of whole
    days read these few rows instead of every clock."""

    __tablename__ = "sla_daily_compliance"
    # Rows live in their primary key on SQLite: a day range reads one B-tree.
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    policy_id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    channel_group: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    met: Mapped[int] = mapped_column(default=0)
    breached: Mapped[int] = mapped_column(default=0)
    no_response: Mapped[int] = mapped_column(default=0)


class SlaMonthlyCompliance(Base):
    """``SlaDailyCompliance`` summed over each UTC calendar ``month`` (its
    first day): a period's whole months read these rows, its other days the
    daily ones."""

    __tablename__ = "sla_monthly_compliance"
    __table_args__ = {"sqlite_with_rowid": False}

    month: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    policy_id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    channel_group: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    met: Mapped[int] = mapped_column(default=0)
    breached: Mapped[int] = mapped_column(default=0)
    no_response: Mapped[int] = mapped_column(default=0)


class SlaDailyOutcomes(Base):
    """``SlaDailyCompliance`` summed per UTC ``day`` and line: compliance by
    day or week over a year reads these 365 rows a line."""

    __tablename__ = "sla_daily_outcomes"
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    met: Mapped[int] = mapped_column(default=0)
    breached: Mapped[int] = mapped_column(default=0)
    no_response: Mapped[int] = mapped_column(default=0)


# A histogram in one row: {"<key>": clocks} (JSONB on PostgreSQL, so an
# upsert adds to one key in place). A key whose count fell to 0 may stay.
COUNTS_BY_KEY = sa.JSON().with_variant(JSONB(), "postgresql")
# The times' and parts' rows of line 0 count every line: the whole help
# desk's histogram is one row per day or month, not one per line.
ALL_LINES = 0


class SlaDailyTimes(Base):
    """Response and resolution times of the tickets created on one UTC
    ``day``, per line (and ``ALL_LINES``) and channel group: the stopped
    clocks, their business seconds, and how many fell in each ``bucket`` of
    business seconds (about 9 % wide, exact below a minute;
    ``{"<bucket>": clocks}``). Counts and means come from here; a median
    finds its bucket here, then its part (``SlaDailyParts``) and its exact
    value (``SlaDailyValues``)."""

    __tablename__ = "sla_daily_times"
    __table_args__ = {"sqlite_with_rowid": False}

    target: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    channel_group: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    clocks: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    clocks_by_bucket: Mapped[dict[str, int]] = mapped_column(COUNTS_BY_KEY)


class SlaMonthlyTimes(Base):
    """``SlaDailyTimes`` summed over each UTC calendar ``month`` (its first
    day): a period's whole months read these rows, its other days the daily
    ones, so a year reads about as many rows as a month."""

    __tablename__ = "sla_monthly_times"
    __table_args__ = {"sqlite_with_rowid": False}

    target: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    channel_group: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    clocks: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    clocks_by_bucket: Mapped[dict[str, int]] = mapped_column(COUNTS_BY_KEY)


class SlaDailyParts(Base):
    """How the stopped clocks of one ``bucket`` spread over its 64 equal
    parts (``{"<part>": clocks}``), per UTC ``day``, line (and
    ``ALL_LINES``) and channel group: a median's bucket, once known, is cut
    down to one part here before its exact values are read."""

    __tablename__ = "sla_daily_parts"
    __table_args__ = {"sqlite_with_rowid": False}

    target: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    channel_group: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    clocks: Mapped[int] = mapped_column(default=0)
    clocks_by_part: Mapped[dict[str, int]] = mapped_column(COUNTS_BY_KEY)


class SlaMonthlyParts(Base):
    """``SlaDailyParts`` over each UTC calendar ``month`` (its first day)."""

    __tablename__ = "sla_monthly_parts"
    __table_args__ = {"sqlite_with_rowid": False}

    target: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    channel_group: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    clocks: Mapped[int] = mapped_column(default=0)
    clocks_by_part: Mapped[dict[str, int]] = mapped_column(COUNTS_BY_KEY)


class SlaDailyValues(Base):
    """The exact business seconds of the stopped clocks of one ``part`` (a
    64th of a bucket: ``bucket * 64 + index``) of the tickets created on one
    UTC ``day``, per line and channel group: ``{"<seconds>": clocks}``. A
    median's exact value, once its part is known, is read from the period's
    rows of that one part, without visiting a ticket."""

    __tablename__ = "sla_daily_values"
    __table_args__ = {"sqlite_with_rowid": False}

    target: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    part: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    channel_group: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    clocks: Mapped[int] = mapped_column(default=0)
    clocks_by_seconds: Mapped[dict[str, int]] = mapped_column(COUNTS_BY_KEY)


class SlaMonthlyValues(Base):
    """``SlaDailyValues`` over each UTC calendar ``month`` (its first day)."""

    __tablename__ = "sla_monthly_values"
    __table_args__ = {"sqlite_with_rowid": False}

    target: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    part: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    channel_group: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    clocks: Mapped[int] = mapped_column(default=0)
    clocks_by_seconds: Mapped[dict[str, int]] = mapped_column(COUNTS_BY_KEY)
