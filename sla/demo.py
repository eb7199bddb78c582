"""Demo SLA settings: a Moscow office calendar with Russian public holidays,
a 24x7 calendar, and three policies. Idempotent: looked up by name."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from sla.models import BusinessCalendar, Holiday, SlaPolicy, WorkingInterval
from sla.service.setup import public_holidays_of

OFFICE = "Москва, пн–пт 9:00–18:00"
ROUND_THE_CLOCK = "24x7"

# name, conditions, calendar, first response, next response, resolution (minutes)
POLICIES = (
    ("P1 — critical, 24x7", {"priority": ["P1"]}, ROUND_THE_CLOCK, 15, 30, 4 * 60),
    ("Phone calls", {"channel": ["phone"]}, OFFICE, 60, 4 * 60, 2 * 9 * 60),
    ("Standard", {}, OFFICE, 2 * 60, 8 * 60, 3 * 9 * 60),
)


def load_demo_sla(now: datetime) -> None:
    office = _calendar(OFFICE, timezone="Europe/Moscow", always_open=False)
    if not office.intervals:
        office.intervals = [
            WorkingInterval(weekday=d, start_minute=9 * 60, end_minute=18 * 60)
            for d in range(5)
        ]
        for year in (now.year, now.year + 1):
            office.holidays.extend(
                Holiday(day=day, name=name[:120])
                for day, name in sorted(public_holidays_of("RU", year, "ru").items())
            )
    calendars = {
        OFFICE: office,
        ROUND_THE_CLOCK: _calendar(ROUND_THE_CLOCK, timezone="UTC", always_open=True),
    }
    for position, (name, conditions, calendar, first, nxt, resolution) in enumerate(
        POLICIES, start=1
    ):
        if db.session.scalar(sa.select(SlaPolicy.id).where(SlaPolicy.name == name)):
            continue
        db.session.add(
            SlaPolicy(
                name=name,
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


def _calendar(name: str, *, timezone: str, always_open: bool) -> BusinessCalendar:
    calendar = db.session.scalar(
        sa.select(BusinessCalendar).where(BusinessCalendar.name == name)
    )
    if calendar is None:
        calendar = BusinessCalendar(
            name=name, timezone=timezone, always_open=always_open
        )
        db.session.add(calendar)
    return calendar
