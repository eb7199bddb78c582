"""Translated names of routing's vocabulary, and sentences describing rules'
conditions and changes, for pages, the timeline and e-mails."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from helpdesk.labels import channel_label, priority_label, status_label
from routing.models import DefectKind, DefectStatus, Severity
from routing.rules import NO_VALUE_OPS

TRIGGER_LABELS = {
    "ticket_created": _l("A ticket is registered"),
    "ticket_updated": _l("A ticket changes"),
    "customer_replied": _l("The customer replies"),
    "sla_warning": _l("SLA warning"),
    "sla_breach": _l("SLA breach"),
    "unassigned_for_minutes": _l("Unassigned for N minutes"),
}
FIELD_LABELS = {
    "category": _l("category"),
    "priority": _l("priority"),
    "channel": _l("channel"),
    "status": _l("status"),
    "sla_target": _l("SLA target"),
    "line": _l("line"),
    "organization": _l("requester's organisation"),
    "plan": _l("plan of the requester's organisation"),
    "subject": _l("subject"),
    "description": _l("description"),
    "text": _l("subject or description"),
    "assignee": _l("assignee (user id or e-mail)"),
    "tags": _l("tags"),
}
OP_LABELS = {
    "eq": _l("is"),
    "ne": _l("is not"),
    "in": _l("is one of"),
    "not_in": _l("is none of"),
    "contains": _l("contains"),
    "not_contains": _l("does not contain"),
    "contains_any": _l("contains any of"),
    "regex": _l("matches the regex"),
    "is_empty": _l("is empty"),
    "is_set": _l("is set"),
    "gt": _l("is above"),
    "lt": _l("is below"),
}
ACTION_LABELS = {
    "set_line": _l("Move to line (1-3)"),
    "escalate": _l("Escalate to the next line"),
    "set_category": _l("Set category (code)"),
    "set_priority": _l("Set priority (P1-P4)"),
    "assign_agent": _l("Assign to agent (e-mail or id)"),
    "assign_least_loaded": _l(
        "Assign to the least-loaded agent of line (empty: ticket's)"
    ),
    "add_note": _l("Add an internal note (text)"),
    "notify_user": _l("Notify a user (e-mail or id)"),
    "notify_line": _l("Notify a line (empty: ticket's)"),
    "notify_managers": _l("Notify the managers"),
    "notify_requester": _l("Notify the ticket's requester"),
    "notify_assignee": _l("Notify the ticket's assignee"),
    "start_process": _l("Start a process (tasks below, one per line)"),
    "add_tags": _l("Add tags (comma-separated)"),
    "remove_tags": _l("Remove tags (comma-separated)"),
}
SKIP_LABELS = {
    "inactive": _l("the ticket is no longer active"),
    "no_change": _l("nothing to change"),
    "unknown_category": _l("the category is gone or inactive"),
    "not_an_agent": _l("not an active agent"),
    "away": _l("the agent is away"),
    "nobody_available": _l("nobody of that line is available"),
}
SLA_TARGET_LABELS = {
    "first_response": _l("first response"),
    "next_response": _l("next response"),
    "resolution": _l("resolution"),
}
KIND_LABELS = {
    DefectKind.DEFECT: _l("Defect"),
    DefectKind.ENHANCEMENT: _l("Enhancement request"),
}
SEVERITY_LABELS = {
    Severity.CRITICAL: _l("critical"),
    Severity.MAJOR: _l("major"),
    Severity.MINOR: _l("minor"),
    Severity.TRIVIAL: _l("trivial"),
}
DEFECT_STATUS_LABELS = {
    DefectStatus.OPEN: _l("open"),
    DefectStatus.IN_PROGRESS: _l("in progress"),
    DefectStatus.FIXED: _l("fixed"),
}


def _value_label(field: str, value: Any) -> str:
    labels = {
        "priority": priority_label,
        "channel": channel_label,
        "status": status_label,
    }
    if isinstance(value, list):
        return ", ".join(_value_label(field, v) for v in value)
    if field in labels:
        try:
            return labels[field](value)
        except ValueError:
            return str(value)
    if field == "sla_target":
        return str(SLA_TARGET_LABELS.get(value, value))
    return f"“{value}”" if isinstance(value, str) else str(value)


def describe_condition(condition: Mapping[str, Any]) -> str:
    """``{"field": "priority", "op": "eq", "value": "P1"}`` → "priority is P1 · critical"."""
    field, op = condition.get("field"), condition.get("op")
    words = [str(FIELD_LABELS.get(field, field)), str(OP_LABELS.get(op, op))]
    if op not in NO_VALUE_OPS:
        words.append(_value_label(field, condition.get("value")))
    return " ".join(words)


def describe_conditions(conditions, match: str = "all") -> str:
    if not conditions:
        return _("every ticket")
    joiner = _(" and ") if match == "all" else _(" or ")
    return joiner.join(describe_condition(c) for c in conditions)


def describe_change(
    change: Mapping[str, Any], category_names=None, *, full: bool = False
) -> str:
    """One change a rule made (or would make), as a sentence; ``full`` quotes
    a note's text (the timeline shows the note itself)."""
    kind = change.get("type")
    if "skipped" in change:
        reason = SKIP_LABELS.get(change["skipped"], change["skipped"])
        return _(
            "%(action)s: skipped, %(reason)s", action=_action_name(kind), reason=reason
        )
    if kind in ("set_line", "escalate"):
        return _("Line %(old)s → %(new)s", old=change["from"], new=change["to"])
    if kind == "set_category":
        names = category_names or {}
        return _(
            "Category: %(old)s → %(new)s",
            old=names.get(change["from"], change["from"]),
            new=names.get(change["to"], change["to"]),
        )
    if kind == "set_priority":
        return _("Priority: %(old)s → %(new)s", old=change["from"], new=change["to"])
    if kind in ("assign_agent", "assign_least_loaded"):
        return _("Assigned to %(name)s", name=change.get("agent", ""))
    if kind in ("add_tags", "remove_tags"):
        return _(
            "Tags: %(old)s → %(new)s",
            old=_tag_list(change.get("from")),
            new=_tag_list(change.get("to")),
        )
    if kind == "start_process":
        return ngettext(
            "Process started: %(num)s task",
            "Process started: %(num)s tasks",
            len(change.get("tasks") or []),
        )
    if kind == "add_note":
        if full:
            return _("Internal note: %(body)s", body=change.get("body", ""))
        return _("Internal note added")
    count = len(change.get("recipients") or [])
    if kind == "notify_line":
        return _(
            "E-mail to line %(line)s (%(count)s people)",
            line=change.get("line"),
            count=count,
        )
    if kind == "notify_managers":
        return _("E-mail to the managers (%(count)s people)", count=count)
    if kind == "notify_requester":
        return _("E-mail to the requester (%(count)s people)", count=count)
    if kind == "notify_assignee":
        return _("E-mail to the assignee (%(count)s people)", count=count)
    return _("E-mail to %(count)s people", count=count)


def describe_action(action: Mapping[str, Any], user_names=None) -> str:
    """A rule's action as the rules list shows it: "Move to line 2"."""
    kind = action.get("type")
    names = user_names or {}
    line = action.get("line")
    if kind == "set_line":
        return _("Move to line %(line)s", line=line)
    if kind == "escalate":
        return _("Escalate to the next line")
    if kind == "set_category":
        return _("Set category “%(code)s”", code=action.get("category"))
    if kind == "set_priority":
        return _("Set priority %(priority)s", priority=action.get("priority"))
    if kind == "assign_agent":
        user = names.get(action.get("user_id"), action.get("user_id"))
        return _("Assign to %(name)s", name=user)
    if kind == "assign_least_loaded":
        if line:
            return _("Assign to the least-loaded agent of line %(line)s", line=line)
        return _("Assign to the least-loaded agent of the ticket's line")
    if kind == "add_tags":
        return _("Add tags %(tags)s", tags=_tag_list(action.get("tags")))
    if kind == "remove_tags":
        return _("Remove tags %(tags)s", tags=_tag_list(action.get("tags")))
    if kind == "add_note":
        return _("Add an internal note")
    if kind == "notify_user":
        user = names.get(action.get("user_id"), action.get("user_id"))
        return _("E-mail %(name)s", name=user)
    if kind == "notify_line":
        if line:
            return _("E-mail line %(line)s", line=line)
        return _("E-mail the ticket's line")
    if kind == "notify_managers":
        return _("E-mail the managers")
    if kind == "notify_requester":
        return _("E-mail the ticket's requester")
    if kind == "notify_assignee":
        return _("E-mail the ticket's assignee")
    if kind == "start_process":
        return ngettext(
            "Start a process of %(num)s task",
            "Start a process of %(num)s tasks",
            len(action.get("tasks") or []),
        )
    return str(kind)


def _tag_list(tags) -> str:
    """Tags as "“vpn”, “vip”", or "none" for no tags."""
    if not tags:
        return _("none")
    return ", ".join(f"“{tag}”" for tag in tags)


def _action_name(kind: str) -> str:
    return {
        "set_line": _("Move to another line"),
        "escalate": _("Escalate"),
        "set_category": _("Set category"),
        "set_priority": _("Set priority"),
        "assign_agent": _("Assign"),
        "assign_least_loaded": _("Assign"),
        "add_note": _("Note"),
        "start_process": _("Start a process"),
        "add_tags": _("Add tags"),
        "remove_tags": _("Remove tags"),
    }.get(kind, _("Notify"))


def trigger_label(trigger: str, minutes: int | None = None) -> str:
    """The trigger's name; an "unassigned for N minutes" rule's with its N
    (``minutes``), when the timeline recorded it."""
    if trigger == "unassigned_for_minutes" and minutes is not None:
        return ngettext(
            "Unassigned for %(num)d minute", "Unassigned for %(num)d minutes", minutes
        )
    return str(TRIGGER_LABELS.get(trigger, trigger))
