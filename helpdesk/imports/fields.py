"""Marshmallow fields for cells of legacy files: instants in the formats old
systems write, yes/no in two languages, codes in any case."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import ValidationError, fields

from helpdesk.i18n import N_

NOT_AN_INSTANT = N_(
    "Not a date and time (use 2026-11-23T09:00:00Z or 23.11.2026 09:00)."
)
NOT_A_FLAG = N_("Use yes or no.")
TOO_LONG = N_("Too long: at most %(max)s characters.")


class Message(str):
    """A catalogue message id with the parameters to format it with once
    translated (marshmallow keeps error messages as given)."""

    params: dict

    def __new__(cls, message: str, **params) -> Message:
        value = super().__new__(cls, message)
        value.params = params
        return value


def max_length(limit: int):
    def check(value: str) -> None:
        if len(value) > limit:
            raise ValidationError(Message(TOO_LONG, max=limit))

    return check


def text(limit: int, *, required: bool = False, **kwargs) -> fields.String:
    if required:
        kwargs["error_messages"] = {"required": N_("This field is required.")}
    return fields.String(required=required, validate=max_length(limit), **kwargs)


_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
_TRUE = frozenset({"1", "true", "yes", "y", "да", "д", "истина"})
_FALSE = frozenset({"0", "false", "no", "n", "нет", "н", "ложь"})


def parse_instant(text: str) -> datetime:
    """An aware UTC instant from ISO 8601 (``Z`` or an offset) or a common
    legacy format; a reading without a zone is taken as UTC."""
    text = text.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        value = None
        for pattern in _FORMATS:
            try:
                value = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if value is None:
            raise ValidationError(NOT_AN_INSTANT) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not 1970 <= value.year <= 9998:
        raise ValidationError(NOT_AN_INSTANT)
    return value.astimezone(UTC)


class Instant(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if not isinstance(value, str):
            raise ValidationError(NOT_AN_INSTANT)
        return parse_instant(value)


def parse_flag(value) -> bool:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(NOT_A_FLAG)


class Flag(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        return parse_flag(value)


class Code(fields.String):
    """A value from a fixed list, matched without regard to case or spaces."""

    def __init__(self, choices: list[str], *, message: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.choices = {c.lower(): c for c in choices}
        self.message = message

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if text not in self.choices:
            raise ValidationError(self.message)
        return self.choices[text]
