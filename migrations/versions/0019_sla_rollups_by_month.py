"""SLA dashboard roll-ups by month and by exact business seconds; the daily
roll-ups stored in their primary key on SQLite (WITHOUT ROWID)

The roll-ups are derived data: every roll-up table is created anew and
recounted from the clocks (``sla.service.rollups.rebuild``).

Revision ID: 0019
Revises: 0012
Create Date: 2026-12-02 12:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0020"
branch_labels = None
depends_on = None

ROWLESS = {"sqlite_with_rowid": False}


def _compliance(**options):
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
        **options,
    )


def _times(name: str, period: str, **options):
    op.create_table(
        name,
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column(period, sa.Date(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("channel_group", sa.String(length=16), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("clocks", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "target",
            period,
            "line",
            "channel_group",
            "bucket",
            name=op.f(f"pk_{name}"),
        ),
        **options,
    )


def upgrade():
    op.drop_table("sla_daily_times")
    op.drop_table("sla_daily_compliance")
    _compliance(**ROWLESS)
    _times("sla_daily_times", "day", **ROWLESS)
    _times("sla_monthly_times", "month", **ROWLESS)
    op.create_table(
        "sla_daily_values",
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("channel_group", sa.String(length=16), nullable=False),
        sa.Column("spent_seconds", sa.Integer(), nullable=False),
        sa.Column("clocks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "target",
            "bucket",
            "day",
            "line",
            "channel_group",
            "spent_seconds",
            name=op.f("pk_sla_daily_values"),
        ),
        **ROWLESS,
    )
    has_clocks = op.get_bind().execute(sa.text("SELECT 1 FROM sla_clocks LIMIT 1"))
    if has_clocks.first():
        # The application's own definitions, so the counts match its figures.
        from sla.service import rollups

        rollups.rebuild(connection=op.get_bind())


def downgrade():
    op.drop_table("sla_daily_values")
    op.drop_table("sla_monthly_times")
    op.drop_table("sla_daily_times")
    op.drop_table("sla_daily_compliance")
    # Back to revision 0012's tables (with a rowid), recounted.
    _compliance()
    _times("sla_daily_times", "day")
    has_clocks = op.get_bind().execute(sa.text("SELECT 1 FROM sla_clocks LIMIT 1"))
    if has_clocks.first():
        from sla.service import rollups

        rollups.rebuild(connection=op.get_bind())
