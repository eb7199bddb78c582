"""The sweep writes in short transactions: a batch of ``SLA_SWEEP_BATCH``
clocks per commit, so on SQLite tickets are registered between batches
instead of waiting behind the whole sweep."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from sla.jobs import sweep_clocks
from sla.models import SlaAlert
from tests.builders import make_ticket
from tests.sla.builders import make_policy


def test_the_sweep_commits_every_batch_and_raises_every_breach(
    app, given, clock, monkeypatch
):
    given(make_policy, first_response_minutes=100, resolution_minutes=None)
    for _ in range(5):
        given(make_ticket)
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # everything is past due
    monkeypatch.setitem(app.config, "SLA_SWEEP_BATCH", 2)
    with app.app_context():
        engine = db.engine
    commits = []

    def on_commit(_connection):
        commits.append(True)

    sa.event.listen(engine, "commit", on_commit)
    try:
        counts = sweep_clocks(app)
    finally:
        sa.event.remove(engine, "commit", on_commit)

    assert (counts.clocks, counts.breaches) == (5, 5)
    assert len(commits) == 3  # 2 + 2 + 1 clocks
    with app.app_context():
        breaches = db.session.scalar(
            sa.select(sa.func.count()).where(SlaAlert.kind == "breach")
        )
    assert breaches == 5
