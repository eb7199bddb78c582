"""The business-time module as it was before the rewrite (commit 522de1a's
``sla/calendar.py``), kept only so ``calendar_bench.py`` can measure both in
the same run. Not imported by the application; its rules are the old ones
(see the commit that replaced it).

Business-time arithmetic over a working calendar — pure: no Flask, no database.

A :class:`CalendarSpec` is an IANA time zone, weekly working intervals in local
wall-clock minutes, and holiday dates (local dates in that zone). The service
layer builds one from ``sla.models.BusinessCalendar``; this module never sees
the models.

Semantics
---------
* An interval ``(weekday, start_minute, end_minute)`` opens on every local date
  ``d`` with ``d.weekday() == weekday`` (0 = Monday) ``start_minute`` minutes
  after local midnight. It closes ``end_minute`` minutes after that same
  midnight when ``end_minute > start_minute`` (1440 = the next midnight);
  otherwise it crosses midnight and closes ``end_minute`` minutes after the
  *next* local midnight. So ``(d, 1320, 360)`` is 22:00–06:00 next day,
  ``(d, 540, 0)`` is 09:00–midnight, and ``(d, 0, 1440)`` and ``(d, 0, 0)`` are
  the whole day.
* An interval belongs to the date it opens on: a holiday on ``d`` closes the
  whole interval, including its part after midnight; a holiday on ``d + 1``
  does not touch the part of ``d``'s interval that runs into it.
* Wall times become instants with :mod:`zoneinfo` and ``fold=0``. A wall time
  skipped by a spring-forward gap is read with the UTC offset in force before
  the gap, so it lands as far after the transition as it lies inside the gap
  (02:30 on the Berlin spring-forward night is 03:30 CEST); a wall time repeated
  by a fall-back is its first occurrence (the summer-time one). An interval
  that thereby closes at or before it opens is empty.
* The open time is the union of the instant ranges ``[opens, closes)`` of all
  intervals on non-holiday dates; overlapping or touching ranges (including a
  previous day's crossing interval) merge. Business time is real elapsed time
  inside it, so a Sunday 00:00–06:00 interval in Europe/Berlin holds 5 hours on
  the spring-forward night and 7 hours on the fall-back night.
* ``always_open`` (24x7) is open at every instant; intervals and holidays are
  ignored.

Every function takes aware datetimes in any zone, raises ``ValueError`` for
naive ones, and returns aware datetimes in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "SEARCH_HORIZON",
    "CalendarSpec",
    "add_business_seconds",
    "business_seconds_between",
    "is_open",
    "open_periods",
]

#: How far past its start ``add_business_seconds`` looks for open time.
SEARCH_HORIZON = timedelta(days=2 * 366)

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)
_MINUTES_PER_DAY = 1440
# Every UTC offset is under a day, so each wall time of a local date resolves to
# an instant within one day of that date's midnight read as if it were UTC.
_OFFSET_BOUND = _DAY

Interval = tuple[int, int, int]
Period = tuple[datetime, datetime]


@dataclass(frozen=True)
class CalendarSpec:
    """A working calendar as plain, hashable data.

    ``timezone`` is an IANA name (``"Europe/Moscow"``). ``intervals`` holds
    ``(weekday 0=Mon..6, start_minute 0..1439, end_minute 0..1440)`` in local
    wall-clock minutes after midnight; see the module docstring for crossing
    midnight. ``holidays`` are local dates on which no interval opens.
    ``always_open`` makes the calendar 24x7 and ignores the other two.
    Lists and sets are accepted and stored as a tuple and a frozenset.
    """

    timezone: str
    intervals: tuple[Interval, ...]
    holidays: frozenset[date] = frozenset()
    always_open: bool = False
    # Per weekday: (start_minute, end_minute measured from the same midnight).
    _spans: tuple[tuple[tuple[int, int], ...], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        _zone(self.timezone)  # an unknown zone fails here, not at first use
        intervals = tuple(_checked_interval(item) for item in self.intervals)
        holidays = frozenset(self.holidays)
        for day in holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"holiday must be a date, got {day!r}")
        spans: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for weekday, start, end in intervals:
            spans[weekday].append((start, end if end > start else end + 1440))
        object.__setattr__(self, "intervals", intervals)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "_spans", tuple(tuple(sorted(s)) for s in spans))

    @classmethod
    def twenty_four_seven(cls) -> CalendarSpec:
        """The 24x7 calendar: every instant is business time."""
        return cls(timezone="UTC", intervals=(), always_open=True)


def open_periods(
    spec: CalendarSpec, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Yield the open periods overlapping ``[start, end)``, clipped to it.

    Periods are ``(opens, closes)`` pairs of aware UTC datetimes, half-open,
    merged (no two touch or overlap) and in time order. Nothing is yielded when
    ``end <= start``. Work is proportional to the number of local days spanned.
    """
    start_utc, end_utc = _utc(start, "start"), _utc(end, "end")
    return _clipped_periods(spec, start_utc, end_utc)


def business_seconds_between(spec: CalendarSpec, start: datetime, end: datetime) -> int:
    """Whole seconds of open time in ``[start, end)``, rounded down; 0 if
    ``end <= start``.

    Measured in real elapsed (UTC) seconds, so DST changes inside an open
    period count as the hour they really last.
    """
    periods = open_periods(spec, start, end)
    return sum((closes - opens for opens, closes in periods), timedelta()) // _SECOND


def add_business_seconds(spec: CalendarSpec, start: datetime, seconds: int) -> datetime:
    """The UTC instant at which ``seconds`` of open time have elapsed since
    ``start``.

    ``seconds == 0`` returns ``start`` itself (in UTC), even in closed time. For
    ``seconds > 0`` the result lies inside an open period or exactly at its
    close, never later in closed time: 9 hours from a 09:00 opening is 18:00
    the same day, not 09:00 the next working day.

    Raises ``ValueError`` for negative ``seconds``, for a calendar without any
    working interval ("calendar has no working time") and when the time cannot
    be found within :data:`SEARCH_HORIZON` (about two years) of ``start``.
    """
    start_utc = _utc(start, "start")
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError(f"seconds must be an int, got {seconds!r}")
    if seconds < 0:
        raise ValueError(f"seconds must not be negative, got {seconds}")
    remaining = timedelta(seconds=seconds)
    if seconds == 0 or spec.always_open:
        return start_utc + remaining
    if not spec.intervals:
        raise ValueError("calendar has no working time")
    for opens, closes in _clipped_periods(spec, start_utc, start_utc + SEARCH_HORIZON):
        if remaining <= closes - opens:
            return opens + remaining
        remaining -= closes - opens
    raise ValueError(
        f"calendar has no working time for {seconds} s within "
        f"{SEARCH_HORIZON.days} days of {start_utc.isoformat()}"
    )


def is_open(spec: CalendarSpec, at: datetime) -> bool:
    """Whether the instant ``at`` is business time (opening instants are open,
    closing instants are not)."""
    at_utc = _utc(at, "at")
    return any(True for _ in _clipped_periods(spec, at_utc, at_utc + _MICROSECOND))


def _clipped_periods(
    spec: CalendarSpec, start: datetime, end: datetime
) -> Iterator[Period]:
    if end <= start:
        return
    if spec.always_open:
        yield start, end
        return
    # Two days back: a crossing interval of the day before can reach into the
    # start's local date; the extra day absorbs DST oddities around midnight.
    first_day = start.astimezone(_zone(spec.timezone)).date() - 2 * _DAY
    for opens, closes in _merged_periods(spec, first_day, end):
        if closes > start:
            yield max(opens, start), min(closes, end)


def _merged_periods(
    spec: CalendarSpec, first_day: date, stop: datetime
) -> Iterator[Period]:
    """Merged open periods of the local dates from ``first_day`` on, in order,
    that open before ``stop``, computed one local date at a time."""
    tz = _zone(spec.timezone)
    pending: list[Period] = []
    day = first_day
    while True:
        # No period of `day` or a later date opens before `floor`, so a pending
        # period closing before it can no longer grow: it is final.
        floor = datetime.combine(day, time(), UTC) - _OFFSET_BOUND
        while pending and pending[0][1] < floor:
            period = pending.pop(0)
            if period[0] >= stop:
                return
            yield period
        if floor >= stop:
            yield from (period for period in pending if period[0] < stop)
            return
        pending = _merge([*pending, *_day_periods(spec, tz, day)])
        day += _DAY


def _day_periods(spec: CalendarSpec, tz: ZoneInfo, day: date) -> list[Period]:
    """The open periods of the intervals that open on local date ``day``."""
    if day in spec.holidays:
        return []
    midnight = datetime.combine(day, time())
    periods = []
    for start_minute, end_minute in spec._spans[day.weekday()]:
        # Naive arithmetic is wall-clock arithmetic; the zone is attached after.
        opens = _wall_to_utc(midnight + timedelta(minutes=start_minute), tz)
        closes = _wall_to_utc(midnight + timedelta(minutes=end_minute), tz)
        if opens < closes:
            periods.append((opens, closes))
    return periods


def _merge(periods: list[Period]) -> list[Period]:
    merged: list[Period] = []
    for opens, closes in sorted(periods):
        if merged and opens <= merged[-1][1]:
            if closes > merged[-1][1]:
                merged[-1] = (merged[-1][0], closes)
        else:
            merged.append((opens, closes))
    return merged


def _wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    # fold=0: skipped wall times use the pre-gap offset, repeated ones the first.
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value!r}")
    return value.astimezone(UTC)


def _checked_interval(item: Interval) -> Interval:
    if len(item) != 3 or not all(type(value) is int for value in item):
        raise ValueError(f"working interval must be three ints, got {item!r}")
    weekday, start, end = item
    if not (0 <= weekday <= 6 and 0 <= start < _MINUTES_PER_DAY):
        raise ValueError(f"bad working interval {item!r}")
    if not 0 <= end <= _MINUTES_PER_DAY:
        raise ValueError(f"bad working interval {item!r}")
    return (weekday, start, end)


@lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
