"""Finding an organisation: by its name as someone typed it, or by the domain
of an e-mail address. Queries only (the accounts and the mail intake ask)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.organisations.models import (
    Organisation,
    OrganisationDomain,
    clean_domain,
    organisation_key,
)


def by_name(name: str) -> Organisation | None:
    """The organisation of this name, in any case and spacing (one indexed read)."""
    key = organisation_key(name or "")
    if not key:
        return None
    return db.session.scalar(
        sa.select(Organisation).where(Organisation.name_key == key)
    )


def named(name: str | None, *, field: str = "organisation") -> Organisation | None:
    """``by_name`` for input: empty is no organisation; an unknown name is
    refused, naming ``field``."""
    if not (name or "").strip():
        return None
    organisation = by_name(name)
    if organisation is None:
        message = _l("No organisation has this name.")
        raise InvalidInput(message, fields={field: [message]})
    return organisation


def by_email_domain(email: str) -> Organisation | None:
    """The organisation whose domain the address is at (``ann@acme.example``
    -> the one with ``acme.example``), or None."""
    domain = clean_domain(email.rpartition("@")[2])
    if not domain:
        return None
    return db.session.scalar(
        sa.select(Organisation)
        .join(OrganisationDomain)
        .where(OrganisationDomain.domain == domain)
    )
