"""Who is told: people named by their relation to a ticket (its assignee,
requester, line, the managers), each active one once."""

from __future__ import annotations

from collections.abc import Iterable

from helpdesk import reference
from helpdesk.models import Ticket, User
from helpdesk.vocabulary import LINE_ROLES, Role

# Who can be told about a ticket without naming a person.
ASSIGNEE, LINE, MANAGERS, REQUESTER = "assignee", "line", "managers", "requester"
AUDIENCES = (ASSIGNEE, LINE, MANAGERS, REQUESTER)


def line_agents(line: int) -> list[User]:
    """The active agents of a support line, in a stable order (cached)."""
    return reference.active_staff(LINE_ROLES[line])


def managers() -> list[User]:
    return reference.active_staff(Role.MANAGER)


def audience(ticket: Ticket, audiences: Iterable[str]) -> list[User]:
    """The active users that ``audiences`` (names from ``AUDIENCES``) stand for
    on this ticket, each once, in id order: a line's agents and the managers
    from the per-process cache, the assignee and the requester from the
    session (read only when not loaded yet)."""
    wanted = set(audiences)
    people: dict[int, User] = {}
    if LINE in wanted:
        people |= {user.id: user for user in line_agents(ticket.line)}
    if MANAGERS in wanted:
        people |= {user.id: user for user in managers()}
    named = []
    if ASSIGNEE in wanted and ticket.assignee_id:
        named.append(ticket.assignee_id)
    if REQUESTER in wanted:
        named.append(ticket.requester_id)
    for user in reference.users_by_ids([i for i in named if i not in people]):
        if user.active:
            people[user.id] = user
    return [people[user_id] for user_id in sorted(people)]
