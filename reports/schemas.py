"""The reports' query strings (pages, exports and API alike).

Messages are static English msgids marked with ``N_``; the edge translates.
Dates are local dates of the reader's time zone, ``to`` exclusive.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from helpdesk.db import MAX_ID
from helpdesk.i18n import N_
from helpdesk.schemas.common import UTCDateTime
from helpdesk.vocabulary import Channel, Priority
from reports.periods import MAX_DAYS, Period, default_period, zone_of
from reports.service.common import Filters

DATE_ERROR = {"invalid": N_("Write the date as YYYY-MM-DD.")}


def _id(name: str) -> fields.Integer:
    return fields.Integer(
        data_key=name,
        load_default=None,
        validate=validate.Range(min=1, max=MAX_ID, error=N_("Unknown value.")),
    )


class ReportQuery(Schema):
    """``?from=&to=&by=&line=&channel=&category=&priority=&agent=&organization=``;
    ``sort``/``order`` for the agents' table, ``cursor``/``limit`` for lists."""

    date_from = fields.Date(
        data_key="from", load_default=None, error_messages=DATE_ERROR
    )
    date_to = fields.Date(data_key="to", load_default=None, error_messages=DATE_ERROR)
    by = fields.String(
        load_default=None,
        validate=validate.OneOf(("day", "week"), error=N_("Choose day or week.")),
    )
    line = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=3, error=N_("The line is 1, 2 or 3.")),
    )
    channel = fields.String(
        load_default=None,
        validate=validate.OneOf(
            [c.value for c in Channel], error=N_("Unknown channel.")
        ),
    )
    category_id = _id("category")
    priority = fields.String(
        load_default=None,
        validate=validate.OneOf(
            [p.value for p in Priority], error=N_("Unknown priority.")
        ),
    )
    agent_id = _id("agent")
    organization = fields.String(load_default=None, validate=validate.Length(max=120))
    sort = fields.String(load_default=None, validate=validate.Length(max=40))
    order = fields.String(
        load_default="desc",
        validate=validate.OneOf(("asc", "desc"), error=N_("Choose asc or desc.")),
    )
    cursor = fields.String(load_default=None)
    limit = fields.Integer(
        load_default=25,
        validate=validate.Range(min=1, max=100, error=N_("The limit is 1 to 100.")),
    )

    @validates_schema
    def _ordered(self, data: dict, **kwargs) -> None:
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end <= start:
            raise ValidationError(
                {"to": [N_("The end date must come after the start date.")]}
            )
        if start and end and (end - start).days > MAX_DAYS:
            raise ValidationError({"to": [N_("A report covers at most two years.")]})


def filters_from(
    query: dict[str, Any], *, zone: str | None, now: datetime, by: str = "day"
) -> Filters:
    """``ReportQuery`` data → ``Filters`` in the reader's zone; by default the
    last 30 local days up to and including today."""
    zone = zone_of(zone)
    default = default_period(now, zone)
    end = query.get("date_to") or (
        query["date_from"] + timedelta(days=30)
        if query.get("date_from")
        else default.end
    )
    first = query.get("date_from") or end - (default.end - default.first)
    if (end - first).days > MAX_DAYS:
        first = end - timedelta(days=MAX_DAYS)
    return Filters(
        period=Period(zone, first, end, query.get("by") or by),
        line=query.get("line"),
        channel=query.get("channel"),
        category_id=query.get("category_id"),
        priority=query.get("priority"),
        agent_id=query.get("agent_id"),
        organization=query.get("organization") or None,
    )


class SubscriptionIn(Schema):
    """A summary e-mail: ``daily`` or ``weekly`` (Mondays), at ``hour``:00
    local time (0-23, your profile's time zone)."""

    frequency = fields.String(
        required=True,
        validate=validate.OneOf(
            ("daily", "weekly"), error=N_("Choose daily or weekly.")
        ),
    )
    hour = fields.Integer(
        required=True,
        validate=validate.Range(min=0, max=23, error=N_("The hour is 0 to 23.")),
    )


class SubscriptionOut(Schema):
    frequency = fields.String()
    hour = fields.Integer()
    next_at = UTCDateTime()
    last_sent_at = UTCDateTime(allow_none=True)
