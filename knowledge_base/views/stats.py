"""The knowledge base's statistics page for managers and admins."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request

from helpdesk.clock import get_clock
from helpdesk.views.access import managers_required
from knowledge_base.schemas import StatsQuery
from knowledge_base.service.stats import kb_stats
from knowledge_base.views import bp


@bp.get("/kb/stats")
@managers_required
def stats():
    query = StatsQuery().load(request.args.to_dict())
    # Whole UTC days, today included: daily view counts line up with them.
    now = get_clock().now()
    end = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    start = end - timedelta(days=query["days"])
    return render_template(
        "knowledge_base/stats.html",
        stats=kb_stats(start=start, end=end),
        days=query["days"],
    )
