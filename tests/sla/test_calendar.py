"""Business-time math (sla/calendar.py): table cases, properties, and a
brute-force oracle. No Flask, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.calendar import (
    SEARCH_HORIZON,
    CalendarSpec,
    add_business_seconds,
    business_seconds_between,
    is_open,
    open_periods,
)

HOUR = 3600
MINUTE = timedelta(minutes=1)


def at(zone: str, *fields: int, fold: int = 0) -> datetime:
    """A local wall time in ``zone``, as an aware datetime."""
    return datetime(*fields, tzinfo=ZoneInfo(zone), fold=fold)


def msk(*fields: int) -> datetime:
    return at("Europe/Moscow", *fields)


def berlin(*fields: int, fold: int = 0) -> datetime:
    return at("Europe/Berlin", *fields, fold=fold)


def nyc(*fields: int) -> datetime:
    return at("America/New_York", *fields)


def weekdays(*spans: tuple[int, int]) -> tuple[tuple[int, int, int], ...]:
    return tuple((day, start, end) for day in range(5) for start, end in spans)


# 2025-03-17 is a Monday; 2025-03-30 and 2025-10-26 are Berlin's DST Sundays;
# 2025-03-09 and 2025-11-02 are New York's.
OFFICE = CalendarSpec("Europe/Moscow", weekdays((540, 1080)))
NEW_YEAR = CalendarSpec(
    "Europe/Moscow",
    weekdays((540, 1080)),
    frozenset(date(2026, 1, day) for day in range(1, 9)),
)
LUNCH = CalendarSpec("Europe/Moscow", weekdays((540, 780), (840, 1080)))
NIGHT = CalendarSpec("Europe/Moscow", ((0, 1320, 360),))  # Mon 22:00 - Tue 06:00
NIGHT_MONDAY_OFF = CalendarSpec(NIGHT.timezone, NIGHT.intervals, {date(2025, 3, 17)})
NIGHT_TUESDAY_OFF = CalendarSpec(NIGHT.timezone, NIGHT.intervals, {date(2025, 3, 18)})
ALWAYS = CalendarSpec.twenty_four_seven()
BERLIN_SUNDAY_NIGHT = CalendarSpec("Europe/Berlin", ((6, 0, 360),))  # Sun 00-06
NYC_SUNDAY_NIGHT = CalendarSpec("America/New_York", ((6, 0, 360),))
NYC_WEEKEND_SHIFT = CalendarSpec("America/New_York", ((5, 1320, 360),))  # Sat 22-06
# Boundaries that fall inside a DST change, resolved with fold=0.
BERLIN_GAP_START = CalendarSpec("Europe/Berlin", ((6, 150, 240),))  # 02:30-04:00
BERLIN_FOLD_END = CalendarSpec("Europe/Berlin", ((6, 0, 150),))  # 00:00-02:30


ADD_CASES = [
    ("friday_1730_plus_1h_is_monday_0930", OFFICE, msk(2025, 3, 14, 17, 30), HOUR,
     msk(2025, 3, 17, 9, 30)),
    ("saturday_start_waits_for_monday", OFFICE, msk(2025, 3, 15, 10), HOUR,
     msk(2025, 3, 17, 10)),
    ("start_before_opening", OFFICE, msk(2025, 3, 17, 7), HOUR, msk(2025, 3, 17, 10)),
    ("start_exactly_at_closing", OFFICE, msk(2025, 3, 17, 18), HOUR,
     msk(2025, 3, 18, 10)),
    ("full_day_ends_at_closing_not_next_opening", OFFICE, msk(2025, 3, 17, 9), 9 * HOUR,
     msk(2025, 3, 17, 18)),
    ("one_second_past_a_full_day", OFFICE, msk(2025, 3, 17, 9), 9 * HOUR + 1,
     msk(2025, 3, 18, 9, 0, 1)),
    ("new_year_holidays_skipped", NEW_YEAR, msk(2025, 12, 31, 17), 2 * HOUR,
     msk(2026, 1, 9, 10)),
    ("lunch_skipped", LUNCH, msk(2025, 3, 17, 12, 30), HOUR, msk(2025, 3, 17, 14, 30)),
    ("start_at_lunch", LUNCH, msk(2025, 3, 17, 13), 60, msk(2025, 3, 17, 14, 1)),
    ("night_shift_crosses_midnight", NIGHT, msk(2025, 3, 17, 21), 3 * HOUR,
     msk(2025, 3, 18, 1)),
    ("night_shift_ends_tuesday_0600", NIGHT, msk(2025, 3, 17, 22), 8 * HOUR,
     msk(2025, 3, 18, 6)),
    ("monday_holiday_closes_whole_night_shift", NIGHT_MONDAY_OFF,
     msk(2025, 3, 17, 21), 3 * HOUR, msk(2025, 3, 25, 1)),
    ("monday_holiday_closes_part_after_midnight", NIGHT_MONDAY_OFF,
     msk(2025, 3, 18, 1), HOUR, msk(2025, 3, 24, 23)),
    ("tuesday_holiday_keeps_part_after_midnight", NIGHT_TUESDAY_OFF,
     msk(2025, 3, 18, 1), HOUR, msk(2025, 3, 18, 2)),
    ("zero_seconds_in_closed_time_is_start", OFFICE, msk(2025, 3, 15, 10), 0,
     msk(2025, 3, 15, 10)),
    ("always_open_counts_real_hours_over_dst", ALWAYS, nyc(2025, 3, 8, 23), 6 * HOUR,
     nyc(2025, 3, 9, 6)),
    ("berlin_spring_forward_night_holds_5_real_hours", BERLIN_SUNDAY_NIGHT,
     berlin(2025, 3, 29, 12), 5 * HOUR, berlin(2025, 3, 30, 6)),
    ("berlin_past_spring_night_goes_to_next_sunday", BERLIN_SUNDAY_NIGHT,
     berlin(2025, 3, 29, 12), 5 * HOUR + 60, berlin(2025, 4, 6, 0, 1)),
    ("berlin_fall_back_night_holds_7_real_hours", BERLIN_SUNDAY_NIGHT,
     berlin(2025, 10, 25, 12), 7 * HOUR, berlin(2025, 10, 26, 6)),
    ("berlin_repeated_hour_counts_twice", BERLIN_SUNDAY_NIGHT,
     berlin(2025, 10, 25, 12), 3 * HOUR, berlin(2025, 10, 26, 2, fold=1)),
    ("new_york_spring_forward_night_holds_5_real_hours", NYC_SUNDAY_NIGHT,
     nyc(2025, 3, 8, 12), 5 * HOUR, nyc(2025, 3, 9, 6)),
    ("new_york_fall_back_night_holds_7_real_hours", NYC_SUNDAY_NIGHT,
     nyc(2025, 11, 1, 12), 7 * HOUR, nyc(2025, 11, 2, 6)),
    ("new_york_crossing_shift_over_spring_forward", NYC_WEEKEND_SHIFT,
     nyc(2025, 3, 8, 22), 7 * HOUR, nyc(2025, 3, 9, 6)),
    ("new_york_crossing_shift_over_fall_back", NYC_WEEKEND_SHIFT,
     nyc(2025, 11, 1, 22), 9 * HOUR, nyc(2025, 11, 2, 6)),
    ("skipped_opening_resolves_after_the_gap", BERLIN_GAP_START,
     berlin(2025, 3, 29, 12), 60, berlin(2025, 3, 30, 3, 31)),
    ("repeated_closing_is_its_first_occurrence", BERLIN_FOLD_END,
     berlin(2025, 10, 25, 12), int(2.5 * HOUR), berlin(2025, 10, 26, 2, 30)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "start", "seconds", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in ADD_CASES],
)
def test_add_business_seconds(spec, start, seconds, expected):
    result = add_business_seconds(spec, start, seconds)
    # In UTC: an aware == across zones is False for a repeated wall time (PEP 495).
    assert result == expected.astimezone(UTC)
    assert result.tzinfo is UTC


BETWEEN_CASES = [
    ("friday_afternoon_to_monday_morning", OFFICE, msk(2025, 3, 14, 17),
     msk(2025, 3, 17, 10), 2 * HOUR),
    ("a_working_week", OFFICE, msk(2025, 3, 17), msk(2025, 3, 24), 45 * HOUR),
    ("a_working_week_with_lunch", LUNCH, msk(2025, 3, 17), msk(2025, 3, 24), 40 * HOUR),
    ("weekend_only", OFFICE, msk(2025, 3, 15), msk(2025, 3, 17), 0),
    ("new_year_holidays", NEW_YEAR, msk(2026, 1, 1), msk(2026, 1, 9), 0),
    ("same_instant", OFFICE, msk(2025, 3, 17, 10), msk(2025, 3, 17, 10), 0),
    ("end_before_start", OFFICE, msk(2025, 3, 17, 12), msk(2025, 3, 17, 10), 0),
    ("seconds_round_down", OFFICE, msk(2025, 3, 17, 10),
     msk(2025, 3, 17, 10) + timedelta(seconds=1.999999), 1),
    ("night_shift", NIGHT, msk(2025, 3, 17), msk(2025, 3, 19), 8 * HOUR),
    ("night_shift_part_after_midnight", NIGHT, msk(2025, 3, 18), msk(2025, 3, 19),
     6 * HOUR),
    ("night_shift_monday_holiday", NIGHT_MONDAY_OFF, msk(2025, 3, 17),
     msk(2025, 3, 19), 0),
    ("night_shift_tuesday_holiday", NIGHT_TUESDAY_OFF, msk(2025, 3, 17),
     msk(2025, 3, 19), 8 * HOUR),
    ("always_open_spring_forward_day_is_23h", ALWAYS, berlin(2025, 3, 30),
     berlin(2025, 3, 31), 23 * HOUR),
    ("berlin_spring_forward_night", BERLIN_SUNDAY_NIGHT, berlin(2025, 3, 29),
     berlin(2025, 3, 31), 5 * HOUR),
    ("berlin_fall_back_night", BERLIN_SUNDAY_NIGHT, berlin(2025, 10, 25),
     berlin(2025, 10, 27), 7 * HOUR),
    ("berlin_ordinary_sunday_night", BERLIN_SUNDAY_NIGHT, berlin(2025, 6, 14),
     berlin(2025, 6, 16), 6 * HOUR),
    ("new_york_spring_forward_night", NYC_SUNDAY_NIGHT, nyc(2025, 3, 8),
     nyc(2025, 3, 10), 5 * HOUR),
    ("new_york_fall_back_night", NYC_SUNDAY_NIGHT, nyc(2025, 11, 1), nyc(2025, 11, 3),
     7 * HOUR),
    ("skipped_opening_leaves_30_real_minutes", BERLIN_GAP_START, berlin(2025, 3, 29),
     berlin(2025, 3, 31), 30 * 60),
    ("repeated_closing_leaves_2_5_real_hours", BERLIN_FOLD_END, berlin(2025, 10, 25),
     berlin(2025, 10, 27), int(2.5 * HOUR)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "start", "end", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in BETWEEN_CASES],
)
def test_business_seconds_between(spec, start, end, expected):
    assert business_seconds_between(spec, start, end) == expected


IS_OPEN_CASES = [
    ("opening_instant_is_open", OFFICE, msk(2025, 3, 17, 9), True),
    ("last_second_is_open", OFFICE, msk(2025, 3, 17, 17, 59, 59), True),
    ("closing_instant_is_closed", OFFICE, msk(2025, 3, 17, 18), False),
    ("saturday_is_closed", OFFICE, msk(2025, 3, 15, 12), False),
    ("holiday_is_closed", NEW_YEAR, msk(2026, 1, 5, 12), False),
    ("lunch_is_closed", LUNCH, msk(2025, 3, 17, 13, 30), False),
    ("night_shift_after_midnight", NIGHT, msk(2025, 3, 18, 5, 59), True),
    ("night_shift_of_a_holiday_monday", NIGHT_MONDAY_OFF, msk(2025, 3, 18, 1), False),
    ("night_shift_into_a_holiday_tuesday", NIGHT_TUESDAY_OFF, msk(2025, 3, 18, 1),
     True),
    ("always_open", ALWAYS, msk(2025, 3, 15, 3), True),
    ("second_pass_of_the_repeated_hour", BERLIN_SUNDAY_NIGHT,
     berlin(2025, 10, 26, 2, 30, fold=1), True),
    ("repeated_closing_second_pass_is_closed", BERLIN_FOLD_END,
     berlin(2025, 10, 26, 2, 10, fold=1), False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "instant", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in IS_OPEN_CASES],
)
def test_is_open(spec, instant, expected):
    assert is_open(spec, instant) is expected


def test_open_periods_merge_a_crossing_shift_with_the_next_days_interval():
    spec = CalendarSpec("Europe/Moscow", ((0, 1320, 360), (1, 300, 600)))
    periods = list(open_periods(spec, msk(2025, 3, 17), msk(2025, 3, 19)))
    assert periods == [(msk(2025, 3, 17, 22), msk(2025, 3, 18, 10))]


def test_open_periods_merge_touching_intervals_and_are_clipped_to_the_range():
    spec = CalendarSpec("Europe/Moscow", weekdays((540, 780), (780, 1080)))
    periods = list(open_periods(spec, msk(2025, 3, 17, 12), msk(2025, 3, 18, 10)))
    assert periods == [
        (msk(2025, 3, 17, 12), msk(2025, 3, 17, 18)),
        (msk(2025, 3, 18, 9), msk(2025, 3, 18, 10)),
    ]
    assert all(p.tzinfo is UTC for period in periods for p in period)


def test_a_crossing_interval_ending_at_zero_runs_until_midnight():
    spec = CalendarSpec("UTC", ((0, 1320, 0),))
    start = datetime(2025, 3, 17, tzinfo=UTC)
    assert business_seconds_between(spec, start, start + timedelta(days=7)) == 2 * HOUR


@pytest.mark.parametrize("interval", [(0, 0, 1440), (0, 0, 0)])
def test_whole_day_intervals(interval):
    spec = CalendarSpec("Europe/Moscow", (interval,))
    assert business_seconds_between(spec, msk(2025, 3, 16), msk(2025, 3, 19)) == 86400


def test_adding_across_a_year_of_working_days_is_bounded_by_days_spanned():
    result = add_business_seconds(OFFICE, msk(2025, 1, 6, 9), 250 * 9 * HOUR)
    assert msk(2025, 12, 1) < result < msk(2026, 1, 31)
    assert business_seconds_between(OFFICE, msk(2025, 1, 6, 9), result) == 2250 * HOUR


def test_a_calendar_without_intervals_cannot_add_time():
    with pytest.raises(ValueError, match="calendar has no working time"):
        add_business_seconds(CalendarSpec("UTC", ()), msk(2025, 3, 17), 1)


def test_adding_gives_up_after_the_search_horizon():
    mondays = frozenset(
        date(2025, 3, 17) + timedelta(weeks=n)
        for n in range(SEARCH_HORIZON.days // 7 + 2)
    )
    spec = CalendarSpec("Europe/Moscow", ((0, 540, 1080),), mondays)
    with pytest.raises(ValueError, match="no working time"):
        add_business_seconds(spec, msk(2025, 3, 17), 1)


def test_adding_zero_needs_no_working_time():
    start = msk(2025, 3, 17)
    assert add_business_seconds(CalendarSpec("UTC", ()), start, 0) == start


NAIVE = datetime(2025, 3, 17, 10)
AWARE = msk(2025, 3, 17, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_business_seconds(OFFICE, NAIVE, 60),
        lambda: business_seconds_between(OFFICE, NAIVE, AWARE),
        lambda: business_seconds_between(OFFICE, AWARE, NAIVE),
        lambda: open_periods(OFFICE, NAIVE, AWARE),
        lambda: is_open(OFFICE, NAIVE),
        lambda: add_business_seconds(OFFICE, AWARE, -1),
        lambda: CalendarSpec("Mars/Olympus", ()),
        lambda: CalendarSpec("UTC", ((7, 0, 60),)),
        lambda: CalendarSpec("UTC", ((0, 1440, 60),)),
        lambda: CalendarSpec("UTC", ((0, 0, 1441),)),
        lambda: CalendarSpec("UTC", (), frozenset({NAIVE})),
    ],
    ids=[
        "add_naive",
        "between_naive_start",
        "between_naive_end",
        "open_periods_naive",
        "is_open_naive",
        "add_negative",
        "unknown_zone",
        "weekday_7",
        "start_1440",
        "end_1441",
        "holiday_datetime",
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


# --- properties over random calendars --------------------------------------------

ZONES = (
    "UTC",
    "Asia/Kolkata",
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
)
FIRST, LAST = datetime(2024, 1, 1), datetime(2027, 12, 31)
FORTNIGHT = 14 * 86400


def _transition_days(zone: str) -> list[date]:
    """Local dates in [FIRST, LAST] on which the zone's UTC offset changes."""
    tz = ZoneInfo(zone)
    days, day = [], FIRST.date()
    while day <= LAST.date():
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        next_midnight = midnight + timedelta(days=1)  # wall-clock arithmetic
        if midnight.utcoffset() != next_midnight.utcoffset():
            days.append(day)
        day += timedelta(days=1)
    return days


def _awkward_minutes(zone: str) -> frozenset[int]:
    """Minutes of the day that are skipped or repeated on some transition day."""
    tz = ZoneInfo(zone)
    awkward = set()
    for day in _transition_days(zone):
        midnight = datetime(day.year, day.month, day.day)
        for minute in range(1440):
            wall = midnight + timedelta(minutes=minute)
            first = wall.replace(tzinfo=tz, fold=0)
            second = wall.replace(tzinfo=tz, fold=1)
            if first.utcoffset() != second.utcoffset():
                awkward.add(minute)
    return frozenset(awkward)


# The oracle reads open time off the wall clock, which is the definition except
# for boundaries that are themselves skipped or repeated wall times (there the
# module resolves with fold=0, pinned by the table cases above). Random
# calendars keep their boundaries off those minutes; their intervals still span
# every DST change.
BOUNDARY_MINUTES = {
    zone: [m for m in range(0, 1440, 15) if m not in awkward]
    for zone, awkward in ((zone, _awkward_minutes(zone)) for zone in ZONES)
}
TRANSITIONS = {
    zone: [
        datetime.combine(day, datetime.min.time(), UTC)
        for day in _transition_days(zone)
    ]
    for zone in ZONES
}


@st.composite
def calendars_and_starts(draw, *, zone: str | None = None, whole_minutes: bool = False):
    """A random calendar (in ``zone``, or a random one) and a start instant
    (UTC) that mostly sits near a DST change of the calendar's zone."""
    zone = zone or draw(st.sampled_from(ZONES))
    minutes = BOUNDARY_MINUTES[zone]
    intervals = draw(
        st.lists(
            st.tuples(
                st.integers(0, 6),
                st.sampled_from(minutes),
                st.sampled_from([*minutes, 1440]),
            ),
            min_size=1,
            max_size=3,
        )
    )
    start = draw(st.datetimes(FIRST, LAST, timezones=st.just(UTC)))
    # Mostly near a DST change when the zone has them: that is where bugs hide.
    if TRANSITIONS[zone] and draw(st.integers(0, 3)):
        offset = draw(st.integers(-5 * 86400, 86400))
        start = draw(st.sampled_from(TRANSITIONS[zone])) + timedelta(seconds=offset)
    if whole_minutes:
        start = start.replace(second=0, microsecond=0)
    local_day = start.astimezone(ZoneInfo(zone)).date()
    holiday_offsets = draw(st.lists(st.integers(-2, 16), max_size=4))
    holidays = {local_day + timedelta(days=n) for n in holiday_offsets}
    return CalendarSpec(zone, tuple(intervals), frozenset(holidays)), start


durations = st.integers(0, FORTNIGHT)


def reachable(spec: CalendarSpec, seconds: int) -> int:
    """``seconds`` capped so that a sparse calendar (15 minutes a week) still
    finds them well inside the two-year search horizon."""
    weekly_minutes = sum(
        (end - start) % 1440 or 1440 for _, start, end in spec.intervals
    )
    # Up to three intervals may overlap, so their union is at least a third.
    return min(seconds, 20 * weekly_minutes * 60)


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


@PROPERTY_SETTINGS
@given(calendars_and_starts(), durations)
def test_adding_then_measuring_gives_the_seconds_back(case, seconds):
    spec, start = case
    seconds = reachable(spec, seconds)
    end = add_business_seconds(spec, start, seconds)
    assert business_seconds_between(spec, start, end) == seconds


@PROPERTY_SETTINGS
@given(calendars_and_starts(), st.integers(1, FORTNIGHT))
def test_added_time_ends_in_open_time_or_at_its_close(case, seconds):
    spec, start = case
    seconds = reachable(spec, seconds)
    result = add_business_seconds(spec, start, seconds)
    assert result > start
    assert result.tzinfo is UTC
    assert is_open(spec, result - timedelta(microseconds=1))


@PROPERTY_SETTINGS
@given(calendars_and_starts(), durations, durations)
def test_adding_more_never_ends_earlier(case, first, second):
    spec, start = case
    shorter, longer = sorted((reachable(spec, first), reachable(spec, second)))
    assert add_business_seconds(spec, start, shorter) <= add_business_seconds(
        spec, start, longer
    )


@PROPERTY_SETTINGS
@given(calendars_and_starts(), durations, durations)
def test_measuring_is_additive(case, first_gap, second_gap):
    spec, a = case
    a = a.replace(microsecond=0)  # whole seconds: rounding down cannot differ
    b = a + timedelta(seconds=first_gap)
    c = b + timedelta(seconds=second_gap)
    assert business_seconds_between(spec, a, c) == business_seconds_between(
        spec, a, b
    ) + business_seconds_between(spec, b, c)


@PROPERTY_SETTINGS
@given(calendars_and_starts(), durations)
def test_open_periods_are_merged_ordered_and_inside_the_range(case, seconds):
    spec, start = case
    end = start + timedelta(seconds=seconds)
    periods = list(open_periods(spec, start, end))
    for opens, closes in periods:
        assert start <= opens < closes <= end
        assert opens.tzinfo is UTC and closes.tzinfo is UTC
    for (_, closes), (opens, _) in pairwise(periods):
        assert closes < opens


# --- brute-force oracle ----------------------------------------------------------


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def oracle_is_open_minute(spec: CalendarSpec, minute_utc: datetime) -> bool:
    """Whether the UTC minute starting at ``minute_utc`` is open, read off the
    local wall clock: an interval of the local date, or the after-midnight part
    of a crossing interval of the day before; each only if the date it opens on
    is not a holiday."""
    if spec.always_open:
        return True
    wall = minute_utc.astimezone(_zone(spec.timezone))
    minute, today = wall.hour * 60 + wall.minute, wall.date()
    yesterday = today - timedelta(days=1)
    for weekday, start, end in spec.intervals:
        crosses = end <= start
        opens_today = weekday == today.weekday() and today not in spec.holidays
        if opens_today and start <= minute and (crosses or minute < end):
            return True
        opened_yesterday = (
            weekday == yesterday.weekday() and yesterday not in spec.holidays
        )
        if opened_yesterday and crosses and minute < end:
            return True
    return False


def oracle_runs(flags: list[bool]) -> list[tuple[int, int]]:
    """Maximal runs of open minutes as (first, past_last) minute indexes."""
    runs: list[tuple[int, int]] = []
    for index, flag in enumerate(flags):
        if not flag:
            continue
        if runs and runs[-1][1] == index:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    return runs


@pytest.mark.parametrize("zone", ZONES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_agrees_with_a_minute_by_minute_oracle(zone, data):
    spec, start = data.draw(calendars_and_starts(zone=zone, whole_minutes=True))
    window_minutes = data.draw(st.integers(1440, 10 * 1440))
    flags = [
        oracle_is_open_minute(spec, start + n * MINUTE) for n in range(window_minutes)
    ]
    end = start + window_minutes * MINUTE

    periods = [
        ((opens - start) // MINUTE, (closes - start) // MINUTE)
        for opens, closes in open_periods(spec, start, end)
    ]
    assert periods == oracle_runs(flags)

    index = st.integers(0, window_minutes)
    for _ in range(3):
        i, j = sorted((data.draw(index), data.draw(index)))
        between = business_seconds_between(spec, start + i * MINUTE, start + j * MINUTE)
        assert between == 60 * sum(flags[i:j])

        open_after_i = [n for n in range(i, window_minutes) if flags[n]]
        if open_after_i:
            k = data.draw(st.integers(1, len(open_after_i)))
            expected = start + (open_after_i[k - 1] + 1) * MINUTE
            assert add_business_seconds(spec, start + i * MINUTE, 60 * k) == expected
