"""Defect pages: line 3's queue, one defect with its tickets, filing one
from a ticket, linking tickets, and marking it fixed."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from helpdesk import confirm
from helpdesk.clock import get_clock
from helpdesk.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from helpdesk.extensions import db
from helpdesk.http import form_error, query_id
from helpdesk.models import parse_ticket_number
from helpdesk.pagination import decode_cursor, page
from helpdesk.service import access
from helpdesk.views.access import staff_required
from routing.labels import DEFECT_STATUS_LABELS, KIND_LABELS, SEVERITY_LABELS
from routing.models import DefectStatus
from routing.schemas import (
    DefectFixIn,
    DefectIn,
    DefectListQuery,
    DefectPatchIn,
    DefectReopenIn,
)
from routing.service import defects
from routing.views.common import bp

LABELS = {
    "kinds": KIND_LABELS,
    "severities": SEVERITY_LABELS,
    "defect_statuses": DEFECT_STATUS_LABELS,
}


@bp.get("/defects")
@staff_required
def defect_list():
    args = {k: v for k, v in request.args.items() if v != ""}
    filters = DefectListQuery().load(args)
    limit = current_app.config["PAGE_SIZE"]
    rows = defects.list_defects(
        current_user,
        filters,
        after_id=decode_cursor(filters.get("cursor")),
        limit=limit + 1,
    )
    items, next_cursor = page(rows, limit)
    return render_template(
        "routing/defects.html",
        defects=items,
        next_cursor=next_cursor,
        args=args,
        **LABELS,
    )


@bp.get("/defects/new")
@staff_required
def defect_new():
    ticket = access.get_visible_ticket(
        current_user, request.args.get("ticket", type=query_id) or 0
    )
    _ensure_filer(ticket)
    values = {
        "kind": "defect",
        "severity": "major",
        "title": ticket.subject,
        "description": ticket.description,
    }
    return _render_new(ticket, values, errors={})


@bp.post("/defects/new")
@staff_required
def defect_create():
    ticket = access.get_visible_ticket(
        current_user, request.form.get("ticket", type=query_id) or 0
    )
    _ensure_filer(ticket)
    try:
        data = DefectIn().load(request.form.to_dict(), unknown="exclude")
        data.pop("ticket")
        defect = defects.create_defect(
            data, ticket=ticket, actor=current_user, now=get_clock().now()
        )
    except (ValidationError, InvalidInput) as err:
        errors, _status = form_error(err)
        return _render_new(ticket, request.form, errors=errors, status=422)
    db.session.commit()
    flash(_("%(number)s filed for line 3.", number=defect.number), "success")
    return redirect(url_for("routing.defect_detail", defect_id=defect.id))


def _ensure_filer(ticket) -> None:
    if not defects.can_file(current_user):
        raise PermissionDenied(_("Only lines 2 and 3 and managers file defects."))
    access.ensure_can_work_on(current_user, ticket)


def _render_new(ticket, values, *, errors, status=200):
    return render_template(
        "routing/defect_new.html", ticket=ticket, values=values, errors=errors, **LABELS
    ), status


@bp.get("/defects/<int:defect_id>")
@staff_required
def defect_detail(defect_id: int):
    return _render_detail(defects.get_visible_defect(current_user, defect_id))


def _render_detail(defect, *, errors=None, status=200):
    return render_template(
        "routing/defect.html",
        defect=defect,
        errors=errors or {},
        form=request.form if errors else {},
        can_file=defects.can_file(current_user),
        can_fix=defects.can_fix(current_user),
        **LABELS,
    ), status


@bp.post("/defects/<int:defect_id>/tickets")
@staff_required
def defect_link_create(defect_id: int):
    """Link one more ticket, given by its number, from the defect's page."""
    defect = defects.get_visible_defect(current_user, defect_id)
    try:
        ticket_id = parse_ticket_number(request.form.get("ticket", ""))
        if ticket_id is None:
            message = _("Give a ticket number such as HD-000042.")
            raise InvalidInput(message, fields={"ticket": [message]})
        ticket = _ticket_for_link(ticket_id)
        defects.link_ticket(defect, ticket, actor=current_user, now=get_clock().now())
    except (InvalidInput, Conflict) as err:
        errors, _status = form_error(err)
        return _render_detail(
            defect, errors={"ticket": sum(errors.values(), [])}, status=422
        )
    db.session.commit()
    flash(_("%(ticket)s linked.", ticket=ticket.number), "success")
    return redirect(url_for("routing.defect_detail", defect_id=defect.id))


def _ticket_for_link(ticket_id: int):
    try:
        return access.get_visible_ticket(current_user, ticket_id)
    except DomainError as err:
        raise InvalidInput(err.message, fields={"ticket": [err.message]}) from err


@bp.post("/tickets/<int:ticket_id>/defects")
@staff_required
def ticket_defect_link(ticket_id: int):
    """From the ticket's sidebar: link this ticket to a chosen defect."""
    ticket = access.get_visible_ticket(current_user, ticket_id)
    defect = defects.get_visible_defect(
        current_user, request.form.get("defect", type=query_id) or 0
    )
    try:
        defects.link_ticket(defect, ticket, actor=current_user, now=get_clock().now())
    except Conflict as err:
        # Fixed or linked meanwhile (a page loaded before): back, saying so.
        db.session.rollback()
        flash(str(err.message), "error")
        return redirect(url_for("helpdesk.ticket_detail", ticket_id=ticket_id))
    db.session.commit()
    flash(
        _("Linked to %(defect)s: the ticket waits on line 3.", defect=defect.number),
        "success",
    )
    return redirect(url_for("helpdesk.ticket_detail", ticket_id=ticket.id))


@bp.post("/defects/<int:defect_id>/status")
@staff_required
def defect_status(defect_id: int):
    defect = defects.get_visible_defect(current_user, defect_id)
    changes = DefectPatchIn().load(
        {"status": request.form.get("status", "")}, unknown="exclude"
    )
    try:
        defects.update_defect(
            defect, changes, actor=current_user, now=get_clock().now()
        )
    except Conflict as err:
        errors, status = form_error(err)
        return _render_detail(defect, errors=errors, status=status)
    db.session.commit()
    return redirect(url_for("routing.defect_detail", defect_id=defect.id))


@bp.post("/defects/<int:defect_id>/fixes")
@staff_required
def defect_fix(defect_id: int):
    defect = defects.get_visible_defect(current_user, defect_id)
    try:
        data = DefectFixIn().load(request.form.to_dict(), unknown="exclude")
        if not defects.can_fix(current_user):
            raise PermissionDenied(_("Only line 3 and managers mark defects fixed."))
        if defect.status == DefectStatus.FIXED:
            raise Conflict(_("This defect is fixed already."))
        if not confirm.confirmed():
            return _ask_to_fix(defect)
        returned = defects.fix_defect(
            defect,
            resolution=data["resolution"],
            actor=current_user,
            now=get_clock().now(),
            settings=current_app.config,
        )
    except (ValidationError, Conflict) as err:
        errors, status = form_error(err)
        return _render_detail(defect, errors=errors, status=status)
    db.session.commit()
    flash(
        _(
            "%(number)s fixed; %(count)s tickets went back for confirmation.",
            number=defect.number,
            count=len(returned),
        ),
        "success",
    )
    return redirect(url_for("routing.defect_detail", defect_id=defect.id))


def _ask_to_fix(defect):
    active = [link.ticket.number for link in defects.active_links(defect)]
    return confirm.ask(
        title=_("Mark %(number)s fixed?", number=defect.number),
        consequences=[
            _(
                "%(count)s linked active tickets (%(numbers)s) go back to their "
                "lines as “Confirm the fix with the customer”, with your text as "
                "an internal note.",
                count=len(active),
                numbers=", ".join(active) or "—",
            ),
            _("Their lines are told by e-mail."),
            _("If the fix does not hold, the defect can be reopened."),
        ],
        button=_("Mark fixed"),
        back=url_for("routing.defect_detail", defect_id=defect.id),
        final=False,
    )


@bp.post("/defects/<int:defect_id>/reopenings")
@staff_required
def defect_reopen(defect_id: int):
    """A fix that did not hold: the defect and its active tickets wait again."""
    defect = defects.get_visible_defect(current_user, defect_id)
    try:
        data = DefectReopenIn().load(request.form.to_dict(), unknown="exclude")
        waiting = defects.reopen_defect(
            defect, reason=data["reason"], actor=current_user, now=get_clock().now()
        )
    except (ValidationError, Conflict) as err:
        errors, status = form_error(err)
        return _render_detail(defect, errors=errors, status=status)
    db.session.commit()
    flash(
        _(
            "%(number)s is open again; %(count)s tickets wait on line 3 again.",
            number=defect.number,
            count=len(waiting),
        ),
        "success",
    )
    return redirect(url_for("routing.defect_detail", defect_id=defect.id))
