"""The organisation tables. Imported by ``helpdesk.models`` (users and
tickets refer to them), so this module imports nothing of the core's."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from helpdesk.db import Base

if TYPE_CHECKING:
    from helpdesk.models import User

_SPACES = re.compile(r"\s+")


def organisation_key(name: str) -> str:
    """How names are compared: spaces collapsed, lower case, ё as е
    ("ООО  Ромашка" and "ооо ромашка" are one organisation). Computed here,
    not by the database: SQLite's lower() leaves Cyrillic as it is."""
    return _SPACES.sub(" ", name).strip().lower().replace("ё", "е")[:120]


def clean_domain(domain: str) -> str:
    """``@Example.COM.`` -> ``example.com``."""
    return domain.strip().lower().lstrip("@").rstrip(".")


class Organisation(Base):
    """A customer company. ``plan`` is the SLA-relevant plan policy
    conditions match (``basic``, ``premium``...); domains say which e-mail
    senders belong to it."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # organisation_key(name): unique, and how a typed name finds the record.
    name_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    plan: Mapped[str | None] = mapped_column(sa.String(40))
    notes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # Loaded only where domains are shown (lists load them in one statement).
    domain_rows: Mapped[list[OrganisationDomain]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="OrganisationDomain.domain",
    )
    members: WriteOnlyMapped[User] = relationship(back_populates="organisation")

    @property
    def domains(self) -> list[str]:
        return [row.domain for row in self.domain_rows]


class OrganisationDomain(Base):
    """An e-mail domain of an organisation: an unknown sender from it
    becomes a member. A domain belongs to one organisation at most."""

    __tablename__ = "organisation_domains"

    domain: Mapped[str] = mapped_column(sa.String(253), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )

    organisation: Mapped[Organisation] = relationship(back_populates="domain_rows")
