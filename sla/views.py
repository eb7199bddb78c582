"""SLA pages for managers and admins: the dashboard, its CSV export, and the
settings (business calendars and policies).

Forms go through the API's load schemas (text rows for intervals and
holidays); a failed submit re-renders the form with the messages (422) and
stores nothing.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import available_timezones

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
from werkzeug.datastructures import MultiDict

from helpdesk import confirm
from helpdesk.clock import get_clock
from helpdesk.errors import Conflict, InvalidInput
from helpdesk.extensions import db
from helpdesk.http import form_error
from helpdesk.service import queries
from helpdesk.tabular import XLSX_TYPE
from helpdesk.views.access import managers_required
from helpdesk.views.exports import record_export
from helpdesk.vocabulary import Channel
from sla.fields import weekday_label
from sla.schemas import (
    ACTIONS,
    CalendarFormIn,
    HolidayIn,
    MoveIn,
    PolicyIn,
    PolicyOut,
    SummaryQuery,
    minutes_to_hhmm,
)
from sla.service import attention, dashboard, export, setup

bp = Blueprint("sla", __name__, url_prefix="/sla")
TIMEZONES = sorted(available_timezones())


# --- the dashboard ----------------------------------------------------------------


@bp.get("")
@managers_required
def dashboard_page():
    args, errors = _filled(request.args), {}
    now = get_clock().now()
    try:
        query = SummaryQuery().load(args)
        filters = dashboard.filters_from(query, now=now)
    except (ValidationError, InvalidInput) as err:
        # A period that ends before it starts (or a date that is none): the
        # default period's figures, the form as it was sent, and what to fix.
        errors, _status = form_error(err)
        kept = {k: v for k, v in args.items() if k in ("line", "period")}
        query = SummaryQuery().load({} if errors.keys() & kept.keys() else kept)
        filters = dashboard.filters_from(query, now=now)
    figures = dashboard.summary(filters, now=now, cursor=query["cursor"])
    page = render_template(
        "sla/dashboard.html",
        figures=figures,
        filters=filters,
        query=query,
        stuck=attention.clocks_needing_attention(),
        errors=errors,
        typed=args if errors else {},
    )
    return page, 422 if errors else 200


@bp.get("/export.csv")
@managers_required
def dashboard_export():
    filters = _audited_export("csv")
    name = f"sla-{filters.start.date()}-{filters.last_day}.csv"
    return Response(
        stream_with_context(export.csv_text(export.export_rows(filters))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/export.xlsx")
@managers_required
def dashboard_export_xlsx():
    filters = _audited_export("xlsx")
    name = f"sla-{filters.start.date()}-{filters.last_day}.xlsx"
    return Response(
        stream_with_context(export.xlsx_bytes(export.export_rows(filters))),
        mimetype=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _audited_export(fmt: str) -> dashboard.Filters:
    """The export's filters, its audit row committed before the rows stream."""
    args = _filled(request.args)
    now = get_clock().now()
    filters = dashboard.filters_from(SummaryQuery().load(args), now=now)
    record_export("sla", fmt, args, now=now)
    return filters


def _filled(args: MultiDict) -> dict[str, str]:
    """Query arguments without the empty ones a GET form sends."""
    return {k: v for k, v in args.to_dict().items() if v != ""}


# --- calendars --------------------------------------------------------------------


@bp.get("/calendars")
@managers_required
def calendar_list():
    return render_template("sla/calendars.html", calendars=setup.list_calendars())


@bp.route("/calendars/new", methods=["GET", "POST"])
@managers_required
def calendar_new():
    if request.method == "GET":
        values = {"timezone": "UTC", "intervals": _rows_of_default_week()}
        return _calendar_form(None, values)
    try:
        data = CalendarFormIn().load(_calendar_input(), unknown="exclude")
        calendar = setup.create_calendar(
            data, actor=current_user, now=get_clock().now()
        )
    except (ValidationError, InvalidInput) as err:
        return _calendar_form(None, request.form, *form_error(err))
    db.session.commit()
    flash(_("Calendar “%(name)s” created.", name=calendar.name), "success")
    return redirect(url_for("sla.calendar_edit", calendar_id=calendar.id))


@bp.route("/calendars/<int:calendar_id>", methods=["GET", "POST"])
@managers_required
def calendar_edit(calendar_id: int):
    calendar = setup.get_calendar(calendar_id)
    if request.method == "GET":
        return _calendar_form(calendar, _calendar_values(calendar))
    try:
        data = CalendarFormIn().load(_calendar_input(), unknown="exclude")
        setup.update_calendar(calendar, data, actor=current_user, now=get_clock().now())
    except (ValidationError, InvalidInput) as err:
        return _calendar_form(calendar, request.form, *form_error(err))
    db.session.commit()
    flash(_("Calendar “%(name)s” saved.", name=calendar.name), "success")
    return redirect(url_for("sla.calendar_edit", calendar_id=calendar.id))


@bp.post("/calendars/<int:calendar_id>/holidays")
@managers_required
def calendar_holidays_load(calendar_id: int):
    calendar = setup.get_calendar(calendar_id)
    try:
        data = HolidayIn().load(_filled(request.form), unknown="exclude")
        data["language"] = str(get_locale())
        added = setup.add_holiday(
            calendar, data, actor=current_user, now=get_clock().now()
        )
    except (ValidationError, InvalidInput, Conflict) as err:
        errors, status = form_error(err)
        return _calendar_form(
            calendar,
            _calendar_values(calendar),
            status=status,
            holiday_errors=errors,
            holiday_form=request.form,
        )
    db.session.commit()
    flash(_("%(count)s holidays added.", count=added), "success")
    return redirect(url_for("sla.calendar_edit", calendar_id=calendar.id))


@bp.post("/calendars/<int:calendar_id>/delete")
@managers_required
def calendar_delete(calendar_id: int):
    calendar = setup.get_calendar(calendar_id)
    try:
        setup.ensure_calendar_deletable(calendar)
        if not confirm.confirmed():
            return confirm.ask(
                title=_("Delete the calendar “%(name)s”?", name=calendar.name),
                consequences=[
                    _("Its working hours and holidays are deleted with it."),
                    _("No policy uses it, so no ticket's clock changes."),
                ],
                button=_("Delete the calendar"),
                back=url_for("sla.calendar_edit", calendar_id=calendar_id),
            )
        setup.delete_calendar(calendar, actor=current_user)
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("sla.calendar_edit", calendar_id=calendar_id))
    db.session.commit()
    flash(_("Calendar deleted."), "success")
    return redirect(url_for("sla.calendar_list"))


def _calendar_input() -> dict[str, str]:
    form = request.form.to_dict()
    form.setdefault("always_open", "false")  # an unticked checkbox sends nothing
    return form


def _calendar_values(calendar) -> dict[str, Any]:
    return {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "always_open": calendar.always_open,
        "intervals": "\n".join(
            f"{weekday_label(i.weekday, str(get_locale()))}, "
            f"{minutes_to_hhmm(i.start_minute)}, {minutes_to_hhmm(i.end_minute)}"
            for i in calendar.intervals
        ),
        "holidays": "\n".join(
            f"{h.day.isoformat()}, {h.name}" for h in calendar.holidays
        ),
    }


def _rows_of_default_week() -> str:
    locale = str(get_locale())
    return "\n".join(f"{weekday_label(d, locale)}, 09:00, 18:00" for d in range(5))


def _calendar_form(
    calendar,
    values,
    errors: dict | None = None,
    status: int = 200,
    *,
    holiday_errors: dict | None = None,
    holiday_form=None,
):
    page = render_template(
        "sla/calendar_form.html",
        calendar=calendar,
        values=values,
        errors=errors or {},
        holiday_errors=holiday_errors or {},
        holiday_form=holiday_form or {},
        timezones=TIMEZONES,
    )
    return page, status


# --- policies ---------------------------------------------------------------------


@bp.get("/policies")
@managers_required
def policy_list():
    policies = setup.policies_in_order()
    calendars = {c.id: c.name for c in setup.list_calendars()}
    return render_template("sla/policies.html", policies=policies, calendars=calendars)


@bp.route("/policies/new", methods=["GET", "POST"])
@managers_required
def policy_new():
    if request.method == "GET":
        return _policy_form(None, _default_policy())
    values = _policy_input(request.form)
    try:
        policy = setup.create_policy(
            PolicyIn().load(values), actor=current_user, now=get_clock().now()
        )
    except (ValidationError, InvalidInput) as err:
        return _policy_form(None, values, *form_error(err))
    db.session.commit()
    flash(_("Policy “%(name)s” created.", name=policy.name), "success")
    return redirect(url_for("sla.policy_list"))


@bp.route("/policies/<int:policy_id>", methods=["GET", "POST"])
@managers_required
def policy_edit(policy_id: int):
    policy = setup.get_policy(policy_id)
    if request.method == "GET":
        return _policy_form(policy, PolicyOut().dump(policy))
    values = _policy_input(request.form)
    try:
        setup.update_policy(
            policy, PolicyIn().load(values), actor=current_user, now=get_clock().now()
        )
    except (ValidationError, InvalidInput) as err:
        return _policy_form(policy, values, *form_error(err))
    db.session.commit()
    flash(_("Policy “%(name)s” saved.", name=policy.name), "success")
    return redirect(url_for("sla.policy_list"))


@bp.post("/policies/<int:policy_id>/move")
@managers_required
def policy_move(policy_id: int):
    policy = setup.get_policy(policy_id)
    data = MoveIn().load(request.form.to_dict(), unknown="exclude")
    setup.move_policy(policy, data["direction"], actor=current_user)
    db.session.commit()
    return redirect(url_for("sla.policy_list"))


@bp.post("/policies/<int:policy_id>/delete")
@managers_required
def policy_delete(policy_id: int):
    policy = setup.get_policy(policy_id)
    try:
        setup.ensure_policy_deletable(policy)
        if not confirm.confirmed():
            return confirm.ask(
                title=_("Delete the policy “%(name)s”?", name=policy.name),
                consequences=[
                    _(
                        "New tickets it would have matched get the next "
                        "matching policy, or no SLA clocks."
                    ),
                    _("No ticket was timed by it, so no clock or figure changes."),
                ],
                button=_("Delete the policy"),
                back=url_for("sla.policy_edit", policy_id=policy_id),
            )
        setup.delete_policy(policy, actor=current_user)
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("sla.policy_edit", policy_id=policy_id))
    db.session.commit()
    flash(_("Policy deleted."), "success")
    return redirect(url_for("sla.policy_list"))


def _policy_input(form: MultiDict) -> dict[str, Any]:
    """The form's fields in the API's shape (checkbox groups → lists, blank
    targets → none), for ``PolicyIn`` to check."""
    organizations = re.split(r"[,\n]", form.get("organization", ""))
    plans = re.split(r"[,\n]", form.get("plan", ""))
    return {
        "name": form.get("name", ""),
        "active": "active" in form,
        "calendar_id": form.get("calendar_id") or None,
        "first_response_minutes": form.get("first_response_minutes") or None,
        "next_response_minutes": form.get("next_response_minutes") or None,
        "resolution_minutes": form.get("resolution_minutes") or None,
        "warning_percents": [
            p.strip() for p in form.get("warning_percents", "").split(",") if p.strip()
        ],
        "conditions": {
            "priority": form.getlist("priority"),
            "category": form.getlist("category"),
            "channel": form.getlist("channel"),
            "organization": [o.strip() for o in organizations if o.strip()],
            "plan": [p.strip() for p in plans if p.strip()],
            **_field_conditions(form.get("field_conditions", "")),
        },
        "on_warning": form.getlist("on_warning"),
        "on_breach": form.getlist("on_breach"),
        "phone_call_is_first_response": "phone_call_is_first_response" in form,
        "pause_on_line3": "pause_on_line3" in form,
    }


def _field_conditions(text: str) -> dict[str, list[str]]:
    """The form's custom field conditions, one per line ``key: value, value``
    → ``{"field:key": ["value", "value"]}`` (a line without a colon names the
    key alone, which the service refuses)."""
    conditions: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, _colon, rest = line.partition(":")
        if key.strip():
            name = "field:" + key.strip().removeprefix("field:").strip()
            values = [v.strip() for v in rest.split(",") if v.strip()]
            conditions.setdefault(name, []).extend(values or [""])
    return conditions


def _default_policy() -> dict[str, Any]:
    return {
        "active": True,
        "warning_percents": [75, 90],
        "conditions": {},
        "on_warning": ["notify_assignee"],
        "on_breach": ["notify_assignee", "notify_managers"],
        "phone_call_is_first_response": True,
        "pause_on_line3": False,
    }


def _policy_form(policy, values, errors=None, status: int = 200):
    page = render_template(
        "sla/policy_form.html",
        policy=policy,
        values=values,
        errors=errors or {},
        calendars=setup.list_calendars(),
        categories=queries.active_categories(),
        channels=list(Channel),
        actions=ACTIONS,
    )
    return page, status
