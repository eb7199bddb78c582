"""The ``users`` and ``organisations`` imports.

Organisations are a free-text field on users today (``User.organization``,
what SLA policy conditions match), so the ``organisations`` import sets that
field on existing users found by e-mail; ``users`` can set it too.
"""

from __future__ import annotations

from zoneinfo import available_timezones

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from helpdesk.extensions import db
from helpdesk.i18n import N_
from helpdesk.imports import refs
from helpdesk.imports.fields import Code, Flag, max_length
from helpdesk.imports.fields import text as _text
from helpdesk.imports.kinds import Column, Kind, Outcome, Problem, Row, RunContext
from helpdesk.models import Role, User
from helpdesk.service.accounts import end_sessions, normalise_email, normalise_phone


def email_field() -> fields.Email:
    return fields.Email(
        required=True,
        validate=max_length(254),
        error_messages={
            "required": N_("This field is required."),
            "invalid": N_("Not a valid email address."),
        },
    )


class UserRowIn(Schema):
    external_id = _text(160)
    email = email_field()
    name = _text(120, required=True)
    role = Code(
        [r.value for r in Role], message=N_("Unknown role."), load_default="customer"
    )
    phone = _text(40)
    organisation = _text(120)
    locale = Code(["en", "ru"], message=N_("Use en or ru."))
    timezone = fields.String(
        validate=validate.OneOf(
            sorted(available_timezones()), error=N_("Unknown time zone.")
        )
    )
    active = Flag(load_default=True)


class OrganisationRowIn(Schema):
    email = email_field()
    organisation = _text(120, required=True)


def _users_by_email(emails) -> dict[str, User]:
    wanted = sorted({normalise_email(e) for e in emails})
    if not wanted:
        return {}
    found = db.session.scalars(sa.select(User).where(User.email.in_(wanted)))
    return {u.email: u for u in found}


def check_users(rows: list[Row], context: RunContext) -> list[Problem]:
    by_email = _users_by_email(data["email"] for _line, data in rows)
    by_ref = refs.lookup("user", (data.get("external_id") for _l, data in rows))
    problems = []
    for line, data in rows:
        data["email"] = normalise_email(data["email"])
        owner = by_email.get(data["email"])
        target = by_ref.get(data.get("external_id") or "")
        if owner is not None and target is not None and owner.id != target:
            problems.append(
                (line, "email", N_("This e-mail belongs to another user."), {})
            )
        data["user_id"] = target or (owner.id if owner else None)
    return problems


def write_users(rows: list[Row], context: RunContext) -> Outcome:
    ids = [data["user_id"] for _line, data in rows if data["user_id"]]
    existing = (
        {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    new: list[tuple[User, str | None]] = []
    for _line, data in rows:
        user = existing.get(data["user_id"])
        if user is None:
            user = User(email=data["email"], created_at=context.now)
            db.session.add(user)
            new.append((user, data.get("external_id")))
        _apply_user(user, data)
    db.session.flush()
    for user, external_id in new:
        if external_id:
            refs.remember("user", external_id, user.id, now=context.now)
    return Outcome(len(new), len(rows) - len(new))


def _apply_user(user: User, data: dict) -> None:
    user.email = data["email"]
    user.name = data["name"]
    user.role = Role(data["role"])
    if user.active and not data["active"] and user.id is not None:
        end_sessions(user)  # deactivated by the import: logged out everywhere
    user.active = data["active"]
    if "phone" in data:
        user.phone = normalise_phone(data["phone"])
    if "organisation" in data:
        user.organization = data["organisation"]
    if "locale" in data:
        user.locale = data["locale"]
    user.timezone = data.get("timezone") or user.timezone or "UTC"


def check_organisations(rows: list[Row], context: RunContext) -> list[Problem]:
    by_email = _users_by_email(data["email"] for _line, data in rows)
    problems = []
    for line, data in rows:
        user = by_email.get(normalise_email(data["email"]))
        if user is None:
            problems.append((line, "email", N_("No user has this e-mail."), {}))
        else:
            data["user_id"] = user.id
    return problems


def write_organisations(rows: list[Row], context: RunContext) -> Outcome:
    names = {data["user_id"]: data["organisation"] for _line, data in rows}
    users = db.session.scalars(sa.select(User).where(User.id.in_(list(names))))
    for user in users:
        user.organization = names[user.id]
    return Outcome(0, len(names))


USERS = Kind(
    name="users",
    title=_l("Users"),
    columns=(
        Column("external_id", False, _l("The user's id in the old system."), "U-1001"),
        Column(
            "email",
            True,
            _l("E-mail: the login; matches existing users."),
            "ivan.petrov@example.com",
        ),
        Column("name", True, _l("Full name."), "Иван Петров"),
        Column(
            "role",
            False,
            _l("customer (default), line1, line2, line3, manager or admin."),
            "customer",
        ),
        Column("phone", False, _l("Phone number."), "+7 495 123-45-67"),
        Column(
            "organisation", False, _l("Organisation (customer company)."), "ООО Ромашка"
        ),
        Column("locale", False, _l("Language of the user's mail: en or ru."), "ru"),
        Column(
            "timezone", False, _l("Time zone, e.g. Europe/Moscow."), "Europe/Moscow"
        ),
        Column("active", False, _l("yes (default) or no."), "yes"),
    ),
    schema=UserRowIn,
    check=check_users,
    write=write_users,
    key="email",
)

ORGANISATIONS = Kind(
    name="organisations",
    title=_l("Organisations"),
    columns=(
        Column(
            "email", True, _l("E-mail of an existing user."), "ivan.petrov@example.com"
        ),
        Column("organisation", True, _l("The user's organisation."), "ООО Ромашка"),
    ),
    schema=OrganisationRowIn,
    check=check_organisations,
    write=write_organisations,
    key="email",
)
