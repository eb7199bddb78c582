"""Tickets: the statuses "waiting on line 3" and "confirm the fix", a link
from a follow-up to the closed ticket it continues; SLA policies choose
whether their clocks pause on line 3

Active tickets already linked to a defect not yet fixed move to
"waiting on line 3" (those waiting on the customer stay so): no policy pauses
on line 3 yet, so their running clocks are right as they are.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 09:00:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

OLD_STATUSES = ("new", "open", "pending", "resolved", "reopened", "closed")
NEW_STATUSES = (*OLD_STATUSES, "waiting_line3", "confirm_fix")


def _status_type(values) -> sa.Enum:
    return sa.Enum(
        *values,
        name="ticket_status",
        native_enum=False,
        create_constraint=True,
        length=32,
    )


def _status_check(values) -> str:
    return "status IN ({})".format(", ".join(f"'{v}'" for v in values))


def _foreign_keys(on: bool) -> None:
    """SQLite cannot alter a constraint: the tickets table is copied (batch
    mode) with foreign key checks off, as SQLite's own procedure for such
    changes says - with them on, dropping the old table would first delete it
    row by row, cascading to its children. The pragma takes effect only
    outside a transaction, so it comes before the migration's first write."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _set_statuses(old, values) -> None:
    """Swap the CHECK constraint of ``tickets.status``."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_tickets_ticket_status"), "tickets", type_="check")
        op.create_check_constraint(
            op.f("ck_tickets_ticket_status"), "tickets", _status_check(values)
        )
        return
    with op.batch_alter_table("tickets", recreate="always") as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=_status_type(old),
            type_=_status_type(values),
            existing_nullable=False,
        )


def upgrade():
    _foreign_keys(False)
    _set_statuses(OLD_STATUSES, NEW_STATUSES)
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("follow_up_of_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_tickets_follow_up_of_id"), ["follow_up_of_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_follow_up_of_id_tickets"),
            "tickets",
            ["follow_up_of_id"],
            ["id"],
        )
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "pause_on_line3",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
    _hold_linked_tickets()
    _foreign_keys(True)


def _hold_linked_tickets() -> None:
    """Tickets linked to an unfixed defect wait on line 3, each with the
    status event of the change (by the system) on its timeline."""
    bind = op.get_bind()
    waiting = sa.text(
        "SELECT DISTINCT t.id, t.status FROM tickets t "
        "JOIN routing_defect_tickets l ON l.ticket_id = t.id "
        "JOIN routing_defects d ON d.id = l.defect_id "
        "WHERE d.status <> 'fixed' AND t.status IN ('new', 'open', 'reopened')"
    )
    rows = bind.execute(waiting).all()
    if not rows:
        return
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # as UTCDateTime stores it there
    events = sa.table(
        "ticket_events",
        sa.column("ticket_id", sa.Integer),
        sa.column("actor_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
        sa.column("internal", sa.Boolean),
        sa.column("created_at", sa.DateTime),
    )
    op.bulk_insert(
        events,
        [
            {
                "ticket_id": ticket_id,
                "actor_id": None,
                "kind": "status_changed",
                "data": {"old": status, "new": "waiting_line3"},
                "internal": False,
                "created_at": now,
            }
            for ticket_id, status in rows
        ],
    )
    tickets = sa.table("tickets", sa.column("id"), sa.column("status"))
    bind.execute(
        sa.update(tickets)
        .where(tickets.c.id.in_([ticket_id for ticket_id, _status in rows]))
        .values(status="waiting_line3")
    )


def downgrade():
    _foreign_keys(False)
    bind = op.get_bind()
    # The old statuses have no place for these: they read as open again.
    bind.execute(
        sa.text(
            "UPDATE tickets SET status = 'open' "
            "WHERE status IN ('waiting_line3', 'confirm_fix')"
        )
    )
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.drop_column("pause_on_line3")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tickets_follow_up_of_id_tickets"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_tickets_follow_up_of_id"))
        batch_op.drop_column("follow_up_of_id")
    _set_statuses(NEW_STATUSES, OLD_STATUSES)
    _foreign_keys(True)
