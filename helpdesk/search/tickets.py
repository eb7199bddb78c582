"""Finding tickets: a number opens one; words are searched in subject,
description and comments, ranked by the database, with the queue's filters.

Every word must occur in some form (Snowball stems, the last word also as a
prefix: ``helpdesk.fulltext``). Internal notes are searched for staff only:
a requester's search reads the subject and public-words columns alone, so it
never tells them what an internal note says.

Ranking is bounded: the database ranks the newest ``window`` tickets that
match the words and pass the filters (``TICKET_SEARCH_WINDOW``, 2,000), best
first. A word in thousands of tickets therefore costs the same at a million
tickets as at ten thousand; a search wider than the window ranks its newest
part, and a narrower search (another word, a filter) finds the rest. Pages
are keyset-paginated on (score, id) within that window.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from helpdesk.extensions import db
from helpdesk.fulltext import Query, parse_query
from helpdesk.models import Ticket, User, parse_ticket_number
from helpdesk.pagination import decode_key, page
from helpdesk.search.models import TicketSearchDoc
from helpdesk.service import queries
from helpdesk.service.access import visible_tickets
from helpdesk.service.queries import list_conditions

# Scores are scaled to integers so a cursor carries them exactly (bm25 of
# at most 12 words stays far below 2**31 / SCORE_SCALE).
SCORE_SCALE = 100_000
STAFF_COLUMNS = ("subject_words", "public_words", "internal_words")
PUBLIC_COLUMNS = ("subject_words", "public_words")
# bm25 weights of the three columns: a word in the subject counts most.
BM25_WEIGHTS = (4.0, 1.0, 1.0)


def find_by_number(actor: User, text: str) -> Ticket | None:
    """The ticket ``text`` names (``HD-000123``, ``hd-123``, ``123``), if
    ``actor`` may see it."""
    ticket_id = parse_ticket_number(text or "")
    if ticket_id is None or ticket_id < 1:
        return None
    return db.session.scalar(visible_tickets(actor).where(Ticket.id == ticket_id))


def search_tickets(
    actor: User, filters: dict, *, cursor: str | None, limit: int, window: int
) -> tuple[list[Ticket], str | None]:
    """One page of the tickets ``actor`` may see that match ``filters["q"]``
    and the other filters, best first, and the next page's cursor."""
    query = parse_query(filters.get("q") or "")
    after = decode_key(cursor, int, int)
    columns = STAFF_COLUMNS if actor.is_staff else PUBLIC_COLUMNS
    conditions = list_conditions(filters)
    visibility = visible_tickets(actor).whereclause
    if visibility is not None:
        conditions.append(visibility)
    ranked = ranked_ids(
        query, conditions, columns, after=after, limit=limit + 1, window=window
    )
    scores = dict(ranked)
    loaded = {
        t.id: t
        for t in db.session.scalars(
            visible_tickets(actor)
            .where(Ticket.id.in_(scores))
            .options(
                joinedload(Ticket.requester),
                joinedload(Ticket.assignee),
                joinedload(Ticket.category),
                selectinload(Ticket.tag_rows),
            )
        )
    }
    rows = [loaded[i] for i, _score in ranked if i in loaded]
    return page(rows, limit, key=lambda t: (scores[t.id], t.id))


def ranked_ids(
    query: Query,
    conditions: list,
    columns: tuple[str, ...],
    *,
    after: tuple[int, int] | None,
    limit: int,
    window: int,
) -> list[tuple[int, int]]:
    """``(ticket id, score)`` best first (higher is better), after the
    ``(score, id)`` key ``after``; ``conditions`` filter ``tickets``."""
    if not query:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        inner = _window_postgresql(query, conditions, columns, window)
    else:
        inner = _window_sqlite(query, conditions, columns, window)
    statement = sa.select(inner.c.id, inner.c.score)
    if after is not None:
        score, ticket_id = after
        statement = statement.where(
            sa.or_(
                inner.c.score < score,
                sa.and_(inner.c.score == score, inner.c.id < ticket_id),
            )
        )
    statement = statement.order_by(inner.c.score.desc(), inner.c.id.desc())
    return [(row.id, row.score) for row in db.session.execute(statement.limit(limit))]


def _scaled(score) -> sa.ColumnElement:
    return sa.cast(score * SCORE_SCALE, sa.Integer)


_FTS = sa.table("ticket_fts", sa.column("rowid"))


def _window_sqlite(query: Query, conditions, columns, window: int):
    """The newest ``window`` matches, scored by bm25 (negated: higher is
    better). FTS5 walks its index newest first and stops at the window, so
    bm25 is computed for at most ``window`` rows."""
    fts = sa.literal_column("ticket_fts")
    restrict = () if columns == STAFF_COLUMNS else columns
    score = _scaled(-sa.func.bm25(fts, *BM25_WEIGHTS))
    statement = sa.select(_FTS.c.rowid.label("id"), score.label("score")).where(
        fts.op("MATCH")(query.fts5_all(restrict))
    )
    if conditions:
        statement = statement.join(Ticket, Ticket.id == _FTS.c.rowid).where(*conditions)
    return statement.order_by(_FTS.c.rowid.desc()).limit(window).subquery()


def _window_postgresql(query: Query, conditions, columns, window: int):
    vector = sa.literal_column("ticket_search.search_vector")
    weights = "" if columns == STAFF_COLUMNS else "AB"
    tsquery = sa.func.to_tsquery(
        sa.literal_column("'simple'::regconfig"), query.tsquery_all(weights)
    )
    score = _scaled(sa.func.ts_rank(vector, tsquery))
    statement = (
        sa.select(TicketSearchDoc.ticket_id.label("id"), score.label("score"))
        .join(Ticket, Ticket.id == TicketSearchDoc.ticket_id)
        .where(vector.op("@@")(tsquery), *conditions)
    )
    return statement.order_by(TicketSearchDoc.ticket_id.desc()).limit(window).subquery()


def ticket_page(
    actor: User, filters: dict, *, cursor: str | None, limit: int, window: int
) -> tuple[list[Ticket], str | None]:
    """The API's and the search page's list: without ``q`` the queue's
    ``queries.ticket_page``; with a ticket number as ``q`` that ticket (when
    visible and within the filters); with words ``search_tickets``."""
    text = (filters.get("q") or "").strip()
    if not text:
        return queries.ticket_page(actor, filters, cursor=cursor, limit=limit)
    ticket_id = parse_ticket_number(text)
    if ticket_id is not None:
        if cursor:
            return [], None
        found = db.session.scalar(
            visible_tickets(actor).where(
                Ticket.id == ticket_id, *list_conditions(filters)
            )
        )
        return ([found] if found else []), None
    return search_tickets(actor, filters, cursor=cursor, limit=limit, window=window)
