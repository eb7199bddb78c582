"""Builders for SLA data: plain functions that add and flush."""

from __future__ import annotations

import itertools

from helpdesk.extensions import db
from sla.models import BusinessCalendar, SlaPolicy, WorkingInterval

_sequence = itertools.count(1)

NINE_TO_SIX = tuple((day, 9 * 60, 18 * 60) for day in range(5))


def make_calendar(
    *, timezone: str = "UTC", hours=NINE_TO_SIX, always_open: bool = False, **fields
) -> BusinessCalendar:
    calendar = BusinessCalendar(
        name=fields.pop("name", f"calendar {next(_sequence)}"),
        timezone=timezone,
        always_open=always_open,
        **fields,
    )
    calendar.intervals = [
        WorkingInterval(weekday=d, start_minute=s, end_minute=e) for d, s, e in hours
    ]
    db.session.add(calendar)
    db.session.flush()
    return calendar


def make_policy(
    *,
    calendar: BusinessCalendar | None = None,
    position: int | None = None,
    first_response_minutes: int | None = 60,
    next_response_minutes: int | None = None,
    resolution_minutes: int | None = 480,
    **fields,
) -> SlaPolicy:
    n = next(_sequence)
    policy = SlaPolicy(
        name=fields.pop("name", f"policy {n}"),
        position=n if position is None else position,
        calendar=calendar or make_calendar(),
        first_response_minutes=first_response_minutes,
        next_response_minutes=next_response_minutes,
        resolution_minutes=resolution_minutes,
        warning_percents=fields.pop("warning_percents", [75, 90]),
        on_warning=fields.pop("on_warning", ["notify_assignee"]),
        on_breach=fields.pop("on_breach", ["notify_assignee", "notify_managers"]),
        conditions=fields.pop("conditions", {}),
        **fields,
    )
    db.session.add(policy)
    db.session.flush()
    return policy
