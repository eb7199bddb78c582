"""Moving tickets between lines: one from its page or the phone console,
several from the queue at once; and an agent's availability for automatic
assignment."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from helpdesk.clock import get_clock
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.http import form_error
from helpdesk.service import access, bulk, versions
from helpdesk.undo import UndoKind
from helpdesk.views import undo as undo_view
from helpdesk.views.access import staff_required
from helpdesk.views.tickets import render_ticket
from helpdesk.views.workspace import bulk_form_errors, render_queue
from routing.schemas import BulkEscalationIn, EscalationIn
from routing.service import assignment, lines
from routing.views.common import back_to, bp


@bp.post("/tickets/<int:ticket_id>/escalations")
@staff_required
def escalation_create(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    from_phone = request.form.get("next") == "phone"
    try:
        data = EscalationIn().load(request.form.to_dict(), unknown="exclude")
        now = get_clock().now()
        versions.expect_version(ticket, data["version"], actor=current_user)
        action = undo_view.begin(UndoKind.LINE, [ticket], now=now)
        lines.escalate_ticket(
            ticket,
            line=data["line"],
            reason=data["reason"],
            actor=current_user,
            now=now,
        )
    except (ValidationError, InvalidInput) as err:
        errors, _status = form_error(err)
        if from_phone:
            flash(" ".join(" ".join(m) for m in errors.values()), "error")
            return redirect(_phone_url(ticket)), 303
        errors = {f"escalation_{k}": v for k, v in errors.items()}
        return render_ticket(ticket, errors=errors, status=422)
    undo_view.offer(action)
    db.session.commit()
    flash(
        _("%(number)s moved to line %(line)s.", number=ticket.number, line=ticket.line),
        "success",
    )
    if from_phone:
        return redirect(_phone_url(ticket))
    return redirect(url_for("helpdesk.ticket_detail", ticket_id=ticket.id))


def _phone_url(ticket) -> str:
    return url_for(
        "helpdesk.phone", requester_id=ticket.requester_id, created=ticket.id
    )


@bp.post("/escalations/bulk")
@staff_required
def escalation_bulk():
    """Escalate each selected ticket the agent may move; the others are
    skipped with their reason (each ticket in its own savepoint)."""
    back = url_for("helpdesk.queue", **request.args)
    form = {
        "ticket_ids": request.form.getlist("ticket_ids"),
        "line": request.form.get("routing_line", ""),
        "reason": request.form.get("routing_reason", ""),
    }
    try:
        data = BulkEscalationIn().load(form)
    except ValidationError as err:
        # The queue again, the same tickets ticked, the messages by the fields.
        return render_queue(errors=bulk_form_errors(err, prefix="routing_"), status=422)
    now = get_clock().now()
    action = undo_view.begin(
        UndoKind.BULK, bulk.visible(data["ticket_ids"], actor=current_user), now=now
    )
    outcome = bulk.for_each_ticket(
        data["ticket_ids"],
        lambda ticket: lines.escalate_ticket(
            ticket,
            line=data["line"],
            reason=data["reason"],
            actor=current_user,
            now=now,
        ),
        actor=current_user,
    )
    undo_view.offer(action)
    db.session.commit()
    if outcome.changed:
        flash(
            _(
                "Moved to line %(line)s: %(numbers)s.",
                line=data["line"],
                numbers=", ".join(outcome.changed),
            ),
            "success",
        )
    for number, reason in outcome.skipped.items():
        flash(
            _("%(number)s skipped: %(reason)s", number=number, reason=reason), "error"
        )
    return redirect(back)


@bp.post("/availability")
@staff_required
def availability_update():
    available = request.form.get("available") == "true"
    assignment.set_availability(
        current_user, available, actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    flash(
        _("You are available for new tickets.")
        if available
        else _("You are away: no tickets are assigned to you automatically."),
        "success",
    )
    return redirect(back_to())
