"""The tickets a queue shows, as table rows: read page by page through the
queue's own keyset-paginated query (so the export sees exactly what the
filters select and what the user may see), a fixed number of statements per
page of ``batch`` tickets, never the whole result in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from helpdesk.imports import refs
from helpdesk.models import Ticket, User
from helpdesk.service import queries
from helpdesk.tabular import iso_utc

TICKET_COLUMNS = (
    "number",
    "legacy_number",
    "subject",
    "status",
    "priority",
    "category",
    "channel",
    "line",
    "requester_email",
    "requester_name",
    "organisation",
    "assignee_email",
    "created_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "due_at",
    "tags",
)


def ticket_rows(
    actor: User, filters: dict, *, batch: int = 500, page: Callable | None = None
) -> Iterator[tuple]:
    """Every ticket ``filters`` select for ``actor``, in the queue's order,
    or in the order ``page`` lists them (``queries.ticket_page``'s signature;
    the search's pages for a search export)."""
    page = page or queries.ticket_page
    cursor = None
    while True:
        tickets, cursor = page(actor, filters, cursor=cursor, limit=batch)
        legacy = refs.legacy_numbers(t.id for t in tickets)
        for ticket in tickets:
            yield _row(ticket, legacy.get(ticket.id, ""))
        if cursor is None:
            return


def _row(t: Ticket, legacy_number: str) -> tuple:
    return (
        t.number,
        legacy_number,
        t.subject,
        t.status.value,
        t.priority.value,
        t.category.code,
        t.channel.value,
        t.line,
        t.requester.email,
        t.requester.name,
        t.requester.organization or "",
        t.assignee.email if t.assignee else "",
        iso_utc(t.created_at),
        iso_utc(t.updated_at),
        iso_utc(t.resolved_at),
        iso_utc(t.closed_at),
        iso_utc(t.due_at),
        ",".join(t.tags),
    )
