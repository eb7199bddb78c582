"""Re-timing clocks whose rules changed.

- A settings edit: the running clocks of the edited policies are made due
  for a check at once, and the background sweep recomputes them in its
  bounded batches (never in the admin's request).
- A ticket's priority or category change that selects another policy: its
  clocks take the new targets at once, keeping the business time spent.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from sla.models import BusinessCalendar, Phase, SlaClock, SlaPolicy, Target
from sla.service.clocks import (
    calendar_spec,
    elapsed_seconds,
    schedule_checks,
    select_policy,
    threshold_seconds,
    ticket_clocks,
    warning_percents,
)
from sla.service.history import record_clock_event

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


def retarget_clocks(
    ticket: Ticket, *, now: datetime, actor: User | None, cause: str
) -> None:
    """Re-select the policy after a priority/category change: targets come
    from the new policy, the business time already spent is kept."""
    policy = select_policy(ticket)
    for clock in ticket_clocks(ticket.id):
        minutes = policy.target_minutes(clock.target) if policy else None
        if policy is None or not minutes or policy.id == clock.policy_id:
            continue
        old_spec = calendar_spec(clock.policy.calendar)
        clock.spent_seconds = elapsed_seconds(clock, old_spec, now)
        if clock.phase == Phase.RUNNING:
            clock.running_since = now
        old_name = clock.policy.name
        clock.policy, clock.target_seconds = policy, minutes * 60
        # Thresholds already passed under the new target count as done.
        clock.warnings_done = sum(
            1
            for p in warning_percents(clock)
            if clock.spent_seconds >= threshold_seconds(clock, p)
        )
        schedule_checks(clock, calendar_spec(policy.calendar))
        record_clock_event(
            ticket,
            "sla_policy_changed",
            clock,
            now=now,
            actor=actor,
            cause=cause,
            old_policy=old_name,
            policy=policy.name,
        )
