"""Import jobs: which process runs a check or an import, and since when, so
the scheduler can fail the ones whose process ended mid-way

Revision ID: 0027
Revises: 0028
Create Date: 2026-12-04 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("runner", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_column("started_at")
        batch_op.drop_column("runner")
