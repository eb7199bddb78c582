"""Ticket use cases called directly, as a job or CLI command would call them."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from helpdesk import events
from helpdesk.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.service import attachments, queries, ratings, timeline
from helpdesk.service import tickets as svc
from helpdesk.vocabulary import TRANSITIONS, Priority, Role, TicketStatus
from tests.builders import make_category, make_ticket, make_user

pytestmark = pytest.mark.usefixtures("ctx")


def kinds(ticket: Ticket, actor) -> list[str]:
    return [
        e.kind for e in db.session.scalars(timeline.timeline_query(ticket, actor=actor))
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [(old, new) for old in TicketStatus for new in TicketStatus if old != new],
    ids=lambda s: s.value,
)
def test_the_state_machine_allows_exactly_its_table(old, new, clock):
    manager = make_user(role=Role.MANAGER)
    ticket = make_ticket(status=old)
    allowed = new in TRANSITIONS[old]
    if allowed:
        svc.change_status(ticket, new, actor=manager, now=clock.now())
        assert ticket.status == new
    else:
        with pytest.raises(InvalidTransition):
            svc.change_status(ticket, new, actor=manager, now=clock.now())
        assert ticket.status == old


def test_customer_can_only_resolve_or_reopen_their_ticket(clock):
    customer = make_user()
    ticket = make_ticket(requester=customer)
    with pytest.raises(PermissionDenied):
        svc.change_status(ticket, TicketStatus.PENDING, actor=customer, now=clock.now())
    svc.change_status(ticket, TicketStatus.RESOLVED, actor=customer, now=clock.now())
    assert ticket.resolved_at == clock.now()
    svc.change_status(ticket, TicketStatus.REOPENED, actor=customer, now=clock.now())
    assert ticket.resolved_at is None


def test_customer_reply_to_a_pending_ticket_reopens_the_conversation(clock):
    customer, agent = make_user(), make_user(role=Role.LINE1)
    ticket = make_ticket(requester=customer)
    svc.add_comment(
        ticket, body="Which printer?", internal=False, actor=agent, now=clock.now()
    )
    svc.change_status(ticket, TicketStatus.PENDING, actor=agent, now=clock.now())
    svc.add_comment(
        ticket,
        body="The one on floor 3.",
        internal=False,
        actor=customer,
        now=clock.advance(minutes=10),
    )
    assert ticket.status == TicketStatus.OPEN


def test_customer_reply_to_a_resolved_ticket_reopens_it(clock):
    customer = make_user()
    ticket = make_ticket(requester=customer, status=TicketStatus.RESOLVED)
    svc.add_comment(
        ticket, body="Still broken", internal=False, actor=customer, now=clock.now()
    )
    assert ticket.status == TicketStatus.REOPENED


def test_closed_ticket_takes_no_replies(clock):
    customer = make_user()
    ticket = make_ticket(requester=customer, status=TicketStatus.CLOSED)
    with pytest.raises(Conflict):
        svc.add_comment(
            ticket, body="Hello?", internal=False, actor=customer, now=clock.now()
        )


def test_internal_notes_are_hidden_from_the_requester(clock):
    customer, agent = make_user(), make_user(role=Role.LINE1)
    ticket = make_ticket(requester=customer)
    svc.add_comment(
        ticket, body="Probably the driver", internal=True, actor=agent, now=clock.now()
    )
    assert [c.body for c in queries.ticket_comments(ticket, actor=agent)] == [
        "Probably the driver"
    ]
    assert queries.ticket_comments(ticket, actor=customer) == []
    assert "note_added" in kinds(ticket, agent)
    assert "note_added" not in kinds(ticket, customer)
    # An internal note is not an answer: the status stays new.
    assert ticket.status == TicketStatus.NEW


def test_customer_cannot_write_internal_notes(clock):
    customer = make_user()
    ticket = make_ticket(requester=customer)
    with pytest.raises(PermissionDenied):
        svc.add_comment(
            ticket, body="x", internal=True, actor=customer, now=clock.now()
        )


def test_line_agents_act_only_on_their_line_or_their_own_tickets(clock):
    line2 = make_user(role=Role.LINE2)
    ticket = make_ticket()  # line 1
    with pytest.raises(PermissionDenied):
        svc.add_comment(ticket, body="x", internal=False, actor=line2, now=clock.now())
    ticket.assignee_id = line2.id
    svc.add_comment(ticket, body="x", internal=False, actor=line2, now=clock.now())


def test_update_writes_one_event_per_change_and_announces_it(clock):
    agent = make_user(role=Role.LINE1)
    make_category("hardware")
    ticket = make_ticket()
    heard = []

    def listener(sender, **kwargs):
        heard.append((sender.id, kwargs["old"], kwargs["new"]))

    with (
        events.ticket_priority_changed.connected_to(listener),
        events.ticket_category_changed.connected_to(listener),
        events.ticket_assigned.connected_to(listener),
    ):
        svc.update_ticket(
            ticket,
            {"priority": Priority.P1, "category": "hardware", "assignee_id": agent.id},
            actor=agent,
            now=clock.now(),
        )
        # Unchanged values write nothing.
        svc.update_ticket(
            ticket, {"priority": Priority.P1}, actor=agent, now=clock.now()
        )

    assert heard == [
        (ticket.id, Priority.P3, Priority.P1),
        (ticket.id, "access", "hardware"),
        (ticket.id, None, agent.id),
    ]
    assert kinds(ticket, agent) == [
        "created",
        "priority_changed",
        "category_changed",
        "assigned",
    ]


def test_every_event_is_written_in_the_same_transaction(app, clock):
    customer = make_user()
    db.session.commit()
    ticket = make_ticket(requester=customer)
    db.session.rollback()
    # Rolled back together: neither the ticket nor its "created" event remain.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent)) == 0
    assert ticket.id is not None


def test_agents_assign_only_within_the_tickets_line(clock):
    line1, line2 = make_user(role=Role.LINE1), make_user(role=Role.LINE2)
    other_line1, customer = make_user(role=Role.LINE1), make_user()
    ticket = make_ticket()
    with pytest.raises(PermissionDenied):
        svc.assign_ticket(ticket, line2.id, actor=line1, now=clock.now())
    with pytest.raises(InvalidInput):
        svc.assign_ticket(ticket, customer.id, actor=line1, now=clock.now())
    svc.assign_ticket(ticket, other_line1.id, actor=line1, now=clock.now())
    assert ticket.assignee_id == other_line1.id


def test_rating_is_for_the_requester_of_a_resolved_ticket_once(clock):
    customer, other = make_user(), make_user()
    ticket = make_ticket(requester=customer)
    with pytest.raises(Conflict):
        ratings.rate_ticket(
            ticket, score=5, comment="", actor=customer, now=clock.now()
        )
    ticket.status = TicketStatus.RESOLVED
    with pytest.raises(PermissionDenied):
        ratings.rate_ticket(ticket, score=5, comment="", actor=other, now=clock.now())
    ratings.rate_ticket(
        ticket, score=4, comment=" quick ", actor=customer, now=clock.now()
    )
    db.session.refresh(ticket)
    assert (ticket.rating.score, ticket.rating.comment) == (4, "quick")
    with pytest.raises(Conflict):
        ratings.rate_ticket(
            ticket, score=1, comment="", actor=customer, now=clock.now()
        )


def test_attachment_over_the_limit_is_refused_and_nothing_stored(clock):
    customer = make_user()
    ticket = make_ticket(requester=customer)
    with pytest.raises(InvalidInput):
        attachments.add_attachment(
            ticket,
            filename="big.bin",
            content_type="application/octet-stream",
            content=b"x" * 11,
            max_bytes=10,
            actor=customer,
            now=clock.now(),
        )
    assert queries.ticket_attachments(ticket, actor=customer) == []


def test_list_pages_by_keyset_newest_first_without_gaps_or_repeats(clock):
    agent = make_user(role=Role.MANAGER)
    created = [make_ticket().id for _ in range(7)]
    seen, after = [], None
    while True:
        rows = queries.list_tickets(agent, {}, after_id=after, limit=3)
        seen += [t.id for t in rows]
        if len(rows) < 3:
            break
        after = rows[-1].id
    assert seen == sorted(created, reverse=True)


def test_list_filters_by_status_line_assignee_and_requester(clock):
    manager, agent = make_user(role=Role.MANAGER), make_user(role=Role.LINE2)
    alice = make_user()
    mine = make_ticket(line=2, assignee_id=agent.id)
    alices = make_ticket(requester=alice, status=TicketStatus.OPEN)
    unassigned = make_ticket()

    def ids(**filters):
        return [
            t.id
            for t in queries.list_tickets(manager, filters, after_id=None, limit=10)
        ]

    assert ids(line=2) == [mine.id]
    assert ids(assignee_id=agent.id) == [mine.id]
    assert ids(assignee_id=0) == [unassigned.id, alices.id]
    assert ids(requester_id=alice.id) == [alices.id]
    assert ids(status=[TicketStatus.OPEN]) == [alices.id]


def test_customers_list_only_their_own_tickets(clock):
    alice, bob = make_user(), make_user()
    make_ticket(requester=bob)
    own = make_ticket(requester=alice)
    assert [t.id for t in queries.list_tickets(alice, {}, after_id=None, limit=10)] == [
        own.id
    ]


def test_a_page_of_tickets_costs_two_queries_whatever_its_size(app, clock):
    manager = make_user(role=Role.MANAGER)
    for _ in range(25):
        make_ticket(requester=make_user(), assignee_id=manager.id)
    db.session.commit()
    manager_id = manager.id
    db.session.expunge_all()
    actor = db.session.get(type(manager), manager_id)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        rows = queries.list_tickets(actor, {}, after_id=None, limit=25)
        # Touch everything a queue row shows.
        shown = [
            (t.requester.name, t.assignee.name, t.category.code, t.tags) for t in rows
        ]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert len(shown) == 25
    assert len(statements) == 2  # the page with its people, then the page's tags


def test_times_are_stored_and_read_back_as_aware_utc(clock):
    ticket = make_ticket(at=clock.now())
    db.session.commit()
    db.session.expire_all()
    assert ticket.created_at == clock.now()
    assert ticket.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(clock):
    ticket = make_ticket()
    ticket.updated_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()
