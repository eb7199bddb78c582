"""Process tasks in the browser: ticking them off (and back on) from the
ticket page or "My tasks", the "My tasks" page itself, and escalating
several tickets of the queue at once."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.http import form_error
from helpdesk.service import bulk
from helpdesk.views.access import staff_required
from routing import views
from routing.schemas import BulkEscalationIn
from routing.service import lines, tasks
from routing.views import bp


@bp.get("/tasks")
@staff_required
def task_list():
    now = get_clock().now()
    return render_template(
        "routing/tasks.html", tasks=tasks.open_tasks_for(current_user), now=now
    )


@bp.post("/tasks/<int:task_id>/completion")
@staff_required
def task_tick(task_id: int):
    task = tasks.get_task(current_user, task_id)
    tasks.tick(task, actor=current_user, now=get_clock().now())
    db.session.commit()
    flash(_("Task “%(title)s” done.", title=task.title), "success")
    return redirect(_task_back(task))


@bp.post("/tasks/<int:task_id>/reopening")
@staff_required
def task_untick(task_id: int):
    task = tasks.get_task(current_user, task_id)
    tasks.untick(task, actor=current_user, now=get_clock().now())
    db.session.commit()
    flash(_("Task “%(title)s” is open again.", title=task.title), "success")
    return redirect(_task_back(task))


def _task_back(task) -> str:
    if request.form.get("next"):
        return views._back_to()
    return url_for("helpdesk.ticket_detail", ticket_id=task.ticket_id)


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
        errors, _status = form_error(err)
        flash(" ".join(" ".join(str(m) for m in v) for v in errors.values()), "error")
        return redirect(back)
    now = get_clock().now()
    outcome = bulk.for_each_ticket(
        data["ticket_ids"],
        lambda ticket: lines.escalate_ticket(
            ticket,
            line=data["line"],
            reason=data["reason"],
            actor=current_user,
            now=now,
            settings=current_app.config,
        ),
        actor=current_user,
    )
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
