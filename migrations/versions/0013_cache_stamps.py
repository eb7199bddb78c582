"""cache stamps: the version of the reference data every process caches

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 05:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    # No row yet: the first change to reference data writes it (until then
    # nothing is cached), so a fresh database starts with empty tables.
    op.create_table(
        "cache_stamps",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_stamps")),
    )


def downgrade():
    op.drop_table("cache_stamps")
