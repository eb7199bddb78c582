"""SLA dashboard roll-ups for a year at 1M tickets: the times packed (a day's
or month's histogram in one row, also for every line at once), a median's
bucket cut into 64 parts before its exact values are read, compliance by
month and by day and line

The roll-ups are derived data: they are created anew and recounted from the
clocks (``sla.service.rollups.rebuild``; 1M tickets: a few minutes).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-03 07:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

ROWLESS = {"sqlite_with_rowid": False}
COUNTS_BY_KEY = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _monthly_compliance():
    op.create_table(
        "sla_monthly_compliance",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("channel_group", sa.String(length=16), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("breached", sa.Integer(), nullable=False),
        sa.Column("no_response", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "line",
            "priority",
            "policy_id",
            "target",
            "channel_group",
            name=op.f("pk_sla_monthly_compliance"),
        ),
        **ROWLESS,
    )


def _times(name: str, period: str):
    op.create_table(
        name,
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column(period, sa.Date(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("channel_group", sa.String(length=16), nullable=False),
        sa.Column("clocks", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.BigInteger(), nullable=False),
        sa.Column("clocks_by_bucket", COUNTS_BY_KEY, nullable=False),
        sa.PrimaryKeyConstraint(
            "target", period, "line", "channel_group", name=op.f(f"pk_{name}")
        ),
        **ROWLESS,
    )


def _packed(name: str, key: tuple[str, ...], period: str, cells: str):
    """A packed roll-up: ``target``, ``key``, the period, line and channel
    group; its clocks, and their counts by ``cells`` key."""
    op.create_table(
        name,
        sa.Column("target", sa.String(length=32), nullable=False),
        *(sa.Column(k, sa.Integer(), nullable=False) for k in key),
        sa.Column(period, sa.Date(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("channel_group", sa.String(length=16), nullable=False),
        sa.Column("clocks", sa.Integer(), nullable=False),
        sa.Column(cells, COUNTS_BY_KEY, nullable=False),
        sa.PrimaryKeyConstraint(
            "target", *key, period, "line", "channel_group", name=op.f(f"pk_{name}")
        ),
        **ROWLESS,
    )


def upgrade():
    op.drop_table("sla_daily_values")
    op.drop_table("sla_monthly_times")
    op.drop_table("sla_daily_times")
    _monthly_compliance()
    op.create_table(
        "sla_daily_outcomes",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("breached", sa.Integer(), nullable=False),
        sa.Column("no_response", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "line", name=op.f("pk_sla_daily_outcomes")),
        **ROWLESS,
    )
    _times("sla_daily_times", "day")
    _times("sla_monthly_times", "month")
    for prefix, period in (("daily", "day"), ("monthly", "month")):
        _packed(f"sla_{prefix}_parts", ("bucket",), period, "clocks_by_part")
        _packed(f"sla_{prefix}_values", ("part",), period, "clocks_by_seconds")
    has_clocks = op.get_bind().execute(sa.text("SELECT 1 FROM sla_clocks LIMIT 1"))
    if has_clocks.first():
        # The application's own definitions, so the counts match its figures.
        from sla.service import rollups

        rollups.rebuild(connection=op.get_bind())


def downgrade():
    # Back to revision 0019's roll-up tables, empty: that revision's code
    # recounts them (``flask sla rollups --rebuild``).
    for name in (
        "sla_monthly_values",
        "sla_daily_values",
        "sla_monthly_parts",
        "sla_daily_parts",
        "sla_monthly_times",
        "sla_daily_times",
        "sla_daily_outcomes",
        "sla_monthly_compliance",
    ):
        op.drop_table(name)
    for name, period in (("sla_daily_times", "day"), ("sla_monthly_times", "month")):
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
            **ROWLESS,
        )
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
