"""The daily roll-ups the dashboard reads equal the figures computed from
the clocks, whatever happened to the tickets: built through the real engine
(services, handlers, sweep) with the frozen clock."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.service import tickets as svc
from helpdesk.service.lines import move_to_line
from helpdesk.vocabulary import Channel, Priority, Role, TicketStatus
from sla.models import (
    SlaDailyCompliance,
    SlaDailyOutcomes,
    SlaDailyParts,
    SlaDailyTimes,
    SlaDailyValues,
    SlaMonthlyCompliance,
    SlaMonthlyParts,
    SlaMonthlyTimes,
    SlaMonthlyValues,
)
from sla.service import dashboard, figures_raw, rollup_keys, rollups
from sla.service.sweep import sweep_due_clocks
from tests.builders import make_ticket, make_user
from tests.sla.builders import make_policy

pytestmark = pytest.mark.usefixtures("ctx")

MONDAY = datetime(2026, 11, 23, 9, tzinfo=UTC)


def world(clock, tickets: int = 60, seed: int = 16) -> None:
    """Tickets over a week with every kind of history: replies on time and
    late, resolutions without a reply, reopenings, line moves, priority
    changes (another policy), phone calls, customer follow-ups, sweeps."""
    make_policy(
        name="Urgent",
        conditions={"priority": ["P1"]},
        first_response_minutes=30,
        next_response_minutes=60,
        resolution_minutes=240,
    )
    make_policy(
        name="Phone waits",
        conditions={"channel": ["phone"], "priority": ["P4"]},
        first_response_minutes=60,
        phone_call_is_first_response=False,
    )
    make_policy(name="Standard", first_response_minutes=120, next_response_minutes=120)
    rng = random.Random(seed)
    agents = {
        line: make_user(role=role)
        for line, role in ((1, Role.LINE1), (2, Role.LINE2), (3, Role.LINE3))
    }
    manager = make_user(role=Role.MANAGER)
    now = MONDAY
    for _ in range(tickets):
        now += timedelta(minutes=rng.randint(5, 200))
        channel = rng.choice(list(Channel))
        priority = rng.choice(list(Priority))
        actor = agents[1] if channel == Channel.PHONE else None
        ticket = make_ticket(at=now, channel=channel, priority=priority, actor=actor)
        t = now
        for _step in range(rng.randint(0, 5)):
            t += timedelta(minutes=rng.randint(1, 180))
            action = rng.choice(
                [
                    "reply",
                    "reply",
                    "resolve",
                    "move",
                    "priority",
                    "customer",
                    "sweep",
                    "reopen",
                ]
            )
            try:
                if action == "reply" and ticket.status != TicketStatus.CLOSED:
                    svc.add_comment(
                        ticket, body="On it", internal=False, actor=manager, now=t
                    )
                elif action == "resolve" and ticket.can_transition_to(
                    TicketStatus.RESOLVED
                ):
                    svc.change_status(
                        ticket, TicketStatus.RESOLVED, actor=manager, now=t
                    )
                elif action == "move" and ticket.is_active:
                    move_to_line(
                        ticket, rng.choice([1, 2, 3]), actor=None, now=t, reason="r"
                    )
                elif action == "priority" and ticket.is_active:
                    svc.update_ticket(
                        ticket,
                        {"priority": rng.choice(list(Priority))},
                        actor=manager,
                        now=t,
                    )
                elif action == "customer" and ticket.status != TicketStatus.CLOSED:
                    svc.add_comment(
                        ticket,
                        body="Any news?",
                        internal=False,
                        actor=ticket.requester,
                        now=t,
                    )
                elif action == "sweep":
                    sweep_due_clocks(now=t, settings={})
                elif action == "reopen" and ticket.status == TicketStatus.RESOLVED:
                    svc.change_status(
                        ticket, TicketStatus.REOPENED, actor=manager, now=t
                    )
            except Exception as error:  # a step the rules refuse: skip it
                if type(error).__name__ not in (
                    "Conflict",
                    "InvalidInput",
                    "PermissionDenied",
                ):
                    raise
    sweep_due_clocks(now=now + timedelta(days=3), settings={})
    db.session.flush()


def rows(model) -> set[tuple]:
    """A roll-up table's rows that count something; a packed histogram as
    its non-zero cells (a cell that fell back to 0 may stay in its row)."""
    key_size = len(model.__table__.primary_key.columns)
    result = set()
    for row in db.session.execute(sa.select(*model.__table__.columns)):
        row = tuple(
            tuple(sorted((k, n) for k, n in value.items() if n))
            if isinstance(value, dict)
            else value
            for value in row
        )
        if any(row[key_size:]):
            result.add(row)
    return result


def filters(**query):
    return dashboard.filters_from(
        {
            "date_from": date(2026, 11, 20),
            "date_to": date(2026, 12, 20),
            "period": "day",
        }
        | query,
        now=MONDAY,
    )


# Another history: other middle ranks, buckets and parts for the medians.
@pytest.mark.parametrize("seed", [16, 7])
def test_the_rollups_equal_the_figures_from_the_clocks(clock, seed):
    world(clock, seed=seed)
    now = MONDAY + timedelta(days=10)
    for query in (
        {},
        {"period": "week"},
        {"line": 1},
        {"line": 2},
        {"line": 3, "period": "week"},
        {"date_from": date(2026, 11, 24), "date_to": date(2026, 11, 26)},
        # Whole months come from the month rows, the other days from the days.
        {"date_from": date(2026, 11, 1), "date_to": date(2027, 1, 1)},
        {"date_from": date(2026, 10, 15), "date_to": date(2026, 12, 3), "line": 1},
        {"date_from": date(2026, 11, 25), "date_to": date(2027, 2, 1)},
    ):
        f = filters(**query)
        rolled = dashboard.summary(f, now=now)
        raw = dashboard.summary(f, now=now, source=figures_raw)
        assert rolled == raw, query
    overall = dashboard.summary(filters(), now=now)
    # The world has all of it, so the comparison means something.
    c = overall["compliance"]
    assert c["met"] and c["breached"] and c["no_response"]
    assert len(c["by_line"]) >= 2
    assert overall["times"]["first_response"]["by_channel"]["phone"]["count"]
    assert overall["times"]["resolution"]["median_seconds"]


def test_a_rebuild_counts_what_the_transactions_counted(clock):
    world(clock, tickets=30)
    models = (
        SlaDailyCompliance,
        SlaMonthlyCompliance,
        SlaDailyOutcomes,
        SlaDailyTimes,
        SlaMonthlyTimes,
        SlaDailyParts,
        SlaMonthlyParts,
        SlaDailyValues,
        SlaMonthlyValues,
    )
    kept = [rows(model) for model in models]
    assert all(kept)
    rollups.rebuild()
    assert [rows(model) for model in models] == kept


def test_buckets_cover_every_second_once():
    previous_high = 0
    for bucket in range(rollup_keys.bucket_of(10**9) + 1):
        low, high = rollup_keys.bucket_bounds(bucket)
        assert low == previous_high and high > low
        assert rollup_keys.bucket_of(low) == rollup_keys.bucket_of(high - 1) == bucket
        previous_high = high


def test_parts_cut_each_bucket_in_order_and_sql_agrees():
    seconds = [0, 1, 63, 64, 65, 71, 72, 127, 128, 1000, 8191, 8192, 9215, 9216]
    seconds += [86_399, 86_400, 10**6, 10**9, 2**31 - 1]
    parts = [rollup_keys.part_of(s) for s in seconds]
    assert parts == sorted(parts)
    for s in seconds:
        bucket = rollup_keys.bucket_of(s)
        assert rollup_keys.part_of(s) // rollup_keys.PARTS == bucket
    low, high = rollup_keys.bucket_bounds(rollup_keys.bucket_of(10**6))
    width = (high - low) // rollup_keys.PARTS
    assert rollup_keys.part_of(low + width) == rollup_keys.part_of(low) + 1
    column = sa.literal_column("s")
    index = rollup_keys.part_index_sql(rollup_keys.bucket_sql(column), column)
    inner = sa.union_all(*(sa.select(sa.literal(s).label("s")) for s in seconds))
    query = sa.select(index).select_from(inner.subquery())
    in_sql = [int(i) for i in db.session.scalars(query)]
    assert in_sql == [p % rollup_keys.PARTS for p in parts]
