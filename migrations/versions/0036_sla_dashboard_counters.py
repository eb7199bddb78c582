"""SLA dashboard: tickets by line and status counted by triggers on tickets,
so the backlog reads a few counter rows instead of every active ticket; the
times' roll-ups packed (a day's or month's histogram in one row, also for
every line at once), a median's bucket cut into 64 parts before its exact
values are read, and compliance rolled up by month too

The roll-ups are derived data: they are created anew and recounted from the
clocks (``sla.service.rollups.rebuild``; 1M tickets: about a minute).

Revision ID: 0036
Revises: 0034
Create Date: 2026-12-03 06:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0036"
down_revision = "0034"
branch_labels = None
depends_on = None

# Every write of a ticket's line or status goes through these (the ORM, Core
# UPDATEs, imports): +1 on the pair it enters, -1 on the pair it leaves.
SQLITE = (
    """CREATE TRIGGER sla_backlog_insert AFTER INSERT ON tickets BEGIN
        INSERT INTO sla_backlog_counts (line, status, shard, tickets)
        VALUES (NEW.line, NEW.status, 0, 1)
        ON CONFLICT (line, status, shard) DO UPDATE SET tickets = tickets + 1;
    END""",
    """CREATE TRIGGER sla_backlog_delete AFTER DELETE ON tickets BEGIN
        INSERT INTO sla_backlog_counts (line, status, shard, tickets)
        VALUES (OLD.line, OLD.status, 0, -1)
        ON CONFLICT (line, status, shard) DO UPDATE SET tickets = tickets - 1;
    END""",
    """CREATE TRIGGER sla_backlog_update AFTER UPDATE OF line, status ON tickets
    WHEN OLD.line IS NOT NEW.line OR OLD.status IS NOT NEW.status BEGIN
        INSERT INTO sla_backlog_counts (line, status, shard, tickets)
        VALUES (OLD.line, OLD.status, 0, -1)
        ON CONFLICT (line, status, shard) DO UPDATE SET tickets = tickets - 1;
        INSERT INTO sla_backlog_counts (line, status, shard, tickets)
        VALUES (NEW.line, NEW.status, 0, 1)
        ON CONFLICT (line, status, shard) DO UPDATE SET tickets = tickets + 1;
    END""",
)

# Deferred to the commit and sharded by transaction: concurrent intakes hold
# a counter row only while they commit, and rarely the same one. A status
# change takes its two rows in key order, so two of them never deadlock.
POSTGRESQL = (
    """CREATE FUNCTION sla_backlog_add(
        in_line integer, in_status text, in_shard integer, n integer
    ) RETURNS void LANGUAGE sql AS $$
        INSERT INTO sla_backlog_counts AS c (line, status, shard, tickets)
        VALUES (in_line, in_status, in_shard, n)
        ON CONFLICT (line, status, shard) DO UPDATE SET tickets = c.tickets + n
    $$""",
    """CREATE FUNCTION sla_backlog_count() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        part integer := (txid_current() % 64)::integer;
    BEGIN
        IF TG_OP = 'UPDATE' AND (NEW.line, NEW.status::text)
                < (OLD.line, OLD.status::text) THEN
            PERFORM sla_backlog_add(NEW.line, NEW.status::text, part, 1);
            PERFORM sla_backlog_add(OLD.line, OLD.status::text, part, -1);
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM sla_backlog_add(OLD.line, OLD.status::text, part, -1);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            PERFORM sla_backlog_add(NEW.line, NEW.status::text, part, 1);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER sla_backlog_insert_delete
    AFTER INSERT OR DELETE ON tickets DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE PROCEDURE sla_backlog_count()""",
    """CREATE CONSTRAINT TRIGGER sla_backlog_update
    AFTER UPDATE OF line, status ON tickets DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (OLD.line IS DISTINCT FROM NEW.line OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE PROCEDURE sla_backlog_count()""",
)


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
    _backlog_counts()
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


def _backlog_counts():
    op.create_table(
        "sla_backlog_counts",
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "line", "status", "shard", name=op.f("pk_sla_backlog_counts")
        ),
        **ROWLESS,
    )
    bind = op.get_bind()
    # Armed, then counted: on PostgreSQL creating the triggers locks out
    # ticket writes until this transaction commits, so none is missed or
    # counted twice.
    for statement in POSTGRESQL if bind.dialect.name == "postgresql" else SQLITE:
        op.execute(statement)
    op.execute(
        "INSERT INTO sla_backlog_counts (line, status, shard, tickets) "
        "SELECT line, status, 0, count(*) FROM tickets GROUP BY line, status"
    )


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
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER sla_backlog_update ON tickets")
        op.execute("DROP TRIGGER sla_backlog_insert_delete ON tickets")
        op.execute("DROP FUNCTION sla_backlog_count()")
        op.execute("DROP FUNCTION sla_backlog_add(integer, text, integer, integer)")
    else:
        for name in ("sla_backlog_update", "sla_backlog_delete", "sla_backlog_insert"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("sla_backlog_counts")
