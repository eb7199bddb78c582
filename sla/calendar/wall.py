"""Open time on the local wall clock, as a cumulative count — pure integers.

A *wall time* is a reading of the calendar's local clock, as integer
microseconds since 0001-01-01 00:00 (a Monday), so ``w // DAY`` is the date's
``toordinal() - 1`` and ``w // DAY % 7`` its weekday. :class:`WallTime` knows
the weekly open pattern and the holidays and answers, in O(log n):

* ``opened(w)`` — open microseconds of wall time before ``w`` (from the
  epoch), holidays removed: ``F(w)``;
* ``reach(x, w_lo)`` — the earliest ``w`` with ``F(w) >= x``.

It knows nothing of time zones: the caller turns real instants into wall
times with the UTC offset in force and accounts for DST (see the package).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from datetime import date

US = 1_000_000
DAY = 86_400 * US
WEEK = 7 * DAY
_MINUTE = 60 * US
_WEEK_MINUTES = 7 * 1440


class WallTime:
    """The weekly pattern and the holidays of one calendar, precomputed."""

    def __init__(
        self, intervals: Iterable[tuple[int, int, int]], holidays: Iterable[date]
    ) -> None:
        ranges = _week_ranges(intervals)
        self.los = [lo for lo, _ in ranges]
        self.his = [hi for _, hi in ranges]
        # Open microseconds of the week before each range, and up to its end.
        self.before: list[int] = []
        self.through: list[int] = []
        total = 0
        for lo, hi in ranges:
            self.before.append(total)
            total += hi - lo
            self.through.append(total)
        #: Open microseconds in a week without holidays.
        self.week_total = total
        #: Per weekday: its open wall ranges, relative to its midnight.
        self.day_ranges = [_clip(ranges, d * DAY, (d + 1) * DAY) for d in range(7)]
        daily = [sum(hi - lo for lo, hi in rs) for rs in self.day_ranges]
        # Holidays as day numbers, sorted, with the open time they remove
        # (their weekday's) summed up to each: a bisect counts them.
        self.holidays = sorted(day.toordinal() - 1 for day in holidays)
        self.removed = [0]
        for day in self.holidays:
            self.removed.append(self.removed[-1] + daily[day % 7])

    def plain(self, w: int) -> int:
        """Open microseconds before wall time ``w``, ignoring holidays."""
        weeks, rest = divmod(w, WEEK)
        i = bisect_right(self.los, rest) - 1
        if i < 0:
            return weeks * self.week_total
        return (
            weeks * self.week_total
            + self.before[i]
            + min(rest, self.his[i])
            - self.los[i]
        )

    def plain_reach(self, x: int) -> int:
        """The earliest wall time ``w`` with ``plain(w) >= x``; needs open time."""
        weeks, rest = divmod(x - 1, self.week_total)
        rest += 1  # in (0, week_total]: the answer is inside a range, or its end
        i = bisect_left(self.through, rest)
        return weeks * WEEK + self.los[i] + rest - self.before[i]

    def opened(self, w: int) -> int:
        """``F(w)``: open microseconds before wall time ``w``, holidays removed."""
        if not self.holidays:
            return self.plain(w)
        day = w // DAY
        j = bisect_left(self.holidays, day)
        if j < len(self.holidays) and self.holidays[j] == day:
            return self.plain(day * DAY) - self.removed[j]  # flat all day
        return self.plain(w) - self.removed[j]

    def reach(self, x: int, w_lo: int) -> int:
        """The earliest wall time ``w`` with ``opened(w) >= x``, given a wall
        time ``w_lo`` with ``opened(w_lo) < x``; needs open time in a week.

        Guess ignoring the holidays not yet passed, then add those the guess
        passed, until no new one is passed: each round adds at least one, and
        no guess overshoots (holidays only ever push the answer later).
        """
        j = bisect_left(self.holidays, w_lo // DAY)
        while True:
            w = self.plain_reach(x + self.removed[j])
            # The day of the last open microsecond before `w`.
            passed = bisect_right(self.holidays, (w - 1) // DAY)
            if passed <= j:
                return w
            j = passed

    def is_open(self, w: int) -> bool:
        """Whether the wall reading ``w`` is business time."""
        day = w // DAY
        j = bisect_left(self.holidays, day)
        if j < len(self.holidays) and self.holidays[j] == day:
            return False
        rest = w % WEEK
        i = bisect_right(self.los, rest) - 1
        return i >= 0 and rest < self.his[i]

    def ranges(self, w_from: int, w_to: int) -> Iterator[tuple[int, int]]:
        """Open wall ranges within ``[w_from, w_to)``, clipped, merged, in
        order; one step per local date spanned."""
        pending: tuple[int, int] | None = None
        for day in range(w_from // DAY, (w_to - 1) // DAY + 1):
            if self.holidays and self._is_holiday(day):
                continue
            midnight = day * DAY
            for lo, hi in self.day_ranges[day % 7]:
                lo, hi = max(midnight + lo, w_from), min(midnight + hi, w_to)
                if lo >= hi:
                    continue
                if pending and lo <= pending[1]:
                    pending = (pending[0], hi)
                else:
                    if pending:
                        yield pending
                    pending = (lo, hi)
        if pending:
            yield pending

    def _is_holiday(self, day: int) -> bool:
        j = bisect_left(self.holidays, day)
        return j < len(self.holidays) and self.holidays[j] == day


def _week_ranges(intervals: Iterable[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Merged open ranges of the week, ``[lo, hi)`` in microseconds after
    Monday 00:00; an overnight interval runs into the next date (Sunday's
    into Monday's)."""
    minutes: list[tuple[int, int]] = []
    for weekday, start, end in intervals:
        lo = weekday * 1440 + start
        hi = weekday * 1440 + (end if end > start else end + 1440)
        if hi > _WEEK_MINUTES:
            minutes += [(lo, _WEEK_MINUTES), (0, hi - _WEEK_MINUTES)]
        else:
            minutes.append((lo, hi))
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(minutes):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return [(lo * _MINUTE, hi * _MINUTE) for lo, hi in merged]


def _clip(ranges: list[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """``ranges`` cut to ``[lo, hi)``, relative to ``lo``."""
    return [(max(a, lo) - lo, min(b, hi) - lo) for a, b in ranges if a < hi and b > lo]
