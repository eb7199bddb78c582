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

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import (
    STAFF_ROLES,
    Channel,
    EventKind,
    Ticket,
    TicketEvent,
    TicketStatus,
    User,
)
from reports.models import ReportAgentDay, ReportAgentTimes
from reports.service import csat, rollups
from reports.service.common import (
    Filters,
    bucket_of,
    median_of_buckets,
    people,
    rate,
    unindexed,
)
from reports.service.days import Days
from sla.models import Phase, SlaClock, Target

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
_CHUNK = 500


def _staff() -> sa.Select:
    return sa.select(User.id).where(User.role.in_(sorted(STAFF_ROLES)))


def _new_status() -> sa.ColumnElement:
    return TicketEvent.data["new"].as_string()


def _chunks(items: list) -> Iterator[list]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _events(kind: str, days: Days, *extra) -> list:
    return db.session.execute(
        sa.select(
            TicketEvent.id,
            TicketEvent.actor_id,
            TicketEvent.ticket_id,
            TicketEvent.created_at,
        ).where(
            TicketEvent.kind == kind,
            days.within(TicketEvent.created_at),
            TicketEvent.actor_id.in_(_staff()),
            *extra,
        )
    ).all()


def _first_staff_replies(ticket_ids: list[int]) -> set[int]:
    """The id of each ticket's first public reply by staff."""
    firsts: set[int] = set()
    for chunk in _chunks(ticket_ids):
        firsts |= set(
            db.session.scalars(
                sa.select(sa.func.min(TicketEvent.id))
                .where(
                    TicketEvent.ticket_id.in_(chunk),
                    unindexed(TicketEvent.kind) == EventKind.REPLIED,
                    TicketEvent.actor_id.in_(_staff()),
                )
                .group_by(TicketEvent.ticket_id)
            )
        )
    return firsts


def _reopenings(ticket_ids: list[int]) -> dict[int, int]:
    """Each ticket's last reopening event id."""
    last: dict[int, int] = {}
    for chunk in _chunks(ticket_ids):
        query = (
            sa.select(TicketEvent.ticket_id, sa.func.max(TicketEvent.id))
            .where(
                TicketEvent.ticket_id.in_(chunk),
                unindexed(TicketEvent.kind) == EventKind.STATUS_CHANGED,
                _new_status() == TicketStatus.REOPENED.value,
            )
            .group_by(TicketEvent.ticket_id)
        )
        last.update(dict(db.session.execute(query).all()))
    return last


def _tickets(ticket_ids: list[int]) -> dict[int, tuple]:
    out: dict[int, tuple] = {}
    for chunk in _chunks(ticket_ids):
        query = sa.select(
            Ticket.id, Ticket.channel, Ticket.created_at, Ticket.assignee_id
        ).where(Ticket.id.in_(chunk))
        out.update({row[0]: row[1:] for row in db.session.execute(query)})
    return out


def _count(days: Days) -> list[dict]:
    """Rows per agent and local day."""

    def key(agent_id: int, at: datetime) -> tuple:
        return (agent_id, days.day_of(at))

    rows: dict[tuple, Counter] = defaultdict(Counter)
    handled: dict[tuple, set] = defaultdict(set)
    replies = _events(EventKind.REPLIED, days)
    resolutions = _events(
        EventKind.STATUS_CHANGED, days, _new_status() == TicketStatus.RESOLVED.value
    )
    firsts = _first_staff_replies(sorted({r.ticket_id for r in replies}))
    for event in replies:
        k = key(event.actor_id, event.created_at)
        rows[k]["replies"] += 1
        rows[k]["first_replies"] += event.id in firsts
        handled[k].add(event.ticket_id)
    resolved_ids = sorted({r.ticket_id for r in resolutions})
    reopened, tickets = _reopenings(resolved_ids), _tickets(resolved_ids)
    for event in resolutions:
        k = key(event.actor_id, event.created_at)
        counts = rows[k]
        counts["resolutions"] += 1
        counts["reopened"] += reopened.get(event.ticket_id, 0) > event.id
        channel, created_at, _assignee = tickets[event.ticket_id]
        counts["phone_on_call"] += (
            channel == Channel.PHONE and event.created_at == created_at
        )
        handled[k].add(event.ticket_id)
    for k, ids in handled.items():
        rows[k]["tickets"] = len(ids)
    for agent_id, outcome, at in _sla_outcomes(days):
        rows[key(agent_id, at)][outcome] += 1
    return [
        {"agent_id": agent_id, "day": day} | {c: counts.get(c, 0) for c in COUNTS}
        for (agent_id, day), counts in rows.items()
        if agent_id
    ]


def _stopped_clocks(days: Days) -> list:
    return rollups.shared("agents.clocks", days, lambda: _read_stopped_clocks(days))


def _read_stopped_clocks(days: Days) -> list:
    """Clocks stopped by their own event in ``[start, end)``: a clock stops
    with a reply or a status change, so only those events' tickets are read."""
    start, end = days.start, days.end
    ticket_ids = sorted(
        set(
            db.session.scalars(
                sa.select(TicketEvent.ticket_id).where(
                    TicketEvent.kind.in_([EventKind.REPLIED, EventKind.STATUS_CHANGED]),
                    TicketEvent.created_at >= start,
                    TicketEvent.created_at < end,
                )
            )
        )
    )
    clocks = []
    for chunk in _chunks(ticket_ids):
        clocks += db.session.execute(
            sa.select(
                Ticket.assignee_id,
                SlaClock.target,
                SlaClock.spent_seconds,
                SlaClock.breached_at,
                SlaClock.stopped_at,
            )
            .join(Ticket, Ticket.id == SlaClock.ticket_id)
            .where(
                SlaClock.ticket_id.in_(chunk),
                unindexed(SlaClock.phase) == Phase.STOPPED,
                SlaClock.unanswered.is_(False),
                SlaClock.stopped_at >= start,
                SlaClock.stopped_at < end,
            )
        ).all()
    return clocks


def _sla_outcomes(days: Days) -> list[tuple[int, str, datetime]]:
    """(agent, "sla_met" or "sla_breached", the instant it was decided)."""
    start, end = days.start, days.end
    met = [
        (clock.assignee_id, "sla_met", clock.stopped_at)
        for clock in _stopped_clocks(days)
        if clock.assignee_id and clock.breached_at is None
    ]
    breached = db.session.execute(
        sa.select(SlaClock.breached_assignee_id, SlaClock.breached_at).where(
            SlaClock.breached_at >= start,
            SlaClock.breached_at < end,
            SlaClock.breached_assignee_id.is_not(None),
        )
    )
    return met + [(agent_id, "sla_breached", at) for agent_id, at in breached]


def _count_times(days: Days) -> list[dict]:
    buckets: Counter = Counter()
    for clock in _stopped_clocks(days):
        if clock.assignee_id and clock.target.value in TIMED:
            day = days.day_of(clock.stopped_at)
            key = (
                clock.assignee_id,
                clock.target.value,
                bucket_of(clock.spent_seconds),
                day,
            )
            buckets[key] += 1
    return [
        {"agent_id": a, "target": t, "bucket": b, "clocks": n, "day": day}
        for (a, t, b, day), n in buckets.items()
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
