"""SLA figures a manager can believe: unanswered response clocks, the phone
call as first response a policy setting

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


def downgrade():
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_column("unanswered")
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.drop_column("phone_call_is_first_response")
