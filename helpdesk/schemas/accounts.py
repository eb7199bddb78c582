"""Accounts at the HTTP edge: logging in, signing up, the profile, callers
registered on the phone, users as admins edit them, API tokens; users as
the API answers them."""

from __future__ import annotations

from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate

from helpdesk.i18n import N_
from helpdesk.notify.preferences import Notice
from helpdesk.schemas.common import REQUIRED_TEXT, StrippedSchema, UTCDateTime, text
from helpdesk.vocabulary import Role

# --- input -----------------------------------------------------------------

PASSWORD_RULE = N_("Use a password of 8 to 128 characters.")


def new_password(*, required: bool) -> fields.String:
    """A password someone chooses: 8 to 128 characters. When not required,
    empty means "keep the current one" (profile, admin edit)."""
    if required:
        return fields.String(
            required=True,
            validate=validate.Length(min=8, max=128, error=PASSWORD_RULE),
            error_messages={"required": REQUIRED_TEXT},
        )
    return fields.String(load_default="", validate=_empty_or_valid_password)


def _empty_or_valid_password(value: str) -> None:
    if value and not 8 <= len(value) <= 128:
        raise ValidationError(PASSWORD_RULE)


class LoginIn(StrippedSchema):
    email = text(254, message=N_("Enter your e-mail."))
    password = fields.String(required=True, error_messages={"required": REQUIRED_TEXT})


class SignupIn(StrippedSchema):
    """Sign-up asks no password: the mailed link sets it (see auth.signup)."""

    name = text(120, message=N_("Enter your name (up to 120 characters)."))
    email = fields.Email(
        required=True,
        validate=validate.Length(max=254, error=N_("Use at most 254 characters.")),
        error_messages={
            "required": REQUIRED_TEXT,
            "invalid": N_("Not a valid email address."),
        },
    )
    phone = text(40, required=False, message=N_("The phone number is too long."))
    # No organisation here: a customer's e-mail domain decides it, or staff.


def organisation_name() -> fields.String:
    """A customer's organisation by its name (any case); empty: none."""
    return text(
        120,
        required=False,
        message=N_("The organisation name is too long."),
        metadata={"description": "the organisation's name; empty: none"},
    )


class CallerCreateIn(StrippedSchema):
    """A caller registered by line 1 during a call; no password yet."""

    name = text(120, message=N_("Enter the caller's name (up to 120 characters)."))
    email = fields.Email(
        required=True,
        validate=validate.Length(max=254, error=N_("Use at most 254 characters.")),
        error_messages={
            "required": REQUIRED_TEXT,
            "invalid": N_("Not a valid email address."),
        },
    )
    phone = text(40, required=False, message=N_("The phone number is too long."))
    organisation = organisation_name()
    # The form's checkbox: mail the caller a "set your password" link.
    send_invitation = fields.Boolean(load_default=False)


class UserAdminIn(SignupIn):
    role = fields.Enum(
        Role,
        by_value=True,
        required=True,
        error_messages={"unknown": N_("Unknown role.")},
    )
    active = fields.Boolean(load_default=True)
    password = new_password(required=False)
    organisation = organisation_name()
    org_contact = fields.Boolean(
        metadata={"description": "a designated contact: sees all its tickets"}
    )


def _valid_timezone(value: str) -> None:
    if value not in _TIMEZONES:
        raise ValidationError(N_("Unknown time zone."))


_TIMEZONES = frozenset(available_timezones()) | {"UTC"}


class ProfileIn(StrippedSchema):
    name = text(120, message=N_("Enter your name (up to 120 characters)."))
    phone = text(40, required=False, message=N_("The phone number is too long."))
    locale = fields.String(
        load_default="",
        validate=validate.OneOf(
            ["", "en", "ru"], error=N_("Choose English or Russian.")
        ),
    )
    timezone = fields.String(load_default="UTC", validate=_valid_timezone)
    password = new_password(required=False)


class TokenIn(StrippedSchema):
    email = text(254, message=N_("Enter your e-mail."))
    password = fields.String(required=True, error_messages={"required": REQUIRED_TEXT})
    # With two-factor login on: the app's current code, or a recovery code.
    code = fields.String(
        load_default="",
        validate=validate.Length(max=32, error=N_("Use at most 32 characters.")),
    )


class CodeIn(StrippedSchema):
    """The second step of a login: a code from the app, or a recovery code."""

    code = text(32, message=N_("Enter the code from your authenticator app."))


# --- output ----------------------------------------------------------------


class UserBriefOut(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()


class UserOut(UserBriefOut):
    role = fields.Enum(Role, by_value=True)
    phone = fields.String(allow_none=True)
    organisation = fields.Function(
        lambda u: u.organisation_name,
        metadata={"type": "string", "nullable": True},
    )
    org_contact = fields.Boolean()
    locale = fields.String(allow_none=True)
    timezone = fields.String()
    active = fields.Boolean()


class TokenOut(Schema):
    token = fields.String()
    expires_at = UTCDateTime()


class TokenInfoOut(Schema):
    """One of your tokens as listed: never the token itself (only its
    digest is stored)."""

    id = fields.Integer()
    name = fields.String()
    created_at = UTCDateTime()
    expires_at = UTCDateTime()


class NotificationsIn(Schema):
    """The notices a person keeps getting (the others are turned off)."""

    notices = fields.List(
        fields.String(
            validate=validate.OneOf(
                [n.value for n in Notice], error=N_("Unknown notification.")
            )
        ),
        load_default=list,
    )
