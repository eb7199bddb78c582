"""The event chain of one transaction: what the rules still have to look at.

Signal handlers do not run rules on the spot: they note "rules of trigger T
for ticket N" here, and the rules run just before the transaction commits
(``engine.run_pending``). So a core operation finishes its own steps first -
a phone call registered *and* resolved, a priority *and* an assignee saved -
and a rule that moves the ticket to another line cannot pull the ground
from under the rest of that operation.

Changes the rules make announce themselves again (through the same signals);
those notes carry the depth of the rule that caused them, and nothing deeper
than ``MAX_DEPTH`` runs, so rules can never loop. A rule also acts at most
once per ticket in one chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

MAX_DEPTH = 3
_KEY = "routing.chain"


@dataclass(frozen=True)
class Pending:
    """Rules of ``trigger`` are to look at ticket ``ticket_id``."""

    trigger: str
    ticket_id: int
    now: datetime
    depth: int
    sla_target: str | None = None


@dataclass
class Chain:
    queue: list[Pending] = field(default_factory=list)
    seen: set[tuple] = field(default_factory=set)
    # (rule id, ticket id) of every rule that acted in this chain
    fired: set[tuple[int, int]] = field(default_factory=set)
    depth: int = 0  # of the note being handled now
    running: bool = False
    stopped: set[int] = field(default_factory=set)  # tickets told about the cut


def chain_of(session: Session) -> Chain:
    chain = session.info.get(_KEY)
    if chain is None:
        chain = session.info[_KEY] = Chain()
    return chain


def note(
    session: Session,
    trigger: str,
    ticket_id: int,
    *,
    now: datetime,
    sla_target: str | None = None,
) -> None:
    """Ask for the rules of ``trigger`` to look at the ticket before commit.

    Several notes of one kind for one ticket at one depth count once (saving
    a priority and a category in one form is one "ticket updated").
    """
    chain = chain_of(session)
    depth = chain.depth + 1 if chain.running else 0
    key = (trigger, ticket_id, depth, sla_target)
    if key in chain.seen:
        return
    chain.seen.add(key)
    chain.queue.append(Pending(trigger, ticket_id, now, depth, sla_target))


def forget(session: Session) -> None:
    """The transaction ended: nothing of it carries over to the next one."""
    session.info.pop(_KEY, None)
