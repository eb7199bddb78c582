"""Local days and summary times across DST, without Flask or a database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from reports.periods import Period, day_span, default_period, week_of, zone_of
from reports.service.common import median_of_buckets
from reports.service.summary import next_sending
from sla.service.rollup_keys import bucket_bounds, bucket_of


@pytest.mark.parametrize(
    ("day", "zone", "hours"),
    [
        (date(2026, 3, 8), "America/New_York", 23),  # clocks go forward
        (date(2026, 11, 1), "America/New_York", 25),  # and back
        (date(2026, 11, 1), "Europe/Moscow", 24),
        (date(2026, 3, 29), "Europe/Berlin", 23),
    ],
)
def test_a_local_day_lasts_as_long_as_its_clocks_say(day, zone, hours):
    start, end = day_span(day, zone)
    assert (end - start).total_seconds() == hours * 3600


def test_periods_weeks_and_defaults():
    now = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # already Tuesday in Moscow
    period = default_period(now, "Europe/Moscow")
    assert period.last == date(2026, 11, 24) and period.first == date(2026, 10, 26)
    weekly = Period("UTC", date(2026, 11, 4), date(2026, 11, 17), "week")
    assert weekly.buckets() == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
    ]
    assert week_of(date(2026, 11, 22)) == date(2026, 11, 16)
    assert zone_of("Mars/Olympus") == "UTC" and zone_of(None) == "UTC"


def test_summaries_go_at_the_local_hour_daily_or_on_mondays():
    after = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 09:00 in Moscow
    assert next_sending("daily", 8, "Europe/Moscow", after=after) == datetime(
        2026, 11, 24, 5, 0, tzinfo=UTC
    )
    assert next_sending("daily", 10, "Europe/Moscow", after=after) == datetime(
        2026, 11, 23, 7, 0, tzinfo=UTC
    )
    assert next_sending("weekly", 8, "Europe/Moscow", after=after) == datetime(
        2026, 11, 30, 5, 0, tzinfo=UTC
    )


def test_a_median_of_buckets_is_exact_below_a_minute_and_the_middle_above():
    assert median_of_buckets({}) is None
    assert median_of_buckets({5: 1, 9: 1, 40: 1}) == 9
    low, high = bucket_bounds(bucket_of(3600))
    assert median_of_buckets({bucket_of(3600): 3}) == (low + high) // 2
    assert low <= 3600 < high
