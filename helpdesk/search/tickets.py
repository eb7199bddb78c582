"""Finding tickets: a number opens one; words are searched in subject,
description and comments, ranked by the database, with the queue's filters.

Every word must occur in some form (Snowball stems: ``helpdesk.fulltext``);
``принт*`` asks for a prefix. Internal notes are searched for staff only: a
requester's search reads the subject and public-words columns alone, so it
never tells them what an internal note says.

Ranking is bounded (``helpdesk.search.ranking``): the database ranks the
newest ``window`` matching tickets (``TICKET_SEARCH_WINDOW``), best first, so
a word in half the tickets costs the same at a million tickets as at ten
thousand; a search wider than that ranks its newest part, and another word
or a filter narrows it to the rest. Pages are keyset-paginated on the score.
"""

from __future__ import annotations

from sqlalchemy.orm import joinedload, selectinload

from helpdesk.extensions import db
from helpdesk.fulltext import Query, parse_query
from helpdesk.models import Ticket, User, parse_ticket_number
from helpdesk.pagination import decode_key, page
from helpdesk.search import ranking
from helpdesk.service import queries
from helpdesk.service.access import visible_ids, visible_tickets
from helpdesk.service.queries import list_conditions


def find_by_number(actor: User, text: str) -> Ticket | None:
    """The ticket ``text`` names (``HD-000123``, ``hd-123``, ``123``), if
    ``actor`` may see it."""
    ticket_id = parse_ticket_number(text or "")
    if ticket_id is None or ticket_id < 1:
        return None
    return db.session.scalar(visible_tickets(actor).where(Ticket.id == ticket_id))


def parse_words(text: str) -> Query:
    """Whole words (their stems); a trailing ``*`` makes the last word a
    prefix (``принт*``). A submitted search has finished words, and a prefix
    costs the index far more than a word."""
    query = parse_query(text)
    if text.rstrip().endswith("*"):
        return query
    return Query(terms=tuple(dict.fromkeys(query.terms + query.prefixes[:1])))


def search_tickets(
    actor: User, filters: dict, *, cursor: str | None, limit: int, window: int
) -> tuple[list[Ticket], str | None]:
    """One page of the tickets ``actor`` may see that match ``filters["q"]``
    and the other filters, best first, and the next page's cursor."""
    query = parse_words(filters.get("q") or "")
    after = decode_key(cursor, float, int, int)
    if after is not None and None in after:
        after = None
    conditions = list_conditions(filters)
    visible = visible_ids(actor)
    if visible is not None:
        conditions.append(Ticket.id.in_(visible))
    ranked = ranking.ranked_ids(
        query,
        conditions,
        ranking.STAFF_COLUMNS if actor.is_staff else ranking.PUBLIC_COLUMNS,
        narrow=ranking.by_filters(filters, own_only=visible is not None),
        after=after,
        limit=limit + 1,
        window=window,
    )
    keys = {ticket_id: (score, ticket_id, start) for ticket_id, score, start in ranked}
    loaded = {
        t.id: t
        for t in db.session.scalars(
            visible_tickets(actor)
            .where(Ticket.id.in_(keys))
            .options(
                joinedload(Ticket.requester),
                joinedload(Ticket.assignee),
                joinedload(Ticket.category),
                selectinload(Ticket.tag_rows),
            )
        )
    }
    rows = [loaded[i] for i, _score, _start in ranked if i in loaded]
    return page(rows, limit, key=lambda t: keys[t.id])


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
