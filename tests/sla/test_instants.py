"""Breaches and warnings are decided by instants, not by when the sweep runs;
edits re-time clocks at once; one broken clock never holds up the others.

The calendar is Mon-Fri 09:00-18:00 UTC; the tests start on Monday
2026-11-23 09:00 UTC (see tests/sla/test_clocks.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import TicketEvent
from helpdesk.service import tickets as svc
from helpdesk.service.lines import move_to_line
from helpdesk.vocabulary import Priority, Role, TicketStatus
from sla.models import SlaAlert, SlaPolicy, Target
from sla.service import attention, dashboard, setup
from sla.service.clocks import ticket_clocks
from sla.service.sweep import sweep_due_clocks
from tests.builders import make_ticket, make_user
from tests.sla.builders import make_calendar, make_policy

pytestmark = pytest.mark.usefixtures("ctx")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23 + day, hour, minute, tzinfo=UTC)


def first_response(ticket):
    db.session.flush()
    return next(
        c for c in ticket_clocks(ticket.id) if c.target == Target.FIRST_RESPONSE
    )


def alerts(ticket) -> list[tuple[str, int]]:
    clock = first_response(ticket)
    return [
        (a.kind, a.percent)
        for a in db.session.scalars(
            sa.select(SlaAlert)
            .where(SlaAlert.clock_id == clock.id)
            .order_by(SlaAlert.id)
        )
    ]


def policy_form(policy: SlaPolicy, **changes) -> dict:
    return {
        "name": policy.name,
        "active": True,
        "conditions": {},
        "calendar_id": policy.calendar_id,
        "first_response_minutes": policy.first_response_minutes,
        "next_response_minutes": None,
        "resolution_minutes": policy.resolution_minutes,
        "warning_percents": policy.warning_percents,
        "on_warning": [],
        "on_breach": [],
        "phone_call_is_first_response": True,
        "position": None,
    } | changes


def test_a_reply_after_the_due_time_is_a_breach_at_the_due_time(clock):
    make_policy(first_response_minutes=60)
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now())
    # No sweep ran; the agent answers 20 minutes late.
    svc.add_comment(ticket, body="Hi", internal=False, actor=agent, now=at(0, 10, 20))
    first = first_response(ticket)
    assert (first.state, first.breached_at) == ("breached", at(0, 10))
    assert alerts(ticket) == [("breach", 100)]
    event = db.session.scalars(
        sa.select(TicketEvent).where(TicketEvent.kind == "sla_breached")
    ).one()
    assert event.data["breached_at"] == at(0, 10).isoformat()
    assert event.data["detected_at"] == at(0, 10, 20).isoformat()


def test_a_reply_exactly_at_the_due_time_meets_the_target(clock):
    make_policy(first_response_minutes=60)
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now())
    svc.add_comment(ticket, body="Hi", internal=False, actor=agent, now=at(0, 10))
    assert first_response(ticket).state == "met"


def test_a_pause_after_the_due_time_neither_delays_nor_moves_the_breach(clock):
    make_policy(first_response_minutes=60)
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now())
    svc.add_comment(ticket, body="note", internal=True, actor=agent, now=at(0, 9, 5))
    svc.change_status(ticket, TicketStatus.OPEN, actor=agent, now=at(0, 9, 6))
    svc.change_status(ticket, TicketStatus.PENDING, actor=agent, now=at(0, 10, 30))
    first = first_response(ticket)
    assert first.breached_at == at(0, 10)
    # Waiting on the customer, then back: still due when it was due.
    svc.change_status(ticket, TicketStatus.OPEN, actor=agent, now=at(1, 12))
    first = first_response(ticket)
    assert first.due_at == at(0, 10)
    assert sweep_due_clocks(now=at(1, 12, 1), settings={}).breaches == 0
    assert alerts(ticket) == [("breach", 100)]


def test_a_reselected_policy_arms_its_own_warnings(clock):
    calendar = make_calendar()
    make_policy(calendar=calendar, first_response_minutes=100, position=2)
    make_policy(
        calendar=calendar,
        first_response_minutes=200,
        position=1,
        conditions={"priority": ["P1"]},
    )
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now())
    sweep_due_clocks(now=at(0, 10, 16), settings={})  # 76 of 100 minutes
    assert alerts(ticket) == [("warning", 75)]
    svc.update_ticket(ticket, {"priority": Priority.P1}, actor=agent, now=at(0, 10, 16))
    # 200 minutes now: 75 % falls at 11:30, 90 % at 12:00 - both still to come.
    sweep_due_clocks(now=at(0, 12, 1), settings={})
    assert alerts(ticket) == [("warning", 75), ("warning", 75), ("warning", 90)]


def test_changing_the_thresholds_sends_the_new_ones_still_to_come(clock):
    policy = make_policy(first_response_minutes=100, warning_percents=[50, 90])
    admin = make_user(role=Role.ADMIN)
    ticket = make_ticket(at=clock.now())
    sweep_due_clocks(now=at(0, 9, 55), settings={})
    assert alerts(ticket) == [("warning", 50)]
    setup.update_policy(
        policy,
        policy_form(policy, warning_percents=[75, 90]),
        actor=admin,
        now=at(0, 9, 56),
    )
    sweep_due_clocks(now=at(0, 10, 16), settings={})
    assert alerts(ticket) == [("warning", 50), ("warning", 75)]


def test_a_calendar_edit_re_times_running_clocks_at_once(clock):
    calendar = make_calendar()
    make_policy(calendar=calendar, first_response_minutes=120)
    admin = make_user(role=Role.ADMIN)
    ticket = make_ticket(at=clock.now())
    assert first_response(ticket).due_at == at(0, 11)
    # Monday is made a holiday: the clock is due Tuesday 11:00 instead.
    setup.add_holiday(
        calendar,
        {"day": at(0, 0).date(), "name": "Closed"},
        actor=admin,
        now=at(0, 9, 30),
    )
    assert first_response(ticket).next_check_at == at(0, 9, 30)
    sweep_due_clocks(now=at(0, 9, 30), settings={})
    first = first_response(ticket)
    assert first.due_at == at(1, 11)
    assert ticket.due_at == at(1, 11)  # the queue's order follows


def test_a_target_edit_reaches_the_running_clocks_and_their_breach_is_dated_right(
    clock,
):
    policy = make_policy(first_response_minutes=600)
    admin = make_user(role=Role.ADMIN)
    ticket = make_ticket(at=clock.now())
    setup.update_policy(
        policy,
        policy_form(policy, first_response_minutes=60),
        actor=admin,
        now=at(0, 9, 1),
    )
    sweep_due_clocks(now=at(0, 16), settings={})
    assert first_response(ticket).breached_at == at(0, 10)


def test_one_broken_clock_never_holds_up_the_others(clock):
    broken_calendar = make_calendar()
    make_policy(
        calendar=broken_calendar,
        first_response_minutes=60,
        position=1,
        conditions={"priority": ["P1"]},
    )
    make_policy(first_response_minutes=60, position=2)
    broken = make_ticket(at=clock.now(), priority=Priority.P1)
    healthy = make_ticket(at=clock.now())
    # An edit that leaves the calendar unable to compute anything.
    broken_calendar.timezone = "Mars/Olympus_Mons"
    db.session.flush()

    counts = sweep_due_clocks(now=at(0, 10, 1), settings={})

    assert counts.breaches == 1
    assert first_response(healthy).state == "breached"
    stuck = first_response(broken)
    assert stuck.check_failures == 1
    assert "Mars/Olympus_Mons" in stuck.check_error
    assert stuck.next_check_at == at(0, 10, 2)  # retried in a minute, then later
    sweep_due_clocks(now=at(0, 10, 2), settings={})
    assert first_response(broken).check_failures == 2
    assert first_response(broken).next_check_at == at(0, 10, 4)


def test_broken_clocks_are_listed_for_admins(clock):
    calendar = make_calendar()
    make_policy(calendar=calendar, first_response_minutes=60)
    ticket = make_ticket(at=clock.now())
    calendar.timezone = "Mars/Olympus_Mons"
    db.session.flush()
    sweep_due_clocks(now=at(0, 10, 1), settings={})
    (row,) = attention.clocks_needing_attention()
    assert (row["number"], row["failures"]) == (ticket.number, 1)


def test_a_breach_stays_with_the_line_that_had_the_ticket(clock):
    make_policy(first_response_minutes=60)
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now(), assignee_id=agent.id)
    sweep_due_clocks(now=at(0, 10, 1), settings={})
    move_to_line(ticket, 2, actor=None, now=at(0, 11), reason="harder")
    first = first_response(ticket)
    assert (first.breached_line, first.breached_assignee_id) == (1, agent.id)
    filters = dashboard.filters_from(
        {
            "date_from": at(0, 0).date(),
            "date_to": at(1, 0).date(),
            "line": None,
            "period": "day",
            "cursor": None,
        },
        now=at(0, 12),
    )
    rows, _ = dashboard.breaches(filters, cursor=None, limit=10)
    assert [r["line"] for r in rows] == [1]
