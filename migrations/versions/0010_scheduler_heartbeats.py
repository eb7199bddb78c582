"""scheduler heartbeats: the last run of each job, for /healthz

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_job_runs",
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_scheduler_job_runs")),
    )


def downgrade():
    op.drop_table("scheduler_job_runs")
