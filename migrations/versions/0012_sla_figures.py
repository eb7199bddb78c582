"""SLA figures a manager can believe: unanswered response clocks, the phone
call as first response a policy setting, daily roll-ups of the dashboard

The roll-ups start empty; ``flask sla rollups --rebuild`` counts the clocks
already there (upgrade runs it when the database has clocks).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "phone_call_is_first_response",
                sa.Boolean(),
                server_default=sa.true(),
                nullable=False,
            )
        )
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "unanswered", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.create_index(
            "ix_sla_clocks_target_phase_spent",
            ["target", "phase", "spent_seconds"],
            unique=False,
        )
    op.create_table(
        "sla_daily_compliance",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("channel_group", sa.String(length=16), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("breached", sa.Integer(), nullable=False),
        sa.Column("no_response", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "line",
            "priority",
            "policy_id",
            "target",
            "channel_group",
            name=op.f("pk_sla_daily_compliance"),
        ),
    )
    op.create_table(
        "sla_daily_times",
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("channel_group", sa.String(length=16), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("clocks", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "target",
            "day",
            "line",
            "channel_group",
            "bucket",
            name=op.f("pk_sla_daily_times"),
        ),
    )
    has_clocks = op.get_bind().execute(sa.text("SELECT 1 FROM sla_clocks LIMIT 1"))
    if has_clocks.first():
        # The application's own definitions, so the counts match its figures.
        from sla.service import rollups

        rollups.rebuild(connection=op.get_bind())


def downgrade():
    op.drop_table("sla_daily_times")
    op.drop_table("sla_daily_compliance")
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_clocks_target_phase_spent")
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_column("unanswered")
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.drop_column("phone_call_is_first_response")
