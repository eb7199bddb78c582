"""SLA settings and figures under /api/v1/sla, for managers and admins.

Its own blueprint, exempt from Flask-WTF's form CSRF like the core API, with
the core API's rule instead: cookie sessions need the CSRF header for
writes; bearer tokens carry no session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, request
from flask_babel import get_locale
from flask_login import current_user

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.models import Ticket
from helpdesk.pagination import decode_cursor, page
from helpdesk.schemas.common import PageQuery, shared
from helpdesk.views.access import managers_required
from sla.models import SlaClock
from sla.schemas import (
    READ_ONLY,
    CalendarIn,
    CalendarOut,
    HolidayIn,
    PolicyIn,
    PolicyOut,
    SlaClockOut,
    SummaryQuery,
)
from sla.service import clocks, dashboard, export, fresh_clocks, policies, setup

bp = Blueprint("sla_api", __name__, url_prefix="/api/v1/sla")


# --- calendars -------------------------------------------------------------------


@bp.get("/calendars")
@managers_required
def calendar_list():
    paging = PageQuery().load(request.args.to_dict())
    rows = setup.list_calendars(
        after_id=decode_cursor(paging["cursor"]), limit=paging["limit"] + 1
    )
    items, next_cursor = page(rows, paging["limit"])
    return {"items": CalendarOut(many=True).dump(items), "next_cursor": next_cursor}


@bp.post("/calendars")
@managers_required
def calendar_create():
    data = CalendarIn().load(json_body())
    calendar = setup.create_calendar(data, actor=current_user, now=get_clock().now())
    db.session.commit()
    location = f"/api/v1/sla/calendars/{calendar.id}"
    return CalendarOut().dump(calendar), 201, {"Location": location}


@bp.get("/calendars/<int:calendar_id>")
@managers_required
def calendar_get(calendar_id: int):
    return CalendarOut().dump(setup.get_calendar(calendar_id))


@bp.patch("/calendars/<int:calendar_id>")
@managers_required
def calendar_patch(calendar_id: int):
    calendar = setup.get_calendar(calendar_id)
    data = CalendarIn().load(_merged(CalendarOut().dump(calendar), json_body()))
    setup.update_calendar(calendar, data, actor=current_user, now=get_clock().now())
    db.session.commit()
    return CalendarOut().dump(calendar)


@bp.delete("/calendars/<int:calendar_id>")
@managers_required
def calendar_delete(calendar_id: int):
    setup.delete_calendar(setup.get_calendar(calendar_id), actor=current_user)
    db.session.commit()
    return "", 204


@bp.post("/calendars/<int:calendar_id>/holidays")
@managers_required
def holiday_create(calendar_id: int):
    calendar = setup.get_calendar(calendar_id)
    data = HolidayIn().load(json_body())
    added = setup.add_holiday(
        calendar,
        data | {"language": str(get_locale())},
        actor=current_user,
        now=get_clock().now(),
    )
    db.session.commit()
    return {"added": added, "calendar": CalendarOut().dump(calendar)}, 201


def _merged(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A PATCH is the resource as it is with the sent fields replaced, loaded
    through the full schema, so it is checked exactly like a create."""
    base = {k: v for k, v in current.items() if k not in READ_ONLY}
    return base | patch


# --- policies --------------------------------------------------------------------


@bp.get("/policies")
@managers_required
def policy_list():
    """Every policy in matching order (there are few: one page)."""
    items = PolicyOut(many=True).dump(setup.policies_in_order())
    return {"items": items, "next_cursor": None}


@bp.post("/policies")
@managers_required
def policy_create():
    data = PolicyIn().load(json_body())
    policy = setup.create_policy(data, actor=current_user, now=get_clock().now())
    db.session.commit()
    location = f"/api/v1/sla/policies/{policy.id}"
    return PolicyOut().dump(policy), 201, {"Location": location}


@bp.get("/policies/<int:policy_id>")
@managers_required
def policy_get(policy_id: int):
    return PolicyOut().dump(setup.get_policy(policy_id))


@bp.patch("/policies/<int:policy_id>")
@managers_required
def policy_patch(policy_id: int):
    policy = setup.get_policy(policy_id)
    data = PolicyIn().load(_merged(PolicyOut().dump(policy), json_body()))
    setup.update_policy(policy, data, actor=current_user, now=get_clock().now())
    db.session.commit()
    return PolicyOut().dump(policy)


@bp.delete("/policies/<int:policy_id>")
@managers_required
def policy_delete(policy_id: int):
    setup.delete_policy(setup.get_policy(policy_id), actor=current_user)
    db.session.commit()
    return "", 204


# --- the dashboard's figures -------------------------------------------------------------


@bp.get("/summary")
@managers_required
def summary():
    query = SummaryQuery().load(request.args.to_dict())
    now = get_clock().now()
    filters = dashboard.filters_from(query, now=now)
    figures = dashboard.summary(
        filters, now=now, cursor=query["cursor"], limit=query["limit"]
    )
    return _jsonable(figures)


def _jsonable(value: Any) -> Any:
    """Dates as ISO dates, instants as ISO 8601 UTC with Z."""
    kind = type(value)
    if kind is dict:
        return {k: _jsonable(v) for k, v in value.items()}
    if kind is list:
        return [_jsonable(v) for v in value]
    # Most of a year's figures are plain numbers and strings: skip the probes.
    if value is None or kind in _PLAIN:
        return value
    if isinstance(value, datetime):
        return export.iso_utc(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


_PLAIN = frozenset({str, int, float, bool})


# --- ``sla`` on the core API's tickets -----------------------------------------------------


def ticket_sla(tickets: list[Ticket], now: datetime) -> dict[int, dict]:
    """``{ticket_id: {"sla": [clock, ...]}}`` for a page of tickets: one query
    for the clocks of all of them (their calendars come compiled from the
    per-process cache). Registered with ``hooks.add_ticket_extras``."""
    ids = [t.id for t in tickets]
    result: dict[int, dict] = {i: {"sla": []} for i in ids}
    known = {i: fresh_clocks.of(i) for i in ids}
    # A ticket created in this transaction: its clocks are in hand.
    unknown = [i for i, found in known.items() if found is None]
    fresh = sorted(
        (pair for found in known.values() if found for pair in found),
        key=lambda pair: (pair[0].ticket_id, pair[0].id),
    )
    schema = shared(SlaClockOut)
    for clock, spec in fresh:
        spec = spec or policies.spec_for_policy(clock.policy_id)
        left = clock.target_seconds - clocks.elapsed_seconds(clock, spec, now)
        result[clock.ticket_id]["sla"].append(_clock_out(schema, clock, left))
    if not unknown:
        return result
    for clock in db.session.scalars(
        sa.select(SlaClock)
        .where(SlaClock.ticket_id.in_(unknown))
        .order_by(SlaClock.ticket_id, SlaClock.id)
    ):
        left = dashboard.business_seconds_left(clock, now)
        result[clock.ticket_id]["sla"].append(_clock_out(schema, clock, left))
    return result


def _clock_out(schema: SlaClockOut, clock: SlaClock, left: int) -> dict:
    return schema.dump(
        {
            "target": clock.target.value,
            "state": clock.state,
            "due_at": clock.due_at,
            "business_seconds_left": left,
        }
    )
