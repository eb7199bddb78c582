"""Ticket search, saved queue views, the caller lookup's keys

- ``ticket_search``: each ticket's stemmed words (subject; description and
  public replies; internal notes), and its full-text index, written by hand as
  in 0003: on SQLite an external-content FTS5 table ``ticket_fts`` kept in step
  by three triggers; on PostgreSQL a generated ``search_vector`` tsvector
  (subject weight A, public words B, internal notes C) with a GIN index.
  Backfilled from the existing tickets and comments.
- ``saved_views``: an agent's named queue filters.
- ``users.phone_e164`` and ``users.phone_reversed`` (indexed) and
  ``users.lookup_text``, backfilled (phones read in PHONE_DEFAULT_REGION).

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-02 04:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phone_e164", sa.String(length=20), nullable=True)
        )
        batch_op.add_column(
            sa.Column("phone_reversed", sa.String(length=20), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "lookup_text", sa.String(length=500), server_default="", nullable=False
            )
        )
        batch_op.create_index("ix_users_phone_e164", ["phone_e164"], unique=False)
        batch_op.create_index(
            "ix_users_phone_reversed", ["phone_reversed"], unique=False
        )

    op.create_table(
        "ticket_search",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("subject_words", sa.Text(), nullable=False),
        sa.Column("public_words", sa.Text(), nullable=False),
        sa.Column("internal_words", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_search_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_search")),
    )
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_saved_views_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_saved_views_owner_id")),
    )
    create_search_index()
    backfill_users()
    backfill_ticket_search()


def downgrade():
    drop_search_index()
    op.drop_table("saved_views")
    op.drop_table("ticket_search")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_phone_reversed")
        batch_op.drop_index("ix_users_phone_e164")
        batch_op.drop_column("lookup_text")
        batch_op.drop_column("phone_reversed")
        batch_op.drop_column("phone_e164")


COLUMNS = "subject_words, public_words, internal_words"

SQLITE_SEARCH = (
    f"""CREATE VIRTUAL TABLE ticket_fts USING fts5(
        {COLUMNS},
        content='ticket_search', content_rowid='ticket_id',
        tokenize='unicode61 remove_diacritics 0', prefix='2 3 4')""",
    f"""CREATE TRIGGER ticket_search_fts_insert AFTER INSERT ON ticket_search BEGIN
        INSERT INTO ticket_fts(rowid, {COLUMNS})
        VALUES (new.ticket_id, new.subject_words, new.public_words, new.internal_words);
    END""",
    f"""CREATE TRIGGER ticket_search_fts_delete AFTER DELETE ON ticket_search BEGIN
        INSERT INTO ticket_fts(ticket_fts, rowid, {COLUMNS})
        VALUES ('delete', old.ticket_id, old.subject_words, old.public_words,
                old.internal_words);
    END""",
    f"""CREATE TRIGGER ticket_search_fts_update
    AFTER UPDATE OF {COLUMNS} ON ticket_search BEGIN
        INSERT INTO ticket_fts(ticket_fts, rowid, {COLUMNS})
        VALUES ('delete', old.ticket_id, old.subject_words, old.public_words,
                old.internal_words);
        INSERT INTO ticket_fts(rowid, {COLUMNS})
        VALUES (new.ticket_id, new.subject_words, new.public_words, new.internal_words);
    END""",
)

POSTGRESQL_SEARCH = (
    """ALTER TABLE ticket_search ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, subject_words), 'A')
        || setweight(to_tsvector('simple'::regconfig, public_words), 'B')
        || setweight(to_tsvector('simple'::regconfig, internal_words), 'C')
    ) STORED""",
    "CREATE INDEX ix_ticket_search_search_vector ON ticket_search"
    " USING gin (search_vector)",
)


def create_search_index():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = SQLITE_SEARCH
    elif dialect == "postgresql":
        statements = POSTGRESQL_SEARCH
    else:
        raise RuntimeError(
            f"full-text search needs SQLite or PostgreSQL, not {dialect}"
        )
    for statement in statements:
        op.execute(statement)


def drop_search_index():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS ticket_search_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS ticket_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_ticket_search_search_vector")
        op.execute("ALTER TABLE ticket_search DROP COLUMN IF EXISTS search_vector")


def backfill_users():
    from helpdesk import phones
    from helpdesk.service.accounts import lookup_text

    connection = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id"),
        sa.column("name"),
        sa.column("email"),
        sa.column("organization"),
        sa.column("phone"),
        sa.column("phone_e164"),
        sa.column("phone_reversed"),
        sa.column("lookup_text"),
    )
    rows = connection.execute(
        sa.select(
            users.c.id, users.c.name, users.c.email, users.c.organization, users.c.phone
        )
    ).all()
    for row in rows:
        e164 = phones.to_e164(row.phone)
        connection.execute(
            users.update()
            .where(users.c.id == row.id)
            .values(
                phone_e164=e164,
                phone_reversed=phones.reversed_digits(e164),
                lookup_text=lookup_text(row.name, row.email, row.organization),
            )
        )


def backfill_ticket_search():
    from helpdesk.fulltext import index_text

    connection = op.get_bind()
    tickets = sa.table(
        "tickets", sa.column("id"), sa.column("subject"), sa.column("description")
    )
    comments = sa.table(
        "comments",
        sa.column("id"),
        sa.column("ticket_id"),
        sa.column("body"),
        sa.column("internal"),
    )
    search = sa.table(
        "ticket_search",
        sa.column("ticket_id"),
        sa.column("subject_words"),
        sa.column("public_words"),
        sa.column("internal_words"),
    )
    after = 0
    while True:
        batch = connection.execute(
            sa.select(tickets.c.id, tickets.c.subject, tickets.c.description)
            .where(tickets.c.id > after)
            .order_by(tickets.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        ids = [row.id for row in batch]
        public: dict[int, list[str]] = {i: [] for i in ids}
        internal: dict[int, list[str]] = {i: [] for i in ids}
        for comment in connection.execute(
            sa.select(comments.c.ticket_id, comments.c.body, comments.c.internal)
            .where(comments.c.ticket_id.in_(ids))
            .order_by(comments.c.id)
        ):
            (internal if comment.internal else public)[comment.ticket_id].append(
                comment.body
            )
        connection.execute(
            search.insert(),
            [
                {
                    "ticket_id": row.id,
                    "subject_words": index_text(row.subject),
                    "public_words": index_text(row.description, *public[row.id]),
                    "internal_words": index_text(*internal[row.id]),
                }
                for row in batch
            ],
        )
        after = ids[-1]
