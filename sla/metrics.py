"""The SLA's figures on /metrics (``helpdesk.hooks.add_metrics_source``),
read at scrape time, and the counters its sweep job adds to.

Open clocks are the running and paused ones: the queries read them through
ix_sla_clocks_target_phase_spent (target and phase lead it), so their cost
follows the open clocks, not every clock ever stopped. The sweep's lag is
the oldest ``next_check_at`` that has passed: one step down
ix_sla_clocks_next_check_at.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric

from helpdesk.extensions import db
from helpdesk.metrics import instruments
from sla.models import Phase, SlaClock, Target
from sla.service.sweep import SweepCounts

OPEN_PHASES = (Phase.RUNNING, Phase.PAUSED)


def sla_gauges(now: datetime) -> Iterator[Metric]:
    yield from open_clock_gauges()
    yield from sweep_gauges(now)


def open_clock_gauges() -> Iterator[Metric]:
    c = SlaClock
    warned = sa.func.sum(
        sa.case((sa.and_(c.warnings_done > 0, c.breached_at.is_(None)), 1), else_=0)
    )
    rows = db.session.execute(
        sa.select(
            c.target, c.phase, sa.func.count(), warned, sa.func.count(c.breached_at)
        )
        .where(c.target.in_(list(Target)), c.phase.in_(OPEN_PHASES))
        .group_by(c.target, c.phase)
    ).all()
    counts = {(Target(t), Phase(p)): (n, w or 0, b) for t, p, n, w, b in rows}
    clocks = GaugeMetricFamily(
        "helpdesk_sla_open_clocks",
        "SLA clocks not stopped, by target and phase (running, paused).",
        labels=["target", "phase"],
    )
    warnings = GaugeMetricFamily(
        "helpdesk_sla_open_clocks_warned",
        "Open SLA clocks past a warning threshold and not breached, by target.",
        labels=["target"],
    )
    breaches = GaugeMetricFamily(
        "helpdesk_sla_open_clocks_breached",
        "Open SLA clocks already past their due time, by target.",
        labels=["target"],
    )
    for target in Target:
        figures = [counts.get((target, phase), (0, 0, 0)) for phase in OPEN_PHASES]
        for phase, (n, _w, _b) in zip(OPEN_PHASES, figures, strict=True):
            clocks.add_metric([target.value, phase.value], n)
        warnings.add_metric([target.value], sum(f[1] for f in figures))
        breaches.add_metric([target.value], sum(f[2] for f in figures))
    yield from (clocks, warnings, breaches)


def sweep_gauges(now: datetime) -> Iterator[Metric]:
    due, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(SlaClock.next_check_at)).where(
            SlaClock.next_check_at <= now
        )
    ).one()
    yield GaugeMetricFamily(
        "helpdesk_sla_due_clocks",
        "Clocks whose next check (a warning or the breach) has passed "
        "and that no sweep has handled yet.",
        value=due,
    )
    yield GaugeMetricFamily(
        "helpdesk_sla_sweep_lag_seconds",
        "How long the longest-waiting due clock has waited for the sweep "
        "(0 when none is due).",
        value=(now - oldest).total_seconds() if oldest else 0,
    )


def count_sweep(counts: SweepCounts) -> None:
    """Add one sweep's counts to the process's counters."""
    instruments.SLA_SWEPT_CLOCKS.inc(counts.clocks)
    instruments.count_outcomes(
        instruments.SLA_ALERTS,
        {"warning": counts.warnings, "breach": counts.breaches},
    )
