"""Marshmallow fields of the SLA schemas: working intervals, holidays and
policy conditions, each checked row by row.

Working intervals and holidays are lists of objects in the API and text
rows in the HTML forms ("Mon, 09:00, 18:00", "2027-01-07, Christmas"); both
go through the same field, so a form and the API refuse the same input with
the same messages. Row errors are flat strings naming the row ("Row 2:
..."), because the error mapping shows one list of messages per field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import available_timezones

from babel.dates import get_day_names
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields

from helpdesk.i18n import N_
from helpdesk.vocabulary import Channel, Priority

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The languages whose weekday names the form's rows accept (Babel's CLDR data).
WEEKDAY_LOCALES = ("en", "ru")


def _weekday_spellings() -> dict[str, int]:
    """Every spelling of a weekday in the form's rows, lowercase → 0 (Monday)
    … 6: the API's codes and CLDR's wide, abbreviated and short names (and
    the first three letters of the wide ones, "пон") in each language."""
    names = {code: index for index, code in enumerate(WEEKDAYS)}
    for locale in WEEKDAY_LOCALES:
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated", "short"):
                for index, name in get_day_names(width, context, locale).items():
                    names[name.lower().rstrip(".")] = index
                    if width == "wide":
                        names[name.lower()[:3]] = index
    return names


_WEEKDAY_NAMES = _weekday_spellings()


def weekday_label(weekday: int, locale: str) -> str:
    """The weekday's short name in ``locale`` ("Mon", "Пн"), as the form
    writes it and reads it back; 0 is Monday."""
    return get_day_names("abbreviated", "format", locale)[weekday].capitalize()


ACTIONS = ("notify_assignee", "notify_line", "notify_managers", "escalate")
CONDITION_KEYS = ("priority", "category", "organization", "plan", "channel")
WEEK_MINUTES = 7 * 1440


_TIMEZONES = frozenset(available_timezones()) | {"UTC"}


def _valid_timezone(value: str) -> None:
    if value not in _TIMEZONES:
        raise ValidationError(N_("Unknown time zone."))


def minutes_to_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_hhmm(value: object, *, allow_24: bool) -> int | None:
    """ "09:30" → 570; "24:00" only as an end; anything else → None."""
    if not isinstance(value, str):
        return None
    hours, sep, minutes = value.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        return None
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > 1440 or (total == 1440 and not allow_24):
        return None
    return total


def _weekday(value: object) -> int | None:
    if isinstance(value, str):
        return _WEEKDAY_NAMES.get(value.strip().lower().rstrip("."))
    return None


# --- working intervals and holidays -------------------------------------------


class IntervalsField(fields.Field):
    """Working intervals → ``[{"weekday": 0, "start_minute": 540, "end_minute":
    1080}, ...]``.

    Takes a list of ``{"weekday": "mon", "start": "09:00", "end": "18:00"}``
    (the API) or, with ``rows=True``, text with one "weekday, start, end" per
    line (the form). An end at or before the start crosses midnight; the same
    start and end is refused (it could mean nothing or the whole day: write
    00:00-24:00 for a whole day). Overlapping intervals are refused.
    """

    def __init__(self, *, rows: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows = rows

    def _deserialize(self, value, attr, data, **kwargs) -> list[dict[str, int]]:
        items = _text_rows(value, 3) if self.rows else value
        if not isinstance(items, list):
            raise ValidationError(N_("Not a valid list."))
        errors: list[LazyString] = []
        intervals = []
        for number, item in enumerate(items, start=1):
            interval = _interval(item)
            if isinstance(interval, str):
                errors.append(_row(number, interval))
            else:
                intervals.append(interval)
        if not errors:
            errors = _overlaps(intervals)
        if errors:
            raise ValidationError(errors)
        return intervals


def _row(number: int, problem: str) -> LazyString:
    """The message ``Row 2: <problem>``, translated when it is shown."""
    return _l("Row %(row)s: %(problem)s", row=number, problem=_l(problem))


def _text_rows(value: object, width: int) -> list[list[str]] | None:
    """Non-empty lines of a textarea split on commas (or ``;``/tabs)."""
    if not isinstance(value, str):
        return None
    rows = []
    for line in value.splitlines():
        if line.strip():
            parts = [
                p.strip()
                for p in line.replace(";", ",").replace("\t", ",").split(",", width - 1)
            ]
            rows.append(parts)
    return rows


def _interval(item: object) -> dict[str, int] | str:
    """One interval, or the message saying what is wrong with it."""
    if isinstance(item, list):  # a text row
        item = dict(zip(("weekday", "start", "end"), item, strict=False))
    if not isinstance(item, dict) or set(item) - {"weekday", "start", "end"}:
        return N_("Write a weekday, a start and an end, e.g. Mon, 09:00, 18:00.")
    weekday = _weekday(item.get("weekday"))
    start = _parse_hhmm(item.get("start"), allow_24=False)
    end = _parse_hhmm(item.get("end"), allow_24=True)
    if weekday is None:
        return N_("Unknown weekday: use Mon, Tue, Wed, Thu, Fri, Sat or Sun.")
    if start is None or end is None:
        return N_("Write times as HH:MM, from 00:00 to 24:00.")
    if start == end % 1440 and end != 1440:
        return N_(
            "The start and the end are the same; for a whole day write 00:00, 24:00."
        )
    return {"weekday": weekday, "start_minute": start, "end_minute": end}


def _overlaps(intervals: list[dict[str, int]]) -> list[LazyString]:
    """Rows whose intervals overlap, as messages. Intervals are minute ranges
    of the week, which wraps: Sunday 22:00-02:00 runs into Monday."""
    spans = [
        (
            i["weekday"] * 1440 + i["start_minute"],
            (i["end_minute"] - i["start_minute"]) % 1440 or 1440,
        )
        for i in intervals
    ]
    messages: list[LazyString] = []
    for a, (start_a, length_a) in enumerate(spans):
        for b in range(a + 1, len(spans)):
            start_b, length_b = spans[b]
            # Shift b by a week either way, so a wrapped range is compared too.
            if any(
                start_a < start_b + shift + length_b
                and start_b + shift < start_a + length_a
                for shift in (-WEEK_MINUTES, 0, WEEK_MINUTES)
            ):
                messages.append(
                    _l(
                        "Rows %(first)s and %(second)s overlap.",
                        first=a + 1,
                        second=b + 1,
                    )
                )
    return messages


class HolidaysField(fields.Field):
    """Holidays → ``[{"day": date, "name": str}, ...]``.

    A list of ``{"day": "2027-01-07", "name": "Christmas"}`` (the API) or,
    with ``rows=True``, text with one "YYYY-MM-DD, name" per line (the form).
    A date may appear once.
    """

    def __init__(self, *, rows: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows = rows

    def _deserialize(self, value, attr, data, **kwargs) -> list[dict[str, Any]]:
        items = _text_rows(value, 2) if self.rows else value
        if not isinstance(items, list):
            raise ValidationError(N_("Not a valid list."))
        errors: list[LazyString] = []
        result: list[dict[str, Any]] = []
        seen: set[date] = set()
        for number, item in enumerate(items, start=1):
            holiday = _holiday(item)
            if isinstance(holiday, str):
                errors.append(_row(number, holiday))
            elif holiday["day"] in seen:
                errors.append(_row(number, N_("This date is already listed.")))
            else:
                seen.add(holiday["day"])
                result.append(holiday)
        if errors:
            raise ValidationError(errors)
        return result


def _holiday(item: object) -> dict[str, Any] | str:
    if isinstance(item, list):  # a text row
        item = dict(zip(("day", "name"), item, strict=False))
    if not isinstance(item, dict) or set(item) - {"day", "name"}:
        return N_("Write a date and a name, e.g. 2027-01-07, Christmas.")
    try:
        day = date.fromisoformat(str(item.get("day", "")).strip())
    except ValueError:
        return N_("Write the date as YYYY-MM-DD.")
    name = item.get("name") or ""
    if not isinstance(name, str) or len(name.strip()) > 120:
        return N_("A holiday name has at most 120 characters.")
    return {"day": day, "name": name.strip()}


FIELD_CONDITION = re.compile(r"^field:[a-z][a-z0-9_]{0,39}$")


class ConditionsField(fields.Field):
    """``{"priority": ["P1"], "category": ["access"], "organization": [...],
    "plan": ["premium"], "channel": ["phone"], "field:<key>": [...]}``; a
    missing or empty list matches anything. ``organization`` names the
    requester's organisation, ``plan`` its plan; ``field:<key>`` a custom
    field of the ticket's category (its accepted values as text: a choice's
    value, a number, a date as YYYY-MM-DD, true or false). Values are checked
    here by shape and enum; category codes and fields by the service."""

    openapi = {
        "type": "object",
        "properties": {
            key: {"type": "array", "items": {"type": "string"}}
            for key in CONDITION_KEYS
        },
        "additionalProperties": {
            "type": "array",
            "items": {"type": "string"},
            "description": "`field:<key>`: a custom field's accepted values",
        },
    }

    def _deserialize(self, value, attr, data, **kwargs) -> dict[str, list[str]]:
        if not isinstance(value, dict):
            raise ValidationError(N_("Not a valid mapping type."))
        extra = [k for k in value if k not in CONDITION_KEYS]
        if any(not (isinstance(k, str) and FIELD_CONDITION.match(k)) for k in extra):
            raise ValidationError(
                N_(
                    "Conditions may name priority, category, organization, plan, "
                    "channel and custom fields (field:<key>)."
                )
            )
        result: dict[str, list[str]] = {}
        for key in (*CONDITION_KEYS, *extra):
            items = value.get(key) or []
            if not isinstance(items, list) or not all(
                isinstance(v, str) and v.strip() for v in items
            ):
                raise ValidationError(N_("Each condition is a list of values."))
            if items or key in CONDITION_KEYS:
                result[key] = list(dict.fromkeys(v.strip() for v in items))
        if set(result["priority"]) - {p.value for p in Priority}:
            raise ValidationError(N_("Choose a priority from P1 to P4."))
        if set(result["channel"]) - {c.value for c in Channel}:
            raise ValidationError(N_("Unknown channel."))
        return result

    def _serialize(self, value, attr, obj, **kwargs):
        value = value or {}
        shown = {key: list(value.get(key) or []) for key in CONDITION_KEYS}
        return shown | {
            key: list(items) for key, items in value.items() if key not in shown
        }
