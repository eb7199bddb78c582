"""Daily roll-ups per time zone, kept current by the scheduler, and the one
way the reports read them.

A *fact* is a roll-up table and the function that counts consecutive local
days into its rows (``count(days)``: a row per local day and combination of
key columns, with its counts; ``days`` is a ``reports.service.days.Days``).
The same function fills the table (``recount_days``, a week of days per
count) and answers for the days not rolled up yet, so a figure is the same
whichever way it was read; the tests compare both with counts of their own.

How the rows stay current (``roll``, the ``reports-rollup`` job): for every
time zone a staff member uses, each local day that has ended is counted once;
then every ticket changed since the last run (``updated_at``, which every
timeline event touches) has the local days of its registration, resolution,
rating and events recounted - a reopened ticket leaves its old resolution
day, a moved ticket its old line. Reads take the rolled-up days from the
tables and count the rest (today, and any day not rolled up yet) from the
tickets: a figure of an old day may lag a change by one job interval, never
a new ticket. Each run is bounded (``max_days`` new days a run); ``rebuild``
counts everything at once (``flask reports rollups --rebuild``). Whole months
and weeks also get a row each ("M", "W": the sum of their day rows), so a
long period reads few rows (``spans``); a *projection* is a fact whose rows
sum another's over fewer keys (an unfiltered series reads a row a day).

On PostgreSQL a zone's state row is claimed with ``FOR UPDATE SKIP LOCKED``,
so two schedulers never count the same zone at once.

Limits: a zone nobody used before (a manager moved to another time zone) is
counted from the tickets until the job has caught up with it, a few weeks of
days per run; a requester's organisation renamed later leaves older ratings
under the old name until ``rebuild``; rows loaded around the ORM with an old
``updated_at`` (imports, benchmarks) need ``rebuild``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from helpdesk.extensions import db
from helpdesk.models import Rating, Ticket, TicketEvent, User
from helpdesk.vocabulary import STAFF_ROLES
from reports.models import ReportRollupState
from reports.periods import Period, local_date, week_of, zone_of
from reports.service.days import Days

log = logging.getLogger(__name__)

# Transactions still open when the job reads "changed since" commit a little
# later with an earlier updated_at: look back this far again each run.
OVERLAP = timedelta(minutes=10)
MAX_DAYS_PER_RUN = 62
_CHUNK = 500


# Local days counted by one call of a fact's ``count``: a few statements a
# week of days, and a bounded number of rows in memory.
DAYS_PER_COUNT = 7


@dataclass(frozen=True)
class Fact:
    """A roll-up table (``model``: zone, day, ``keys``, ``counts``) and how
    consecutive local days are counted into its rows (each with its "day")."""

    name: str
    model: Any
    keys: tuple[str, ...]
    counts: tuple[str, ...]
    count: Callable[[Days], Iterable[dict]]
    # A projection's parent: this fact's rows are its rows summed over fewer keys.
    parent: Fact | None = None


FACTS: dict[str, Fact] = {}


def shared(name: str, days: Days, compute: Callable[[], Any]) -> Any:
    """``compute()`` once for facts that read the same rows of the same days
    (the flow and its times, the agents and their times, a fact and its
    projections): the last answer per name is kept in the session, which
    ends with its request or job run; ``recount_days`` forgets it first."""
    cache = db.session.info.setdefault("reports.shared", {})
    if name not in cache or cache[name][0] != days:
        cache[name] = (days, compute())
    return cache[name][1]


def _forget_shared(session: Session | None = None) -> None:
    (session or db.session).info.pop("reports.shared", None)


# Rows written in the session may change what was counted: forget it.
for _event in ("after_flush", "after_commit", "after_soft_rollback"):
    sa.event.listen(Session, _event, lambda session, *_: _forget_shared(session))


def register(fact: Fact) -> Fact:
    FACTS[fact.name] = fact
    return fact


def projection(name: str, model: Any, parent: Fact, keys: tuple[str, ...]) -> Fact:
    """Register a fact whose rows are ``parent``'s summed over fewer key
    columns (``keys``): an unfiltered figure then reads one row per day or
    month and remaining key, not one per combination of the parent's keys.
    Counted from ``parent.count`` itself, so both always agree."""

    def count(days: Days) -> list[dict]:
        rows = shared(parent.name, days, lambda: list(parent.count(days)))
        return merge_rows(rows, (*keys, "day"), parent.counts)

    return register(Fact(name, model, keys, parent.counts, count, parent=parent))


def counted(fact: Fact, days: Days) -> list[dict]:
    """``fact.count(days)``, kept for its projections (see ``shared``)."""
    return shared(fact.name, days, lambda: list(fact.count(days)))


# --- counting days ---------------------------------------------------------------


def recount_days(zone: str, first: date, end: date) -> int:
    """Replace every fact's day rows of local days ``[first, end)`` in
    ``zone``, counting ``DAYS_PER_COUNT`` days at a time; flushes. Answers
    how many rows were written."""
    written = 0
    _forget_shared()
    for days in Days.of(zone, first, end).chunks(DAYS_PER_COUNT):
        for fact in FACTS.values():
            table = fact.model.__table__
            db.session.execute(
                table.delete().where(
                    table.c.zone == zone,
                    table.c.grain == "D",
                    table.c.day >= days.first,
                    table.c.day < days.day(len(days)),
                )
            )
            rows = [
                {"zone": zone, "grain": "D", **row}
                for row in counted(fact, days)
                if any(row[c] for c in fact.counts)
            ]
            if rows:
                db.session.execute(table.insert(), rows)
                written += len(rows)
        _forget_shared()
    return written


def _runs(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Sorted days as runs of consecutive days ``[first, end)``."""
    first = end = None
    for day in sorted(days):
        if first is not None and day == end:
            end += timedelta(days=1)
            continue
        if first is not None:
            yield first, end
        first, end = day, day + timedelta(days=1)
    if first is not None:
        yield first, end


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


# Grains of the summed rows: a row per whole local month and per whole week
# (Monday to Sunday), dated by its first day.
SPANS = {"M": (month_of, next_month), "W": (week_of, lambda d: d + timedelta(days=7))}


def recount_span(zone: str, grain: str, first: date) -> None:
    """Replace every fact's ``grain`` row that begins on ``first`` (a month
    or a week) by the sum of its day rows (in SQL); flushes."""
    end = SPANS[grain][1](first)
    for fact in FACTS.values():
        table = fact.model.__table__
        db.session.execute(
            table.delete().where(
                table.c.zone == zone, table.c.grain == grain, table.c.day == first
            )
        )
        keys = [table.c[k] for k in fact.keys]
        sums = sa.select(
            sa.literal(zone),
            sa.literal(grain),
            sa.literal(first, sa.Date),
            *keys,
            *(sa.func.sum(table.c[c]) for c in fact.counts),
        ).where(
            table.c.zone == zone,
            table.c.grain == "D",
            table.c.day >= first,
            table.c.day < end,
        )
        # No keys: one row - none at all for a month without day rows.
        sums = sums.group_by(*keys) if keys else sums.having(sa.func.count() > 0)
        columns = ["zone", "grain", "day", *fact.keys, *fact.counts]
        db.session.execute(table.insert().from_select(columns, sums))


def zones_in_use() -> list[str]:
    """The time zones of active staff (whose reports are read in them)."""
    names = db.session.scalars(
        sa.select(User.timezone)
        .where(User.role.in_(sorted(STAFF_ROLES)), User.active.is_(True))
        .distinct()
    )
    return sorted({zone_of(name) for name in names})


def roll(
    *, now: datetime, max_days: int | None = MAX_DAYS_PER_RUN, changes: bool = True
) -> dict[str, int]:
    """One run of the job: for each zone in use, count the local days that
    ended since the last run (at most ``max_days``, oldest first) and recount
    the days touched by changed tickets (unless ``changes`` is false: a
    later step of the same run). Idempotent: a doubled run recounts the same
    days to the same rows. Flushes; the caller commits. Answers the days
    counted per zone."""
    done = {}
    for zone in zones_in_use():
        state = _claim(zone)
        if state is not None:
            done[zone] = _roll_zone(state, now=now, max_days=max_days, changes=changes)
    return done


def _claim(zone: str) -> ReportRollupState | None:
    query = sa.select(ReportRollupState).where(ReportRollupState.zone == zone)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    state = db.session.scalar(query)
    if state is None:
        # Locked by another scheduler (PostgreSQL): it counts this zone now.
        taken = sa.select(ReportRollupState.zone).where(ReportRollupState.zone == zone)
        if db.session.scalar(taken) is not None:
            return None
        state = ReportRollupState(zone=zone)
        db.session.add(state)
    return state


def _roll_zone(
    state: ReportRollupState,
    *,
    now: datetime,
    max_days: int | None,
    changes: bool = True,
) -> int:
    zone = state.zone
    yesterday = local_date(now, zone) - timedelta(days=1)
    days: set[date] = set()
    if state.rolled_through is not None and state.checked_at is not None:
        if changes:
            touched = changed_days(zone, since=state.checked_at - OVERLAP)
            days |= {d for d in touched if d <= state.rolled_through}
        first_new = state.rolled_through + timedelta(days=1)
    else:
        first_new = _first_day(zone) or yesterday + timedelta(days=1)
    last_new = yesterday
    if max_days is not None:
        last_new = min(last_new, first_new + timedelta(days=max_days - 1))
    day = first_new
    while day <= last_new:
        days.add(day)
        day += timedelta(days=1)
    for first, end in _runs(days):
        recount_days(zone, first, end)
    if last_new >= first_new or state.rolled_through is None:
        state.rolled_through = max(last_new, first_new - timedelta(days=1))
    # The month and week rows of every complete month or week a recounted
    # day belongs to.
    for grain, (start_of, after) in SPANS.items():
        for first in sorted({start_of(d) for d in days}):
            if after(first) - timedelta(days=1) <= state.rolled_through:
                recount_span(zone, grain, first)
    if changes or state.checked_at is None:
        state.checked_at = now
    db.session.flush()
    log.info(
        "reports.rollup zone=%s days=%s through=%s",
        zone,
        len(days),
        state.rolled_through,
    )
    return len(days)


def _first_day(zone: str) -> date | None:
    first = db.session.scalar(sa.select(sa.func.min(Ticket.created_at)))
    return local_date(first, zone) if first else None


def changed_days(zone: str, *, since: datetime) -> set[date]:
    """The local days whose figures a ticket changed at or after ``since``
    may have touched: its registration, resolution and rating, and every
    event of its timeline; plus the days of knowledge-base and defect rows
    written since (see ``EXTRA_CHANGES``)."""
    instants: list[datetime] = []
    changed = db.session.execute(
        sa.select(Ticket.id, Ticket.created_at, Ticket.resolved_at).where(
            Ticket.updated_at >= since
        )
    ).all()
    for _id, created_at, resolved_at in changed:
        instants += [created_at] + ([resolved_at] if resolved_at else [])
    ids = [row[0] for row in changed]
    for chunk in _chunks(ids):
        instants += db.session.scalars(
            sa.select(TicketEvent.created_at).where(TicketEvent.ticket_id.in_(chunk))
        )
        instants += db.session.scalars(
            sa.select(Rating.created_at).where(Rating.ticket_id.in_(chunk))
        )
    for column in EXTRA_CHANGES:
        instants += db.session.scalars(sa.select(column).where(column >= since))
    return {local_date(at, zone) for at in instants}


# Instants of rows outside the tickets that facts count (deflections, links,
# defects): their days are recounted when rows appear after ``since``.
EXTRA_CHANGES: list[Any] = []


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def rebuild(zone: str | None = None, *, now: datetime) -> dict[str, int]:
    """Forget and recount every roll-up (of ``zone``, or of every zone in
    use) up to yesterday; flushes."""
    zones = [zone] if zone else zones_in_use()
    for name in zones:
        for fact in FACTS.values():
            table = fact.model.__table__
            db.session.execute(table.delete().where(table.c.zone == name))
        db.session.execute(
            sa.delete(ReportRollupState).where(ReportRollupState.zone == name)
        )
    db.session.flush()
    done = {}
    for name in zones:
        state = _claim(name)
        if state is not None:
            done[name] = _roll_zone(state, now=now, max_days=None)
    return done


# --- reading ----------------------------------------------------------------------


def forget_from(instant: datetime) -> None:
    """Days from ``instant``'s on must be counted again (tickets imported
    with old dates): every zone's roll-ups are marked complete only up to
    the day before, so the job recounts the rest and reads count them from
    the tickets meanwhile. One UPDATE per zone; flushes nothing else."""
    for state in db.session.scalars(sa.select(ReportRollupState)):
        day = local_date(instant, state.zone) - timedelta(days=1)
        if state.rolled_through is not None and state.rolled_through > day:
            state.rolled_through = day


def rolled_through(zone: str) -> date | None:
    return db.session.scalar(
        sa.select(ReportRollupState.rolled_through).where(
            ReportRollupState.zone == zone
        )
    )


def read(
    fact: Fact,
    period: Period,
    *,
    group: tuple[str, ...],
    where: Mapping[str, Any] | None = None,
) -> dict[tuple, dict[str, int]]:
    """The fact's counts over ``period``, summed by ``group`` (key columns,
    and "day" for the local date); ``where`` keeps rows whose key equals the
    value (None: no condition). Rolled-up days from the table, the rest
    counted now."""
    where = {k: v for k, v in (where or {}).items() if v is not None}
    through = rolled_through(period.zone)
    split = (
        period.first
        if through is None
        else max(period.first, through + timedelta(days=1))
    )
    out: dict[tuple, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(fact.counts, 0)
    )
    if split > period.first:
        _read_table(
            fact, period.zone, period.first, min(split, period.end), group, where, out
        )
    if split >= period.end:
        return dict(out)
    for days in Days.of(period.zone, split, period.end).chunks(DAYS_PER_COUNT):
        for row in counted(fact, days):
            if all(row[k] == v for k, v in where.items()):
                sums = out[tuple(row[g] for g in group)]
                for c in fact.counts:
                    sums[c] += row[c]
    return dict(out)


def spans(first: date, end: date) -> list[tuple[str, date, date]]:
    """Local days ``[first, end)`` as the fewest rows that sum them:
    (grain, first, end) - whole months, then whole weeks of the partial
    months at either end, then days."""
    month_first = first if first.day == 1 else next_month(first)
    month_end = month_of(end)
    if month_first >= month_end:
        return _week_spans(first, end)
    return [
        *_week_spans(first, month_first),
        ("M", month_first, month_end),
        *_week_spans(month_end, end),
    ]


def _week_spans(first: date, end: date) -> list[tuple[str, date, date]]:
    week_first = first if first.weekday() == 0 else week_of(first) + timedelta(days=7)
    week_end = week_of(end)
    if week_first >= week_end:
        return [("D", first, end)] if first < end else []
    out = [("D", first, week_first), ("W", week_first, week_end), ("D", week_end, end)]
    return [span for span in out if span[1] < span[2]]


def _read_table(fact, zone, first, end, group, where, out) -> None:
    """Sum the rolled-up rows of local days ``[first, end)``: month and week
    rows where whole ones fit (unless the figures go by day), the rest by
    day - one primary-key range per span, in one UNION ALL (an OR of the
    ranges reads every row of the zone on SQLite)."""
    table = fact.model.__table__
    ranges = [("D", first, end)] if "day" in group else spans(first, end)
    columns = [table.c[g] for g in group] + [table.c[c] for c in fact.counts]
    parts = [
        sa.select(*columns).where(
            table.c.zone == zone,
            table.c.grain == grain,
            table.c.day >= low,
            table.c.day < high,
            *(table.c[k] == v for k, v in where.items()),
        )
        for grain, low, high in ranges
    ]
    rows = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    query = sa.select(
        *(rows.c[g] for g in group),
        *(sa.func.sum(rows.c[c]).label(c) for c in fact.counts),
    ).group_by(*(rows.c[g] for g in group))
    for row in db.session.execute(query):
        sums = out[tuple(row[: len(group)])]
        for c, value in zip(fact.counts, row[len(group) :], strict=True):
            sums[c] += int(value or 0)


def merge_rows(
    rows: Iterable[dict], keys: tuple[str, ...], counts: tuple[str, ...]
) -> list[dict]:
    """Rows of several queries with the same keys summed into one each."""
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        target = merged.setdefault(
            key, {k: row[k] for k in keys} | dict.fromkeys(counts, 0)
        )
        for c in counts:
            target[c] += int(row.get(c) or 0)
    return list(merged.values())
