"""Full-text search over articles: the database side.

The text side (stemming, query parsing, snippets) is ``helpdesk.fulltext``,
shared with the core's ticket search; its names are re-exported here.
"""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.fulltext import (  # noqa: F401 - re-exported
    MAX_TERMS,
    MIN_PREFIX,
    STOP_WORDS,
    WORD,
    Query,
    highlight,
    index_text,
    normalise,
    parse_query,
    snippet,
    stem,
)
from knowledge_base import SEARCH_TABLE

# --- the database side ---------------------------------------------------------

# SQLite ranks the index's best candidates first and filters them after: the
# filter reads article rows, and reading one per match (thousands for a
# common word) costs more than ranking them all. A short answer asks again
# with a deeper candidate list, so the result is the same as filtering first.
CANDIDATE_FACTOR = 4
MIN_CANDIDATES = 40


def ranked_ids(
    session, query: Query, conditions: list, *, limit: int
) -> list[tuple[int, float]]:
    """``(article id, score)`` of the best matches, best first; ``conditions``
    filter ``kb_articles`` (visibility, status, category). Higher is better."""
    if not query:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _ranked_ids_postgresql(session, query, conditions, limit)
    depth = max(MIN_CANDIDATES, limit * CANDIDATE_FACTOR)
    while True:
        candidates = _candidates_sqlite(session, query, depth)
        passed = _passing(
            session, [article_id for article_id, _ in candidates], conditions
        )
        ranked = [(i, score) for i, score in candidates if i in passed][:limit]
        if len(ranked) >= limit or len(candidates) < depth:
            return ranked
        depth *= CANDIDATE_FACTOR


# bm25 is lower-is-better; the title (with tags) weighs ten times the body.
# Plain SQL: the statement never changes, so nothing is built per search.
_CANDIDATES_SQL = sa.text(
    f"SELECT rowid, bm25({SEARCH_TABLE}, 10.0, 1.0) AS rank FROM {SEARCH_TABLE}"
    f" WHERE {SEARCH_TABLE} MATCH :match ORDER BY rank, rowid LIMIT :depth"
)


def _candidates_sqlite(session, query: Query, depth: int) -> list[tuple[int, float]]:
    """The index's ``depth`` best matches, best first (bm25, negated)."""
    rows = session.execute(_CANDIDATES_SQL, {"match": query.fts5(), "depth": depth})
    return [(row[0], -float(row[1])) for row in rows]


def _passing(session, ids: list[int], conditions: list) -> set[int]:
    from knowledge_base.models import Article

    if not ids:
        return set()
    if not conditions:
        return set(ids)
    return set(
        session.scalars(sa.select(Article.id).where(Article.id.in_(ids), *conditions))
    )


def _ranked_ids_postgresql(session, query, conditions, limit):
    from knowledge_base.models import Article

    vector = sa.literal_column("kb_articles.search_vector")
    tsquery = sa.func.to_tsquery(
        sa.literal_column("'simple'::regconfig"), query.tsquery()
    )
    score = sa.func.ts_rank(vector, tsquery)
    statement = (
        sa.select(Article.id, score)
        .where(vector.op("@@")(tsquery), *conditions)
        .order_by(score.desc(), Article.id)
        .limit(limit)
    )
    return [(row[0], float(row[1])) for row in session.execute(statement)]
