"""SLA breaches remember the line, assignee and policy they happened under

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("breached_line", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("breached_assignee_id", sa.Integer(), nullable=True)
        )
        batch_op.add_column(sa.Column("breached_policy_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_sla_clocks_breached_assignee_id_users"),
            "users",
            ["breached_assignee_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_sla_clocks_breached_policy_id_sla_policies"),
            "sla_policies",
            ["breached_policy_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sla_clocks_breached_policy_id_sla_policies"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_sla_clocks_breached_assignee_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("breached_policy_id")
        batch_op.drop_column("breached_assignee_id")
        batch_op.drop_column("breached_line")
