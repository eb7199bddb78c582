"""Clocks follow the ticket: they start, pause, resume, meet, warn and breach.

Time moves by the injectable clock; the calendar is Mon-Fri 09:00-18:00 UTC
and the tests start on Monday 2026-11-23 09:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import TicketEvent
from helpdesk.service import queries
from helpdesk.service import tickets as svc
from helpdesk.vocabulary import Channel, Priority, Role, TicketStatus
from sla.models import SlaAlert, Target
from sla.service.clocks import seconds_left, ticket_clocks
from sla.service.sweep import sweep_due_clocks
from tests.builders import make_category, make_ticket, make_user, outbox_mails
from tests.sla.builders import make_policy

pytestmark = pytest.mark.usefixtures("ctx")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in the week of Monday 2026-11-23 (day 0), UTC."""
    return datetime(2026, 11, 23 + day, hour, minute, tzinfo=UTC)


def clocks(ticket) -> dict[Target, object]:
    db.session.flush()
    return {c.target: c for c in ticket_clocks(ticket.id)}


def sweep(clock_now: datetime):
    return sweep_due_clocks(now=clock_now, settings={})


def test_new_ticket_gets_the_policy_clocks_with_due_times_in_business_hours(clock):
    make_policy(first_response_minutes=60, resolution_minutes=8 * 60)
    ticket = make_ticket(at=clock.now())
    c = clocks(ticket)
    assert c[Target.FIRST_RESPONSE].due_at == at(0, 10)
    # Eight business hours from Monday 09:00 end at 17:00 the same day.
    assert c[Target.RESOLUTION].due_at == at(0, 17)
    assert {x.state for x in c.values()} == {"running"}


def test_due_time_skips_the_night_and_the_weekend(clock):
    make_policy(first_response_minutes=60)
    clock.set(at(4, 17, 30))  # Friday 17:30
    ticket = make_ticket(at=clock.now())
    assert clocks(ticket)[Target.FIRST_RESPONSE].due_at == at(7, 9, 30)  # Monday 09:30


def test_a_target_of_300000_minutes_gets_a_due_time_years_ahead(clock):
    # 5,000 business hours of Mon-Fri 09-18 (111 weeks of 45 h, then 5 h):
    # no search horizon gives up.
    make_policy(first_response_minutes=None, resolution_minutes=300_000)
    ticket = make_ticket(at=clock.now())
    due = clocks(ticket)[Target.RESOLUTION].due_at
    assert due == datetime(2029, 1, 8, 14, tzinfo=UTC)


def test_first_public_agent_reply_meets_the_first_response_clock(clock):
    make_policy()
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now())
    svc.add_comment(
        ticket,
        body="internal",
        internal=True,
        actor=agent,
        now=clock.advance(minutes=5),
    )
    assert clocks(ticket)[Target.FIRST_RESPONSE].state == "running"
    svc.add_comment(
        ticket, body="Hello", internal=False, actor=agent, now=clock.advance(minutes=5)
    )
    first = clocks(ticket)[Target.FIRST_RESPONSE]
    assert (first.state, first.spent_seconds) == ("met", 600)
    assert clocks(ticket)[Target.RESOLUTION].state == "running"


def test_a_call_registered_by_line_one_counts_as_answered(clock):
    make_policy()
    agent, caller = make_user(role=Role.LINE1), make_user()
    make_category("access")
    ticket = svc.register_call(
        {
            "subject": "s",
            "description": "d",
            "category": "access",
            "resolve_on_call": False,
        },
        caller=caller,
        actor=agent,
        now=clock.now(),
    )
    assert ticket.channel == Channel.PHONE
    assert clocks(ticket)[Target.FIRST_RESPONSE].state == "met"


def test_waiting_on_the_customer_pauses_and_answering_resumes_with_time_kept(clock):
    make_policy(resolution_minutes=8 * 60)
    agent, customer = make_user(role=Role.LINE1), make_user()
    ticket = make_ticket(requester=customer, at=clock.now())
    svc.add_comment(
        ticket,
        body="Log please",
        internal=False,
        actor=agent,
        now=clock.advance(minutes=30),
    )
    svc.change_status(
        ticket, TicketStatus.PENDING, actor=agent, now=clock.advance(minutes=30)
    )  # 10:00, one hour spent
    resolution = clocks(ticket)[Target.RESOLUTION]
    assert (resolution.state, resolution.spent_seconds, resolution.due_at) == (
        "paused",
        3600,
        None,
    )

    clock.set(at(1, 9))  # the customer answers on Tuesday 09:00
    svc.add_comment(
        ticket, body="Here", internal=False, actor=customer, now=clock.now()
    )
    resolution = clocks(ticket)[Target.RESOLUTION]
    assert ticket.status == TicketStatus.OPEN
    assert resolution.state == "running"
    assert resolution.due_at == at(1, 16)  # 7 hours left from Tuesday 09:00
    assert seconds_left(resolution, at(1, 10)) == 6 * 3600


def test_resolution_stops_the_clock_and_reopening_continues_it(clock):
    make_policy(resolution_minutes=8 * 60)
    agent, customer = make_user(role=Role.LINE1), make_user()
    ticket = make_ticket(requester=customer, at=clock.now())
    svc.change_status(
        ticket, TicketStatus.RESOLVED, actor=agent, now=clock.advance(hours=2)
    )
    resolution = clocks(ticket)[Target.RESOLUTION]
    assert (resolution.state, resolution.spent_seconds) == ("met", 7200)

    clock.set(at(2, 9))  # reopened on Wednesday
    svc.change_status(ticket, TicketStatus.REOPENED, actor=customer, now=clock.now())
    resolution = clocks(ticket)[Target.RESOLUTION]
    assert resolution.state == "running"
    assert resolution.due_at == at(2, 15)  # six hours left


def test_priority_change_reselects_the_policy_and_keeps_the_time_spent(clock):
    make_policy(
        name="urgent",
        position=1,
        conditions={"priority": ["P1"]},
        resolution_minutes=4 * 60,
    )
    make_policy(name="normal", position=2, resolution_minutes=16 * 60)
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now())
    assert clocks(ticket)[Target.RESOLUTION].policy.name == "normal"

    svc.update_ticket(
        ticket, {"priority": Priority.P1}, actor=agent, now=clock.advance(hours=1)
    )
    resolution = clocks(ticket)[Target.RESOLUTION]
    assert resolution.policy.name == "urgent"
    assert (resolution.spent_seconds, resolution.target_seconds) == (3600, 4 * 3600)
    assert resolution.due_at == at(0, 13)  # started 09:00, four business hours
    kinds = [e.kind for e in db.session.scalars(sa.select(TicketEvent))]
    assert "sla_policy_changed" in kinds


def test_tickets_no_policy_matches_get_no_clocks(clock):
    make_policy(conditions={"channel": ["phone"]})
    ticket = make_ticket(channel=Channel.WEB, at=clock.now())
    assert clocks(ticket) == {}


def test_customer_message_starts_next_response_and_agent_reply_meets_it(clock):
    make_policy(next_response_minutes=30)
    agent, customer = make_user(role=Role.LINE1), make_user()
    ticket = make_ticket(requester=customer, at=clock.now())
    svc.add_comment(
        ticket, body="Hi", internal=False, actor=agent, now=clock.advance(minutes=5)
    )
    svc.add_comment(
        ticket,
        body="Still broken",
        internal=False,
        actor=customer,
        now=clock.advance(minutes=5),
    )
    nxt = clocks(ticket)[Target.NEXT_RESPONSE]
    assert (nxt.state, nxt.due_at) == ("running", at(0, 9, 40))
    svc.add_comment(
        ticket,
        body="Looking",
        internal=False,
        actor=agent,
        now=clock.advance(minutes=10),
    )
    assert clocks(ticket)[Target.NEXT_RESPONSE].state == "met"
    svc.add_comment(
        ticket,
        body="And now?",
        internal=False,
        actor=customer,
        now=clock.advance(minutes=10),
    )
    nxt = clocks(ticket)[Target.NEXT_RESPONSE]
    assert (nxt.state, nxt.cycle, nxt.spent_seconds) == ("running", 2, 0)


def test_sweep_warns_at_each_threshold_and_breaches_once(clock):
    make_policy(
        first_response_minutes=100,
        resolution_minutes=None,
        on_warning=["notify_assignee"],
        on_breach=["notify_managers"],
    )
    agent, manager = make_user(role=Role.LINE1), make_user(role=Role.MANAGER)
    ticket = make_ticket(at=clock.now(), assignee_id=agent.id)
    db.session.flush()

    assert sweep(at(0, 10, 14)).warnings == 0  # 74 minutes: nothing yet
    assert sweep(at(0, 10, 15)).warnings == 1  # 75 %
    assert sweep(at(0, 10, 15)).warnings == 0  # the same run again: nothing new
    counts = sweep(at(0, 11, 0))  # past 90 % and past due: both at once
    assert (counts.warnings, counts.breaches) == (1, 1)
    assert sweep(at(0, 12, 0)).clocks == 0  # nothing left to check

    first = clocks(ticket)[Target.FIRST_RESPONSE]
    assert first.state == "breached"
    assert first.breached_at == at(0, 10, 40)  # the due instant, to the second
    alerts = db.session.scalars(
        sa.select(
            SlaAlert.kind,
        ).order_by(SlaAlert.id)
    ).all()
    assert alerts == ["warning", "warning", "breach"]
    recipients = [
        m.recipient for m in outbox_mails() if m.payload["event"].startswith("sla.")
    ]
    assert recipients == [agent.email, agent.email, manager.email]


def test_paused_clocks_never_warn(clock):
    make_policy(first_response_minutes=60)
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now())
    svc.change_status(ticket, TicketStatus.PENDING, actor=agent, now=clock.now())
    counts = sweep(at(3, 12))
    assert (counts.clocks, counts.warnings, counts.breaches) == (0, 0, 0)


def test_queue_orders_by_least_time_left_across_pages(clock):
    make_policy(
        name="fast",
        position=1,
        conditions={"priority": ["P1"]},
        first_response_minutes=30,
    )
    make_policy(name="slow", position=2, first_response_minutes=240)
    manager, agent = make_user(role=Role.MANAGER), make_user(role=Role.LINE1)
    slow = make_ticket(at=clock.now())
    fast = make_ticket(priority=Priority.P1, at=clock.advance(minutes=5))
    paused = make_ticket(at=clock.advance(minutes=5))
    svc.change_status(paused, TicketStatus.PENDING, actor=agent, now=clock.now())
    assert (fast.due_at, slow.due_at, paused.due_at) == (at(0, 9, 35), at(0, 13), None)

    filters = {"sort": "due", "status": [TicketStatus.NEW, TicketStatus.PENDING]}
    first, cursor = queries.ticket_page(manager, filters, cursor=None, limit=2)
    rest, end = queries.ticket_page(manager, filters, cursor=cursor, limit=2)
    assert [t.id for t in first + rest] == [fast.id, slow.id, paused.id]
    assert end is None
