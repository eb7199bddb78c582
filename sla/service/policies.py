"""The active SLA policies and their compiled calendars, from the
per-process cache (``helpdesk.refcache``): choosing a new ticket's policy and
computing its due times reads nothing from the database once cached."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from helpdesk import refcache
from helpdesk.extensions import db
from sla.calendar import CalendarSpec
from sla.models import BusinessCalendar, Holiday, SlaPolicy, WorkingInterval


@dataclass(frozen=True)
class PolicyBook:
    """Active policies by position (detached, calendars not loaded), every
    calendar's spec by id, and every policy's calendar (inactive ones too:
    a running clock may keep a policy switched off since)."""

    policies: tuple[SlaPolicy, ...]
    specs: dict[int, CalendarSpec]
    calendar_ids: dict[int, int]


def _load(session: Session) -> PolicyBook:
    # (imported here: clocks imports this module)
    from sla.service.clocks import calendar_spec

    policies = tuple(
        session.scalars(
            sa.select(SlaPolicy)
            .where(SlaPolicy.active.is_(True))
            .order_by(SlaPolicy.position, SlaPolicy.id)
        )
    )
    calendars = session.scalars(
        sa.select(BusinessCalendar).options(
            selectinload(BusinessCalendar.intervals),
            selectinload(BusinessCalendar.holidays),
        )
    )
    specs = {c.id: calendar_spec(c) for c in calendars}
    rows = session.execute(sa.select(SlaPolicy.id, SlaPolicy.calendar_id))
    calendar_ids = {policy_id: calendar_id for policy_id, calendar_id in rows}
    return PolicyBook(policies, specs, calendar_ids)


def policy_book() -> PolicyBook:
    return refcache.cached("sla.policies", _load)


def first_matching(facts: dict[str, str | None]) -> SlaPolicy | None:
    """The first active policy whose conditions match, in this session."""
    policy = next((p for p in policy_book().policies if p.matches(facts)), None)
    return refcache.attach(policy) if policy is not None else None


def spec_of(calendar_id: int) -> CalendarSpec:
    """The compiled calendar with this id."""
    return policy_book().specs[calendar_id]


def spec_for_policy(policy_id: int) -> CalendarSpec:
    """The compiled calendar of the policy with this id."""
    book = policy_book()
    calendar_id = book.calendar_ids.get(policy_id)
    if calendar_id in book.specs:
        return book.specs[calendar_id]
    # A policy another process created after this transaction read the
    # cache's stamp (its clock may be visible already): read it as it is.
    from sla.service.clocks import calendar_spec

    return calendar_spec(db.session.get(SlaPolicy, policy_id).calendar)


def watch() -> None:
    for model in (SlaPolicy, BusinessCalendar, WorkingInterval, Holiday):
        refcache.watch(model)
