"""Categories: the line a new ticket of the category starts on

Revision ID: 0033
Revises: 0024
Create Date: 2026-12-02 19:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("categories") as batch:
        batch.add_column(
            sa.Column("default_line", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade():
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("default_line")
