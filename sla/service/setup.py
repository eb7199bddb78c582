"""Use cases of the SLA settings: business calendars, holidays, policies.

The only code that writes calendars and policies. Functions take what a
schema's ``load`` returned, flush and never commit (the edge commits), and
raise ``DomainError``s with field messages for business-rule failures, so a
form and the API refuse the same things the same way. Nothing is stored
half-way: every check runs before the first change, and the edge rolls back
on any error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from helpdesk.custom_fields import conditions as field_conditions
from helpdesk.errors import Conflict, InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.models import Category, User
from sla.calendar import CalendarSpec, UnplaceableTarget, check_placeable
from sla.models import (
    BusinessCalendar,
    Holiday,
    SlaClock,
    SlaPolicy,
    WorkingInterval,
)
from sla.service import retime
from sla.service.clocks import calendar_spec

log = logging.getLogger(__name__)

#: The policy fields that hold a target, in business minutes.
TARGET_FIELDS = (
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
)


# --- calendars -----------------------------------------------------------------


def get_calendar(calendar_id: int) -> BusinessCalendar:
    calendar = db.session.get(BusinessCalendar, calendar_id)
    if calendar is None:
        raise NotFound(_("Calendar not found."))
    return calendar


def list_calendars(*, after_id: int | None = None, limit: int = 100) -> list:
    """Calendars by id, a keyset page of ``limit`` rows after ``after_id``."""
    query = sa.select(BusinessCalendar).order_by(BusinessCalendar.id).limit(limit)
    if after_id is not None:
        query = query.where(BusinessCalendar.id > after_id)
    return list(db.session.scalars(query))


def create_calendar(
    data: dict[str, Any], *, actor: User, now: datetime
) -> BusinessCalendar:
    """A calendar from ``CalendarIn`` data (intervals and holidays included);
    refused if it has no working time from ``now`` on."""
    _check_unique_name(BusinessCalendar, data["name"])
    _check_placeable_targets(data, [], now=now)
    calendar = BusinessCalendar()
    _apply_calendar(calendar, data)
    db.session.add(calendar)
    db.session.flush()
    log.info("sla.calendar created calendar_id=%s actor_id=%s", calendar.id, actor.id)
    return calendar


def update_calendar(
    calendar: BusinessCalendar, data: dict[str, Any], *, actor: User, now: datetime
) -> None:
    """Replace the calendar's settings, intervals and holidays with ``data``;
    refused if a policy using it could never reach one of its targets
    started at ``now``; every running clock on it is re-timed by the next
    sweep."""
    _check_unique_name(BusinessCalendar, data["name"], exclude_id=calendar.id)
    users = db.session.scalars(
        sa.select(SlaPolicy)
        .where(SlaPolicy.calendar_id == calendar.id)
        .order_by(SlaPolicy.position, SlaPolicy.id)
    )
    _check_placeable_targets(data, list(users), now=now)
    _apply_calendar(calendar, data)
    db.session.flush()
    retime.retime_clocks(retime.policies_on(calendar), now=now)
    log.info("sla.calendar updated calendar_id=%s actor_id=%s", calendar.id, actor.id)


def _check_placeable_targets(
    data: dict[str, Any], policies: list[SlaPolicy], *, now: datetime
) -> None:
    """The calendar ``data`` describes must have working time, and every
    target of ``policies`` a due time (an "intervals" message otherwise)."""
    spec = CalendarSpec(
        timezone=data["timezone"],
        intervals=tuple(
            (i["weekday"], i["start_minute"], i["end_minute"])
            for i in data["intervals"]
        ),
        holidays=frozenset(h["day"] for h in data["holidays"]),
        always_open=data["always_open"],
    )
    if not _placeable(spec, 60, now):
        message = _("The calendar has no working time left.")
        raise InvalidInput(message, fields={"intervals": [message]})
    stuck = [
        policy.name
        for policy in policies
        if not all(
            _placeable(spec, (getattr(policy, f) or 0) * 60, now) for f in TARGET_FIELDS
        )
    ]
    if stuck:
        message = _(
            "With these working hours these policies could never reach a "
            "target: %(names)s.",
            names=", ".join(stuck),
        )
        raise InvalidInput(message, fields={"intervals": [message]})


def _placeable(spec: CalendarSpec, seconds: int, now: datetime) -> bool:
    try:
        check_placeable(spec, seconds, since=now)
    except UnplaceableTarget:
        return False
    return True


def _apply_calendar(calendar: BusinessCalendar, data: dict[str, Any]) -> None:
    calendar.name = data["name"]
    calendar.timezone = data["timezone"]
    calendar.always_open = data["always_open"]
    calendar.intervals = [WorkingInterval(**i) for i in data["intervals"]]
    # Keep the rows of dates that stay (their ids and names only change if
    # asked), so the unique (calendar, day) key never sees a delete-then-insert.
    wanted = {h["day"]: h["name"] for h in data["holidays"]}
    kept = []
    for holiday in calendar.holidays:
        if holiday.day in wanted:
            holiday.name = wanted.pop(holiday.day)
            kept.append(holiday)
    calendar.holidays = kept + [Holiday(day=d, name=n) for d, n in wanted.items()]


def delete_calendar(calendar: BusinessCalendar, *, actor: User) -> None:
    """Delete a calendar no policy uses (409 otherwise)."""
    ensure_calendar_deletable(calendar)
    db.session.delete(calendar)
    db.session.flush()
    log.info("sla.calendar deleted calendar_id=%s actor_id=%s", calendar.id, actor.id)


def ensure_calendar_deletable(calendar: BusinessCalendar) -> None:
    """409 when a policy uses the calendar (checked before asking to delete)."""
    users = list(
        db.session.scalars(
            sa.select(SlaPolicy.name)
            .where(SlaPolicy.calendar_id == calendar.id)
            .order_by(SlaPolicy.position, SlaPolicy.id)
        )
    )
    if users:
        raise Conflict(
            _(
                "Policies use this calendar: %(names)s. Choose another calendar "
                "for them first.",
                names=", ".join(users),
            )
        )


def add_holiday(
    calendar: BusinessCalendar, data: dict[str, Any], *, actor: User, now: datetime
) -> int:
    """One holiday (``day``, ``name``) or a country's public holidays for a year
    (``country``, ``year``); returns how many dates were added. A date the
    calendar already has is kept as it is (loading a country twice adds
    nothing); adding a single date that exists is a 409."""
    if "country" in data:
        found = public_holidays_of(data["country"], data["year"], data.get("language"))
    else:
        found = {data["day"]: data["name"]}
    existing = {h.day for h in calendar.holidays}
    if "day" in data and data["day"] in existing:
        raise Conflict(_("%(day)s is already a holiday.", day=data["day"].isoformat()))
    new = [Holiday(day=d, name=n[:120]) for d, n in sorted(found.items())]
    new = [h for h in new if h.day not in existing]
    calendar.holidays.extend(new)
    db.session.flush()
    if new:
        retime.retime_clocks(retime.policies_on(calendar), now=now)
    log.info(
        "sla.holidays added calendar_id=%s count=%s actor_id=%s",
        calendar.id,
        len(new),
        actor.id,
    )
    return len(new)


def public_holidays_of(country: str, year: int, language: str | None = None) -> dict:
    """``{date: name}`` of a country's public holidays (the ``holidays``
    package), named in ``language`` when the country's data has it."""
    # Imported when asked for: its data (~3.5 MB) stays out of web workers.
    import holidays as public_holidays

    names = public_holidays.country_holidays(country, years=year)
    chosen = _language(names.supported_languages, language)
    # Asked even for the country's default language: without ``language``
    # the package answers with its untranslated (English) names.
    if chosen:
        names = public_holidays.country_holidays(country, years=year, language=chosen)
    return dict(names.items())


def _language(supported: Iterable[str], wanted: str | None) -> str | None:
    if not wanted:
        return None
    supported = list(supported)
    if wanted in supported:
        return wanted
    return next((s for s in supported if s.split("_")[0] == wanted), None)


# --- policies ------------------------------------------------------------------


def get_policy(policy_id: int) -> SlaPolicy:
    policy = db.session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound(_("Policy not found."))
    return policy


def policies_in_order() -> list[SlaPolicy]:
    """Every policy in matching order: the first that matches a ticket wins."""
    return list(
        db.session.scalars(
            sa.select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)
        )
    )


def create_policy(data: dict[str, Any], *, actor: User, now: datetime) -> SlaPolicy:
    """A policy from ``PolicyIn`` data; at ``position`` (the others move
    down), or last without one. Each target must be reachable on the
    calendar when started at ``now``."""
    _check_policy(data, now=now)
    policy = SlaPolicy()
    _apply_policy(policy, data)
    last = db.session.scalar(sa.select(sa.func.max(SlaPolicy.position)))
    policy.position = (last or 0) + 1
    db.session.add(policy)
    db.session.flush()
    if data["position"] is not None:
        _place(policy, data["position"])
    log.info("sla.policy created policy_id=%s actor_id=%s", policy.id, actor.id)
    return policy


def update_policy(
    policy: SlaPolicy, data: dict[str, Any], *, actor: User, now: datetime
) -> None:
    """Replace the policy's settings (checked as by :func:`create_policy`).
    Its clocks that have not stopped take the new targets and thresholds and
    are re-timed by the next sweep; tickets re-select a policy on their next
    priority/category change."""
    _check_policy(data, now=now, exclude_id=policy.id)
    position = policy.position
    retime.rearm_thresholds(policy, data["warning_percents"])
    _apply_policy(policy, data)
    retime.retarget_open_clocks(policy)
    retime.retime_clocks([policy.id], now=now)
    policy.position = position
    if data["position"] is not None and data["position"] != position:
        _place(policy, data["position"])
    db.session.flush()
    log.info("sla.policy updated policy_id=%s actor_id=%s", policy.id, actor.id)


def _check_policy(
    data: dict[str, Any], *, now: datetime, exclude_id: int | None = None
) -> None:
    """Every business-rule check before any change, with all field messages."""
    problems: dict[str, list[str]] = {}
    if _name_taken(SlaPolicy, data["name"], exclude_id):
        problems["name"] = [_("This name is already taken.")]
    calendar = db.session.get(BusinessCalendar, data["calendar_id"])
    if calendar is None:
        problems["calendar_id"] = [_("Choose a calendar.")]
    else:
        spec = calendar_spec(calendar)
        for field in TARGET_FIELDS:
            if data[field] and not _placeable(spec, data[field] * 60, now):
                problems[field] = [
                    _(
                        "The chosen calendar has too little working time: "
                        "this target could never be reached."
                    )
                ]
    codes = data["conditions"].get("category") or []
    if codes:
        known = set(
            db.session.scalars(sa.select(Category.code).where(Category.code.in_(codes)))
        )
        unknown = [c for c in codes if c not in known]
        if unknown:
            problems["conditions"] = [
                _("Unknown category: %(codes)s.", codes=", ".join(unknown))
            ]
    field_problems = field_conditions.check_policy_conditions(data["conditions"])
    if field_problems:
        problems.setdefault("conditions", []).extend(field_problems)
    if problems:
        raise InvalidInput(_("Some fields are not valid."), fields=problems)


def _apply_policy(policy: SlaPolicy, data: dict[str, Any]) -> None:
    for key in (
        "name",
        "active",
        "conditions",
        "calendar_id",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "warning_percents",
        "on_warning",
        "on_breach",
        "phone_call_is_first_response",
    ):
        setattr(policy, key, data[key])
    # Newer than the rest: callers that predate it leave it as it is.
    policy.pause_on_line3 = bool(data.get("pause_on_line3", policy.pause_on_line3))


def move_policy(policy: SlaPolicy, direction: str, *, actor: User) -> None:
    """Swap the policy with its neighbour ``up`` (matched earlier) or
    ``down``; positions are renumbered 1..n, so ties never stall a move."""
    index = policies_in_order().index(policy)
    _place(policy, index + (0 if direction == "up" else 2))
    db.session.flush()
    log.info(
        "sla.policy moved policy_id=%s direction=%s actor_id=%s",
        policy.id,
        direction,
        actor.id,
    )


def _place(policy: SlaPolicy, position: int) -> None:
    """Put ``policy`` at ``position`` (1 = first, clamped) and number every
    policy 1..n in order, so positions stay distinct."""
    others = [p for p in policies_in_order() if p.id != policy.id]
    index = max(0, min(position - 1, len(others)))
    for number, item in enumerate(others[:index] + [policy] + others[index:], 1):
        item.position = number


def delete_policy(policy: SlaPolicy, *, actor: User) -> None:
    """Delete a policy no clock uses; one that timed tickets is deactivated
    instead (409), because its clocks and the dashboard still refer to it."""
    ensure_policy_deletable(policy)
    db.session.delete(policy)
    db.session.flush()
    log.info("sla.policy deleted policy_id=%s actor_id=%s", policy.id, actor.id)


def ensure_policy_deletable(policy: SlaPolicy) -> None:
    """409 when a clock uses the policy (checked before asking to delete)."""
    used = db.session.scalar(
        sa.select(SlaClock.id).where(SlaClock.policy_id == policy.id).limit(1)
    )
    if used:
        raise Conflict(
            _(
                "Tickets were timed by this policy: deactivate it instead of deleting it."
            )
        )


# --- shared --------------------------------------------------------------------


def _name_taken(model, name: str, exclude_id: int | None) -> bool:
    query = sa.select(model.id).where(model.name == name)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def _check_unique_name(model, name: str, *, exclude_id: int | None = None) -> None:
    if _name_taken(model, name, exclude_id):
        message = _("This name is already taken.")
        raise InvalidInput(message, fields={"name": [message]})
