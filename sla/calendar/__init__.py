"""Business-time arithmetic over a working calendar — pure: no Flask, no database.

A :class:`CalendarSpec` is an IANA time zone, weekly working intervals in local
wall-clock minutes, and holiday dates (local dates in that zone); ``always_open``
(24x7) stands for one interval covering the whole week. The service layer builds
one from ``sla.models.BusinessCalendar``; this package never sees the models.

The rules (``DESIGN.md`` §3)
----------------------------
1. **Business time is real elapsed time** (UTC seconds) during which the
   calendar's local wall clock reads inside a working interval of that local
   date's weekday, and that local date is not a holiday. Whether an instant is
   business time depends only on the reading of the local clock at that instant.
2. **Intervals.** ``(weekday, start, end)`` (0 = Monday, minutes after local
   midnight) with ``end > start`` covers the readings ``[start, end)`` of every
   date with that weekday (``end = 1440`` is midnight). An **overnight** interval,
   ``end <= start``, covers the readings ``[start, 24:00)`` of a date ``d`` with
   that weekday **and** ``[00:00, end)`` of the next date ``d + 1``: 22:00–06:00 is
   ``(d, 1320, 360)``, and ``(d, 0, 0)`` is the whole of ``d``. Overlapping and
   touching intervals merge into one open stretch (an overlap counts once).
3. **Holidays** remove every instant whose local *date* is the holiday: the
   holiday's own intervals, **and** the after-midnight tail of the previous
   evening's overnight interval (its readings are dated the holiday). The tail of
   the holiday's own overnight interval, dated the next, ordinary date, still
   counts.
4. **24x7** calendars are open at every reading except on their holidays.
5. **DST gap.** Readings the clock skips never occur, so they are never business
   time. An interval boundary inside the gap takes effect at the first real
   instant whose reading reaches or passes it (a 02:30 opening on the Berlin
   spring-forward night opens at 03:00 CEST); an interval lying wholly inside the
   gap contributes nothing.
6. **DST fold.** Readings the clock repeats occur twice in real time and count
   twice when they lie in an interval: 01:00–04:00 on a fall-back night lasts 4
   real hours. A boundary inside the fold is passed at its first occurrence for a
   start and at its last for an end (between the two passes the clock reads
   outside the interval, which is closed then).
7. **Due times.** ``add_business_seconds`` returns the earliest instant at which
   that much business time has elapsed: a zero target is due at its start (open
   or not), and a due time never rolls forward to the next opening (9 hours from
   a 09:00 opening are due at 18:00 that day).

Cost
----
Every call costs the same few microseconds whatever the target's length and
however little closed time the calendar has. The calendar's open wall time is a
cumulative count ``F`` (whole weeks by multiplication, the week's pattern by
bisection, holidays as sorted dates with the open time they remove summed).
Real time adds one correction per DST transition: ``F`` at the reading before it
minus ``F`` at the reading after it (the fold counted again, the gap taken away).
Transitions are found by probing :mod:`zoneinfo` once per zone and year; their
corrections, summed, are kept per calendar for the years in use. Beyond 2100 and
the last holiday, a zone's rule and the weekdays repeat every 400 Gregorian
years (146,097 days, a whole number of weeks), so very long spans skip whole
cycles. Only a due time past year 9999 cannot be placed
(:class:`UnplaceableTarget`), and a calendar without working time places none.

Every function takes aware datetimes in any zone, raises ``ValueError`` for
naive ones, and returns aware datetimes in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from sla.calendar.real import RealTime
from sla.calendar.wall import WallTime
from sla.calendar.zones import EPOCH, MAX_INSTANT, ONE_US, zone

__all__ = [
    "CalendarSpec",
    "UnplaceableTarget",
    "add_business_seconds",
    "business_seconds_between",
    "check_placeable",
    "is_open",
    "open_periods",
]

_US = 1_000_000
_MINUTES_PER_DAY = 1440

Interval = tuple[int, int, int]


class UnplaceableTarget(ValueError):
    """A business duration that can never elapse on a calendar: it has no
    working time, or the due time would lie past year 9999."""


@dataclass(frozen=True)
class CalendarSpec:
    """A working calendar as plain, hashable data.

    ``timezone`` is an IANA name (``"Europe/Moscow"``). ``intervals`` holds
    ``(weekday 0=Mon..6, start_minute 0..1439, end_minute 0..1440)`` in local
    wall-clock minutes after midnight; ``end_minute <= start_minute`` runs into
    the next date (see the package docstring). ``holidays`` are local dates
    whose readings are never business time. ``always_open`` makes the calendar
    24x7 (``intervals`` are then ignored; holidays still count). Lists and sets
    are accepted and stored as a tuple and a frozenset.
    """

    timezone: str
    intervals: tuple[Interval, ...]
    holidays: frozenset[date] = frozenset()
    always_open: bool = False
    # The precomputed calendar (see `_real`), kept on the instance.
    _real: RealTime | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        zone(self.timezone)  # an unknown zone fails here, not at first use
        intervals = tuple(_checked_interval(item) for item in self.intervals)
        holidays = frozenset(self.holidays)
        for day in holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"holiday must be a date, got {day!r}")
        object.__setattr__(self, "intervals", intervals)
        object.__setattr__(self, "holidays", holidays)

    @classmethod
    def twenty_four_seven(cls) -> CalendarSpec:
        """The 24x7 calendar without holidays: every instant is business time."""
        return cls(timezone="UTC", intervals=(), always_open=True)


def business_seconds_between(spec: CalendarSpec, start: datetime, end: datetime) -> int:
    """Whole seconds of business time in ``[start, end)``, rounded down; 0 if
    ``end <= start``. Real elapsed (UTC) seconds: a DST change inside open time
    counts as long as it really lasts."""
    a, b = _instant(start, "start"), _instant(end, "end")
    if b <= a:
        return 0
    return _real(spec).between(a, b) // _US


def add_business_seconds(spec: CalendarSpec, start: datetime, seconds: int) -> datetime:
    """The earliest UTC instant at which ``seconds`` of business time have
    elapsed since ``start``.

    ``seconds == 0`` returns ``start`` itself (in UTC), even in closed time. For
    ``seconds > 0`` the result lies inside open time or exactly at its close,
    never later in closed time. Raises ``ValueError`` for negative ``seconds``
    and :class:`UnplaceableTarget` (a ``ValueError``) when the calendar has no
    working time or the result would lie past year 9999.
    """
    a = _instant(start, "start")
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError(f"seconds must be an int, got {seconds!r}")
    if seconds < 0:
        raise ValueError(f"seconds must not be negative, got {seconds}")
    if seconds == 0:
        return _datetime(a)
    real = _real(spec)
    if real.wall.week_total == 0:
        raise UnplaceableTarget("calendar has no working time")
    result = real.add(a, seconds * _US)
    if result is None or result > MAX_INSTANT:
        raise UnplaceableTarget(
            f"{seconds} s of business time from {_datetime(a).isoformat()} "
            "end after year 9999"
        )
    return _datetime(result)


def check_placeable(spec: CalendarSpec, seconds: int, *, since: datetime) -> None:
    """Raise :class:`UnplaceableTarget` unless ``seconds`` of business time
    started at ``since`` have a due time: the calendar has working time and
    the due time lies before year 10000. A zero target is always placeable.
    For the settings forms; costs one :func:`add_business_seconds`."""
    if seconds:
        add_business_seconds(spec, since, seconds)


def is_open(spec: CalendarSpec, at: datetime) -> bool:
    """Whether the instant ``at`` is business time (opening instants are open,
    closing instants are not)."""
    return _real(spec).is_open(_instant(at, "at"))


def open_periods(
    spec: CalendarSpec, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Yield the open periods overlapping ``[start, end)``, clipped to it.

    Periods are ``(opens, closes)`` pairs of aware UTC datetimes, half-open,
    merged (no two touch or overlap) and in time order. Nothing is yielded when
    ``end <= start``. Work is proportional to the number of local days spanned.
    """
    a, b = _instant(start, "start"), _instant(end, "end")
    return (
        (_datetime(opens), _datetime(closes))
        for opens, closes in _real(spec).periods(a, b)
    )


def _real(spec: CalendarSpec) -> RealTime:
    real = spec._real
    if real is None:
        real = _compiled(spec)
        object.__setattr__(spec, "_real", real)
    return real


@lru_cache(maxsize=256)
def _compiled(spec: CalendarSpec) -> RealTime:
    # Keyed on the spec's value: the service builds a new, equal spec per call.
    if spec.always_open:
        intervals = tuple((day, 0, 0) for day in range(7))
    else:
        intervals = spec.intervals
    wall = WallTime(intervals, spec.holidays)
    return RealTime(spec.timezone, wall, plain=spec.always_open and not spec.holidays)


def _instant(value: datetime, name: str) -> int:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value!r}")
    return (value - EPOCH) // ONE_US


def _datetime(instant: int) -> datetime:
    return EPOCH + timedelta(microseconds=instant)


def _checked_interval(item: Interval) -> Interval:
    if len(item) != 3 or not all(type(value) is int for value in item):
        raise ValueError(f"working interval must be three ints, got {item!r}")
    weekday, start, end = item
    if not (0 <= weekday <= 6 and 0 <= start < _MINUTES_PER_DAY):
        raise ValueError(f"bad working interval {item!r}")
    if not 0 <= end <= _MINUTES_PER_DAY:
        raise ValueError(f"bad working interval {item!r}")
    return (weekday, start, end)
