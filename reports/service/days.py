"""Consecutive local days of one time zone as the roll-ups count them: the
UTC instant each begins at, and which local day an instant falls on - in
Python (a bisection) or in SQL (a CASE over the same instants), so a span of
many days is counted with one GROUP BY and both ways agree to the instant."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from reports.periods import local_midnight


@dataclass(frozen=True)
class Days:
    """Local days ``[first, first + len(starts) - 1)`` of ``zone``;
    ``starts`` holds each day's first UTC instant and the end's."""

    zone: str
    first: date
    starts: tuple[datetime, ...]

    @classmethod
    def of(cls, zone: str, first: date, end: date) -> Days:
        count = (end - first).days
        starts = tuple(
            local_midnight(first + timedelta(days=i), zone) for i in range(count + 1)
        )
        return cls(zone, first, starts)

    @property
    def start(self) -> datetime:
        return self.starts[0]

    @property
    def end(self) -> datetime:
        return self.starts[-1]

    def __len__(self) -> int:
        return len(self.starts) - 1

    def day(self, index: int) -> date:
        return self.first + timedelta(days=index)

    def day_of(self, instant: datetime) -> date:
        """The local day of an instant in ``[start, end)``."""
        index = bisect_right(self.starts, instant) - 1
        if not 0 <= index < len(self):
            raise ValueError(f"{instant} is outside {self.first} + {len(self)} days")
        return self.day(index)

    def index_sql(self, column: sa.ColumnElement) -> sa.ColumnElement:
        """The index of ``column``'s local day (0 for the first), for rows
        with ``start <= column < end``: a balanced CASE, about log2(days)
        comparisons a row, bound through the column's own type."""

        def pick(low: int, high: int) -> sa.ColumnElement:
            if low == high:
                return sa.literal(low)
            middle = (low + high + 1) // 2
            return sa.case(
                (column < self.starts[middle], pick(low, middle - 1)),
                else_=pick(middle, high),
            )

        return pick(0, len(self) - 1)

    def within(self, column: sa.ColumnElement) -> sa.ColumnElement:
        return sa.and_(column >= self.start, column < self.end)

    def chunks(self, size: int) -> Iterator[Days]:
        """The same days, ``size`` at a time."""
        for i in range(0, len(self), size):
            part = self.starts[i : i + size + 1]
            yield Days(self.zone, self.day(i), part)
