"""UTC offsets of a time zone as a list of transitions, found by probing
:mod:`zoneinfo` (which does not publish its transitions) — computed once per
zone and year, then cached.

Instants here are integer microseconds since 0001-01-01 00:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sla.calendar.wall import DAY, US, WEEK

EPOCH = datetime(1, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
#: The last instant a datetime can hold, in microseconds since EPOCH.
MAX_INSTANT = (datetime.max.replace(tzinfo=UTC) - EPOCH) // ONE_US
LAST_YEAR = datetime.max.year
# Until this year zones follow explicit (sometimes odd) tzdata transitions,
# probed daily; later, only their recurring rule (the TZif footer), at most a
# few changes a year months apart, probed weekly.
_DAILY_UNTIL = 2100

#: (instant, offset before, offset after), offsets in microseconds.
Transition = tuple[int, int, int]


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def year_start(year: int) -> int:
    """1 January ``year`` 00:00 UTC (``LAST_YEAR + 1`` allowed), as an instant."""
    if year > LAST_YEAR:
        return date.max.toordinal() * DAY
    return (date(year, 1, 1).toordinal() - 1) * DAY


def year_of(instant: int) -> int:
    """The UTC year of ``instant``, clamped to the years a date can hold."""
    ordinal = min(max(instant // DAY + 1, 1), date.max.toordinal())
    return date.fromordinal(ordinal).year


def offset(tz: ZoneInfo, instant: int) -> int:
    """The UTC offset in force at ``instant``, in microseconds."""
    # Two days off either end of the datetime range so the local reading fits.
    return _moment(instant).astimezone(tz).utcoffset() // ONE_US


def _moment(instant: int) -> datetime:
    # Two days off either end of the datetime range so the local reading fits.
    instant = min(max(instant, 2 * DAY), MAX_INSTANT - 2 * DAY)
    return EPOCH + timedelta(microseconds=instant)


@lru_cache(maxsize=16384)
def year_transitions(name: str, year: int) -> tuple[int, tuple[Transition, ...]]:
    """The offset at the start of UTC ``year`` and the offset changes at
    instants ``T`` with ``start < T <= start of the next year``.

    Each change is found to the second (tzdata's resolution) by bisection
    between probes whose offsets differ; two changes that cancel out between
    two probes (less than a day apart) are not seen.
    """
    tz = zone(name)
    start, stop = year_start(year), year_start(year + 1)
    step = DAY if year <= _DAILY_UNTIL else WEEK
    found: list[Transition] = []
    before = first = offset(tz, start)
    # Probe with datetimes stepped along: cheaper than one conversion each.
    probe, moment, delta = start, _moment(start), timedelta(microseconds=step)
    while probe < stop:
        nxt = probe + step
        moment += delta
        if nxt >= stop or not 1 < year < LAST_YEAR:  # clamped at the ends
            nxt = min(nxt, stop)
            after = offset(tz, nxt)
        else:
            after = moment.astimezone(tz).utcoffset() // ONE_US
        if after != before:
            found += _between(tz, probe, before, nxt, after)
        probe, before = nxt, after
    return first, tuple(found)


def _between(
    tz: ZoneInfo, lo: int, lo_offset: int, hi: int, hi_offset: int
) -> list[Transition]:
    """Every change in ``(lo, hi]``, given different offsets at both ends."""
    found = []
    while lo_offset != hi_offset:
        a, b = lo, hi  # offset(a) == lo_offset != offset(b)
        while b - a > US:
            mid = a + (b - a) // (2 * US) * US
            if offset(tz, mid) == lo_offset:
                a = mid
            else:
                b = mid
        changed = offset(tz, b)
        found.append((b, lo_offset, changed))
        lo, lo_offset = b, changed
    return found
