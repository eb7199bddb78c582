"""The ``users`` and ``organisations`` imports.

Organisations are records (``helpdesk.organisations``), named in the files
as legacy systems wrote them: a name no organisation has yet creates one.
``users`` puts a customer into the organisation its ``organisation`` column
names (staff belong to none: the column is ignored for them);
``organisations`` creates or updates organisations (domains, phone, plan,
notes) and, on rows with an ``email``, puts that customer into it (as its
designated contact when ``contact`` says yes).
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
from helpdesk.models import User
from helpdesk.organisations import service as organisations
from helpdesk.organisations.models import clean_domain, organisation_key
from helpdesk.service.accounts import (
    end_sessions,
    normalise_email,
    normalise_phone,
    refresh_lookup,
    set_membership,
)
from helpdesk.vocabulary import Role


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
    organisation = _text(120, required=True)
    email = fields.Email(
        validate=max_length(254),
        error_messages={"invalid": N_("Not a valid email address.")},
    )
    contact = Flag()
    domains = _text(1000)
    phone = _text(40)
    plan = _text(40)
    notes = _text(5000)


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
    named = organisations.ensure_named(
        [data["organisation"] for _line, data in rows if "organisation" in data],
        now=context.now,
    )
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
        if "organisation" in data:
            _join(user, named[organisation_key(data["organisation"])])
        refresh_lookup(user)
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
    if "locale" in data:
        user.locale = data["locale"]
    user.timezone = data.get("timezone") or user.timezone or "UTC"


def _join(user: User, organisation, *, contact: bool | None = None) -> None:
    """Staff belong to no organisation: the column says nothing for them."""
    if user.role != Role.CUSTOMER:
        return
    if contact is None:  # kept while they stay in the same organisation
        contact = user.org_contact and user.organisation_id == organisation.id
    set_membership(user, organisation, contact=contact)


def _domains(data: dict) -> list[str]:
    return [clean_domain(d) for d in data.get("domains", "").split(",") if d.strip()]


def check_organisations(rows: list[Row], context: RunContext) -> list[Problem]:
    by_email = _users_by_email(data["email"] for _line, data in rows if "email" in data)
    owners = organisations.domain_owners(
        [d for _line, data in rows for d in _domains(data)]
    )
    named = {
        o.name_key: o.id
        for o in (
            organisations.get_by_keys(
                [organisation_key(data["organisation"]) for _line, data in rows]
            )
        )
    }
    problems = []
    for line, data in rows:
        problems += _organisation_problems(line, data, by_email, owners, named)
    return problems


def _organisation_problems(line, data, by_email, owners, named) -> list[Problem]:
    key = organisation_key(data["organisation"])
    problems = []
    for domain in _domains(data):
        # A domain belongs to one organisation: the first to claim it here.
        owner = owners.setdefault(domain, named.get(key, key))
        if owner != named.get(key, key):
            message = N_("%(domain)s is a domain of another organisation.")
            problems.append((line, "domains", message, {"domain": domain}))
    if "email" in data:
        user = by_email.get(normalise_email(data["email"]))
        if user is None:
            problems.append((line, "email", N_("No user has this e-mail."), {}))
        elif user.role != Role.CUSTOMER:
            message = N_("Only customers belong to an organisation.")
            problems.append((line, "email", message, {}))
        else:
            data["user_id"] = user.id
    return problems


def write_organisations(rows: list[Row], context: RunContext) -> Outcome:
    names = [data["organisation"] for _line, data in rows]
    existing = {
        o.name_key for o in organisations.get_by_keys(map(organisation_key, names))
    }
    named = organisations.ensure_named(names, now=context.now)
    ids = [data["user_id"] for _line, data in rows if data.get("user_id")]
    users = (
        {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    for _line, data in rows:
        organisation = named[organisation_key(data["organisation"])]
        for field in ("phone", "plan", "notes"):
            if field in data:
                setattr(organisation, field, data[field])
        if "domains" in data:
            organisations.set_domains(organisation, _domains(data))
        organisation.updated_at = context.now
        if data.get("user_id"):
            _join(users[data["user_id"]], organisation, contact=data.get("contact"))
    db.session.flush()
    created = len(set(named) - existing)
    return Outcome(created, len(rows) - created)


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
            "organisation",
            True,
            _l("The organisation's name: created when new, else updated."),
            "ООО Ромашка",
        ),
        Column(
            "email",
            False,
            _l("E-mail of an existing customer who belongs to it."),
            "ivan.petrov@example.com",
        ),
        Column(
            "contact",
            False,
            _l("yes: that customer is a designated contact (sees all its tickets)."),
            "no",
        ),
        Column(
            "domains",
            False,
            _l("E-mail domains, comma-separated: their unknown senders join it."),
            "romashka.ru",
        ),
        Column("phone", False, _l("Phone number."), "+7 495 123-45-67"),
        Column("plan", False, _l("Plan (SLA policies match it)."), "premium"),
        Column("notes", False, _l("Notes for the staff."), ""),
    ),
    schema=OrganisationRowIn,
    check=check_organisations,
    write=write_organisations,
    key="email",
)
