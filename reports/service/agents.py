"""Agents: per staff member - tickets handled, first replies, resolutions,
median first-response and resolution business time, reopen rate, phone
tickets resolved on the call, satisfaction, SLA compliance.

From the timeline: a reply or resolution counts for its author on the local
day it was written; a ticket counts as handled once per day its agent
replied to or resolved it; a resolution counts as reopened when the ticket
was reopened after it (so far). From the SLA clocks: a breach counts for the
assignee it happened under, a met target and a clock's business seconds for
the ticket's assignee, on the local day the clock stopped. Ratings are the
satisfaction report's, by the rated ticket's assignee.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from helpdesk.db import unindexed
from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent, User
from helpdesk.vocabulary import STAFF_ROLES, Channel, EventKind, TicketStatus
from reports.models import ReportAgentDay, ReportAgentTimes
from reports.service import csat, rollups
from reports.service.common import (
    Filters,
    median_of_buckets,
    people,
    rate,
)
from reports.service.days import Days
from sla.models import Phase, SlaClock, Target
from sla.service.rollup_keys import bucket_of

COUNTS = (
    "tickets",
    "replies",
    "first_replies",
    "resolutions",
    "reopened",
    "phone_on_call",
    "sla_met",
    "sla_breached",
)
TIMED = (Target.FIRST_RESPONSE.value, Target.RESOLUTION.value)


def _staff() -> sa.Select:
    return sa.select(User.id).where(User.role.in_(sorted(STAFF_ROLES)))


def _new_status() -> sa.ColumnElement:
    return TicketEvent.data["new"].as_string()


def _staff_events(days: Days) -> sa.Subquery:
    """Staff replies and resolutions written on ``days``: the local day's
    index, author, ticket, id, instant and kind of each (the kind index)."""
    replied = TicketEvent.kind == EventKind.REPLIED
    resolved = sa.and_(
        TicketEvent.kind == EventKind.STATUS_CHANGED,
        _new_status() == TicketStatus.RESOLVED.value,
    )
    return (
        sa.select(
            days.index_sql(TicketEvent.created_at).label("day"),
            TicketEvent.actor_id.label("agent_id"),
            TicketEvent.ticket_id,
            TicketEvent.id,
            TicketEvent.created_at,
            replied.label("is_reply"),
        )
        .where(
            TicketEvent.kind.in_([EventKind.REPLIED, EventKind.STATUS_CHANGED]),
            days.within(TicketEvent.created_at),
            TicketEvent.actor_id.in_(_staff()),
            sa.or_(replied, resolved),
        )
        .subquery()
    )


def _count_events(days: Days) -> dict[tuple, dict]:
    """Per (agent, day): replies, first replies, resolutions, those
    reopened since, phone tickets resolved on the call, distinct tickets -
    one grouped statement; each reply and resolution looks at its own
    ticket's timeline (a seek of ``ix_ticket_events_ticket_id_id``)."""
    e = _staff_events(days)
    other = aliased(TicketEvent)

    def of_ticket(kind: str, *conditions) -> list:
        return [
            other.ticket_id == e.c.ticket_id,
            unindexed(other.kind) == kind,
            *conditions,
        ]

    first_reply = (
        sa.select(sa.func.min(other.id))
        .where(*of_ticket(EventKind.REPLIED, other.actor_id.in_(_staff())))
        .scalar_subquery()
    )
    reopened_later = sa.exists().where(
        *of_ticket(
            EventKind.STATUS_CHANGED,
            other.data["new"].as_string() == TicketStatus.REOPENED.value,
            other.id > e.c.id,
        )
    )
    on_call = sa.and_(
        Ticket.channel == Channel.PHONE, e.c.created_at == Ticket.created_at
    )

    def total(condition) -> sa.ColumnElement:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    query = (
        sa.select(
            e.c.day,
            e.c.agent_id,
            total(e.c.is_reply),
            total(sa.and_(e.c.is_reply, e.c.id == first_reply)),
            total(sa.not_(e.c.is_reply)),
            total(sa.and_(sa.not_(e.c.is_reply), reopened_later)),
            total(sa.and_(sa.not_(e.c.is_reply), on_call)),
            sa.func.count(sa.distinct(e.c.ticket_id)),
        )
        .join(Ticket, Ticket.id == e.c.ticket_id)
        .group_by(e.c.day, e.c.agent_id)
    )
    names = ("replies", "first_replies", "resolutions", "reopened", "phone_on_call")
    out: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for day, agent_id, *counts, tickets in db.session.execute(query):
        row = out[(agent_id, days.day(day))]
        row.update({n: int(v or 0) for n, v in zip(names, counts, strict=True)})
        row["tickets"] = int(tickets)
    return out


def _stopped_clocks(days: Days) -> sa.Subquery:
    """Clocks stopped by their own event on ``days``, with the ticket's
    assignee: a clock stops with a reply or a status change, so only those
    events' tickets are read (by ticket id; the phase kept off the index)."""
    touched = sa.select(TicketEvent.ticket_id).where(
        TicketEvent.kind.in_([EventKind.REPLIED, EventKind.STATUS_CHANGED]),
        days.within(TicketEvent.created_at),
    )
    return (
        sa.select(
            days.index_sql(SlaClock.stopped_at).label("day"),
            Ticket.assignee_id,
            SlaClock.target,
            SlaClock.spent_seconds,
            SlaClock.breached_at,
        )
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(
            SlaClock.ticket_id.in_(touched),
            unindexed(SlaClock.phase) == Phase.STOPPED,
            SlaClock.unanswered.is_(False),
            days.within(SlaClock.stopped_at),
            Ticket.assignee_id.is_not(None),
        )
        .subquery()
    )


def _clock_cells(days: Days) -> list[tuple]:
    """(day, assignee, target, bucket, clocks, clocks not breached) of the
    clocks stopped on ``days``: one grouped read for the agents' SLA
    figures and their times (kept for both, see ``rollups.shared``)."""

    def read() -> list[tuple]:
        clocks = _stopped_clocks(days)
        keys = (clocks.c.day, clocks.c.assignee_id, clocks.c.target)
        # A CASE, not a WHERE: "breached_at IS NULL" would read the clocks by
        # their breach index (every clock never breached).
        unbreached = sa.case((clocks.c.breached_at.is_(None), 1), else_=0)
        group = [*keys, clocks.c.spent_seconds]
        query = sa.select(*group, sa.func.count(), sa.func.sum(unbreached))
        # Grouped by exact seconds, bucketed here: the bucket as SQL is a
        # CASE of 264 branches, costlier to build and compile each request
        # than the few thousand groups a day's clocks make.
        cells: dict[tuple, list[int]] = {}
        for day, agent_id, target, seconds, n, met in db.session.execute(
            query.group_by(*group)
        ):
            key = (day, agent_id, target, bucket_of(seconds))
            sums = cells.setdefault(key, [0, 0])
            sums[0] += n
            sums[1] += int(met or 0)
        return [(*key, n, met) for key, (n, met) in cells.items()]

    return rollups.shared("agents.clocks", days, read)


def _count(days: Days) -> list[dict]:
    """Rows per agent and local day."""
    rows = _count_events(days)
    for day, agent_id, _target, _bucket, _n, met in _clock_cells(days):
        if met:
            rows[(agent_id, days.day(day))]["sla_met"] += int(met)
    breach = sa.select(
        days.index_sql(SlaClock.breached_at).label("day"),
        SlaClock.breached_assignee_id.label("agent_id"),
    ).where(
        days.within(SlaClock.breached_at), SlaClock.breached_assignee_id.is_not(None)
    )
    breach = breach.subquery()
    breached = sa.select(breach.c.day, breach.c.agent_id, sa.func.count()).group_by(
        breach.c.day, breach.c.agent_id
    )
    for day, agent_id, n in db.session.execute(breached):
        rows[(agent_id, days.day(day))]["sla_breached"] = int(n)
    return [
        {"agent_id": agent_id, "day": day} | counts
        for (agent_id, day), counts in rows.items()
    ]


def _count_times(days: Days) -> list[dict]:
    """The stopped clocks' business seconds per assignee, target and bucket."""
    return [
        {
            "day": days.day(day),
            "agent_id": agent_id,
            "target": target.value,
            "bucket": int(bucket),
            "clocks": int(n),
        }
        for day, agent_id, target, bucket, n, _met in _clock_cells(days)
        if target.value in TIMED
    ]


FACT = rollups.register(
    rollups.Fact(
        "agents",
        ReportAgentDay,
        ("agent_id",),
        COUNTS,
        _count,
    )
)
TIMES = rollups.register(
    rollups.Fact(
        "agent_times",
        ReportAgentTimes,
        ("agent_id", "target", "bucket"),
        ("clocks",),
        _count_times,
    )
)

COLUMNS = (
    "agent",
    "line",
    "tickets",
    "replies",
    "first_replies",
    "resolutions",
    "first_response_median_seconds",
    "resolution_median_seconds",
    "reopen_percent",
    "phone_on_call",
    "csat_average",
    "csat_ratings",
    "sla_percent",
)


def report(
    f: Filters, *, sort: str | None = None, order: str = "desc"
) -> dict[str, Any]:
    """One row per staff member with figures in the period (of ``f.line``'s
    agents, or only ``f.agent_id``), sorted by ``sort``."""
    where = {"agent_id": f.agent_id}
    counts = rollups.read(FACT, f.period, group=("agent_id",), where=where)
    times = rollups.read(
        TIMES, f.period, group=("agent_id", "target", "bucket"), where=where
    )
    ratings = rollups.read(csat.FACT, f.period, group=("agent_id",), where=where)
    medians: dict[tuple, dict] = defaultdict(dict)
    for (agent_id, target, bucket), sums in times.items():
        medians[(agent_id, target)][bucket] = sums["clocks"]
    ids = {k[0] for k in counts} | {k[0] for k in ratings} | {k[0] for k in medians}
    users = people(ids)
    rows = []
    for agent_id in ids:
        user = users.get(agent_id)
        if user is None or (f.line and user.line != f.line):
            continue
        c = counts.get((agent_id,), dict.fromkeys(COUNTS, 0))
        r = csat.figures(ratings.get((agent_id,), dict.fromkeys(csat.COUNTS, 0)))
        rows.append(
            {
                "agent_id": agent_id,
                "agent": user.name,
                "line": user.line,
                **{k: c[k] for k in COUNTS},
                "first_response_median_seconds": median_of_buckets(
                    medians.get((agent_id, Target.FIRST_RESPONSE.value), {})
                ),
                "resolution_median_seconds": median_of_buckets(
                    medians.get((agent_id, Target.RESOLUTION.value), {})
                ),
                "reopen_percent": rate(c["reopened"], c["resolutions"]),
                "csat_average": r["average"],
                "csat_ratings": r["ratings"],
                "sla_percent": rate(c["sla_met"], c["sla_met"] + c["sla_breached"]),
            }
        )
    sort = sort if sort in COLUMNS else "resolutions"
    rows.sort(key=lambda row: (row["agent"], row["agent_id"]))
    # Stable: equal values stay by name; rows without the figure go last.
    present = [r for r in rows if r[sort] is not None]
    present.sort(key=lambda row: row[sort], reverse=order == "desc")
    rows = present + [r for r in rows if r[sort] is None]
    return {"filters": f.echo() | {"sort": sort, "order": order}, "items": rows}
