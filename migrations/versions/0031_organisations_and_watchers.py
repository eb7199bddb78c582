"""Organisations as records, their designated contacts, tickets carrying
their requester's organisation, and watchers (CC) of tickets

Data: the free-text organisations of the customers (``users.organization``)
become records, one per name compared without regard to case and spacing
(the record takes the spelling most customers had); those customers become
members, and their tickets carry the organisation. Staff belong to no
organisation: their free text goes. The addresses copied on tickets' mail
(``inbound_ticket_copies``, who could answer by mail) become watchers where
the address is a user who may follow the ticket - a member of staff, or a
customer of the requester's organisation; the others are dropped (their
mail now opens a ticket of their own).

Revision ID: 0031
Revises: 0029
Create Date: 2026-12-08 09:00:00

"""

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0029"
branch_labels = None
depends_on = None

_SPACES = re.compile(r"\s+")


def _key(name: str) -> str:
    # helpdesk.organisations.models.organisation_key, as of this revision.
    return _SPACES.sub(" ", name).strip().lower().replace("ё", "е")[:120]


def _lookup_text(*parts) -> str:
    # helpdesk.service.accounts.lookup_text, as of this revision.
    return " ".join(p for p in parts if p).lower().replace("ё", "е")[:500]


def _foreign_keys(on: bool) -> None:
    """SQLite copies a table to add a foreign key or drop a column (batch
    mode): with foreign key checks on, dropping the old table would first
    delete its rows, cascading to their children. The pragma takes effect
    only outside a transaction, so it comes before the first write."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _now():
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        return now.replace(tzinfo=None)  # as UTCDateTime stores it there
    return now


def upgrade():
    _foreign_keys(False)
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("plan", sa.String(length=40), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name_key", name=op.f("uq_organisations_name_key")),
    )
    op.create_table(
        "organisation_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_domains_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_organisation_domains")),
    )
    op.create_index(
        op.f("ix_organisation_domains_organisation_id"),
        "organisation_domains",
        ["organisation_id"],
        unique=False,
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "org_contact", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.create_index(
            batch_op.f("ix_users_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_users_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
        )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_tickets_organisation_id_id", ["organisation_id", "id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
        )
    op.create_table(
        "ticket_watchers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_ticket_watchers_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_watchers_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ticket_watchers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_watchers")),
        sa.UniqueConstraint(
            "ticket_id", "user_id", name=op.f("uq_ticket_watchers_ticket_id")
        ),
    )
    op.create_index(
        "ix_ticket_watchers_user_id_ticket_id",
        "ticket_watchers",
        ["user_id", "ticket_id"],
        unique=False,
    )
    _organisations_from_free_text()
    _watchers_from_copies()
    op.drop_table("inbound_ticket_copies")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_organization"))
        batch_op.drop_column("organization")
    _foreign_keys(True)


def _organisations_from_free_text() -> None:
    """One record per customers' name (by key); members and their tickets."""
    bind = op.get_bind()
    counts = bind.execute(
        sa.text(
            "SELECT organization, COUNT(*) FROM users "
            "WHERE role = 'customer' AND organization IS NOT NULL "
            "GROUP BY organization ORDER BY MIN(id)"
        )
    ).all()
    spellings: dict[str, Counter] = defaultdict(Counter)
    for raw, count in counts:
        if _key(raw):
            spellings[_key(raw)][_SPACES.sub(" ", raw).strip()] += count
    if not spellings:
        return
    now = _now()
    organisations = sa.table(
        "organisations",
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
        sa.column("notes", sa.Text),
        sa.column("created_at", sa.DateTime),
        sa.column("updated_at", sa.DateTime),
    )
    op.bulk_insert(
        organisations,
        [
            {
                # The most common spelling; the first seen among equals.
                "name": names.most_common(1)[0][0][:120],
                "name_key": key,
                "notes": "",
                "created_at": now,
                "updated_at": now,
            }
            for key, names in spellings.items()
        ],
    )
    ids = dict(bind.execute(sa.text("SELECT name_key, id FROM organisations")).all())
    names = dict(bind.execute(sa.text("SELECT id, name FROM organisations")).all())
    for raw, _count in counts:
        if _key(raw) not in ids:
            continue
        bind.execute(
            sa.text(
                "UPDATE users SET organisation_id = :org "
                "WHERE role = 'customer' AND organization = :raw"
            ),
            {"org": ids[_key(raw)], "raw": raw},
        )
    _refresh_lookup(names)
    bind.execute(
        sa.text(
            "UPDATE tickets SET organisation_id = (SELECT u.organisation_id "
            "FROM users u WHERE u.id = tickets.requester_id) "
            "WHERE requester_id IN "
            "(SELECT id FROM users WHERE organisation_id IS NOT NULL)"
        )
    )


def _refresh_lookup(names: dict[int, str]) -> None:
    """The caller lookup holds the organisation's name as the record spells it."""
    bind = op.get_bind()
    members = bind.execute(
        sa.text(
            "SELECT id, name, email, organisation_id FROM users "
            "WHERE organisation_id IS NOT NULL"
        )
    ).all()
    if members:  # one executemany
        bind.execute(
            sa.text("UPDATE users SET lookup_text = :text WHERE id = :id"),
            [
                {"id": user_id, "text": _lookup_text(name, email, names[org_id])}
                for user_id, name, email, org_id in members
            ],
        )


def _watchers_from_copies() -> None:
    """Copied addresses of users who may follow the ticket become watchers."""
    op.get_bind().execute(
        sa.text(
            "INSERT INTO ticket_watchers (ticket_id, user_id, added_by_id, created_at) "
            "SELECT c.ticket_id, u.id, NULL, :now FROM inbound_ticket_copies c "
            "JOIN users u ON u.email = c.email "
            "JOIN tickets t ON t.id = c.ticket_id "
            "WHERE u.id <> t.requester_id AND u.active = :yes AND ("
            "u.role <> 'customer' OR (u.organisation_id IS NOT NULL "
            "AND u.organisation_id = t.organisation_id))"
        ),
        {"now": _now(), "yes": True},
    )


def downgrade():
    _foreign_keys(False)
    op.create_table(
        "inbound_ticket_copies",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_inbound_ticket_copies_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "ticket_id", "email", name=op.f("pk_inbound_ticket_copies")
        ),
    )
    op.execute(
        "INSERT INTO inbound_ticket_copies (ticket_id, email) "
        "SELECT w.ticket_id, u.email FROM ticket_watchers w "
        "JOIN users u ON u.id = w.user_id"
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("organization", sa.String(length=120), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_users_organization"), ["organization"], unique=False
        )
    op.execute(
        "UPDATE users SET organization = (SELECT o.name FROM organisations o "
        "WHERE o.id = users.organisation_id) WHERE organisation_id IS NOT NULL"
    )
    op.drop_index("ix_ticket_watchers_user_id_ticket_id", table_name="ticket_watchers")
    op.drop_table("ticket_watchers")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tickets_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_index("ix_tickets_organisation_id_id")
        batch_op.drop_column("organisation_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_users_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_users_organisation_id"))
        batch_op.drop_column("org_contact")
        batch_op.drop_column("organisation_id")
    op.drop_index(
        op.f("ix_organisation_domains_organisation_id"),
        table_name="organisation_domains",
    )
    op.drop_table("organisation_domains")
    op.drop_table("organisations")
    _foreign_keys(True)
