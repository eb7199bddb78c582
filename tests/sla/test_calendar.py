"""Business-time math (sla/calendar): a table case per rule of the package
docstring, properties, and a brute-force oracle that walks real time minute by
minute reading the local wall clock. No Flask, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sla.calendar import (
    CalendarSpec,
    UnplaceableTarget,
    add_business_seconds,
    business_seconds_between,
    check_placeable,
    is_open,
    open_periods,
)
from sla.calendar.real import RealTime
from sla.calendar.wall import WallTime

HOUR = 3600
MINUTE = timedelta(minutes=1)


def at(zone: str, *fields: int, fold: int = 0) -> datetime:
    """A local wall time in ``zone``, as an aware datetime."""
    return datetime(*fields, tzinfo=ZoneInfo(zone), fold=fold)


def msk(*fields: int) -> datetime:
    return at("Europe/Moscow", *fields)


def berlin(*fields: int, fold: int = 0) -> datetime:
    return at("Europe/Berlin", *fields, fold=fold)


def nyc(*fields: int, fold: int = 0) -> datetime:
    return at("America/New_York", *fields, fold=fold)


def howe(*fields: int, fold: int = 0) -> datetime:
    return at("Australia/Lord_Howe", *fields, fold=fold)


def weekdays(*spans: tuple[int, int]) -> tuple[tuple[int, int, int], ...]:
    return tuple((day, start, end) for day in range(5) for start, end in spans)


# 2025-03-17 is a Monday; 2025-03-30 and 2025-10-26 are Berlin's DST Sundays
# (02:00 -> 03:00, 03:00 -> 02:00); 2025-03-09 and 2025-11-02 New York's;
# 2025-04-06 (02:00 -> 01:30) and 2025-10-05 (02:00 -> 02:30) Lord Howe's.
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
ALWAYS_HOLIDAY = CalendarSpec("Europe/Moscow", (), {date(2025, 3, 18)}, True)
BERLIN_SUNDAY_NIGHT = CalendarSpec("Europe/Berlin", ((6, 0, 360),))  # Sun 00-06
NYC_SUNDAY_NIGHT = CalendarSpec("America/New_York", ((6, 0, 360),))
NYC_WEEKEND_SHIFT = CalendarSpec("America/New_York", ((5, 1320, 360),))  # Sat 22-06
# Boundaries inside a DST gap (02:00-03:00 spring) or fold (02:00-03:00 fall).
BERLIN_IN_GAP_TO_4 = CalendarSpec("Europe/Berlin", ((6, 150, 240),))  # 02:30-04:00
BERLIN_TO_IN_GAP = CalendarSpec("Europe/Berlin", ((6, 0, 150),))  # 00:00-02:30
BERLIN_INSIDE_GAP = CalendarSpec("Europe/Berlin", ((6, 130, 170),))  # 02:10-02:50
BERLIN_ONE_TO_FOUR = CalendarSpec("Europe/Berlin", ((6, 60, 240),))  # 01:00-04:00
HOWE_ONE_TO_THREE = CalendarSpec("Australia/Lord_Howe", ((6, 60, 180),))


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
    # Rule 3: a holiday removes its own date's readings only.
    ("holiday_monday_keeps_its_night_shifts_tuesday_tail", NIGHT_MONDAY_OFF,
     msk(2025, 3, 17, 21), 3 * HOUR, msk(2025, 3, 18, 3)),
    ("holiday_tuesday_removes_the_monday_shifts_tail", NIGHT_TUESDAY_OFF,
     msk(2025, 3, 17, 21), 3 * HOUR, msk(2025, 3, 24, 23)),
    ("holiday_tuesday_tail_waits_for_next_monday", NIGHT_TUESDAY_OFF,
     msk(2025, 3, 18, 1), HOUR, msk(2025, 3, 24, 23)),
    # Rule 4: 24x7 honours holidays.
    ("always_open_skips_its_holiday", ALWAYS_HOLIDAY, msk(2025, 3, 17, 23), 2 * HOUR,
     msk(2025, 3, 19, 1)),
    # Rule 7: zero targets are due at their start, open or not.
    ("zero_seconds_in_closed_time_is_start", OFFICE, msk(2025, 3, 15, 10), 0,
     msk(2025, 3, 15, 10)),
    ("zero_seconds_on_a_holiday_is_start", ALWAYS_HOLIDAY, msk(2025, 3, 18, 10), 0,
     msk(2025, 3, 18, 10)),
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
    # Rule 5: a boundary in the gap takes effect when the reading passes it.
    ("gap_opening_takes_effect_at_0300", BERLIN_IN_GAP_TO_4,
     berlin(2025, 3, 29, 12), 60, berlin(2025, 3, 30, 3, 1)),
    ("gap_closing_takes_effect_at_0300", BERLIN_TO_IN_GAP,
     berlin(2025, 3, 29, 12), 2 * HOUR, berlin(2025, 3, 30, 3)),
    ("window_inside_the_gap_waits_a_week", BERLIN_INSIDE_GAP,
     berlin(2025, 3, 29, 12), 60, berlin(2025, 4, 6, 2, 11)),
    # Rule 6: a fold end is passed at its last occurrence.
    ("fold_closing_is_its_second_occurrence", BERLIN_TO_IN_GAP,
     berlin(2025, 10, 25, 12), 3 * HOUR, berlin(2025, 10, 26, 2, 30, fold=1)),
    ("fold_opening_is_its_first_occurrence", BERLIN_IN_GAP_TO_4,
     berlin(2025, 10, 25, 12), 60, berlin(2025, 10, 26, 2, 31)),
    ("fold_opening_reopens_at_its_second_occurrence", BERLIN_IN_GAP_TO_4,
     berlin(2025, 10, 25, 12), 31 * 60, berlin(2025, 10, 26, 2, 31, fold=1)),
    ("lord_howe_half_hour_fold_counts_twice", HOWE_ONE_TO_THREE,
     howe(2025, 4, 5, 12), int(2.5 * HOUR), howe(2025, 4, 6, 3)),
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
    # Rule 3, both ways round.
    ("holiday_monday_leaves_its_shifts_tuesday_tail", NIGHT_MONDAY_OFF,
     msk(2025, 3, 17), msk(2025, 3, 19), 6 * HOUR),
    ("holiday_tuesday_leaves_the_monday_evening", NIGHT_TUESDAY_OFF, msk(2025, 3, 17),
     msk(2025, 3, 19), 2 * HOUR),
    # Rule 4.
    ("always_open_holiday_is_closed", ALWAYS_HOLIDAY, msk(2025, 3, 17),
     msk(2025, 3, 19), 24 * HOUR),
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
    # Rule 5: 02:30-04:00 opens at 03:00; 00:00-02:30 closes at 03:00 CEST.
    ("gap_opening_leaves_one_real_hour", BERLIN_IN_GAP_TO_4, berlin(2025, 3, 29),
     berlin(2025, 3, 31), HOUR),
    ("gap_closing_leaves_two_real_hours", BERLIN_TO_IN_GAP, berlin(2025, 3, 29),
     berlin(2025, 3, 31), 2 * HOUR),
    ("window_wholly_inside_the_gap_is_nothing", BERLIN_INSIDE_GAP, berlin(2025, 3, 29),
     berlin(2025, 3, 31), 0),
    ("window_inside_the_gap_on_other_sundays", BERLIN_INSIDE_GAP, berlin(2025, 4, 5),
     berlin(2025, 4, 7), 40 * 60),
    ("lord_howe_half_hour_gap", HOWE_ONE_TO_THREE, howe(2025, 10, 4),
     howe(2025, 10, 6), int(1.5 * HOUR)),
    # Rule 6: repeated readings count twice.
    ("fold_one_to_four_is_four_real_hours", BERLIN_ONE_TO_FOUR, berlin(2025, 10, 25),
     berlin(2025, 10, 27), 4 * HOUR),
    ("fold_closing_leaves_three_real_hours", BERLIN_TO_IN_GAP, berlin(2025, 10, 25),
     berlin(2025, 10, 27), 3 * HOUR),
    ("fold_opening_leaves_two_real_hours", BERLIN_IN_GAP_TO_4, berlin(2025, 10, 25),
     berlin(2025, 10, 27), 2 * HOUR),
    ("lord_howe_half_hour_fold", HOWE_ONE_TO_THREE, howe(2025, 4, 5), howe(2025, 4, 7),
     int(2.5 * HOUR)),
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
    ("holiday_monday_night_shift_is_closed", NIGHT_MONDAY_OFF, msk(2025, 3, 17, 23),
     False),
    ("holiday_monday_shifts_tail_is_open", NIGHT_MONDAY_OFF, msk(2025, 3, 18, 1), True),
    ("tail_into_a_holiday_tuesday_is_closed", NIGHT_TUESDAY_OFF, msk(2025, 3, 18, 1),
     False),
    ("always_open", ALWAYS, msk(2025, 3, 15, 3), True),
    ("always_open_holiday", ALWAYS_HOLIDAY, msk(2025, 3, 18, 3), False),
    ("always_open_after_its_holiday", ALWAYS_HOLIDAY, msk(2025, 3, 19), True),
    ("second_pass_of_the_repeated_hour", BERLIN_SUNDAY_NIGHT,
     berlin(2025, 10, 26, 2, 30, fold=1), True),
    ("fold_closing_open_again_on_second_pass", BERLIN_TO_IN_GAP,
     berlin(2025, 10, 26, 2, 10, fold=1), True),
    ("fold_closing_closed_between_the_passes", BERLIN_TO_IN_GAP,
     berlin(2025, 10, 26, 2, 45), False),
    ("fold_opening_closed_between_the_passes", BERLIN_IN_GAP_TO_4,
     berlin(2025, 10, 26, 2, 10, fold=1), False),
    ("gap_opening_open_from_0300", BERLIN_IN_GAP_TO_4, berlin(2025, 3, 30, 3), True),
    ("gap_closing_closed_from_0300", BERLIN_TO_IN_GAP, berlin(2025, 3, 30, 3), False),
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


def test_open_periods_of_a_fold_closing_are_two():
    periods = list(
        open_periods(BERLIN_TO_IN_GAP, berlin(2025, 10, 26), berlin(2025, 10, 27))
    )
    assert periods == [
        (berlin(2025, 10, 26), berlin(2025, 10, 26, 2, 30).astimezone(UTC)),
        (
            berlin(2025, 10, 26, 2, fold=1).astimezone(UTC),
            berlin(2025, 10, 26, 2, 30, fold=1).astimezone(UTC),
        ),
    ]


def test_a_crossing_interval_ending_at_zero_runs_until_midnight():
    spec = CalendarSpec("UTC", ((0, 1320, 0),))
    start = datetime(2025, 3, 17, tzinfo=UTC)
    assert business_seconds_between(spec, start, start + timedelta(days=7)) == 2 * HOUR


@pytest.mark.parametrize("interval", [(0, 0, 1440), (0, 0, 0)])
def test_whole_day_intervals(interval):
    spec = CalendarSpec("Europe/Moscow", (interval,))
    assert business_seconds_between(spec, msk(2025, 3, 16), msk(2025, 3, 19)) == 86400


def test_a_sunday_night_shift_runs_into_monday():
    spec = CalendarSpec("UTC", ((6, 1320, 120),))
    sunday = datetime(2025, 3, 16, 21, tzinfo=UTC)
    assert add_business_seconds(spec, sunday, 3 * HOUR) == sunday + timedelta(hours=4)


def test_adding_across_a_year_of_working_days_is_exact():
    result = add_business_seconds(OFFICE, msk(2025, 1, 6, 9), 250 * 9 * HOUR)
    assert msk(2025, 12, 1) < result < msk(2026, 1, 31)
    assert business_seconds_between(OFFICE, msk(2025, 1, 6, 9), result) == 2250 * HOUR


# --- targets that cannot be placed, and those that can -----------------------------


def test_a_calendar_without_working_time_cannot_place_a_target():
    with pytest.raises(UnplaceableTarget, match="calendar has no working time"):
        add_business_seconds(CalendarSpec("UTC", ()), msk(2025, 3, 17), 1)


def test_adding_zero_needs_no_working_time():
    start = msk(2025, 3, 17)
    assert add_business_seconds(CalendarSpec("UTC", ()), start, 0) == start
    check_placeable(CalendarSpec("UTC", ()), 0, since=start)


def test_a_long_target_on_office_hours_has_no_horizon():
    # 300,000 minutes, Mon-Fri 09-18: more than two years of working days.
    start = msk(2025, 3, 17, 9)
    result = add_business_seconds(OFFICE, start, 300_000 * 60)
    assert msk(2027, 5, 1) < result < msk(2027, 7, 1)
    assert business_seconds_between(OFFICE, start, result) == 300_000 * 60


def test_three_years_of_holiday_mondays_only_delay_a_monday_calendar():
    mondays = frozenset(date(2025, 3, 17) + timedelta(weeks=n) for n in range(160))
    spec = CalendarSpec("Europe/Moscow", ((0, 540, 1080),), mondays)
    result = add_business_seconds(spec, msk(2025, 3, 17), 1)
    first_working_monday = msk(2025, 3, 17, 9, 0, 1) + timedelta(weeks=160)
    assert result == first_working_monday.astimezone(UTC)


def test_a_minute_a_week_cannot_hold_a_year_of_business_time():
    spec = CalendarSpec("Europe/Berlin", ((0, 540, 541),))
    with pytest.raises(UnplaceableTarget, match="after year 9999"):
        check_placeable(spec, 527_040 * 60, since=berlin(2026, 3, 2))


def test_two_minutes_a_week_place_a_year_of_business_time_millennia_away():
    spec = CalendarSpec("Europe/Berlin", ((0, 540, 542),))
    start = berlin(2026, 3, 2, 10)
    result = add_business_seconds(spec, start, 527_040 * 60)
    assert result.year > 7000
    assert business_seconds_between(spec, start, result) == 527_040 * 60
    assert is_open(spec, result - timedelta(microseconds=1))


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Australia/Lord_Howe", "UTC"])
def test_cycles_of_400_years_agree_with_walking_every_year(zone):
    """Far spans skip whole 400-year cycles; without the shortcut the same
    answers come from one table over every year."""
    spec = CalendarSpec(zone, ((6, 60, 200), (2, 1320, 30)), {date(2031, 4, 6)})
    walked = RealTime(zone, WallTime(spec.intervals, spec.holidays), plain=False)
    walked.cycle_from = None
    start = datetime(2026, 3, 2, 10, tzinfo=UTC)
    end = datetime(3200, 7, 1, tzinfo=UTC)
    a = (start - datetime(1, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    b = (end - datetime(1, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    expected = walked.between(a, b)
    assert business_seconds_between(spec, start, end) * 1_000_000 == expected
    amount = expected - 7_000_000
    due = add_business_seconds(spec, start, amount // 1_000_000)
    assert due == datetime(1, 1, 1, tzinfo=UTC) + timedelta(
        microseconds=walked.add(a, amount)
    )


def test_24x7_with_holidays_is_placeable_and_skips_them():
    spec = CalendarSpec("UTC", (), {date(2025, 3, 18), date(2025, 3, 19)}, True)
    start = datetime(2025, 3, 17, 23, tzinfo=UTC)
    assert add_business_seconds(spec, start, 2 * HOUR) == datetime(
        2025, 3, 20, 1, tzinfo=UTC
    )


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


# --- the brute-force oracle ------------------------------------------------------


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def oracle_open(spec: CalendarSpec, instant: datetime) -> bool:
    """Rules 1-4 read off the local wall clock at ``instant``, nothing else:
    the reading's date is no holiday and its time lies in an interval of that
    date, or in the after-midnight part of an overnight interval of the day
    before. Gaps and folds need no code: the clock reads what it reads."""
    wall = instant.astimezone(_zone(spec.timezone))
    today = wall.date()
    if today in spec.holidays:
        return False
    if spec.always_open:
        return True
    minute, weekday = wall.hour * 60 + wall.minute, today.weekday()
    for day, start, end in spec.intervals:
        if end > start:
            if day == weekday and start <= minute < end:
                return True
        elif (day == weekday and minute >= start) or (
            day == (weekday - 1) % 7 and minute < end
        ):
            return True
    return False


def oracle_flags(spec: CalendarSpec, start: datetime, minutes: int) -> list[bool]:
    """Open or not, for each real minute from ``start`` (a whole UTC minute):
    every zone used changes its offset on whole minutes, and every boundary is
    a whole minute, so a minute is open or closed throughout."""
    return [oracle_open(spec, start + n * MINUTE) for n in range(minutes)]


ZONES = (
    "UTC",
    "Asia/Kolkata",
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
)
FIRST, LAST = datetime(2024, 1, 1, tzinfo=UTC), datetime(2027, 12, 1, tzinfo=UTC)


def _transitions(zone: str) -> list[datetime]:
    """UTC minutes in [FIRST, LAST] at which the zone's offset changes."""
    tz, found = ZoneInfo(zone), []
    day = FIRST
    while day < LAST:
        nxt = day + timedelta(days=1)
        if day.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            lo, hi = day, nxt
            while hi - lo > MINUTE:
                mid = lo + (hi - lo) // 2
                mid = mid.replace(second=0, microsecond=0)
                if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        day = nxt
    return found


TRANSITIONS = {zone: _transitions(zone) for zone in ZONES}
# Local minutes a transition skips or repeats, and other boundaries worth hitting.
AWKWARD_MINUTES = [0, 30, 60, 90, 119, 120, 121, 130, 150, 179, 180, 181, 210, 1320]


def minutes_of_day(*, end: bool = False) -> st.SearchStrategy[int]:
    top = 1440 if end else 1439
    return st.one_of(
        st.sampled_from([m for m in AWKWARD_MINUTES if m <= top] + [top]),
        st.integers(0, top),
    )


@st.composite
def calendars_and_starts(draw, *, whole_minutes: bool = False):
    """A random calendar (overnight intervals, holidays, sometimes 24x7) in a
    random zone, and a start instant (UTC) that mostly sits near one of the
    zone's DST changes, with holidays mostly around it."""
    zone = draw(st.sampled_from(ZONES))
    intervals = draw(
        st.lists(
            st.tuples(st.integers(0, 6), minutes_of_day(), minutes_of_day(end=True)),
            min_size=1,
            max_size=4,
        )
    )
    start = draw(st.datetimes(FIRST.replace(tzinfo=None), LAST.replace(tzinfo=None)))
    start = start.replace(tzinfo=UTC)
    if TRANSITIONS[zone] and draw(st.integers(0, 3)):
        near = draw(st.sampled_from(TRANSITIONS[zone]))
        start = near + timedelta(seconds=draw(st.integers(-3 * 86400, 86400)))
    if whole_minutes:
        start = start.replace(second=0, microsecond=0)
    local_day = start.astimezone(ZoneInfo(zone)).date()
    offsets = draw(st.lists(st.integers(-2, 12), max_size=5))
    holidays = frozenset(local_day + timedelta(days=n) for n in offsets)
    always_open = draw(st.integers(0, 9)) == 0
    return CalendarSpec(zone, tuple(intervals), holidays, always_open), start


ORACLE_SETTINGS = settings(max_examples=100, deadline=None)


@ORACLE_SETTINGS
@given(calendars_and_starts(whole_minutes=True), st.data())
def test_business_seconds_between_agrees_with_the_oracle(case, data):
    spec, start = case
    window = data.draw(st.integers(1, 4 * 1440), label="minutes")
    flags = oracle_flags(spec, start, window)
    i, j = sorted(data.draw(st.integers(0, window), label="bound") for _ in range(2))
    between = business_seconds_between(spec, start + i * MINUTE, start + j * MINUTE)
    assert between == 60 * sum(flags[i:j])
    assert business_seconds_between(spec, start, start + window * MINUTE) == 60 * sum(
        flags
    )


@ORACLE_SETTINGS
@given(calendars_and_starts(whole_minutes=True), st.data())
def test_add_business_seconds_is_the_earliest_instant_the_oracle_allows(case, data):
    spec, start = case
    window = data.draw(st.integers(60, 4 * 1440), label="minutes")
    flags = oracle_flags(spec, start, window)
    open_minutes = [n for n, flag in enumerate(flags) if flag]
    assume(open_minutes)
    k = data.draw(st.integers(1, len(open_minutes)), label="open minutes")
    # The k-th open minute ends exactly when k minutes have elapsed.
    expected = start + (open_minutes[k - 1] + 1) * MINUTE
    assert add_business_seconds(spec, start, 60 * k) == expected
    # Part-way through that minute, the seconds come out the same way.
    seconds = data.draw(st.integers(1, 59), label="seconds")
    assert add_business_seconds(
        spec, start, 60 * (k - 1) + seconds
    ) == expected - MINUTE + timedelta(seconds=seconds)


@ORACLE_SETTINGS
@given(calendars_and_starts(whole_minutes=True), st.data())
def test_is_open_and_open_periods_agree_with_the_oracle(case, data):
    spec, start = case
    window = data.draw(st.integers(1, 3 * 1440), label="minutes")
    flags = oracle_flags(spec, start, window)
    runs: list[list[int]] = []
    for n, flag in enumerate(flags):
        if flag and runs and runs[-1][1] == n:
            runs[-1][1] = n + 1
        elif flag:
            runs.append([n, n + 1])
    periods = [
        [(opens - start) // MINUTE, (closes - start) // MINUTE]
        for opens, closes in open_periods(spec, start, start + window * MINUTE)
    ]
    assert periods == runs
    n = data.draw(st.integers(0, window - 1), label="minute")
    assert is_open(spec, start + n * MINUTE + timedelta(seconds=30)) is flags[n]


# --- properties over long spans, any instant -----------------------------------------

YEAR = 366 * 86400


def placeable(spec: CalendarSpec, seconds: int) -> int:
    """``seconds`` capped to 2,000 weeks of the longest interval, so that a
    calendar of a minute a week does not need to reach past year 9999."""
    if spec.always_open:
        return seconds
    longest = max((end - start) % 1440 or 1440 for _, start, end in spec.intervals)
    return min(seconds, 2000 * 60 * longest)


@settings(max_examples=200, deadline=None)
@given(calendars_and_starts(), st.integers(0, YEAR))
def test_adding_then_measuring_gives_the_seconds_back(case, seconds):
    spec, start = case
    seconds = placeable(spec, seconds)
    end = add_business_seconds(spec, start, seconds)
    assert business_seconds_between(spec, start, end) == seconds
    if seconds:
        # The earliest such instant: a microsecond earlier is not enough, and
        # the last microsecond before it is business time.
        earlier = end - timedelta(microseconds=1)
        assert business_seconds_between(spec, start, earlier) == seconds - 1
        assert is_open(spec, earlier)


@settings(max_examples=100, deadline=None)
@given(calendars_and_starts(), st.integers(0, YEAR), st.integers(0, YEAR))
def test_measuring_is_additive(case, first_gap, second_gap):
    spec, a = case
    a = a.replace(microsecond=0)  # whole seconds: rounding down cannot differ
    b = a + timedelta(seconds=first_gap)
    c = b + timedelta(seconds=second_gap)
    assert business_seconds_between(spec, a, c) == business_seconds_between(
        spec, a, b
    ) + business_seconds_between(spec, b, c)


@settings(max_examples=100, deadline=None)
@given(calendars_and_starts(), st.integers(0, 20 * 86400))
def test_open_periods_are_merged_ordered_and_sum_to_the_business_time(case, seconds):
    spec, start = case
    start = start.replace(microsecond=0)
    end = start + timedelta(seconds=seconds)
    periods = list(open_periods(spec, start, end))
    for opens, closes in periods:
        assert start <= opens < closes <= end
        assert opens.tzinfo is UTC and closes.tzinfo is UTC
    for (_, closes), (opens, _) in pairwise(periods):
        assert closes < opens
    total = sum((closes - opens for opens, closes in periods), timedelta())
    assert total // timedelta(seconds=1) == business_seconds_between(spec, start, end)
