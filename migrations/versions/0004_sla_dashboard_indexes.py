"""sla dashboard indexes

- ``ix_tickets_created_at`` (created_at, line, priority): the dashboard's
  period filter (tickets created in [from, to)) and the CSV export's keyset
  order; line and priority ride along so the per-period GROUP BY reads the
  index instead of the ticket rows.
- ``ix_sla_clocks_breached_at`` (breached_at, phase, due_at): the breaches
  list, newest first (breached_at IS NOT NULL, descending), and the at-risk
  list (breached_at IS NULL AND phase = 'running' ORDER BY due_at).
- ``ix_sla_clocks_report`` (ticket_id, target, phase, policy_id, breached_at,
  spent_seconds): every column the compliance GROUP BY and the medians read
  of a ticket's clocks, so they never visit the clock rows (at 1,000,000
  tickets it takes the 30-day summary from about 300 to 175 ms on SQLite).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 17:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(
            'ix_tickets_created_at', ['created_at', 'line', 'priority'], unique=False
        )
    with op.batch_alter_table('sla_clocks', schema=None) as batch_op:
        batch_op.create_index(
            'ix_sla_clocks_breached_at', ['breached_at', 'phase', 'due_at'], unique=False
        )
        batch_op.create_index(
            'ix_sla_clocks_report',
            ['ticket_id', 'target', 'phase', 'policy_id', 'breached_at', 'spent_seconds'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('sla_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_clocks_report')
        batch_op.drop_index('ix_sla_clocks_breached_at')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_created_at')
