"""The summary e-mail: a manager subscribes to a daily or weekly summary
sent at a chosen local hour; the scheduler's job (``send_due``) mails each
subscription that is due through the outbox.

A daily summary covers the local day before the sending, a weekly one the
seven local days before it (sent on Mondays). Figures are the reports'
(volume, satisfaction, flow), rendered in the manager's language, with small
charts drawn on the server (``charts``) and links to the full reports.
Idempotent: a subscription is claimed by moving its ``next_at`` on with a
conditional UPDATE, so a doubled run sends it once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from helpdesk.errors import PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.outbox import OutboxChannel, enqueue
from reports.models import ReportSubscription
from reports.periods import Period, local_date, zone_of
from reports.service import charts, csat, flow, volume
from reports.service.common import Filters
from reports.service.tables import AGE_LABELS

log = logging.getLogger(__name__)
FREQUENCIES = ("daily", "weekly")


def next_sending(frequency: str, hour: int, zone: str, *, after: datetime) -> datetime:
    """The first local ``hour``:00 after ``after`` (on a Monday, weekly),
    as a UTC instant. A local time skipped by DST moves to the next hour."""
    tz = ZoneInfo(zone_of(zone))
    day = local_date(after, zone_of(zone))
    while True:
        if frequency == "daily" or day.weekday() == 0:
            candidate = datetime.combine(day, time(hour), tzinfo=tz).astimezone(
                ZoneInfo("UTC")
            )
            if candidate > after:
                return candidate
        day += timedelta(days=1)


def subscribe(
    user: User, data: Mapping[str, Any], *, now: datetime
) -> ReportSubscription:
    """Start or change ``user``'s summary (``frequency``, ``hour``); flushes."""
    if not user.is_manager:
        raise PermissionDenied(_l("Only managers and admins receive the summary."))
    subscription = db.session.get(ReportSubscription, user.id) or ReportSubscription(
        user_id=user.id
    )
    subscription.frequency = data["frequency"]
    subscription.hour = data["hour"]
    subscription.next_at = next_sending(
        data["frequency"], data["hour"], user.timezone, after=now
    )
    db.session.add(subscription)
    db.session.flush()
    return subscription


def unsubscribe(user: User) -> bool:
    subscription = db.session.get(ReportSubscription, user.id)
    if subscription is None:
        return False
    db.session.delete(subscription)
    db.session.flush()
    return True


def subscription_of(user: User) -> ReportSubscription | None:
    return db.session.get(ReportSubscription, user.id)


def period_for(subscription: ReportSubscription, zone: str, *, at: datetime) -> Period:
    """The local days the summary sent at ``at`` covers."""
    end = local_date(at, zone)
    days = 7 if subscription.frequency == "weekly" else 1
    return Period(zone, end - timedelta(days=days), end, "day")


def send_due(*, now: datetime, settings: Mapping[str, Any]) -> int:
    """Queue the summary of every subscription due at ``now``; flushes.
    Answers how many were queued."""
    due = db.session.scalars(
        sa.select(ReportSubscription)
        .where(ReportSubscription.next_at <= now)
        .order_by(ReportSubscription.next_at)
        .limit(100)
    ).all()
    sent = 0
    for subscription in due:
        user = db.session.get(User, subscription.user_id)
        claimed = db.session.execute(
            sa.update(ReportSubscription)
            .where(
                ReportSubscription.user_id == subscription.user_id,
                ReportSubscription.next_at == subscription.next_at,
            )
            .values(
                next_at=next_sending(
                    subscription.frequency, subscription.hour, user.timezone, after=now
                ),
                last_sent_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1 or not (user.active and user.is_manager):
            continue
        _queue(user, subscription, now=now, settings=settings)
        sent += 1
    db.session.flush()
    return sent


def _queue(user: User, subscription: ReportSubscription, *, now, settings) -> None:
    zone = zone_of(user.timezone)
    period = period_for(subscription, zone, at=now)
    f = Filters(period=period)
    locale = user.locale or "en"
    with force_locale(locale):
        context = summary_context(
            f, subscription, locale=locale, now=now, settings=settings
        )
        text = render_template("reports/mail/summary.txt", **context)
        html = render_template("reports/mail/summary.html", **context)
    enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=user.email,
        subject=context["subject"],
        body=text,
        html=html,
        now=now,
        payload={"event": "reports.summary", "frequency": subscription.frequency},
    )


def summary_context(f: Filters, subscription, *, locale: str, now, settings) -> dict:
    """The headline figures, two charts and the links, under the locale."""
    v = volume.report(f, now=now, locale=locale)
    s = csat.report(f, locale=locale, limit=1)["totals"]
    fl = flow.report(f, locale=locale)["totals"]
    base = settings.get("BASE_URL", "").rstrip("/")
    query = urlencode(
        {"from": f.period.first.isoformat(), "to": f.period.end.isoformat()}
    )
    backlog = v["backlog"]
    ages = list(backlog["by_age"].values())
    volume_png = charts.bar_chart_png(
        _("Created and resolved"),
        [_short(r["period"]) for r in v["series"]],
        [
            (_("Created tickets"), [r["created"] for r in v["series"]]),
            (_("Resolved tickets"), [r["resolved"] for r in v["series"]]),
        ],
    )
    ageing_png = charts.bar_chart_png(
        _("Backlog ageing"),
        [str(label) for label in AGE_LABELS.values()],
        [(_("Open tickets"), ages)],
    )
    title = (
        _("Daily summary") if subscription.frequency == "daily" else _("Weekly summary")
    )
    return {
        "subject": f"{title}: {f.period.first.isoformat()}"
        + (
            "" if f.period.first == f.period.last else f" – {f.period.last.isoformat()}"
        ),
        "title": title,
        "period": f.period,
        "figures": [
            (_("Created tickets"), v["totals"]["created"]),
            (_("Resolved tickets"), v["totals"]["resolved"]),
            (_("Open now"), backlog["total"]),
            (_("Average rating"), "—" if s["average"] is None else s["average"]),
            (
                _("Rated 4 or 5"),
                "—" if s["good_percent"] is None else f"{s['good_percent']} %",
            ),
            (
                _("Resolved by line 1"),
                "—" if fl["line1_percent"] is None else f"{fl['line1_percent']} %",
            ),
        ],
        "charts": [charts.data_uri(volume_png), charts.data_uri(ageing_png)],
        "links": [
            (_("Volume and backlog"), f"{base}/reports/volume?{query}"),
            (_("Satisfaction (CSAT)"), f"{base}/reports/csat?{query}"),
            (_("Flow between lines"), f"{base}/reports/flow?{query}"),
        ],
        "zone": f.period.zone,
    }


def _short(day: date) -> str:
    return day.strftime("%d.%m")
