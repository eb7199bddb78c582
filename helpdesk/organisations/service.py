"""Organisations' use cases: create and edit them, manage their members and
designated contacts; the lists the pages and the API show. Managers and
admins do this; the edges check the role, these functions the data."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from helpdesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.organisations.models import (
    Organisation,
    OrganisationDomain,
    clean_domain,
    organisation_key,
)
from helpdesk.service import accounts
from helpdesk.vocabulary import Role

# Members are renamed in batches of this many when their organisation is.
_BATCH = 500


def ensure_may_manage(actor: User) -> None:
    if not actor.is_manager:
        raise PermissionDenied(
            _l("Only managers and administrators manage organisations.")
        )


def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_l("Organisation not found."))
    return organisation


def create_organisation(data: dict, *, now: datetime) -> Organisation:
    """A new organisation from loaded data (name, domains, phone, plan, notes)."""
    organisation = Organisation(name="", name_key="", created_at=now, updated_at=now)
    _apply(organisation, data)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_organisation(
    organisation: Organisation, data: dict, *, now: datetime
) -> Organisation:
    """Change any of name, domains, phone, plan, notes. A new name is also
    what the members are found by on the phone console."""
    renamed = "name" in data and data["name"].strip() != organisation.name
    _apply(organisation, data)
    organisation.updated_at = now
    db.session.flush()
    if renamed:
        _refresh_members_lookup(organisation)
    return organisation


def _apply(organisation: Organisation, data: dict) -> None:
    if "name" in data:
        name = " ".join(data["name"].split())
        key = organisation_key(name)
        taken = db.session.scalar(
            sa.select(Organisation.id).where(
                Organisation.name_key == key, Organisation.id != organisation.id
            )
        )
        if taken is not None:
            raise Conflict(
                _l("An organisation of this name exists already."),
                fields={"name": [_l("Already taken.")]},
            )
        organisation.name, organisation.name_key = name, key
    for field in ("phone", "plan"):
        if field in data:
            setattr(organisation, field, (data[field] or "").strip() or None)
    if "notes" in data:
        organisation.notes = (data["notes"] or "").strip()
    if "domains" in data:
        _set_domains(organisation, data["domains"])


def _set_domains(organisation: Organisation, domains: list[str]) -> None:
    wanted = sorted({clean_domain(d) for d in domains if clean_domain(d)})
    if wanted:
        others = db.session.execute(
            sa.select(OrganisationDomain.domain, Organisation.name)
            .join(Organisation)
            .where(
                OrganisationDomain.domain.in_(wanted),
                OrganisationDomain.organisation_id != organisation.id,
            )
        ).all()
        if others:
            message = _l(
                "%(domain)s is a domain of %(name)s already.",
                domain=others[0].domain,
                name=others[0].name,
            )
            raise InvalidInput(message, fields={"domains": [message]})
    kept = {row.domain: row for row in organisation.domain_rows}
    organisation.domain_rows = [
        kept.get(domain) or OrganisationDomain(domain=domain) for domain in wanted
    ]


def _refresh_members_lookup(organisation: Organisation) -> None:
    """The caller lookup holds the organisation's name: rewrite the members'."""
    after = 0
    while True:
        members = list(
            db.session.scalars(
                sa.select(User)
                .where(User.organisation_id == organisation.id, User.id > after)
                .order_by(User.id)
                .limit(_BATCH)
            )
        )
        for member in members:
            accounts.refresh_lookup(member)
        db.session.flush()
        if len(members) < _BATCH:
            return
        after = members[-1].id


def get_by_keys(keys) -> list[Organisation]:
    """The organisations of these ``organisation_key``s (one query)."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    return list(
        db.session.scalars(
            sa.select(Organisation).where(Organisation.name_key.in_(wanted))
        )
    )


def ensure_named(names: list[str], *, now: datetime) -> dict[str, Organisation]:
    """The organisations of these names by ``organisation_key``, created
    when missing (the imports name them as legacy files do): one query for
    those that exist, one flush for the new ones."""
    wanted = {organisation_key(n): " ".join(n.split()) for n in names if n.strip()}
    if not wanted:
        return {}
    found = {o.name_key: o for o in get_by_keys(wanted)}
    for key, name in wanted.items():
        if key not in found:
            found[key] = Organisation(
                name=name, name_key=key, created_at=now, updated_at=now
            )
            db.session.add(found[key])
    db.session.flush()
    return found


def domain_owners(domains: list[str]) -> dict[str, int]:
    """Which organisation holds each of these domains (those held)."""
    cleaned = sorted({clean_domain(d) for d in domains if clean_domain(d)})
    if not cleaned:
        return {}
    return dict(
        db.session.execute(
            sa.select(
                OrganisationDomain.domain, OrganisationDomain.organisation_id
            ).where(OrganisationDomain.domain.in_(cleaned))
        ).all()
    )


def set_domains(organisation: Organisation, domains: list[str]) -> None:
    """Replace the organisation's domains (refused when another holds one)."""
    _set_domains(organisation, domains)


# --- members -----------------------------------------------------------------


def add_member(organisation: Organisation, user: User, *, contact: bool) -> User:
    """``user`` (a customer) joins ``organisation``, leaving any other; or,
    already a member, becomes or stops being its designated contact."""
    if user.role != Role.CUSTOMER:
        message = _l("Only customers belong to an organisation.")
        raise InvalidInput(message, fields={"user": [message]})
    accounts.set_membership(user, organisation, contact=contact)
    db.session.flush()
    return user


def remove_member(organisation: Organisation, user: User) -> None:
    """``user`` leaves ``organisation`` (their tickets with them)."""
    ensure_member(organisation, user)
    accounts.set_membership(user, None, contact=False)
    db.session.flush()


def ensure_member(organisation: Organisation, user: User | None) -> User:
    if user is None or user.organisation_id != organisation.id:
        raise NotFound(_l("This person is not a member of the organisation."))
    return user


def member_by_email(email: str) -> User:
    """The customer to add, by e-mail (as the page's form names them)."""
    user = accounts.find_user_by_email(email)
    if user is None:
        message = _l("No user has this e-mail.")
        raise InvalidInput(message, fields={"email": [message]})
    return user


# --- reading -----------------------------------------------------------------


def organisation_page(
    *, q: str, after_id: int | None, limit: int
) -> list[Organisation]:
    """Newest first, ``q`` a part of the name (any case); ``limit`` rows
    with their domains (one more statement for the page)."""
    query = (
        sa.select(Organisation)
        .options(selectinload(Organisation.domain_rows))
        .order_by(Organisation.id.desc())
    )
    key = organisation_key(q)
    if key:
        query = query.where(Organisation.name_key.contains(key, autoescape=True))
    if after_id is not None:
        query = query.where(Organisation.id < after_id)
    return list(db.session.scalars(query.limit(limit)))


def member_counts(organisations: list[Organisation]) -> dict[int, tuple[int, int]]:
    """(members, contacts) per organisation of a page, in one grouped query."""
    ids = [o.id for o in organisations]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(
            User.organisation_id,
            sa.func.count(),
            sa.func.sum(sa.case((User.org_contact.is_(True), 1), else_=0)),
        )
        .where(User.organisation_id.in_(ids))
        .group_by(User.organisation_id)
    )
    return {org_id: (members, contacts or 0) for org_id, members, contacts in rows}


def member_page(
    organisation: Organisation, *, after_id: int | None, limit: int
) -> list[User]:
    """The organisation's members in the order they were registered (keyset on id)."""
    query = (
        sa.select(User)
        .where(User.organisation_id == organisation.id)
        .order_by(User.id)
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(User.id > after_id)
    return list(db.session.scalars(query))


def all_names(limit: int = 1000) -> list[str]:
    """Names for the forms' suggestions, alphabetical (the first ``limit``)."""
    return list(
        db.session.scalars(
            sa.select(Organisation.name).order_by(Organisation.name_key).limit(limit)
        )
    )
