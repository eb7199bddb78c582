"""A span of local days tells each instant's day the same way in Python and
in SQL, to the instant, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db
from reports.periods import local_date, local_midnight
from reports.service.days import Days

ZONES = ("America/New_York", "Europe/Berlin", "Asia/Kathmandu", "UTC")
FIRST = date(2026, 3, 1)
END = date(2026, 4, 10)  # both spring DST changes inside


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    seconds=st.integers(min_value=0, max_value=(END - FIRST).days * 86400 - 7200),
)
def test_the_day_of_an_instant_is_its_local_date(zone, seconds):
    days = Days.of(zone, FIRST, END)
    instant = days.start + timedelta(seconds=seconds)
    if instant < days.end:
        assert days.day_of(instant) == local_date(instant, zone)


def test_the_sql_index_agrees_with_python_at_every_midnight(app):
    zone = "America/New_York"
    days = Days.of(zone, FIRST, END)
    instants = []
    for i in range(len(days)):
        midnight = local_midnight(FIRST + timedelta(days=i), zone)
        instants += [midnight, midnight + timedelta(microseconds=1)]
        if i:
            instants.append(midnight - timedelta(microseconds=1))
    with app.app_context():
        for instant in instants:
            value = sa.literal(instant, UTCDateTime)
            index = db.session.scalar(sa.select(days.index_sql(value)))
            assert days.day(index) == days.day_of(instant), instant


def test_chunks_cover_the_same_days():
    days = Days.of("Europe/Berlin", FIRST, END)
    parts = list(days.chunks(7))
    assert [len(p) for p in parts] == [7, 7, 7, 7, 7, 5]
    assert parts[0].start == days.start and parts[-1].end == days.end
    assert all(a.end == b.start for a, b in zip(parts, parts[1:], strict=False))
    assert parts[1].first == date(2026, 3, 8)


def test_an_instant_outside_the_days_is_refused():
    days = Days.of("UTC", FIRST, END)
    with pytest.raises(ValueError, match="outside"):
        days.day_of(datetime(2026, 4, 10, tzinfo=UTC))


def test_a_period_is_read_as_months_then_weeks_then_days():
    from reports.service.rollups import spans

    d = date
    # A year from a Monday: a week, eleven months, then a Sunday and 3 weeks.
    assert spans(d(2025, 11, 24), d(2026, 11, 23)) == [
        ("W", d(2025, 11, 24), d(2025, 12, 1)),
        ("M", d(2025, 12, 1), d(2026, 11, 1)),
        ("D", d(2026, 11, 1), d(2026, 11, 2)),
        ("W", d(2026, 11, 2), d(2026, 11, 23)),
    ]
    # Inside one month: days, whole weeks, days.
    assert spans(d(2026, 11, 4), d(2026, 11, 20)) == [
        ("D", d(2026, 11, 4), d(2026, 11, 9)),
        ("W", d(2026, 11, 9), d(2026, 11, 16)),
        ("D", d(2026, 11, 16), d(2026, 11, 20)),
    ]
    assert spans(d(2026, 11, 4), d(2026, 11, 6)) == [
        ("D", d(2026, 11, 4), d(2026, 11, 6))
    ]
    assert spans(d(2026, 9, 1), d(2026, 11, 1)) == [
        ("M", d(2026, 9, 1), d(2026, 11, 1))
    ]
