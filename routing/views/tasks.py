"""Process tasks in the browser: ticking them off (and back on) from the
ticket page or "My tasks", and the "My tasks" page itself."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.views.access import staff_required
from routing.service import tasks
from routing.views.common import back_to, bp


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
        return back_to()
    return url_for("helpdesk.ticket_detail", ticket_id=task.ticket_id)
