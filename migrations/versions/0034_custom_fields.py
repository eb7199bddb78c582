"""Custom fields per category and each ticket's values

Revision ID: 0034
Revises: 0031
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0034"
down_revision = "0031"
branch_labels = None
depends_on = None

KINDS = ("text", "number", "date", "choice", "checkbox")


def upgrade():
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label_en", sa.String(length=80), nullable=False),
        sa.Column("label_ru", sa.String(length=80), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                *KINDS,
                name="custom_field_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name="fk_custom_fields_category_id_categories",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_custom_fields"),
        sa.UniqueConstraint(
            "category_id", "key", name="uq_custom_fields_category_key"
        ),
    )
    op.create_index(
        "ix_custom_fields_category_position",
        "custom_fields",
        ["category_id", "position"],
    )
    op.create_index("ix_custom_fields_key", "custom_fields", ["key"])
    op.create_table(
        "ticket_field_values",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("value_text", sa.String(length=1000), nullable=True),
        sa.Column("value_number", sa.Float(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("value_bool", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["custom_fields.id"],
            name="fk_ticket_field_values_field_id_custom_fields",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name="fk_ticket_field_values_ticket_id_tickets",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "field_id", name="pk_ticket_field_values"),
    )
    for kind, column in (
        ("text", "value_text"),
        ("number", "value_number"),
        ("date", "value_date"),
        ("bool", "value_bool"),
    ):
        op.create_index(
            f"ix_ticket_field_values_{kind}",
            "ticket_field_values",
            ["field_id", column, "ticket_id"],
        )


def downgrade():
    op.drop_table("ticket_field_values")
    op.drop_table("custom_fields")
