"""SLA alerts keyed by the target they warn of; clocks that fail to compute

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # A re-selected policy's thresholds are other thresholds: the target they
    # are a share of joins the alert's unique key.
    with op.batch_alter_table("sla_alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "target_seconds", sa.Integer(), nullable=False, server_default="0"
            )
        )
    op.execute(
        "UPDATE sla_alerts SET target_seconds = "
        "(SELECT target_seconds FROM sla_clocks WHERE sla_clocks.id = sla_alerts.clock_id)"
    )
    with op.batch_alter_table("sla_alerts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_sla_alerts_clock_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_sla_alerts_clock_id",
            ["clock_id", "cycle", "target_seconds", "kind", "percent"],
        )
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("check_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("check_error", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_sla_clocks_check_failures", ["check_failures"], unique=False
        )


def downgrade():
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_clocks_check_failures")
        batch_op.drop_column("check_error")
        batch_op.drop_column("check_failures")
    with op.batch_alter_table("sla_alerts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_sla_alerts_clock_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_sla_alerts_clock_id", ["clock_id", "cycle", "kind", "percent"]
        )
        batch_op.drop_column("target_seconds")
