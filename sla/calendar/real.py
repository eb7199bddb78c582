"""Business time over real (UTC) time: the wall-clock count of
:mod:`sla.calendar.wall` read through the zone's UTC offsets.

Between two DST transitions the offset ``o`` is fixed, so the business time of
``[a, b)`` is ``F(b + o) - F(a + o)``. Summed over the pieces of a span that
is ``F(reading at b) - F(reading at a)`` plus, for each transition ``T`` in
between, ``F(T + o_before) - F(T + o_after)``: a fall-back adds the open time of
the repeated readings, a spring-forward takes away that of the skipped ones.
A :class:`_Table` holds those corrections summed, for a range of UTC years, so
the cumulative business time ``B(t)`` of any instant in it is two bisections
away, and so is its inverse. Instants are integer microseconds (see
:mod:`sla.calendar.zones`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sla.calendar.wall import DAY, WallTime
from sla.calendar.zones import (
    LAST_YEAR,
    offset,
    year_of,
    year_start,
    year_transitions,
    zone,
)

#: 400 Gregorian years: 146,097 days, 20,871 weeks. Weekdays, dates and a
#: zone's recurring DST rule all repeat after it.
CYCLE_YEARS = 400
CYCLE = 146_097 * DAY
# From this year on, no zone has transitions of its own, only its rule.
_RULES_ONLY_FROM = 2100


@dataclass(frozen=True, slots=True)
class _Table:
    """``B(t)`` for instants of the UTC years ``first..last``, relative to an
    arbitrary origin: only differences within one table mean anything."""

    first: int
    last: int
    lo: int  # 1 January `first`, 00:00 UTC
    hi: int  # 1 January `last + 1`
    base: int  # the offset at `lo`
    at: list[int]  # transition instants, ascending
    after: list[int]  # the offset from at[i] on
    total: list[int]  # corrections summed up to and including at[i]
    reached: list[int]  # B(at[i])
    top: int  # B(hi)

    def business(self, wall: WallTime, t: int) -> int:
        i = bisect_right(self.at, t) - 1
        if i < 0:
            return wall.opened(t + self.base)
        return wall.opened(t + self.after[i]) + self.total[i]

    def reach(self, wall: WallTime, goal: int, t_from: int) -> int:
        """The earliest instant with ``B >= goal``, given ``B(t_from) < goal
        <= B(hi)``: find the piece by its starting ``B``, then invert ``F``."""
        i = bisect_left(self.reached, goal) - 1
        if i < 0:
            off, correction, piece = self.base, 0, self.lo
        else:
            off, correction, piece = self.after[i], self.total[i], self.at[i]
        return wall.reach(goal - correction, max(piece, t_from) + off) - off


def _build(zone_name: str, wall: WallTime, first: int, last: int) -> _Table:
    base, _ = year_transitions(zone_name, first)
    at: list[int] = []
    after: list[int] = []
    total: list[int] = []
    reached: list[int] = []
    correction = 0
    for year in range(first, last + 1):
        for t, before, now in year_transitions(zone_name, year)[1]:
            correction += wall.opened(t + before) - wall.opened(t + now)
            at.append(t)
            after.append(now)
            total.append(correction)
            reached.append(wall.opened(t + now) + correction)
    lo, hi = year_start(first), year_start(last + 1)
    top = wall.opened(hi + (after[-1] if after else base)) + correction
    return _Table(first, last, lo, hi, base, at, after, total, reached, top)


class RealTime:
    """One calendar's business time over real time, with its cached table.

    ``plain`` marks a calendar open at every instant (24x7 without holidays).
    The table only grows; a new one replaces the old whole, so a concurrent
    reader keeps a consistent one.
    """

    def __init__(self, zone_name: str, wall: WallTime, *, plain: bool) -> None:
        self.zone_name = zone_name
        self.tz = zone(zone_name)
        self.wall = wall
        self.plain = plain
        last_holiday = (
            date.fromordinal(wall.holidays[-1] + 1).year if wall.holidays else 0
        )
        # A local date lies within a day of its UTC date: one year of margin.
        self.cycle_year = max(_RULES_ONLY_FROM, last_holiday + 2)
        self.cycle_from: int | None = None
        if self.cycle_year + CYCLE_YEARS < LAST_YEAR:
            self.cycle_from = year_start(self.cycle_year)
        self._cycle_total: int | None = None
        self._table: _Table | None = None

    # --- the public operations, in microseconds ----------------------------

    def between(self, a: int, b: int) -> int:
        """Business microseconds in ``[a, b)``, ``a < b``."""
        if self.plain:
            return b - a
        if self.wall.week_total == 0:
            return 0
        table = self._table
        if table is not None and table.lo <= a and b <= table.hi:  # the usual case
            return table.business(self.wall, b) - table.business(self.wall, a)
        (a, cycles_a), (b, cycles_b) = self._fold(a), self._fold(b)
        first, last = year_of(min(a, b)), year_of(max(a, b))
        if cycles_b:
            first, last = min(first, self.cycle_year), self.cycle_year + CYCLE_YEARS
        table = self._covering(first, last)
        spent = table.business(self.wall, b) - table.business(self.wall, a)
        if cycles_b:
            spent += (cycles_b - cycles_a) * self._cycle_business(table)
        return spent

    def add(self, a: int, amount: int) -> int | None:
        """The earliest instant with ``amount > 0`` business microseconds
        since ``a``, or None if it is past every year a date can hold."""
        if self.plain:
            return a + amount
        a, cycles = self._fold(a)
        table = self._table
        if table is not None and table.lo <= a <= table.hi:  # the usual case
            goal = table.business(self.wall, a) + amount
            if goal <= table.top:
                return table.reach(self.wall, goal, a) + cycles * CYCLE
        first = year_of(a)
        # A first guess from whole weeks; holidays and DST may need more.
        last = first + (amount // self.wall.week_total + 1) * 7 // 365 + 1
        while True:
            if self.cycle_from is not None and last >= self.cycle_year + CYCLE_YEARS:
                return self._add_over_cycles(a, cycles, amount)
            last = min(last, LAST_YEAR)
            table = self._covering(first, last)
            goal = table.business(self.wall, a) + amount
            if goal <= table.top:
                return table.reach(self.wall, goal, a) + cycles * CYCLE
            if last == LAST_YEAR:
                return None
            last = first + 2 * (last - first + 1)

    def is_open(self, t: int) -> bool:
        if self.plain:
            return True
        return self.wall.is_open(t + offset(self.tz, t))

    def periods(self, a: int, b: int) -> Iterator[tuple[int, int]]:
        """Merged open periods within ``[a, b)``, clipped, in order."""
        if b <= a:
            return
        if self.plain:
            yield a, b
            return
        pending: tuple[int, int] | None = None
        for p, q, off in self._pieces(a, b):
            for lo, hi in self.wall.ranges(p + off, q + off):
                lo, hi = lo - off, hi - off
                if pending and lo <= pending[1]:
                    pending = (pending[0], max(pending[1], hi))
                else:
                    if pending:
                        yield pending
                    pending = (lo, hi)
        if pending:
            yield pending

    # --- helpers --------------------------------------------------------------

    def _covering(self, first: int, last: int) -> _Table:
        table = self._table
        if table is not None:
            if table.first <= first and last <= table.last:
                return table
            first, last = min(first, table.first), max(last, table.last)
        table = self._table = _build(self.zone_name, self.wall, first, last)
        return table

    def _fold(self, t: int) -> tuple[int, int]:
        """``t`` moved back by whole cycles into ``(cycle_from, cycle_from +
        CYCLE]`` if it lies past that, and how many cycles."""
        start = self.cycle_from
        if start is None or t <= start + CYCLE:
            return t, 0
        cycles = (t - start - 1) // CYCLE
        return t - cycles * CYCLE, cycles

    def _cycle_business(self, table: _Table) -> int:
        """Business microseconds in one cycle from ``cycle_from`` (any cycle
        from there on holds as much); ``table`` must cover it."""
        if self._cycle_total is None:
            start = self.cycle_from
            assert start is not None
            self._cycle_total = table.business(
                self.wall, start + CYCLE
            ) - table.business(self.wall, start)
        return self._cycle_total

    def _add_over_cycles(self, a: int, cycles: int, amount: int) -> int:
        start = self.cycle_from
        assert start is not None
        first = min(year_of(a), self.cycle_year)
        table = self._covering(first, self.cycle_year + CYCLE_YEARS)
        goal = table.business(self.wall, a) + amount
        end = table.business(self.wall, start + CYCLE)
        t_from = a
        if goal > end:
            # Whole cycles past the first one, then the rest inside it.
            per_cycle = self._cycle_business(table)
            more = -(-(goal - end) // per_cycle)
            goal -= more * per_cycle
            cycles += more
            t_from = start
        return table.reach(self.wall, goal, t_from) + cycles * CYCLE

    def _pieces(self, a: int, b: int) -> Iterator[tuple[int, int, int]]:
        """``[a, b)`` cut at the DST transitions: ``(from, to, offset)``."""
        table = self._covering(year_of(a), year_of(b))
        i = bisect_right(table.at, a) - 1
        off = table.after[i] if i >= 0 else table.base
        p = a
        for j in range(i + 1, bisect_left(table.at, b)):
            yield p, table.at[j], off
            p, off = table.at[j], table.after[j]
        yield p, b, off
