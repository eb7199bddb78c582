"""Report periods in the reader's time zone: pure date arithmetic, no Flask
and no database.

A period is whole local days ``[first, end)`` of one IANA time zone; each
local day is the span of UTC instants between two local midnights (23 or 25
hours long across a DST change). Weeks start on Monday.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years: longer periods are refused


def zone_of(name: str | None) -> str:
    """``name`` if it is a known IANA zone, else "UTC"."""
    try:
        ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name or "UTC"


def local_midnight(day: date, zone: str) -> datetime:
    """The UTC instant local ``day`` begins in ``zone``."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def local_date(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def day_span(day: date, zone: str) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of local ``day``."""
    return local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Period:
    """Local days ``[first, end)`` of ``zone``; ``by`` buckets a series by
    "day" or "week"."""

    zone: str
    first: date
    end: date
    by: str = "day"

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def start_at(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end_at(self) -> datetime:
        return local_midnight(self.end, self.zone)

    def days(self) -> Iterator[date]:
        day = self.first
        while day < self.end:
            yield day
            day += timedelta(days=1)

    def bucket(self, day: date) -> date:
        return week_of(day) if self.by == "week" else day

    def buckets(self) -> list[date]:
        """Every bucket of the period in order, empty ones included."""
        return sorted({self.bucket(day) for day in self.days()})


def default_period(now: datetime, zone: str, *, days: int = DEFAULT_DAYS) -> Period:
    """The last ``days`` local days up to and including today."""
    end = local_date(now, zone) + timedelta(days=1)
    return Period(zone, end - timedelta(days=days), end)
