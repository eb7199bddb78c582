"""Reports at a million tickets: week rows in every roll-up (grain "W"); the
flow's roll-ups without dimensions (its unfiltered series and time on each
line); the backlog's index by status, line, priority and registration (each
age bucket one range of it)

Everything new sums existing roll-up rows - the new tables over fewer keys,
the week rows a complete week's day rows - so it is filled here in SQL from
those rows (exact, nothing recounted from the tickets).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03 12:00:00

"""

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

ROWLESS = {"sqlite_with_rowid": False}
FLOW_COUNTS = (
    "registered",
    "line1_on_call",
    "line1_with_article",
    "line1_later",
    "to_line2",
    "to_line3",
    "moved_down",
    "defect_linked",
)
# (new table, its key columns, its counts, the roll-up it sums)
PROJECTIONS = (
    ("report_flow_series", (), FLOW_COUNTS, "report_flow_days"),
    ("report_flow_line_times", ("line", "bucket"), ("tickets",), "report_flow_times"),
)


def _create(name, keys, counts):
    op.create_table(
        name,
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(k, sa.Integer(), nullable=False) for k in keys),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in counts),
        sa.PrimaryKeyConstraint("zone", "grain", "day", *keys, name=op.f(f"pk_{name}")),
        **ROWLESS,
    )


def _fill(name, keys, counts, parent):
    group = ", ".join(("zone", "grain", "day", *keys))
    sums = ", ".join(f"SUM({c})" for c in counts)
    columns = ", ".join((*("zone", "grain", "day", *keys), *counts))
    op.execute(
        f"INSERT INTO {name} ({columns}) "
        f"SELECT {group}, {sums} FROM {parent} GROUP BY {group}"
    )


AGENT_COUNTS = (
    "tickets",
    "replies",
    "first_replies",
    "resolutions",
    "reopened",
    "phone_on_call",
    "sla_met",
    "sla_breached",
)
# Every roll-up after this revision: (table, key columns, counts).
ROLLUPS = (
    (
        "report_volume_days",
        ("line", "channel", "category_id", "priority"),
        ("created", "resolved"),
    ),
    ("report_volume_series", (), ("created", "resolved")),
    (
        "report_rating_days",
        ("line", "agent_id", "category_id", "organization"),
        ("ratings", "score_sum", "good"),
    ),
    ("report_rating_series", (), ("ratings", "score_sum", "good")),
    ("report_agent_days", ("agent_id",), AGENT_COUNTS),
    ("report_agent_times", ("agent_id", "target", "bucket"), ("clocks",)),
    ("report_flow_days", ("channel", "category_id"), FLOW_COUNTS),
    ("report_flow_series", (), FLOW_COUNTS),
    ("report_flow_times", ("channel", "category_id", "line", "bucket"), ("tickets",)),
    ("report_flow_line_times", ("line", "bucket"), ("tickets",)),
    (
        "report_day_counts",
        (),
        (
            "deflections",
            "web_tickets",
            "phone_tickets",
            "resolved_on_call",
            "defects_filed",
        ),
    ),
    ("report_kb_article_days", ("article_id",), ("linked", "on_call", "deflections")),
)
OLD_BACKLOG = "ix_tickets_report_status_created_at"
BACKLOG = "ix_tickets_report_status_line_priority_created_at"


def _fill_weeks():
    """A "W" row per complete week (Monday to Sunday, every day rolled up)
    of each zone, the sum of its day rows - as ``recount_span`` writes."""
    bind = op.get_bind()
    state = sa.table(
        "report_rollup_state", sa.column("zone"), sa.column("rolled_through", sa.Date)
    )
    zones = bind.execute(
        sa.select(state.c.zone, state.c.rolled_through).where(
            state.c.rolled_through.is_not(None)
        )
    ).all()
    for zone, through in zones:
        for name, keys, counts in ROLLUPS:
            _fill_weeks_of(bind, name, keys, counts, zone, through)


def _fill_weeks_of(bind, name, keys, counts, zone, through: date):
    table = sa.table(
        name,
        sa.column("zone"),
        sa.column("grain"),
        sa.column("day", sa.Date),
        *(sa.column(c) for c in (*keys, *counts)),
    )
    days = sa.and_(table.c.zone == zone, table.c.grain == "D")
    first = bind.execute(sa.select(sa.func.min(table.c.day)).where(days)).scalar()
    if first is None:
        return
    monday = first - timedelta(days=first.weekday())
    while monday + timedelta(days=6) <= through:
        sums = sa.select(
            sa.literal(zone),
            sa.literal("W"),
            sa.literal(monday, sa.Date),
            *(table.c[k] for k in keys),
            *(sa.func.sum(table.c[c]) for c in counts),
        ).where(days, table.c.day >= monday, table.c.day < monday + timedelta(days=7))
        keyed = [table.c[k] for k in keys]
        sums = sums.group_by(*keyed) if keys else sums.having(sa.func.count() > 0)
        columns = ["zone", "grain", "day", *keys, *counts]
        bind.execute(table.insert().from_select(columns, sums))
        monday += timedelta(days=7)


def upgrade():
    for name, keys, counts, parent in PROJECTIONS:
        _create(name, keys, counts)
        _fill(name, keys, counts, parent)
    _fill_weeks()
    op.create_index(BACKLOG, "tickets", ["status", "line", "priority", "created_at"])
    op.drop_index(OLD_BACKLOG, "tickets")


def downgrade():
    op.create_index(
        OLD_BACKLOG, "tickets", ["status", "created_at", "line", "priority"]
    )
    op.drop_index(BACKLOG, "tickets")
    for name, *_ in reversed(PROJECTIONS):
        op.drop_table(name)
    for name, *_ in ROLLUPS:
        if name not in {p[0] for p in PROJECTIONS}:
            op.execute(f"DELETE FROM {name} WHERE grain = 'W'")
