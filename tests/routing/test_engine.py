"""The rules engine through the services: rules run before commit, write
why on the timeline, never loop, and never break the operation that
triggered them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.service import tickets as svc
from helpdesk.service import timeline
from helpdesk.vocabulary import Priority, Role, TicketStatus
from routing.service import assignment, chain, rulebook
from tests.builders import make_category, make_ticket, make_user, outbox_mails
from tests.routing.builders import make_rule

pytestmark = pytest.mark.usefixtures("ctx")


def events_of(ticket: Ticket, prefix: str = "routing_") -> list[TicketEvent]:
    return list(
        db.session.scalars(
            sa.select(TicketEvent)
            .where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.kind.startswith(prefix)
            )
            .order_by(TicketEvent.id)
        )
    )


def applied(ticket: Ticket) -> list[str]:
    return [e.data["rule"] for e in events_of(ticket, "routing_rule_applied")]


def test_a_rule_routes_a_new_ticket_and_says_why_on_the_timeline():
    make_category("configuration")
    make_rule(
        name="Configuration to line 2",
        conditions=[{"field": "category", "op": "eq", "value": "configuration"}],
        actions=[
            {"type": "set_line", "line": 2},
            {"type": "add_note", "body": "Ask for the configuration version."},
        ],
    )
    ticket = make_ticket(category="configuration")
    assert ticket.line == 1  # nothing happens before the commit
    db.session.commit()

    assert ticket.line == 2
    event, moved, note = events_of(ticket)
    assert event.kind == "routing_rule_applied" and event.internal
    assert event.data["rule"] == "Configuration to line 2"
    assert event.data["matched"] == [
        {"field": "category", "op": "eq", "value": "configuration"}
    ]
    assert event.data["changes"] == [
        {"type": "set_line", "from": 1, "to": 2},
        {"type": "add_note", "body": "Ask for the configuration version."},
    ]
    assert (moved.kind, moved.data["rule"], moved.data["new"]) == (
        "routing_line_changed",
        "Configuration to line 2",
        2,
    )
    assert note.data == {
        "body": "Ask for the configuration version.",
        "rule": "Configuration to line 2",
    }
    customer_view = timeline.timeline_query(ticket, actor=ticket.requester)
    assert not [e for e in db.session.scalars(customer_view) if "routing" in e.kind]


def test_rules_that_do_not_match_leave_no_trace():
    make_rule(conditions=[{"field": "priority", "op": "eq", "value": "P1"}])
    ticket = make_ticket(priority=Priority.P3)
    db.session.commit()
    assert ticket.line == 1
    assert events_of(ticket) == []


def test_a_stop_rule_keeps_later_rules_from_running():
    make_rule(name="first", stop=True, actions=[{"type": "set_line", "line": 2}])
    make_rule(name="second", actions=[{"type": "set_line", "line": 3}])
    ticket = make_ticket()
    db.session.commit()
    assert (ticket.line, applied(ticket)) == (2, ["first"])


def test_disabled_rules_do_not_run_and_a_change_is_seen_at_once():
    rule = make_rule(name="to line 2", enabled=False)
    db.session.commit()
    first = make_ticket()
    db.session.commit()
    assert first.line == 1
    admin = make_user(role=Role.ADMIN)
    rulebook.update_rule(rule, {"enabled": True}, actor=admin, now=first.created_at)
    db.session.commit()
    second = make_ticket()
    db.session.commit()
    assert second.line == 2


def test_priority_and_category_changes_go_through_the_core_with_its_events():
    make_category("defect")
    make_rule(
        name="crash is P1",
        conditions=[{"field": "text", "op": "regex", "value": r"crash|сбой"}],
        actions=[
            {"type": "set_priority", "priority": "P1"},
            {"type": "set_category", "category": "defect"},
        ],
    )
    ticket = make_ticket(subject="Сбой при запуске", description="x")
    db.session.commit()
    assert (ticket.priority, ticket.category.code) == (Priority.P1, "defect")
    core = [
        e
        for e in events_of(ticket, "")
        if e.kind in ("priority_changed", "category_changed")
    ]
    assert [(e.kind, e.actor_id) for e in core] == [
        ("priority_changed", None),
        ("category_changed", None),
    ]


def test_rules_on_update_see_the_new_state_and_act_once_per_chain(clock):
    make_rule(
        name="P1 up a line",
        trigger="ticket_updated",
        conditions=[{"field": "priority", "op": "eq", "value": "P1"}],
        actions=[{"type": "escalate"}],
    )
    ticket = make_ticket()
    db.session.commit()
    manager = make_user(role=Role.MANAGER)
    svc.update_ticket(ticket, {"priority": Priority.P1}, actor=manager, now=clock.now())
    db.session.commit()
    # The escalation is itself an update, but the rule acts once per chain.
    assert (ticket.line, applied(ticket)) == (2, ["P1 up a line"])
    svc.change_status(ticket, TicketStatus.OPEN, actor=manager, now=clock.now())
    db.session.commit()
    assert (ticket.line, applied(ticket)) == (3, ["P1 up a line"] * 2)


def test_two_rules_undoing_each_other_cannot_loop(clock):
    """P1 → P2 and P2 → P1 on every update: each acts once, then it ends."""
    for name, old, new in (("down", "P1", "P2"), ("up", "P2", "P1")):
        make_rule(
            name=name,
            trigger="ticket_updated",
            conditions=[{"field": "priority", "op": "eq", "value": old}],
            actions=[{"type": "set_priority", "priority": new}],
        )
    ticket = make_ticket()
    db.session.commit()
    manager = make_user(role=Role.MANAGER)
    svc.update_ticket(ticket, {"priority": Priority.P1}, actor=manager, now=clock.now())
    db.session.commit()
    assert applied(ticket) == ["down", "up"]
    assert ticket.priority == Priority.P1
    changes = [e for e in events_of(ticket, "priority_changed")]
    assert len(changes) == 3  # the manager's, then one per rule


def test_a_chain_of_rules_stops_at_the_fixed_depth(clock, monkeypatch):
    """Each rule's change triggers the next one a level deeper; nothing
    deeper than MAX_DEPTH runs, and the timeline says where it stopped."""
    monkeypatch.setattr(chain, "MAX_DEPTH", 1)
    steps = (
        ("line 3 → P4", "line", 3, {"type": "set_priority", "priority": "P4"}),
        ("line 2 → line 3", "line", 2, {"type": "set_line", "line": 3}),
        ("P2 → line 2", "priority", "P2", {"type": "set_line", "line": 2}),
    )
    for name, field, value, action in steps:
        make_rule(
            name=name,
            trigger="ticket_updated",
            conditions=[{"field": field, "op": "eq", "value": value}],
            actions=[action],
        )
    ticket = make_ticket()
    db.session.commit()
    manager = make_user(role=Role.MANAGER)
    svc.update_ticket(ticket, {"priority": Priority.P2}, actor=manager, now=clock.now())
    db.session.commit()

    assert applied(ticket) == ["P2 → line 2", "line 2 → line 3"]
    assert (ticket.line, ticket.priority) == (3, Priority.P2)
    (stopped,) = events_of(ticket, "routing_chain_stopped")
    assert stopped.data == {"trigger": "ticket_updated", "depth": 2}


def test_the_same_chain_runs_to_its_end_at_the_default_depth(clock):
    steps = (
        ("line 3 → P4", "line", 3, {"type": "set_priority", "priority": "P4"}),
        ("line 2 → line 3", "line", 2, {"type": "set_line", "line": 3}),
        ("P2 → line 2", "priority", "P2", {"type": "set_line", "line": 2}),
    )
    for name, field, value, action in steps:
        make_rule(
            name=name,
            trigger="ticket_updated",
            conditions=[{"field": field, "op": "eq", "value": value}],
            actions=[action],
        )
    ticket = make_ticket()
    db.session.commit()
    manager = make_user(role=Role.MANAGER)
    svc.update_ticket(ticket, {"priority": Priority.P2}, actor=manager, now=clock.now())
    db.session.commit()
    assert (ticket.line, ticket.priority) == (3, Priority.P4)
    assert events_of(ticket, "routing_chain_stopped") == []


def test_rules_run_after_the_operation_so_they_cannot_break_it(clock):
    """A line-2 agent sets P1 and takes the ticket in one save; a rule sends
    P1 to line 3. The agent's save succeeds, then the rule moves the ticket
    and, since the agent does not work on line 3, clears the assignee."""
    make_rule(
        name="P1 to line 3",
        trigger="ticket_updated",
        conditions=[{"field": "priority", "op": "eq", "value": "P1"}],
        actions=[{"type": "set_line", "line": 3}],
    )
    ticket = make_ticket(line=2)
    db.session.commit()
    agent = make_user(role=Role.LINE2)
    svc.update_ticket(
        ticket,
        {"priority": Priority.P1, "assignee_id": agent.id},
        actor=agent,
        now=clock.now(),
    )
    db.session.commit()
    assert (ticket.line, ticket.assignee_id) == (3, None)


def test_a_phone_call_resolved_on_the_call_is_not_moved_afterwards(clock):
    make_category("configuration")
    make_rule(
        name="configuration to line 2",
        conditions=[{"field": "category", "op": "eq", "value": "configuration"}],
    )
    agent = make_user(role=Role.LINE1)
    caller = make_user()
    ticket = svc.register_call(
        {
            "subject": "How do I add a printer?",
            "description": "Explained.",
            "category": "configuration",
            "resolve_on_call": True,
            "solution": "Settings → Printers.",
        },
        caller=caller,
        actor=agent,
        now=clock.now(),
    )
    db.session.commit()
    assert (ticket.status, ticket.line) == (TicketStatus.RESOLVED, 1)
    (event,) = events_of(ticket, "routing_rule_applied")
    assert event.data["changes"] == [{"type": "set_line", "skipped": "inactive"}]


def test_customer_replies_trigger_their_rules(clock):
    make_rule(
        name="customer wrote: tell the line",
        trigger="customer_replied",
        actions=[{"type": "notify_line", "line": None}],
    )
    agents = [make_user(role=Role.LINE1) for _ in range(2)]
    ticket = make_ticket()
    db.session.commit()
    svc.add_comment(
        ticket,
        body="Any news?",
        internal=False,
        actor=ticket.requester,
        now=clock.now(),
    )
    svc.add_comment(
        ticket, body="Looking.", internal=False, actor=agents[0], now=clock.now()
    )
    db.session.commit()
    assert applied(ticket) == ["customer wrote: tell the line"]
    recipients = [m.recipient for m in outbox_mails("routing.rule")]
    assert sorted(recipients) == sorted(a.email for a in agents)


def test_notifications_go_to_the_outbox_in_the_recipients_language():
    make_user(role=Role.MANAGER, email="boss@example.test", locale="ru")
    make_user(role=Role.MANAGER, active=False)
    make_rule(
        name="P1: managers",
        conditions=[{"field": "priority", "op": "eq", "value": "P1"}],
        actions=[{"type": "notify_managers"}],
    )
    ticket = make_ticket(priority=Priority.P1)
    db.session.commit()
    (message,) = outbox_mails("routing.rule")
    assert message.recipient == "boss@example.test"
    assert message.subject.startswith(ticket.number)
    assert "P1: managers" in message.subject
    assert f"/tickets/{ticket.id}" in message.body


def test_assigning_to_an_away_agent_is_skipped_and_said(clock):
    agent = make_user(role=Role.LINE1, name="Olga")
    make_rule(name="to Olga", actions=[{"type": "assign_agent", "user_id": agent.id}])
    assignment.set_availability(agent, False, actor=agent, now=clock.now())
    ticket = make_ticket()
    db.session.commit()
    assert ticket.assignee_id is None
    (event,) = events_of(ticket, "routing_rule_applied")
    assert event.data["changes"] == [
        {"type": "assign_agent", "skipped": "away", "agent": "Olga"}
    ]


def test_a_rolled_back_transaction_forgets_its_pending_rules():
    make_rule(name="to line 2")
    db.session.commit()
    make_ticket()
    db.session.rollback()
    make_user()
    db.session.commit()
    kinds = db.session.scalars(sa.select(TicketEvent.kind)).all()
    assert not [k for k in kinds if k.startswith("routing_")]


def test_rules_address_the_requester_and_the_assignee_of_the_ticket(clock):
    agent = make_user(role=Role.LINE1)
    make_rule(
        name="tell both",
        trigger="ticket_updated",
        actions=[{"type": "notify_requester"}, {"type": "notify_assignee"}],
    )
    ticket = make_ticket()
    db.session.commit()
    svc.assign_ticket(ticket, agent.id, actor=agent, now=clock.now())
    db.session.commit()
    recipients = [m.recipient for m in outbox_mails("routing.rule")]
    assert recipients == [ticket.requester.email, agent.email]
