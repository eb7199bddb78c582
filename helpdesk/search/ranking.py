"""The database side of ticket search: which tickets match, best first.

Two plans, chosen by the filters, so that no search reads more than a
bounded number of rows whatever the number of tickets:

- **By the words** (no filter that names people or tags): the full-text
  index walks its matches newest first. One cheap statement finds the
  ``window``-th newest match that passes the filters (it looks at no more
  than ``DEPTH`` matches); a second ranks the matches from there on by the
  database's own score: bm25 on SQLite (subject weighs 4, description,
  replies and notes 1), ``ts_rank`` on PostgreSQL. bm25 reads positions per
  row, so bounding its rows is what keeps a common word cheap.
- **By the filters** (a requester, assignee, organisation, tag or dates; and
  every requester's own search): the newest ``5 × window`` tickets passing
  the filters (an index walk; by creation time with dates), checked for the
  words in their stemmed columns; the score
  counts where each word occurs (subject 4, elsewhere 1). A customer with a
  thousand tickets costs a thousand row reads, never a walk of the index
  (an organisation's contact: the organisation's tickets, a watcher: those
  watched too).

Scores are floats, higher is better; the key of a page is (score, id, where
the ranked range starts), so later pages rank the same range.
"""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.fulltext import Query
from helpdesk.models import Ticket
from helpdesk.search.models import TicketSearchDoc

STAFF_COLUMNS = ("subject_words", "public_words", "internal_words")
PUBLIC_COLUMNS = ("subject_words", "public_words")
COLUMN_WEIGHTS = {"subject_words": 4, "public_words": 1, "internal_words": 1}
# Matches of the words a filtered search looks at, newest first.
DEPTH = 5_000
# More than any candidate list can hold (DEPTH, or window × factor).
MAX_CANDIDATES = 1_000_000
# Filters that name few tickets (or old ones): the search starts from them.
NARROW_FILTERS = (
    "requester_id",
    "assignee_id",
    "organization",
    "tag",
    "created_from",
    "created_to",
)
# A filtered search checks this many times ``window`` tickets for the words:
# a check is a row read, far cheaper than ranking a match.
FILTER_WINDOW_FACTOR = 5

Key = tuple[float, int, int]  # score, ticket id, start of the ranked range


def by_filters(filters: dict, *, own_only: bool) -> bool:
    """Whether the filters (or a requester's own search) name few tickets."""
    return own_only or any(filters.get(name) for name in NARROW_FILTERS)


def ranked_ids(
    query: Query,
    conditions: list,
    columns: tuple[str, ...],
    *,
    narrow: bool,
    after: Key | None,
    limit: int,
    window: int,
) -> list[tuple[int, float, int]]:
    """``(ticket id, score, range start)`` best first, after the key ``after``;
    ``conditions`` filter ``tickets``."""
    if not query:
        return []
    if narrow:
        inner, start = _by_filters(query, conditions, columns, window), 0
    elif db.session.get_bind().dialect.name == "postgresql":
        inner, start = _by_words_postgresql(query, conditions, columns, window), 0
    else:
        match = _fts_match(query, columns)
        start = after[2] if after else _range_start(match, conditions, window)
        inner = _by_words_sqlite(query, match, conditions, columns, start)
    statement = sa.select(inner.c.id, inner.c.score)
    if after is not None:
        score, ticket_id, _start = after
        statement = statement.where(
            sa.or_(
                inner.c.score < score,
                sa.and_(inner.c.score == score, inner.c.id < ticket_id),
            )
        )
    statement = statement.order_by(inner.c.score.desc(), inner.c.id.desc())
    rows = db.session.execute(statement.limit(limit))
    return [(row.id, float(row.score), start) for row in rows]


# --- by the words, SQLite -------------------------------------------------------

_FTS = sa.table("ticket_fts", sa.column("rowid"))
_FTS_TABLE = sa.literal_column("ticket_fts")


def _fts_match(query: Query, columns: tuple[str, ...]):
    restrict = () if columns == STAFF_COLUMNS else columns
    return _FTS_TABLE.op("MATCH")(query.fts5_all(restrict))


def _range_start(match, conditions: list, window: int) -> int:
    """The id of the ``window``-th newest match passing ``conditions`` (0:
    fewer match); with conditions, no further back than ``DEPTH`` matches."""
    newest = sa.select(_FTS.c.rowid).where(match).order_by(_FTS.c.rowid.desc())
    if not conditions:
        return db.session.scalar(newest.offset(window - 1).limit(1)) or 0
    walked = newest.limit(DEPTH).subquery()
    passing = (
        sa.select(walked.c.rowid)
        .join(Ticket, Ticket.id == walked.c.rowid)
        .where(*conditions)
        .order_by(walked.c.rowid.desc())
        .offset(window - 1)
        .limit(1)
    )
    found = db.session.scalar(passing)
    if found is not None:
        return found
    return db.session.scalar(newest.offset(DEPTH - 1).limit(1)) or 0


def _by_words_sqlite(query: Query, match, conditions: list, columns, start: int):
    """The matches from ``start`` on (the index answers which), scored from
    their stemmed words (``_scored``): bm25 would count every match of a
    common word in the whole index first, 70 ms at a million tickets."""
    members = (
        sa.select(_FTS.c.rowid.label("id"))
        .where(match, _FTS.c.rowid >= start)
        # The LIMIT keeps the index the outer loop: driven from an indexed
        # filter instead, SQLite would ask FTS5 one row at a time (~0.4 ms each).
        .limit(MAX_CANDIDATES)
        .subquery()
    )
    if conditions:
        members = (
            sa.select(members.c.id)
            .join(Ticket, Ticket.id == members.c.id)
            .where(*conditions)
            .subquery()
        )
    return _scored(query, columns, members, check=False)


# --- by the words, PostgreSQL ---------------------------------------------------------


def _by_words_postgresql(query: Query, conditions: list, columns, window: int):
    """The newest ``window`` matches, by ``ts_rank`` (weights A, B, C)."""
    vector = sa.literal_column("ticket_search.search_vector")
    weights = "" if columns == STAFF_COLUMNS else "AB"
    tsquery = sa.func.to_tsquery(
        sa.literal_column("'simple'::regconfig"), query.tsquery_all(weights)
    )
    score = sa.cast(sa.func.ts_rank(vector, tsquery), sa.Float)
    return (
        sa.select(TicketSearchDoc.ticket_id.label("id"), score.label("score"))
        .join(Ticket, Ticket.id == TicketSearchDoc.ticket_id)
        .where(vector.op("@@")(tsquery), *conditions)
        .order_by(TicketSearchDoc.ticket_id.desc())
        .limit(window)
        .subquery()
    )


# --- by the filters, both databases -----------------------------------------------------


def _by_filters(query: Query, conditions: list, columns, window: int):
    """The newest ``window`` tickets passing ``conditions`` that hold every
    word, scored by the columns each word is in."""
    # Dates: newest by creation, which walks the created_at index.
    column = Ticket.created_at.expression
    dated = any(c.left.compare(column) for c in _binary(conditions))
    order = Ticket.created_at.desc() if dated else Ticket.id.desc()
    newest = (
        sa.select(Ticket.id)
        .where(*conditions)
        .order_by(order)
        .limit(window * FILTER_WINDOW_FACTOR)
        .subquery()
    )
    return _scored(query, columns, newest, check=True)


def _scored(query: Query, columns: tuple[str, ...], candidates, *, check: bool):
    """``candidates`` (a subquery of ids) scored from their stemmed words:
    for each word and column, the column's weight times the word's
    occurrences saturated (2·tf / (tf + 1), as bm25 saturates them), summed;
    with ``check``, only those holding every word in one of ``columns``.

    The expressions are written as SQL text: stems are alphanumeric (no
    quote can occur), and a tree of a few hundred SQLAlchemy elements cost
    more to build and key for the cache than the statement takes to run."""
    doc = TicketSearchDoc
    words = [([t], False) for t in query.terms]
    if query.prefixes:
        words.append((list(query.prefixes), True))
    counts, weights, holds = [], [], []
    for variants, is_prefix in words:
        if not all(v.isalnum() for v in variants):
            raise ValueError("search stems are alphanumeric")
        found = []
        for name in columns:
            spaced = f"(' ' || ticket_search.{name} || ' ')"
            needles = [f" {v}" if is_prefix else f" {v} " for v in variants]
            found += [f"{spaced} LIKE '%{n}%'" for n in needles]
            tf = " + ".join(
                f"(length(ticket_search.{name}) + 2 - length(replace({spaced},"
                f" '{n}', ''))) / {float(len(n))}"
                for n in needles
            )
            counts.append(sa.literal_column(f"({tf})").label(f"tf{len(counts)}"))
            weights.append(COLUMN_WEIGHTS[name])
        holds.append(sa.text("(" + " OR ".join(found) + ")"))
    # A subquery of its own (the LIMIT keeps SQLite from folding it into the
    # outer query), so each count is computed once and read twice.
    tfs = sa.select(doc.ticket_id.label("id"), *counts).join(
        candidates, candidates.c.id == doc.ticket_id
    )
    if check:
        tfs = tfs.where(*holds)
    tfs = tfs.limit(MAX_CANDIDATES).subquery()
    score = " + ".join(
        f"{w * 2.0} * tf{i} / (tf{i} + 1.0)" for i, w in enumerate(weights)
    )
    return sa.select(
        tfs.c.id, sa.literal_column(f"({score})", sa.Float).label("score")
    ).subquery()


def _binary(conditions: list) -> list:
    return [c for c in conditions if isinstance(c, sa.BinaryExpression)]
