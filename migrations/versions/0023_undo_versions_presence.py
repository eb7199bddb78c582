"""The agents' workspace: undo records, ticket versions, presence

- ``undo_actions``: one row per undoable operation, what to put back as data;
- ``outbox_messages.undo_id`` / ``cancelled_at``: mail held for an undo
  window, and withdrawn by the undo;
- ``tickets.version`` and ``ticket_events.ticket_version``: a stale form is
  refused, with the events written since;
- ``ticket_viewers``: who has a ticket's page open.

Revision ID: 0023
Revises: 0026
Create Date: 2026-12-03 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0026"
branch_labels = None
depends_on = None

UNDO_KINDS = ("status", "update", "line", "merge", "bulk", "reply")


def upgrade():
    op.create_table(
        "undo_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                *UNDO_KINDS,
                name="undo_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_undo_actions_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_undo_actions_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"],
            ["users.id"],
            name=op.f("fk_undo_actions_undone_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_undo_actions")),
    )
    with op.batch_alter_table("undo_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_undo_actions_ticket_id"), ["ticket_id"], unique=False
        )
        batch_op.create_index(
            "ix_undo_actions_expires_at", ["expires_at"], unique=False
        )

    op.create_table(
        "ticket_viewers",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=16), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_viewers_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ticket_viewers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "user_id", name=op.f("pk_ticket_viewers")),
    )
    with op.batch_alter_table("ticket_viewers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ticket_viewers_ticket_id_seen_at", ["ticket_id", "seen_at"], unique=False
        )

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "version", sa.Integer(), server_default=sa.text("0"), nullable=False
            )
        )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("undo_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_undo_id"), ["undo_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_undo_id_undo_actions"),
            "undo_actions",
            ["undo_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_undo_id_undo_actions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_messages_undo_id"))
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("undo_id")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_column("ticket_version")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("ticket_viewers", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_viewers_ticket_id_seen_at")
    op.drop_table("ticket_viewers")
    with op.batch_alter_table("undo_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_undo_actions_expires_at")
        batch_op.drop_index(batch_op.f("ix_undo_actions_ticket_id"))
    op.drop_table("undo_actions")
