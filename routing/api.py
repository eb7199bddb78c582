"""Routing's REST API, shaped like the core's: lists are ``{"items",
"next_cursor"}``, errors ``{"error": {...}}``, path parameters are ids.

- ``/api/v1/routing/rules`` (managers, admins): the rules, and
  ``POST .../rules/{id}/tests`` / ``POST /api/v1/routing/tests``: dry runs;
- ``POST /api/v1/tickets/{id}/escalations``: move a ticket to another line;
- ``/api/v1/routing/agents``: availability and load;
- ``/api/v1/routing/defects``: defects for line 3;
- ``GET /api/v1/tickets/{id}/tasks``: a ticket's process tasks (staff), and
  ``POST``/``DELETE /api/v1/routing/tasks/{id}/completions``: tick a task
  off / undo that.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk import undo
from helpdesk.api import begin_undo, dump_ticket, etag, requested_version, with_undo
from helpdesk.api_queue import bulk_answer
from helpdesk.clock import get_clock
from helpdesk.errors import InvalidInput, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.models import Ticket, User
from helpdesk.pagination import decode_cursor, page
from helpdesk.schemas.common import PageQuery
from helpdesk.service import access, bulk, versions
from helpdesk.undo import UndoKind
from routing import rules
from routing.schemas import (
    AgentOut,
    AvailabilityIn,
    BulkEscalationIn,
    DefectDetailOut,
    DefectFixIn,
    DefectIn,
    DefectLinkIn,
    DefectListQuery,
    DefectOut,
    DefectPatchIn,
    DefectReopenIn,
    DryRunOut,
    EscalationIn,
    RuleIn,
    RuleOut,
    RulePatchIn,
    RuleTestIn,
    TaskOut,
)
from routing.service import assignment, defects, dryrun, lines, rulebook, tasks

bp = Blueprint("routing_api", __name__, url_prefix="/api/v1")


# --- rules -------------------------------------------------------------------------


@bp.get("/routing/rules")
@login_required
def rule_list():
    rulebook.ensure_rule_admin(current_user)
    items = RuleOut(many=True).dump(rulebook.list_rules())
    return {"items": items, "next_cursor": None}


@bp.post("/routing/rules")
@login_required
def rule_create():
    rulebook.ensure_rule_admin(current_user)
    data = RuleIn().load(json_body())
    rule = rulebook.create_rule(data, actor=current_user, now=get_clock().now())
    db.session.commit()
    location = f"/api/v1/routing/rules/{rule.id}"
    return RuleOut().dump(rule), 201, {"Location": location}


@bp.get("/routing/rules/<int:rule_id>")
@login_required
def rule_get(rule_id: int):
    rulebook.ensure_rule_admin(current_user)
    return RuleOut().dump(rulebook.get_rule(rule_id))


@bp.patch("/routing/rules/<int:rule_id>")
@login_required
def rule_patch(rule_id: int):
    rulebook.ensure_rule_admin(current_user)
    rule = rulebook.get_rule(rule_id)
    changes = RulePatchIn().load(json_body())
    rulebook.update_rule(rule, changes, actor=current_user, now=get_clock().now())
    db.session.commit()
    return RuleOut().dump(rule)


@bp.delete("/routing/rules/<int:rule_id>")
@login_required
def rule_delete(rule_id: int):
    rulebook.ensure_rule_admin(current_user)
    rulebook.delete_rule(rulebook.get_rule(rule_id), actor=current_user)
    db.session.commit()
    return "", 204


@bp.post("/routing/rules/<int:rule_id>/tests")
@login_required
def rule_test(rule_id: int):
    """Dry run of one rule (enabled or not) against a ticket."""
    rulebook.ensure_rule_admin(current_user)
    rule = rulebook.get_rule(rule_id)
    data = RuleTestIn().load(json_body())
    compiled = rules.compile_rule(rule.as_data())
    return _dry_run(data, trigger=rule.trigger.value, only=compiled)


@bp.post("/routing/tests")
@login_required
def rules_test():
    """Dry run of every enabled rule of a trigger against a ticket."""
    rulebook.ensure_rule_admin(current_user)
    data = RuleTestIn().load(json_body())
    return _dry_run(data, trigger=data["trigger"] or rules.Trigger.TICKET_CREATED)


def _dry_run(data: dict, *, trigger: str, only=None):
    ticket = _ticket_from_body(data["ticket"])
    outcomes = dryrun.dry_run(
        ticket, trigger=trigger, only=only, sla_target=data["sla_target"]
    )
    body = DryRunOut().dump(
        {
            "ticket": {"id": ticket.id, "number": ticket.number},
            "trigger": str(trigger),
            "rules": outcomes,
        }
    )
    db.session.rollback()  # a dry run keeps nothing, whatever it touched
    return body


def _ticket_from_body(ticket_id: int) -> Ticket:
    try:
        return access.get_visible_ticket(current_user, ticket_id)
    except NotFound as err:
        raise InvalidInput(err.message, fields={"ticket": [err.message]}) from err


# --- escalation ----------------------------------------------------------------------


@bp.post("/tickets/<int:ticket_id>/escalations")
@login_required
def escalation_create(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    if not current_user.is_staff:
        raise PermissionDenied(_("Only agents can escalate tickets."))
    data = EscalationIn().load(json_body())
    now = get_clock().now()
    versions.expect_version(ticket, requested_version(data), actor=current_user)
    action = begin_undo(UndoKind.LINE, [ticket], now=now)
    lines.escalate_ticket(
        ticket,
        line=data["line"],
        reason=data["reason"],
        actor=current_user,
        now=now,
    )
    action = undo.finish(action)
    db.session.commit()
    return with_undo(dump_ticket(ticket), action), 201, etag(ticket)


@bp.post("/tickets/bulk-escalations")
@login_required
def bulk_escalation_create():
    """The queue's bulk escalation: up to 100 tickets to one line with one
    reason; each ticket the agent may not move is skipped with its reason."""
    if not current_user.is_staff:
        raise PermissionDenied(_("Only agents can escalate tickets."))
    data = BulkEscalationIn().load(json_body())
    now = get_clock().now()
    action = begin_undo(
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
    action = undo.finish(action)
    db.session.commit()
    return bulk_answer(outcome, action), 201


# --- agents --------------------------------------------------------------------------


@bp.get("/routing/agents")
@login_required
def agent_list():
    if not current_user.is_staff:
        raise PermissionDenied(_("Only staff see the agents."))
    line = request.args.get("line", type=int)
    if line not in (None, 1, 2, 3):
        message = _("The line is 1, 2 or 3.")
        raise InvalidInput(message, fields={"line": [message]})
    items = AgentOut(many=True).dump(assignment.line_loads(line))
    return {"items": items, "next_cursor": None}


@bp.patch("/routing/agents/<int:user_id>")
@login_required
def agent_patch(user_id: int):
    if not current_user.is_staff:
        raise PermissionDenied(_("Only agents have an availability."))
    agent = db.session.get(User, user_id)
    if agent is None:
        raise NotFound(_("Agent not found."))
    data = AvailabilityIn().load(json_body())
    assignment.set_availability(
        agent, data["available"], actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    load = next(a for a in assignment.line_loads(agent.line) if a.user.id == agent.id)
    return AgentOut().dump(load)


# --- defects -------------------------------------------------------------------------


@bp.get("/routing/defects")
@login_required
def defect_list():
    filters = DefectListQuery().load(request.args.to_dict())
    if not current_user.is_staff:
        raise PermissionDenied(_("Only staff see defects."))
    rows = defects.list_defects(
        current_user,
        filters,
        after_id=decode_cursor(filters["cursor"]),
        limit=filters["limit"] + 1,
    )
    items, next_cursor = page(rows, filters["limit"])
    return {"items": DefectOut(many=True).dump(items), "next_cursor": next_cursor}


@bp.post("/routing/defects")
@login_required
def defect_create():
    if not defects.can_file(current_user):
        raise PermissionDenied(_("Only lines 2 and 3 and managers file defects."))
    data = DefectIn().load(json_body())
    ticket = _ticket_from_body(data.pop("ticket"))
    defect = defects.create_defect(
        data, ticket=ticket, actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    location = f"/api/v1/routing/defects/{defect.id}"
    return DefectDetailOut().dump(defect), 201, {"Location": location}


@bp.get("/routing/defects/<int:defect_id>")
@login_required
def defect_get(defect_id: int):
    defect = defects.get_visible_defect(current_user, defect_id)
    return DefectDetailOut().dump(defect)


@bp.patch("/routing/defects/<int:defect_id>")
@login_required
def defect_patch(defect_id: int):
    defect = defects.get_visible_defect(current_user, defect_id)
    changes = DefectPatchIn().load(json_body())
    defects.update_defect(defect, changes, actor=current_user, now=get_clock().now())
    db.session.commit()
    return DefectDetailOut().dump(defect)


@bp.post("/routing/defects/<int:defect_id>/tickets")
@login_required
def defect_link_create(defect_id: int):
    defect = defects.get_visible_defect(current_user, defect_id)
    data = DefectLinkIn().load(json_body())
    ticket = _ticket_from_body(data["ticket"])
    defects.link_ticket(defect, ticket, actor=current_user, now=get_clock().now())
    db.session.commit()
    return DefectDetailOut().dump(defect), 201


@bp.post("/routing/defects/<int:defect_id>/fixes")
@login_required
def defect_fix_create(defect_id: int):
    defect = defects.get_visible_defect(current_user, defect_id)
    data = DefectFixIn().load(json_body())
    defects.fix_defect(
        defect,
        resolution=data["resolution"],
        actor=current_user,
        now=get_clock().now(),
        settings=current_app.config,
    )
    db.session.commit()
    return DefectDetailOut().dump(defect), 201


@bp.post("/routing/defects/<int:defect_id>/reopenings")
@login_required
def defect_reopening_create(defect_id: int):
    defect = defects.get_visible_defect(current_user, defect_id)
    data = DefectReopenIn().load(json_body())
    defects.reopen_defect(
        defect, reason=data["reason"], actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    return DefectDetailOut().dump(defect), 201


# --- process tasks -------------------------------------------------------------------


@bp.get("/tickets/<int:ticket_id>/tasks")
@login_required
def ticket_task_list(ticket_id: int):
    query = PageQuery().load(request.args.to_dict())
    ticket = access.get_visible_ticket(current_user, ticket_id)
    tasks.ensure_can_see_tasks(current_user)
    rows = tasks.tasks_page(
        ticket, after=decode_cursor(query["cursor"]), limit=query["limit"]
    )
    items, next_cursor = page(rows, query["limit"])
    return {"items": TaskOut(many=True).dump(items), "next_cursor": next_cursor}


@bp.post("/routing/tasks/<int:task_id>/completions")
@login_required
def task_completion_create(task_id: int):
    task = tasks.get_task(current_user, task_id)
    tasks.tick(task, actor=current_user, now=get_clock().now())
    db.session.commit()
    return TaskOut().dump(task), 201


@bp.delete("/routing/tasks/<int:task_id>/completions")
@login_required
def task_completion_delete(task_id: int):
    task = tasks.get_task(current_user, task_id)
    tasks.untick(task, actor=current_user, now=get_clock().now())
    db.session.commit()
    return "", 204
