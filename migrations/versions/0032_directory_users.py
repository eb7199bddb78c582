"""Accounts: users who log in with the company directory (LDAP / Active
Directory) - where the password is checked, and the directory entry's id

Revision ID: 0032
Revises: 0027
Create Date: 2026-12-03 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "auth_source",
                sa.Enum(
                    "local",
                    "directory",
                    name="auth_source",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="local",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("directory_id", sa.String(length=255), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_users_directory_id"), ["directory_id"]
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_directory_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("ck_users_auth_source"), type_="check")
        batch_op.drop_column("directory_id")
        batch_op.drop_column("auth_source")
