"""The agents' workspace, one screen per job: macros, and a reply's HTML

- ``macros``: a canned reply plus field changes (status, priority, line,
  assignee, tags) that admins write and agents apply in one step;
- ``comments.body_html``: the sanitised HTML of a reply rendered from
  Markdown (an article sent on the phone), for the mail's HTML part; a new
  nullable column, so adding it rewrites no rows.

Revision ID: 0030
Revises: 0032
Create Date: 2026-12-04 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "macros",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("priority", sa.String(length=2), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("assign", sa.String(length=16), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("add_tags", sa.JSON(), nullable=False),
        sa.Column("remove_tags", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(COALESCE(assign, '') = 'agent') = (assignee_id IS NOT NULL)",
            name=op.f("ck_macros_agent_named"),
        ),
        sa.CheckConstraint(
            "assign IS NULL OR assign IN ('me', 'nobody', 'agent')",
            name=op.f("ck_macros_assign_mode"),
        ),
        sa.CheckConstraint(
            "line IS NULL OR line BETWEEN 1 AND 3", name=op.f("ck_macros_line_range")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_macros_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_macros_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_macros")),
        sa.UniqueConstraint("title", name=op.f("uq_macros_title")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("body_html")

    op.drop_table("macros")
