"""Re-timing the clocks a settings edit touches: the running clocks of the
edited policies are made due for a check at once, and the background sweep
recomputes them in its bounded batches (never in the admin's request)."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from sla.models import BusinessCalendar, Phase, SlaClock, SlaPolicy, Target

log = logging.getLogger(__name__)


def retime_clocks(policy_ids: list[int], *, now: datetime) -> int:
    """Make every running clock of these policies due for a check now, so the
    background sweep re-times them at once, in its bounded batches (never in
    this request), on the new calendar and targets. One indexed statement."""
    if not policy_ids:
        return 0
    result = db.session.execute(
        sa.update(SlaClock)
        .where(SlaClock.policy_id.in_(policy_ids), SlaClock.phase == Phase.RUNNING)
        .values(next_check_at=now)
        .execution_options(synchronize_session=False)
    )
    log.info("sla.retime policies=%s clocks=%s", policy_ids, result.rowcount)
    return result.rowcount


def policies_on(calendar: BusinessCalendar) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(SlaPolicy.id).where(SlaPolicy.calendar_id == calendar.id)
        )
    )


def retarget_open_clocks(policy: SlaPolicy) -> None:
    """Clocks that have not stopped take the policy's new target lengths (a
    target the policy no longer has leaves its clock as it is)."""
    for target in Target:
        minutes = policy.target_minutes(target)
        if not minutes:
            continue
        db.session.execute(
            sa.update(SlaClock)
            .where(
                SlaClock.policy_id == policy.id,
                SlaClock.target == target,
                SlaClock.phase != Phase.STOPPED,
            )
            .values(target_seconds=minutes * 60)
            .execution_options(synchronize_session=False)
        )


def rearm_thresholds(policy: SlaPolicy, new_percents: list[int]) -> None:
    """A clock that had warned up to p % of the old thresholds has done the
    new thresholds at or below p %; the others are still to come (so changing
    [50, 90] to [75, 90] after 50 % sends 75 %). A few statements, one per
    old threshold, whatever the number of clocks."""
    old = sorted(p for p in (policy.warning_percents or []) if 0 < p < 100)
    new = sorted(p for p in new_percents if 0 < p < 100)
    if old == new:
        return
    # From the highest count down, so a clock is never remapped twice.
    for done in range(len(old), 0, -1):
        db.session.execute(
            sa.update(SlaClock)
            .where(
                SlaClock.policy_id == policy.id,
                SlaClock.phase != Phase.STOPPED,
                SlaClock.warnings_done == done,
            )
            .values(warnings_done=-sum(1 for p in new if p <= old[done - 1]))
            .execution_options(synchronize_session=False)
        )
    # Negative marks kept the remapped rows apart from those still to remap.
    db.session.execute(
        sa.update(SlaClock)
        .where(SlaClock.policy_id == policy.id, SlaClock.warnings_done < 0)
        .values(warnings_done=-SlaClock.warnings_done)
        .execution_options(synchronize_session=False)
    )
