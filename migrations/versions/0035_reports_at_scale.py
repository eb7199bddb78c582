"""Reports at a million tickets: the flow's roll-ups without dimensions (its
unfiltered series and time on each line); the backlog's index by status,
line, priority and registration (each age bucket one range of it)

The new tables sum existing roll-up rows over fewer keys, so they are filled
here from those rows in SQL (exact, nothing recounted from the tickets).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03 12:00:00

"""

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


OLD_BACKLOG = "ix_tickets_report_status_created_at"
BACKLOG = "ix_tickets_report_status_line_priority_created_at"


def upgrade():
    for name, keys, counts, parent in PROJECTIONS:
        _create(name, keys, counts)
        _fill(name, keys, counts, parent)
    op.create_index(BACKLOG, "tickets", ["status", "line", "priority", "created_at"])
    op.drop_index(OLD_BACKLOG, "tickets")


def downgrade():
    op.create_index(
        OLD_BACKLOG, "tickets", ["status", "created_at", "line", "priority"]
    )
    op.drop_index(BACKLOG, "tickets")
    for name, *_ in reversed(PROJECTIONS):
        op.drop_table(name)
