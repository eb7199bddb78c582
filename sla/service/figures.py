"""The dashboard's figures from the roll-ups (``rollups``) and the backlog's
counters (``backlog``).

The period is whole UTC days (``Filters``): its whole calendar months are
read from the monthly roll-ups, its other days from the daily ones, so a
year reads about what a month does and no figure visits a ticket or a clock.

- compliance: by line, priority, policy and target from the day rows of the
  partial months and the month rows (a few hundred rows summed in SQL into a
  few dozen); by day or week from the period's rows of ``sla_daily_outcomes``
  (one per day and line), the weeks tallied here;
- times: one row per target, day (or month) and channel group, for the line
  asked or for every line (line 0), its ~9 % buckets' counts packed in it:
  counts and means are sums, a median's bucket is found in the summed
  histogram, then the part (a 64th of the bucket) holding its rank in
  ``sla_*_parts``, then its exact value in ``sla_*_values`` - one statement
  per level for all six medians, each reading a few hundred short rows
  however long the period.

Each figure equals ``figures_raw``'s.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa

from helpdesk.extensions import db
from sla.models import (
    ALL_LINES,
    SlaDailyCompliance,
    SlaDailyOutcomes,
    SlaDailyParts,
    SlaDailyTimes,
    SlaDailyValues,
    SlaMonthlyCompliance,
    SlaMonthlyParts,
    SlaMonthlyTimes,
    SlaMonthlyValues,
    Target,
)
from sla.service import backlog as counters
from sla.service.figures_raw import CHANNEL_GROUPS, compliance_figures, time_figures
from sla.service.rollup_keys import EXACT_SECONDS, PARTS
from sla.service.rollups import TIMED_TARGETS


def backlog(f) -> list[dict]:
    """As ``figures_raw.backlog``, from the counters the triggers keep."""
    return counters.backlog(f.line)


# --- the period as day and month spans ------------------------------------------------


def whole_months(f) -> tuple[date, date] | None:
    """``[first, last)``: the first days of the months wholly in the period."""
    start, end = f.start.date(), f.end.date()
    first = start if start.day == 1 else _next_month(start)
    last = end.replace(day=1)
    return (first, last) if first < last else None


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _spans(f, daily, monthly) -> list[tuple[Any, sa.ColumnElement, date, date]]:
    """``(model, its period column, first, last)`` covering the period: the
    days before and after its whole months from ``daily``, those months from
    ``monthly``; empty spans left out."""
    start, end = f.start.date(), f.end.date()
    months = whole_months(f)
    if months is None:
        spans = [(daily, daily.day, start, end)]
    else:
        spans = [
            (daily, daily.day, start, months[0]),
            (monthly, monthly.month, *months),
            (daily, daily.day, months[1], end),
        ]
    return [span for span in spans if span[2] < span[3]]


def _union(f, daily, monthly, columns, *where, lines=None) -> sa.Subquery:
    """``columns`` (names) of the period's rows of ``daily`` and ``monthly``
    as one ``UNION ALL``: of ``f.line`` if set, or as ``lines(model, line)``
    picks them."""
    parts = []
    for model, period, first, last in _spans(f, daily, monthly):
        conditions = [period >= first, period < last, *(w(model) for w in where)]
        if lines is not None:
            conditions.append(lines(model, f.line))
        elif f.line:
            conditions.append(model.line == f.line)
        parts.append(
            sa.select(*(getattr(model, c) for c in columns)).where(*conditions)
        )
    return (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery()


# --- compliance ------------------------------------------------------------------------


class PeriodCounts(NamedTuple):
    bucket: str
    met: int
    breached: int
    no_response: int


def compliance(f) -> dict[str, Any]:
    """As ``figures_raw.compliance``: the period's counts by line, priority,
    policy and target, and by day or week, tallied by
    ``compliance_figures``."""
    return compliance_figures(_by_dimensions(f), _by_period(f))


_OUTCOMES = ("met", "breached", "no_response")
_DIMENSIONS = ("line", "priority", "policy_id", "target")


def _by_dimensions(f) -> list[Any]:
    rows = _union(f, SlaDailyCompliance, SlaMonthlyCompliance, _DIMENSIONS + _OUTCOMES)
    dims = [rows.c[d] for d in _DIMENSIONS]
    sums = [sa.func.sum(rows.c[o]).label(o) for o in _OUTCOMES]
    # A group whose clocks all moved elsewhere sums to zero: not a figure.
    decided = sa.func.sum(rows.c.met + rows.c.breached + rows.c.no_response) > 0
    query = sa.select(*dims, *sums).group_by(*dims).having(decided)
    return list(db.session.execute(query))


def _by_period(f) -> list[PeriodCounts]:
    """The period's counts per UTC day, summed in the day rows' key order
    (no sort), then per week (from its Monday) if asked."""
    c = SlaDailyOutcomes
    where = [c.day >= f.start.date(), c.day < f.end.date()]
    if f.line:
        where.append(c.line == f.line)
    query = (
        sa.select(c.day, *(sa.func.sum(getattr(c, o)) for o in _OUTCOMES))
        .where(*where)
        .group_by(c.day)
    )
    tallies: dict[date, list[int]] = {}
    for day, *counts in db.session.execute(query):
        if not any(counts):
            continue
        if f.period == "week":
            day -= timedelta(days=day.weekday())
        tally = tallies.setdefault(day, [0, 0, 0])
        for i, n in enumerate(counts):
            tally[i] += int(n)
    return [PeriodCounts(day.isoformat(), *tally) for day, tally in tallies.items()]


# --- times -----------------------------------------------------------------------------


def times(f) -> dict[str, dict]:
    """As ``figures_raw.times``, from the roll-ups: one statement for the
    period's histograms, then for each median's bucket one for its parts and
    one for its part's values (shared by the medians that fall there)."""
    clocks: Counter = Counter()
    seconds: Counter = Counter()
    histograms: dict[tuple, Counter] = defaultdict(Counter)
    columns = ("target", "channel_group", "clocks", "seconds", "clocks_by_bucket")
    rows = _union(f, SlaDailyTimes, SlaMonthlyTimes, columns, _timed, lines=_rolled)
    for row in db.session.execute(sa.select(rows)):
        key = (Target(row.target), row.channel_group)
        clocks[key] += int(row.clocks)
        seconds[key] += int(row.seconds or 0)
        _add_cells(histograms[key], row.clocks_by_bucket)
    for target in TIMED_TARGETS:
        for total in (clocks, seconds):
            total[(target, None)] = sum(total[(target, g)] for g in CHANNEL_GROUPS)
        histograms[(target, None)] = sum(
            (histograms[(target, g)] for g in CHANNEL_GROUPS), Counter()
        )
    wanted = {
        (target, group): (histograms[(target, group)], clocks[(target, group)])
        for target in TIMED_TARGETS
        for group in (None, *CHANNEL_GROUPS)
    }
    median = medians(f, wanted)
    result = {}
    for target in TIMED_TARGETS:

        def figures(group, target=target):
            key = (target, group)
            return time_figures(clocks[key], seconds[key], median[key])

        result[target.value] = figures(None) | {
            "by_channel": {g: figures(g) for g in CHANNEL_GROUPS}
        }
    return result


def _timed(model) -> sa.ColumnElement:
    return model.target.in_([t.value for t in TIMED_TARGETS])


def _rolled(model, line: int | None) -> sa.ColumnElement:
    """The times' and parts' rows of ``line``; of every line: their own rows."""
    return model.line == (line or ALL_LINES)


def _of_line(model, line: int | None) -> sa.ColumnElement:
    """The values' rows of ``line`` (every line's if none)."""
    return model.line == line if line else sa.true()


def _add_cells(into: Counter, cells: dict[str, int]) -> None:
    """Add a packed histogram (``{"<key>": n}``; a key at 0 may stay); the
    keys stay text until a rank is looked for (``_locate``)."""
    get = into.get
    for key, n in cells.items():
        into[key] = get(key, 0) + n


def medians(f, wanted: dict[tuple, tuple[Counter, int]]) -> dict[tuple, float | None]:
    """Exact medians of the period's times, for each ``(target, group)``
    (every group if none) with its histogram and count: each middle rank is
    followed down from its bucket (the histogram) to one of the bucket's 64
    parts (``sla_*_parts``), then to its value (``sla_*_values``) - one
    statement per level for all the ranks. A bucket below a minute is one
    second wide: its value is known at once."""
    ranks = {
        key: [Rank(key[0], key[1], r) for r in sorted({(n - 1) // 2, n // 2})]
        for key, (_histogram, n) in wanted.items()
        if n
    }
    searches = [rank for key_ranks in ranks.values() for rank in key_ranks]
    for rank in searches:
        rank.step(wanted[(rank.target, rank.group)][0])
        if rank.at is not None and rank.at < EXACT_SECONDS:
            rank.value = rank.at
    for level in (PARTS_LEVEL, VALUES_LEVEL):
        open_ = [r for r in searches if r.value is None and r.at is not None]
        read = _read_level(f, level, {(r.target, r.at) for r in open_})
        for rank in open_:
            bucket = rank.at
            rank.step(_of_group(read.get((rank.target, rank.at), {}), rank.group))
            if level is PARTS_LEVEL and rank.at is not None:
                rank.at += bucket * PARTS  # the part's id
            elif level is VALUES_LEVEL:
                rank.value = rank.at
    result: dict[tuple, float | None] = dict.fromkeys(wanted)
    for key, key_ranks in ranks.items():
        middle = [rank.value for rank in key_ranks]
        if None not in middle:  # else the roll-ups disagree: no figure
            result[key] = sum(middle) / len(middle)
    return result


@dataclass
class Rank:
    """One middle rank's search: where it is (a bucket, then a part) and its
    rank there, until its value is found."""

    target: Target
    group: str | None
    rank: int
    at: int | None = None
    value: int | None = None

    def step(self, counts: Counter) -> None:
        """Go down to the key of ``counts`` holding the rank."""
        self.at, self.rank = _locate(counts, self.rank)


def _of_group(by_group: dict[str, Counter], group: str | None) -> Counter:
    if group is not None:
        return by_group.get(group, Counter())
    return sum(by_group.values(), Counter())


def _read_level(f, level: Level, needed: set[tuple]) -> dict[tuple, dict[str, Counter]]:
    """The period's packed counts of each ``(target, key)`` of ``needed`` (a
    bucket's parts or a part's values) by channel group, in one statement."""
    keys_of: dict[Target, list[int]] = defaultdict(list)
    for target, key in sorted(needed):
        keys_of[target].append(key)
    parts = []
    columns = ("target", level.key, "channel_group", level.cells)
    for target, keys in keys_of.items():
        for model, period, first, last in _spans(f, level.daily, level.monthly):
            where = [
                model.target == target.value,
                getattr(model, level.key).in_(keys),
                period >= first,
                period < last,
                level.lines(model, f.line),
            ]
            parts.append(sa.select(*(getattr(model, c) for c in columns)).where(*where))
    if not parts:
        return {}
    query = sa.union_all(*parts) if len(parts) > 1 else parts[0]
    read: dict[tuple, dict[str, Counter]] = {}
    for target, key, group, cells in db.session.execute(query):
        by_group = read.setdefault((Target(target), key), defaultdict(Counter))
        _add_cells(by_group[group], cells)
    return read


class Level(NamedTuple):
    """A median's step below the bucket: its tables, their key column, the
    packed counts' column, and which lines' rows to read."""

    daily: Any
    monthly: Any
    key: str
    cells: str
    lines: Callable


PARTS_LEVEL = Level(SlaDailyParts, SlaMonthlyParts, "bucket", "clocks_by_part", _rolled)
VALUES_LEVEL = Level(
    SlaDailyValues, SlaMonthlyValues, "part", "clocks_by_seconds", _of_line
)


def _locate(counts: Counter, rank: int) -> tuple[int | None, int]:
    """The key holding 0-based ``rank`` among ``counts`` (text keys of
    integers) in ascending order, and the rank within that key's count."""
    below = 0
    for key in sorted(counts, key=int):
        if rank < below + counts[key]:
            return int(key), rank - below
        below += counts[key]
    return None, rank
