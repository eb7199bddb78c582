"""Intake writes last: a counter that hands out ticket ids before the
ticket is written (SQLite), and an insert sentinel on SLA clocks so a new
ticket's clocks are written by one batched INSERT ... RETURNING

Revision ID: 0026
Revises: 0019
Create Date: 2026-12-02 11:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "id_counters",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_id_counters")),
    )
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("_sentinel", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_column("_sentinel")
    op.drop_table("id_counters")
