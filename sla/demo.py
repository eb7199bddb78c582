"""Demo SLA settings: a Moscow office calendar with Russian public holidays,
a 24x7 calendar, and three policies, named in the demo's language (holidays
too). Idempotent: looked up by name, in either language."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from helpdesk.demo import demo_locale, every_name
from helpdesk.extensions import db
from sla.models import BusinessCalendar, Holiday, SlaPolicy, WorkingInterval
from sla.service.setup import public_holidays_of

OFFICE = {"en": "Moscow, Mon–Fri 9:00–18:00", "ru": "Москва, пн–пт 9:00–18:00"}
ROUND_THE_CLOCK = {"en": "24x7", "ru": "Круглосуточно"}

# name, conditions, calendar, first response, next response, resolution (minutes)
POLICIES = (
    (
        {"en": "P1 — critical, 24x7", "ru": "P1 — критичные, круглосуточно"},
        {"priority": ["P1"]},
        "24x7",
        15,
        30,
        4 * 60,
    ),
    (
        {"en": "Phone calls", "ru": "Звонки"},
        {"channel": ["phone"]},
        "office",
        60,
        4 * 60,
        2 * 9 * 60,
    ),
    ({"en": "Standard", "ru": "Стандартная"}, {}, "office", 2 * 60, 8 * 60, 3 * 9 * 60),
)


def load_demo_sla(now: datetime) -> None:
    """Calendars, holidays and policies that are missing, named in the demo's
    language (``helpdesk.demo.demo_locale``); one loaded before in the other
    language is found by either name."""
    locale = demo_locale()
    office = _calendar(OFFICE, locale, timezone="Europe/Moscow", always_open=False)
    if not office.intervals:
        office.intervals = [
            WorkingInterval(weekday=d, start_minute=9 * 60, end_minute=18 * 60)
            for d in range(5)
        ]
        for year in (now.year, now.year + 1):
            office.holidays.extend(
                Holiday(day=day, name=name[:120])
                for day, name in sorted(public_holidays_of("RU", year, locale).items())
            )
    calendars = {
        "office": office,
        "24x7": _calendar(ROUND_THE_CLOCK, locale, timezone="UTC", always_open=True),
    }
    for position, (name, conditions, calendar, first, nxt, resolution) in enumerate(
        POLICIES, start=1
    ):
        if db.session.scalar(
            sa.select(SlaPolicy.id).where(SlaPolicy.name.in_(every_name(name)))
        ):
            continue
        db.session.add(
            SlaPolicy(
                name=name[locale],
                position=position,
                conditions=conditions,
                calendar=calendars[calendar],
                first_response_minutes=first,
                next_response_minutes=nxt,
                resolution_minutes=resolution,
                warning_percents=[75, 90],
                on_warning=["notify_assignee", "notify_line"],
                on_breach=["notify_assignee", "notify_managers"],
            )
        )
    db.session.flush()


def _calendar(
    name: dict[str, str], locale: str, *, timezone: str, always_open: bool
) -> BusinessCalendar:
    calendar = db.session.scalar(
        sa.select(BusinessCalendar).where(BusinessCalendar.name.in_(every_name(name)))
    )
    if calendar is None:
        calendar = BusinessCalendar(
            name=name[locale], timezone=timezone, always_open=always_open
        )
        db.session.add(calendar)
    return calendar
