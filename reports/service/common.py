"""What the reports share: their filters, medians from buckets, labels of
categories and agents, rates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Category, User
from reports.periods import Period
from sla.service.rollup_keys import bucket_bounds, bucket_of

__all__ = ["Filters", "bucket_of", "median_of_buckets", "rate"]


@dataclass(frozen=True)
class Filters:
    """A report's period and its optional filters (None: any)."""

    period: Period
    line: int | None = None
    channel: str | None = None
    category_id: int | None = None
    priority: str | None = None
    agent_id: int | None = None
    organization: str | None = None

    def echo(self) -> dict[str, Any]:
        """The filters as the API and the links send them."""
        out = {
            "from": self.period.first,
            "to": self.period.end,
            "by": self.period.by,
            "time_zone": self.period.zone,
        }
        for name in ("line", "channel", "priority", "organization"):
            out[name] = getattr(self, name)
        out["category"] = self.category_id
        out["agent"] = self.agent_id
        return out


def median_of_buckets(buckets: Mapping[int, int]) -> int | None:
    """The median (the lower one of an even count) of values counted in
    ``sla.service.rollups`` buckets: exact below 64 s, else the middle of its
    bucket (within about 6 %)."""
    total = sum(buckets.values())
    if not total:
        return None
    rank, seen = (total + 1) // 2, 0
    for bucket in sorted(buckets):
        seen += buckets[bucket]
        if seen >= rank:
            low, high = bucket_bounds(bucket)
            return low if high - low == 1 else (low + high) // 2
    return None  # pragma: no cover - the ranks add up


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a percentage with one decimal; None of nothing."""
    return round(100.0 * part / whole, 1) if whole else None


def category_names(ids: Iterable[int], locale: str) -> dict[int, str]:
    ids = sorted(set(ids) - {0})
    if not ids:
        return {}
    return {
        c.id: c.display_name(locale)
        for c in db.session.scalars(sa.select(Category).where(Category.id.in_(ids)))
    }


def people(ids: Iterable[int]) -> dict[int, User]:
    ids = sorted(set(ids) - {0})
    if not ids:
        return {}
    return {
        u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))
    }


def series(
    period: Period, counts: Mapping[date, Mapping[str, int]], names
) -> list[dict]:
    """Per bucket of the period (every day or week, empty ones too) the
    sums of ``names`` over its days."""
    out = {bucket: dict.fromkeys(names, 0) for bucket in period.buckets()}
    for day, values in counts.items():
        target = out[period.bucket(day)]
        for name in names:
            target[name] += values.get(name, 0)
    return [{"period": bucket} | values for bucket, values in sorted(out.items())]


def category_choices(locale: str) -> list[tuple[int, str]]:
    rows = db.session.scalars(sa.select(Category).order_by(Category.code))
    return [(c.id, c.display_name(locale)) for c in rows]


def agent_choices() -> list[tuple[int, str]]:
    """Staff who work tickets (the lines' agents and the managers), by name."""
    from helpdesk.vocabulary import ASSIGNABLE_ROLES

    rows = db.session.execute(
        sa.select(User.id, User.name)
        .where(User.role.in_(sorted(ASSIGNABLE_ROLES)))
        .order_by(User.name, User.id)
    )
    return [(id_, name) for id_, name in rows]
