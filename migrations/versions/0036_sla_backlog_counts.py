"""SLA dashboard: tickets by line and status counted by triggers on tickets,
so the backlog reads a few counter rows instead of every active ticket

Revision ID: 0036
Revises: 0034
Create Date: 2026-12-03 06:00:00

"""

import sqlalchemy as sa
from alembic import op

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


def upgrade():
    op.create_table(
        "sla_backlog_counts",
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "line", "status", "shard", name=op.f("pk_sla_backlog_counts")
        ),
        sqlite_with_rowid=False,
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER sla_backlog_update ON tickets")
        op.execute("DROP TRIGGER sla_backlog_insert_delete ON tickets")
        op.execute("DROP FUNCTION sla_backlog_count()")
        op.execute("DROP FUNCTION sla_backlog_add(integer, text, integer, integer)")
    else:
        for name in ("sla_backlog_update", "sla_backlog_delete", "sla_backlog_insert"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("sla_backlog_counts")
