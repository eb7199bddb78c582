"""Marshmallow schemas of the SLA pages and API, split by direction.

Messages are static English msgids marked with ``N_``; the edge translates
them. The row-by-row fields (intervals, holidays, conditions) live in
``sla.fields``; the HTML forms load through the same schemas as the API.
"""

from __future__ import annotations

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

from helpdesk.db import MAX_ID
from helpdesk.i18n import N_
from helpdesk.schemas.common import (
    REQUIRED_TEXT,
    Id,
    StrippedSchema,
    UTCDateTime,
    text,
)
from sla.fields import (
    ACTIONS,
    CONDITION_KEYS,
    WEEKDAYS,
    ConditionsField,
    HolidaysField,
    IntervalsField,
    _valid_timezone,
    minutes_to_hhmm,
)

__all__ = ["ACTIONS", "WEEKDAYS", "minutes_to_hhmm"]

MAX_TARGET_MINUTES = 366 * 24 * 60  # a year of business time is plenty

# --- calendars ----------------------------------------------------------------


class CalendarIn(StrippedSchema):
    name = text(80, message=N_("Enter a name of 1 to 80 characters."))
    timezone = fields.String(
        required=True,
        validate=_valid_timezone,
        error_messages={"required": REQUIRED_TEXT},
    )
    always_open = fields.Boolean(load_default=False)
    intervals = IntervalsField(load_default=list)
    holidays = HolidaysField(load_default=list)

    @validates_schema
    def _some_open_time(self, data: dict, **kwargs) -> None:
        # A calendar with no open time would make every due time unreachable.
        if not data.get("always_open") and not data.get("intervals"):
            raise ValidationError(
                {
                    "intervals": [
                        N_(
                            "Add at least one working interval, or mark the "
                            "calendar as open 24x7."
                        )
                    ]
                }
            )


class CalendarFormIn(CalendarIn):
    """The HTML form: intervals and holidays as text rows."""

    intervals = IntervalsField(rows=True, load_default=list)
    holidays = HolidaysField(rows=True, load_default=list)


def _supported_country(value: str) -> None:
    # Imported when a country is asked for: the package's data (~3.5 MB)
    # would otherwise sit in every web worker (issue 17's RSS).
    import holidays as public_holidays

    if value.upper() not in public_holidays.list_supported_countries():
        raise ValidationError(N_("Unknown country code; use ISO codes like RU or DE."))


class HolidayIn(StrippedSchema):
    """One holiday, or the public holidays of a country for a year."""

    day = fields.Date(error_messages={"invalid": N_("Write the date as YYYY-MM-DD.")})
    name = text(
        120,
        required=False,
        load_default="",
        message=N_("A holiday name has at most 120 characters."),
    )
    country = fields.String(validate=_supported_country)
    year = fields.Integer(
        strict=False,
        validate=validate.Range(
            min=1950, max=2100, error=N_("Choose a year from 1950 to 2100.")
        ),
    )

    @validates_schema
    def _one_way(self, data: dict, **kwargs) -> None:
        by_day, by_country = "day" in data, ("country" in data or "year" in data)
        if by_day == by_country:
            raise ValidationError(
                N_("Send either a day (and a name) or a country and a year.")
            )
        if by_country:
            missing = {k: [REQUIRED_TEXT] for k in ("country", "year") if k not in data}
            if missing:
                raise ValidationError(missing)

    @post_load
    def _upper_country(self, data: dict, **kwargs) -> dict:
        if "country" in data:
            data["country"] = data["country"].upper()
        return data


class HolidayRowOut(Schema):
    day = fields.Date()
    name = fields.String()


class IntervalOut(Schema):
    weekday = fields.Function(
        lambda i: WEEKDAYS[i.weekday], metadata={"type": "string"}
    )
    start = fields.Function(
        lambda i: minutes_to_hhmm(i.start_minute), metadata={"type": "string"}
    )
    end = fields.Function(
        lambda i: minutes_to_hhmm(i.end_minute), metadata={"type": "string"}
    )


class CalendarOut(Schema):
    id = fields.Integer()
    name = fields.String()
    timezone = fields.String()
    always_open = fields.Boolean()
    intervals = fields.List(fields.Nested(IntervalOut))
    holidays = fields.List(fields.Nested(HolidayRowOut))


# --- policies -----------------------------------------------------------------


def _target_minutes() -> fields.Integer:
    return fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=validate.Range(
            min=1,
            max=MAX_TARGET_MINUTES,
            error=N_("A target is 1 to 527040 minutes."),
        ),
    )


def _actions() -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(ACTIONS, error=N_("Unknown action."))),
        load_default=list,
    )


class PolicyIn(StrippedSchema):
    name = text(80, message=N_("Enter a name of 1 to 80 characters."))
    position = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=validate.Range(
            min=1, max=MAX_ID, error=N_("The position is 1 or more.")
        ),
    )
    active = fields.Boolean(load_default=True)
    conditions = ConditionsField(load_default=dict)
    calendar_id = Id(
        required=True,
        strict=False,
        error=N_("Choose a calendar."),
        error_messages={
            "required": N_("Choose a calendar."),
            "invalid": N_("Choose a calendar."),
            "null": N_("Choose a calendar."),
        },
    )
    first_response_minutes = _target_minutes()
    next_response_minutes = _target_minutes()
    resolution_minutes = _target_minutes()
    warning_percents = fields.List(
        fields.Integer(
            strict=False,
            validate=validate.Range(
                min=1, max=99, error=N_("A warning is at 1 to 99 percent.")
            ),
        ),
        load_default=lambda: [75, 90],
    )
    on_warning = _actions()
    on_breach = _actions()
    # Does registering a phone call stop the first-response clock? (DESIGN §1:
    # line 1 answers most calls on the call.) Otherwise a public reply does.
    phone_call_is_first_response = fields.Boolean(load_default=True)
    # Do the clocks stand still while a ticket waits on line 3 (a defect)?
    # Waiting on the customer always pauses them.
    pause_on_line3 = fields.Boolean(load_default=False)

    @validates("warning_percents")
    def _distinct(self, value: list[int], **kwargs) -> None:
        if len(set(value)) != len(value):
            raise ValidationError(N_("Each warning percent may appear once."))

    @validates_schema
    def _some_target(self, data: dict, **kwargs) -> None:
        if not any(
            data.get(f"{t}_minutes")
            for t in ("first_response", "next_response", "resolution")
        ):
            raise ValidationError(N_("Set at least one target."))

    @post_load
    def _tidy(self, data: dict, **kwargs) -> dict:
        data["conditions"] = data.get("conditions") or {k: [] for k in CONDITION_KEYS}
        data["warning_percents"] = sorted(data["warning_percents"])
        for key in ("on_warning", "on_breach"):
            data[key] = [a for a in ACTIONS if a in data[key]]
        return data


class PolicyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    position = fields.Integer()
    active = fields.Boolean()
    conditions = ConditionsField()
    calendar_id = fields.Integer()
    first_response_minutes = fields.Integer(allow_none=True)
    next_response_minutes = fields.Integer(allow_none=True)
    resolution_minutes = fields.Integer(allow_none=True)
    warning_percents = fields.List(fields.Integer())
    on_warning = fields.List(fields.String())
    on_breach = fields.List(fields.String())
    phone_call_is_first_response = fields.Boolean()
    pause_on_line3 = fields.Boolean()


class MoveIn(Schema):
    direction = fields.String(
        required=True,
        validate=validate.OneOf(("up", "down"), error=N_("Choose up or down.")),
        error_messages={"required": REQUIRED_TEXT},
    )


# Fields a PATCH may not send: they belong to the resource, not its settings.
READ_ONLY = ("id",)


# --- clocks on tickets, and the dashboard ----------------------------------------


class SlaClockOut(Schema):
    """One clock of a ticket, as ``sla`` on API tickets (DESIGN section 4)."""

    target = fields.String()
    state = fields.String()
    due_at = UTCDateTime(allow_none=True)
    business_seconds_left = fields.Integer()


class SummaryQuery(Schema):
    """``/sla`` and ``/api/v1/sla/summary``: tickets created in ``[from, to)``
    (dates, UTC), optionally of one line; compliance by day or by week."""

    date_from = fields.Date(
        data_key="from",
        load_default=None,
        error_messages={"invalid": N_("Write the date as YYYY-MM-DD.")},
    )
    date_to = fields.Date(
        data_key="to",
        load_default=None,
        error_messages={"invalid": N_("Write the date as YYYY-MM-DD.")},
    )
    line = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=3, error=N_("The line is 1, 2 or 3.")),
    )
    period = fields.String(
        load_default="day",
        validate=validate.OneOf(("day", "week"), error=N_("Choose day or week.")),
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
