"""Queues of any status: a line's tickets newest first, and "time left"
order by line or over every ticket, each walk an index instead of reading
and sorting every matching ticket

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 16:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_tickets_line_id": ["line", "id"],
    "ix_tickets_line_due_at_id": ["line", "due_at", "id"],
    "ix_tickets_due_at_id": ["due_at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "tickets", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="tickets")
