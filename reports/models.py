"""The reports' daily roll-ups, one table per kind of figure, per time zone.

A report's days are the manager's local days, so every roll-up row carries
the zone it was counted in (``zone``) and that zone's local date (``day``);
month rows (``grain`` "M") sum a month's day rows and week rows ("W") a
week's, so a year's breakdown reads twelve months and, at its ends, a few
weeks and days.
The scheduler keeps one set of rows per zone some staff member uses
(``reports.service.rollups``); ``ReportRollupState`` says up to which day a
zone's rows are complete. The rows are derived data: ``rebuild`` recounts
them from the tickets, ratings and timelines.

Dimensions that may be empty are stored as 0 / "" (never NULL), so they can
be part of the primary key.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base
from helpdesk.models import Rating, Ticket, TicketEvent

ZONE = sa.String(64)
# "D": the row counts one local day; "M": a whole local month, "W": a whole
# week, Monday to Sunday (``day`` is its first day), summed from its day rows
# once every day of it is in.
GRAIN = sa.String(1)
ROWLESS = {"sqlite_with_rowid": False}


class ReportRollupState(Base):
    """Per time zone: every local day up to ``rolled_through`` is counted in
    the roll-ups; ``checked_at`` is when the scheduler last looked for
    changed tickets (it recounts the days they touched)."""

    __tablename__ = "report_rollup_state"

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    rolled_through: Mapped[date | None]
    checked_at: Mapped[datetime | None]


class ReportVolumeDay(Base):
    """Tickets created and resolved on a local day, by their current line,
    channel, category and priority."""

    __tablename__ = "report_volume_days"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    created: Mapped[int]
    resolved: Mapped[int]


class ReportVolumeSeries(Base):
    """``ReportVolumeDay`` without dimensions: the unfiltered day series."""

    __tablename__ = "report_volume_series"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    created: Mapped[int]
    resolved: Mapped[int]


class ReportRatingDay(Base):
    """Satisfaction ratings given on a local day, by the rated ticket's line,
    assignee (0: none), category and requester's organisation ("": none)."""

    __tablename__ = "report_rating_days"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    organization: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    ratings: Mapped[int]
    score_sum: Mapped[int]
    good: Mapped[int]  # scores of 4 and 5


class ReportRatingSeries(Base):
    """``ReportRatingDay`` without dimensions: the unfiltered trend."""

    __tablename__ = "report_rating_series"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    ratings: Mapped[int]
    score_sum: Mapped[int]
    good: Mapped[int]


class ReportAgentDay(Base):
    """What one staff member did on a local day (from the timeline), and the
    SLA clocks of their tickets decided that day."""

    __tablename__ = "report_agent_days"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(primary_key=True)
    tickets: Mapped[int]  # distinct tickets replied to or resolved that day
    replies: Mapped[int]
    first_replies: Mapped[int]
    resolutions: Mapped[int]
    reopened: Mapped[int]  # of those resolutions, reopened since
    phone_on_call: Mapped[int]  # phone tickets resolved during the call
    sla_met: Mapped[int]
    sla_breached: Mapped[int]


class ReportAgentTimes(Base):
    """Business seconds of the first-response and resolution clocks stopped
    on a local day, by the ticket's assignee, in ``sla.service.rollups``'
    buckets (a median is read from them)."""

    __tablename__ = "report_agent_times"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    clocks: Mapped[int]


class ReportFlowDay(Base):
    """The tickets registered on a local day and what became of them between
    the lines, by channel and category."""

    __tablename__ = "report_flow_days"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    registered: Mapped[int]
    line1_on_call: Mapped[int]
    line1_with_article: Mapped[int]
    line1_later: Mapped[int]
    to_line2: Mapped[int]
    to_line3: Mapped[int]
    moved_down: Mapped[int]
    defect_linked: Mapped[int]


class ReportFlowSeries(Base):
    """``ReportFlowDay`` without dimensions: the unfiltered day series."""

    __tablename__ = "report_flow_series"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    registered: Mapped[int]
    line1_on_call: Mapped[int]
    line1_with_article: Mapped[int]
    line1_later: Mapped[int]
    to_line2: Mapped[int]
    to_line3: Mapped[int]
    moved_down: Mapped[int]
    defect_linked: Mapped[int]


class ReportFlowTimes(Base):
    """Of the resolved tickets registered on a local day: the wall-clock
    seconds each spent on a line, in buckets."""

    __tablename__ = "report_flow_times"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    tickets: Mapped[int]


class ReportFlowLineTimes(Base):
    """``ReportFlowTimes`` without channel and category: the unfiltered
    medians of time on each line read a few hundred rows a month, not one per
    channel, category and bucket."""

    __tablename__ = "report_flow_line_times"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    tickets: Mapped[int]


class ReportDayCounts(Base):
    """Counts of a local day without dimensions: the knowledge base's
    deflections, web and phone tickets, phone tickets resolved on the call
    with an article; defects filed for line 3."""

    __tablename__ = "report_day_counts"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    deflections: Mapped[int]
    web_tickets: Mapped[int]
    phone_tickets: Mapped[int]
    resolved_on_call: Mapped[int]
    defects_filed: Mapped[int]


class ReportKbArticleDay(Base):
    """Per article and local day: tickets it was linked to (by an agent or
    on the call) and deflections - what it resolved."""

    __tablename__ = "report_kb_article_days"
    __table_args__ = ROWLESS

    zone: Mapped[str] = mapped_column(ZONE, primary_key=True)
    grain: Mapped[str] = mapped_column(GRAIN, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(primary_key=True)
    linked: Mapped[int]
    on_call: Mapped[int]
    deflections: Mapped[int]


class KbSearchMiss(Base):
    """A knowledge-base search that found nothing, counted per UTC day and
    normalised query: what to write next."""

    __tablename__ = "report_kb_search_misses"
    __table_args__ = (sa.Index("ix_report_kb_search_misses_day", "day", "searches"),)

    day: Mapped[date] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    searches: Mapped[int]
    last_at: Mapped[datetime]


class ReportSubscription(Base):
    """A manager's summary e-mail: daily or weekly, at a local hour."""

    __tablename__ = "report_subscriptions"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    frequency: Mapped[str] = mapped_column(sa.String(8))  # daily / weekly
    hour: Mapped[int]  # local hour, 0-23, in the user's time zone
    next_at: Mapped[datetime] = mapped_column(index=True)
    last_sent_at: Mapped[datetime | None]


# Indexes the reports read the core's tables by (named ``*_report_*``, so the
# migration check can tell them apart). Declared here, beside the reports,
# not in the core's models: they join the core's tables all the same.
REPORT_INDEXES = (
    # Resolved per day; backlog ageing and the oldest open tickets (an index
    # range per status, line, priority and age: ``reports.service.backlog``).
    sa.Index("ix_tickets_report_resolved_at", Ticket.resolved_at),
    sa.Index(
        "ix_tickets_report_status_line_priority_created_at",
        Ticket.status,
        Ticket.line,
        Ticket.priority,
        Ticket.created_at,
    ),
    # The scheduler's "tickets changed since" (the days to recount).
    sa.Index("ix_tickets_report_updated_at", Ticket.updated_at),
    sa.Index("ix_ratings_report_created_at", Rating.created_at),
    # Replies and resolutions of a day, by whom.
    sa.Index(
        "ix_ticket_events_report_kind_created_at",
        TicketEvent.kind,
        TicketEvent.created_at,
        TicketEvent.actor_id,
    ),
)
