"""Managers' reports: daily roll-ups per time zone, their state, the
knowledge base's searches that found nothing, summary-mail subscriptions,
and the indexes the reports read the core's tables by

The roll-ups are derived data: the scheduler (``reports-rollup``) fills them
for the time zones the staff use; ``flask reports rollups --rebuild`` recounts
them at once.

Revision ID: 0029
Revises: 0030
Create Date: 2026-12-05 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0030"
branch_labels = None
depends_on = None

ROWLESS = {"sqlite_with_rowid": False}


def _zone_day():
    return [
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
    ]


def _counts(*names):
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def _rollup(name, keys, counts):
    op.create_table(
        name,
        *_zone_day(),
        *keys,
        *_counts(*counts),
        sa.PrimaryKeyConstraint(
            "zone", "grain", "day", *(k.name for k in keys), name=op.f(f"pk_{name}")
        ),
        **ROWLESS,
    )


def upgrade():
    op.create_table(
        "report_rollup_state",
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("rolled_through", sa.Date(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("zone", name=op.f("pk_report_rollup_state")),
    )
    _rollup(
        "report_volume_days",
        [
            sa.Column("line", sa.Integer(), nullable=False),
            sa.Column("channel", sa.String(length=16), nullable=False),
            sa.Column("category_id", sa.Integer(), nullable=False),
            sa.Column("priority", sa.String(length=8), nullable=False),
        ],
        ["created", "resolved"],
    )
    _rollup("report_volume_series", [], ["created", "resolved"])
    _rollup("report_rating_series", [], ["ratings", "score_sum", "good"])
    _rollup(
        "report_kb_article_days",
        [sa.Column("article_id", sa.Integer(), nullable=False)],
        ["linked", "on_call", "deflections"],
    )
    _rollup(
        "report_rating_days",
        [
            sa.Column("line", sa.Integer(), nullable=False),
            sa.Column("agent_id", sa.Integer(), nullable=False),
            sa.Column("category_id", sa.Integer(), nullable=False),
            sa.Column("organization", sa.String(length=120), nullable=False),
        ],
        ["ratings", "score_sum", "good"],
    )
    _rollup(
        "report_agent_days",
        [sa.Column("agent_id", sa.Integer(), nullable=False)],
        [
            "tickets",
            "replies",
            "first_replies",
            "resolutions",
            "reopened",
            "phone_on_call",
            "sla_met",
            "sla_breached",
        ],
    )
    _rollup(
        "report_agent_times",
        [
            sa.Column("agent_id", sa.Integer(), nullable=False),
            sa.Column("target", sa.String(length=32), nullable=False),
            sa.Column("bucket", sa.Integer(), nullable=False),
        ],
        ["clocks"],
    )
    _rollup(
        "report_flow_days",
        [
            sa.Column("channel", sa.String(length=16), nullable=False),
            sa.Column("category_id", sa.Integer(), nullable=False),
        ],
        [
            "registered",
            "line1_on_call",
            "line1_with_article",
            "line1_later",
            "to_line2",
            "to_line3",
            "moved_down",
            "defect_linked",
        ],
    )
    _rollup(
        "report_flow_times",
        [
            sa.Column("channel", sa.String(length=16), nullable=False),
            sa.Column("category_id", sa.Integer(), nullable=False),
            sa.Column("line", sa.Integer(), nullable=False),
            sa.Column("bucket", sa.Integer(), nullable=False),
        ],
        ["tickets"],
    )
    _rollup(
        "report_day_counts",
        [],
        [
            "deflections",
            "web_tickets",
            "phone_tickets",
            "resolved_on_call",
            "defects_filed",
        ],
    )
    op.create_table(
        "report_kb_search_misses",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", "query", name=op.f("pk_report_kb_search_misses")),
    )
    op.create_index(
        "ix_report_kb_search_misses_day",
        "report_kb_search_misses",
        ["day", "searches"],
    )
    op.create_table(
        "report_subscriptions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_report_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_report_subscriptions")),
    )
    op.create_index(
        op.f("ix_report_subscriptions_next_at"), "report_subscriptions", ["next_at"]
    )
    op.create_index("ix_tickets_report_resolved_at", "tickets", ["resolved_at"])
    op.create_index(
        "ix_tickets_report_status_created_at",
        "tickets",
        ["status", "created_at", "line", "priority"],
    )
    op.create_index("ix_tickets_report_updated_at", "tickets", ["updated_at"])
    op.create_index("ix_ratings_report_created_at", "ratings", ["created_at"])
    op.create_index(
        "ix_ticket_events_report_kind_created_at",
        "ticket_events",
        ["kind", "created_at", "actor_id"],
    )


def downgrade():
    op.drop_index("ix_ticket_events_report_kind_created_at", "ticket_events")
    op.drop_index("ix_ratings_report_created_at", "ratings")
    op.drop_index("ix_tickets_report_updated_at", "tickets")
    op.drop_index("ix_tickets_report_status_created_at", "tickets")
    op.drop_index("ix_tickets_report_resolved_at", "tickets")
    op.drop_index(op.f("ix_report_subscriptions_next_at"), "report_subscriptions")
    op.drop_table("report_subscriptions")
    op.drop_index("ix_report_kb_search_misses_day", "report_kb_search_misses")
    op.drop_table("report_kb_search_misses")
    for name in (
        "report_kb_article_days",
        "report_rating_series",
        "report_volume_series",
        "report_day_counts",
        "report_flow_times",
        "report_flow_days",
        "report_agent_times",
        "report_agent_days",
        "report_rating_days",
        "report_volume_days",
        "report_rollup_state",
    ):
        op.drop_table(name)
