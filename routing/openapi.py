"""Routing's paths in the OpenAPI document (added through the core's
``helpdesk.openapi_paths`` hook, so the core never imports this)."""

from __future__ import annotations

from apispec import APISpec

from helpdesk.openapi_parts import (
    CONFLICT,
    ETAG,
    ID_PARAM,
    IF_MATCH,
    PAGE_PARAMS,
    json_content,
    list_of,
    operation,
    undoable,
)
from routing import schemas

ERRS = ("401", "403", "404", "422")
TICK_ERRS = {
    "403": {"description": "Not yours to tick"},
    "409": {"description": "Already in that state"},
}


def add_paths(spec: APISpec) -> None:
    for name in (
        "RuleOut",
        "DryRunOut",
        "AgentOut",
        "DefectOut",
        "DefectDetailOut",
        "TaskOut",
    ):
        spec.components.schema(name, schema=getattr(schemas, name))
    _rule_paths(spec)
    _agent_and_escalation_paths(spec)
    _defect_paths(spec)
    _task_paths(spec)


def _rule_paths(spec: APISpec) -> None:
    rule = json_content("RuleOut")
    dry_run = {"200": {"description": "What would happen", **json_content("DryRunOut")}}
    spec.path(
        path="/v1/routing/rules",
        operations={
            "get": operation(
                "The routing rules in order (managers, admins)",
                {"200": {"description": "Rules", **list_of("RuleOut")}},
                errors=("401", "403"),
            ),
            "post": operation(
                "Create a rule; validated on save (422 names each bad part, "
                "e.g. `conditions.0.op`). A condition's `field` may name a custom "
                "field as `field:<key>`, with the operators of its kind",
                {"201": {"description": "Created", **rule}},
                body=schemas.RuleIn,
                errors=("401", "403", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/routing/rules/{id}",
        operations={
            "get": operation(
                "One rule",
                {"200": {"description": "Rule", **rule}},
                params=[ID_PARAM],
                errors=("401", "403", "404"),
            ),
            "patch": operation(
                "Change parts of a rule: enable/disable, `position` to reorder ...",
                {"200": {"description": "Updated", **rule}},
                body=schemas.RulePatchIn,
                params=[ID_PARAM],
                errors=ERRS,
            ),
            "delete": operation(
                "Delete a rule",
                {"204": {"description": "Deleted"}},
                params=[ID_PARAM],
                errors=("401", "403", "404"),
            ),
        },
    )
    spec.path(
        path="/v1/routing/rules/{id}/tests",
        operations={
            "post": operation(
                "Dry run of this rule (enabled or not) against a ticket; "
                "changes nothing",
                dry_run,
                body=schemas.RuleTestIn,
                params=[ID_PARAM],
                errors=ERRS,
            )
        },
    )
    spec.path(
        path="/v1/routing/tests",
        operations={
            "post": operation(
                "Dry run of every enabled rule of a trigger (default "
                "`ticket_created`) against a ticket; changes nothing",
                dry_run,
                body=schemas.RuleTestIn,
                errors=("401", "403", "422"),
            )
        },
    )


def _agent_and_escalation_paths(spec: APISpec) -> None:
    spec.path(
        path="/v1/tickets/{id}/escalations",
        operations={
            "post": operation(
                "Move the ticket to another line (up, or back down) with a "
                "reason; the new line is notified; undoable",
                {
                    "201": {
                        "description": "The ticket after",
                        "headers": ETAG,
                        **undoable("TicketOut"),
                    }
                }
                | CONFLICT,
                body=schemas.EscalationIn,
                params=[ID_PARAM, IF_MATCH],
                errors=ERRS,
            )
        },
    )
    spec.path(
        path="/v1/tickets/bulk-escalations",
        operations={
            "post": operation(
                "Move up to 100 tickets to one line with one reason (staff); "
                "those you may not move are skipped with their reason; undoable",
                {
                    "201": {
                        "description": "Outcome",
                        **json_content("BulkOutcomeOut"),
                    },
                    "403": {"description": "Not staff"},
                },
                body=schemas.BulkEscalationIn,
                errors=("401", "422"),
            )
        },
    )
    spec.path(
        path="/v1/routing/agents",
        operations={
            "get": operation(
                "Active line agents with availability and active tickets (staff)",
                {"200": {"description": "Agents", **list_of("AgentOut")}},
                params=[{"in": "query", "name": "line", "schema": {"type": "integer"}}],
                errors=("401", "403", "422"),
            )
        },
    )
    spec.path(
        path="/v1/routing/agents/{id}",
        operations={
            "patch": operation(
                "Mark an agent available or away (yourself; managers anyone)",
                {"200": {"description": "Agent", **json_content("AgentOut")}},
                body=schemas.AvailabilityIn,
                params=[ID_PARAM],
                errors=ERRS,
            )
        },
    )


def _defect_paths(spec: APISpec) -> None:
    detail = json_content("DefectDetailOut")
    spec.path(
        path="/v1/routing/defects",
        operations={
            "get": operation(
                "Defects and enhancement requests, newest first (staff)",
                {"200": {"description": "Defects", **list_of("DefectOut")}},
                params=[
                    {"in": "query", "name": "status", "schema": {"type": "string"}},
                    {"in": "query", "name": "kind", "schema": {"type": "string"}},
                ]
                + PAGE_PARAMS,
                errors=("401", "403", "422"),
            ),
            "post": operation(
                "File a defect or enhancement request from a ticket",
                {"201": {"description": "Created", **detail}},
                body=schemas.DefectIn,
                errors=ERRS,
            ),
        },
    )
    spec.path(
        path="/v1/routing/defects/{id}",
        operations={
            "get": operation(
                "A defect with its linked tickets",
                {"200": {"description": "Defect", **detail}},
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "patch": operation(
                "Edit a defect; line 3 sets it in progress",
                {"200": {"description": "Defect", **detail}},
                body=schemas.DefectPatchIn,
                params=[ID_PARAM],
                errors=ERRS,
            ),
        },
    )
    spec.path(
        path="/v1/routing/defects/{id}/tickets",
        operations={
            "post": operation(
                "Link another ticket to the defect; an active ticket then "
                "waits on line 3 (status `waiting_line3`)",
                {"201": {"description": "Defect", **detail}},
                body=schemas.DefectLinkIn,
                params=[ID_PARAM],
                errors=ERRS,
            )
        },
    )
    spec.path(
        path="/v1/routing/defects/{id}/fixes",
        operations={
            "post": operation(
                "Mark the defect fixed: linked active tickets get a note and "
                "go back to their line with the status `confirm_fix` (unless "
                "another defect they wait on is still open)",
                {"201": {"description": "Defect", **detail}},
                body=schemas.DefectFixIn,
                params=[ID_PARAM],
                errors=ERRS,
            )
        },
    )
    spec.path(
        path="/v1/routing/defects/{id}/reopenings",
        operations={
            "post": operation(
                "Reopen a fixed defect whose fix did not hold (lines 2 and 3, "
                "managers): its linked active tickets wait on line 3 again; "
                "409 when it is not fixed",
                {"201": {"description": "Defect", **detail}},
                body=schemas.DefectReopenIn,
                params=[ID_PARAM],
                errors=ERRS,
            )
        },
    )


def _task_paths(spec: APISpec) -> None:
    spec.path(
        path="/v1/tickets/{id}/tasks",
        operations={
            "get": operation(
                "The ticket's process tasks, started by `start_process` rule "
                "actions (staff; oldest first)",
                {
                    "200": {"description": "Tasks", **list_of("TaskOut")},
                    "403": {"description": "Not staff"},
                },
                params=[ID_PARAM] + PAGE_PARAMS,
                errors=("401", "404", "422"),
            )
        },
    )
    spec.path(
        path="/v1/routing/tasks/{id}/completions",
        operations={
            "post": operation(
                "Tick the task off (staff who can work on its ticket, its agent, "
                "or an agent of its line); 409 when already done",
                {"201": {"description": "Done", **json_content("TaskOut")}} | TICK_ERRS,
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "delete": operation(
                "Undo the tick: the task is open again (same people); 409 when "
                "it is not done",
                {"204": {"description": "Open again"}} | TICK_ERRS,
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
        },
    )
