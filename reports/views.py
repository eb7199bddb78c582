"""The /reports pages: the index, each report (filters in the URL, charts
and the same figures as tables) and its CSV and XLSX exports."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.http import form_error
from helpdesk.labels import channel_label, priority_label
from helpdesk.tabular import XLSX_TYPE
from helpdesk.views.access import managers_required, staff_required
from helpdesk.vocabulary import Channel, Priority
from reports import catalog, export
from reports.schemas import ReportQuery, SubscriptionIn
from reports.service import summary
from reports.service.common import agent_choices, category_choices
from reports.service.tables import TABLES

bp = Blueprint("reports", __name__, url_prefix="/reports")
NAMES = "any(volume,csat,agents,flow,kb)"


@bp.get("")
@managers_required
def report_index():
    return _index()


def _index(errors: dict | None = None, status: int = 200):
    page = render_template(
        "reports/index.html",
        reports=catalog.REPORTS.values(),
        subscription=summary.subscription_of(current_user),
        errors=errors or {},
    )
    return page, status


@bp.post("/subscription")
@managers_required
def subscription_update():
    """Subscribe to the summary e-mail, change it, or (no frequency) stop it."""
    form = {k: v for k, v in request.form.to_dict().items() if k != "csrf_token"}
    if not form.get("frequency"):
        summary.unsubscribe(current_user)
        db.session.commit()
        flash(_("You will receive no summary e-mail."), "success")
        return redirect(url_for("reports.report_index"))
    try:
        data = SubscriptionIn().load(form)
    except ValidationError as err:
        errors, status = form_error(err)
        return _index(errors, status)
    summary.subscribe(current_user, data, now=get_clock().now())
    db.session.commit()
    flash(_("Your summary e-mail is set."), "success")
    return redirect(url_for("reports.report_index"))


@bp.get(f"/<{NAMES}:name>")
@staff_required
def report_page(name: str):
    report = catalog.get(name, current_user)
    args = _filled()
    try:
        query, errors = ReportQuery().load(args), {}
    except ValidationError as err:
        # The default period's figures, the form as sent, and what to fix.
        errors, _status = form_error(err)
        query = ReportQuery().load({})
    filters, figures = catalog.build(report, _context(query))
    page = render_template(
        "reports/report.html",
        report=report,
        reports=[r for r in catalog.REPORTS.values() if _may_read(r)],
        figures=figures,
        filters=filters,
        tables=TABLES[name](figures),
        charts=report.charts(figures),
        headline=report.headline(figures),
        choices=_choices(report),
        errors=errors,
        typed=args if errors else {},
        export_args=_export_args(filters),
    )
    return page, 422 if errors else 200


@bp.get(f"/<{NAMES}:name>.<any(csv,xlsx):fmt>")
@staff_required
def report_export(name: str, fmt: str):
    report = catalog.get(name, current_user)
    query = ReportQuery().load(_filled())
    filters, figures = catalog.build(report, _context(query))
    tables = TABLES[name](figures)
    filename = f"{name}-{filters.period.first}-{filters.period.last}.{fmt}"
    if fmt == "csv":
        body = export.csv_text(str(report.title), tables)
        mimetype = "text/csv"
    else:
        body, mimetype = export.xlsx_bytes(tables), XLSX_TYPE
    return Response(
        stream_with_context(body),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _filled() -> dict[str, str]:
    """Query arguments without the empty ones a GET form sends."""
    return {k: v for k, v in request.args.to_dict().items() if v != ""}


def _context(query: dict) -> catalog.Context:
    return catalog.Context(
        user=current_user, now=get_clock().now(), locale=str(get_locale()), query=query
    )


def _may_read(report: catalog.Report) -> bool:
    return current_user.is_manager or (report.agents_may_read and current_user.is_agent)


def _export_args(filters) -> dict:
    """The period and filters as query arguments (what a shared link holds)."""
    echo = filters.echo()
    args = {
        "from": echo["from"].isoformat(),
        "to": echo["to"].isoformat(),
        "by": echo["by"],
    }
    for key in ("line", "channel", "category", "priority", "agent", "organization"):
        if echo.get(key) is not None:
            args[key] = echo[key]
    for key in ("sort", "order"):  # the agents' table keeps its order in links
        if request.args.get(key):
            args[key] = request.args[key]
    return args


def _choices(report: catalog.Report) -> dict:
    """The options of the report's filter drop-downs."""
    locale = str(get_locale())
    out: dict = {}
    if "channel" in report.filters:
        out["channel"] = [(c.value, channel_label(c)) for c in Channel]
    if "priority" in report.filters:
        out["priority"] = [(p.value, priority_label(p)) for p in Priority]
    if "category" in report.filters:
        out["category"] = category_choices(locale)
    if "agent" in report.filters and current_user.is_manager:
        out["agent"] = agent_choices()
    return out
