"""The backlog's ageing and the oldest open tickets equal what is counted
here from the ticket rows: tickets on either side of every age bound, of
each active status, line, priority and channel, with and without filters."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import ACTIVE_STATUSES, Channel, Priority, Role
from helpdesk.vocabulary import TicketStatus as S
from reports.periods import Period
from reports.service import backlog
from reports.service.common import Filters
from tests.builders import make_ticket, make_user, snapshot

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BOUNDS = (1, 3, 7, 30)
STATUSES = [S.NEW, S.OPEN, S.PENDING, S.REOPENED, S.WAITING_LINE3, S.RESOLVED]


@pytest.fixture
def world(app, clock):
    clock.set(NOW)
    rng = random.Random(7)
    with app.app_context():
        manager = make_user(role=Role.MANAGER, timezone="UTC")
        ages = [
            timedelta(days=d) + e
            for d in BOUNDS
            for e in (timedelta(0), -timedelta(microseconds=1), timedelta(seconds=1))
        ]
        ages += [timedelta(hours=2), timedelta(days=400), -timedelta(minutes=5)]
        for age in ages:
            make_ticket(
                at=NOW - age,
                status=rng.choice(STATUSES),
                line=rng.choice((1, 2, 3)),
                priority=rng.choice(list(Priority)),
                channel=rng.choice([Channel.WEB, Channel.PHONE]),
            )
        db.session.commit()
        return snapshot(manager)


def _bucket(created_at: datetime) -> str:
    for name, days in zip(("lt1", "1_3", "3_7", "7_30"), BOUNDS, strict=True):
        if created_at > NOW - timedelta(days=days):
            return name
    return "gt30"


def _expected(app, **only) -> tuple[dict, list]:
    with app.app_context():
        rows = [
            t
            for t in db.session.scalars(sa.select(Ticket))
            if t.status in ACTIVE_STATUSES
            and all(getattr(t, k) == v for k, v in only.items())
        ]
    by_line, by_priority = Counter(), Counter()
    for t in rows:
        by_line[(t.line, _bucket(t.created_at))] += 1
        by_priority[(t.priority.value, _bucket(t.created_at))] += 1
    oldest = sorted(rows, key=lambda t: (t.created_at, t.id))[:20]
    return {"by_line": by_line, "by_priority": by_priority, "total": len(rows)}, [
        t.id for t in oldest
    ]


def _cells(rows: list[dict], key: str) -> Counter:
    cells = Counter()
    for row in rows:
        for bucket in ("lt1", "1_3", "3_7", "7_30", "gt30"):
            if row[bucket]:
                cells[(row[key], bucket)] += row[bucket]
        assert row["total"] == sum(
            row[b] for b in ("lt1", "1_3", "3_7", "7_30", "gt30")
        )
    return cells


@pytest.mark.parametrize(
    ("query", "only"),
    [
        ("", {}),
        ("&line=2", {"line": 2}),
        ("&priority=P1", {"priority": Priority.P1}),
        ("&channel=phone", {"channel": Channel.PHONE}),
        ("&line=1&channel=web", {"line": 1, "channel": Channel.WEB}),
    ],
)
def test_the_backlog_equals_the_raw_counts(app, client, bearer, world, query, only):
    got = client.get(
        f"/api/v1/reports/volume?from=2026-11-01&to=2026-11-24{query}",
        headers=bearer(world),
    ).get_json()
    want, oldest = _expected(app, **only)
    backlog = got["backlog"]
    assert backlog["total"] == want["total"] > 0
    assert _cells(backlog["by_line"], "line") == want["by_line"]
    assert _cells(backlog["by_priority"], "priority") == want["by_priority"]
    assert sum(backlog["by_age"].values()) == want["total"]
    assert [r["ticket_id"] for r in got["oldest"]] == oldest


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
@pytest.mark.parametrize("only", [{}, {"line": 1}, {"channel": Channel.WEB}])
def test_the_oldest_below_the_cutoff_are_the_oldest_of_all(app, world, limit, only):
    """With few tickets per status, line and priority, the cutoff (the
    earliest of every combination's ``limit``-th oldest) bounds the read."""
    f = Filters(Period("UTC", date(2026, 11, 1), date(2026, 11, 24)), **only)
    with app.app_context():
        got = [r["ticket_id"] for r in backlog.oldest_open(f, limit=limit)]
    assert got == _expected(app, **only)[1][:limit]
