"""The rule editor's rows <-> a rule's data (the API's shape).

The page shows a fixed number of rows: ``cond-N-field/op/value`` and
``act-N-type/value``; empty rows are ignored. Lists are comma-separated;
users are given by e-mail or id. Validation messages, which name the
compacted position (``conditions.1.op``), are mapped back to their rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from routing.rules import ACTIONS, FIELD_PREFIX, FIELDS, LIST_OPS, NO_VALUE_OPS

CONDITION_ROWS = 4
ACTION_ROWS = 3
UserRef = Callable[[str], Any]  # e-mail or id -> id (or the text, if unknown)


def rule_from_form(
    form: Mapping[str, str],
    *,
    user_ref: UserRef,
    field_kinds: Mapping[str, str] | None = None,
) -> tuple[dict, dict[str, str]]:
    """The rule's data, and where each compacted entry came from
    (``"conditions.1"`` → ``"cond-3"``) for mapping errors back.
    ``field_kinds``: each custom field key's kind (``field:<key>`` values
    are read as numbers or booleans when their field is one)."""
    rows: dict[str, str] = {}
    conditions, actions = [], []
    for row in _rows(form, "cond"):
        field_name = form.get(f"cond-{row}-field", "").strip()
        if not field_name:
            continue
        rows[f"conditions.{len(conditions)}"] = f"cond-{row}"
        op = form.get(f"cond-{row}-op", "").strip()
        raw = form.get(f"cond-{row}-value", "")
        conditions.append(
            {
                "field": field_name,
                "op": op,
                "value": _value(field_name, op, raw, user_ref, field_kinds or {}),
            }
        )
    for row in _rows(form, "act"):
        kind = form.get(f"act-{row}-type", "").strip()
        if not kind:
            continue
        rows[f"actions.{len(actions)}"] = f"act-{row}"
        if kind == "start_process":
            tasks = parse_tasks(form.get(f"act-{row}-tasks", ""), user_ref=user_ref)
            actions.append({"type": kind, "tasks": tasks})
            continue
        actions.append(_action(kind, form.get(f"act-{row}-value", ""), user_ref))
    minutes = form.get("unassigned_minutes", "").strip()
    data = {
        "name": form.get("name", ""),
        "trigger": form.get("trigger", ""),
        "match": form.get("match", "all"),
        "conditions": conditions,
        "actions": actions,
        "stop": form.get("stop") == "true",
        "enabled": form.get("enabled") == "true",
        "unassigned_minutes": minutes or None,
    }
    return data, rows


def _rows(form: Mapping[str, str], prefix: str) -> list[int]:
    numbers = {
        int(key.split("-")[1])
        for key in form
        if key.startswith(f"{prefix}-") and key.split("-")[1].isdigit()
    }
    return sorted(numbers)


def _int_or_text(text: str) -> Any:
    text = text.strip()
    return int(text) if text.isdigit() else text


def _number_or_text(text: str) -> Any:
    text = text.strip()
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def _bool_or_text(text: str) -> Any:
    word = text.strip().lower()
    return {"true": True, "yes": True, "false": False, "no": False}.get(word, text)


def _tag(text: str) -> str:
    """Tags are lower-case; what is typed is trimmed and lowered."""
    return text.strip().lower()


def _value(
    field_name: str,
    op: str,
    raw: str,
    user_ref: UserRef,
    field_kinds: Mapping[str, str],
) -> Any:
    if op in NO_VALUE_OPS:
        return None
    kind = FIELDS.get(field_name)
    if field_name.startswith(FIELD_PREFIX):
        kind = {"number": "custom_number", "checkbox": "checkbox"}.get(
            field_kinds.get(field_name[len(FIELD_PREFIX) :], "")
        )
    convert = {
        "number": _int_or_text,
        "user": user_ref,
        "tags": _tag,
        "custom_number": _number_or_text,
        "checkbox": _bool_or_text,
    }.get(kind, str.strip)
    if op in LIST_OPS:
        return [convert(part) for part in raw.split(",") if part.strip()]
    if op == "regex":
        return raw.strip()
    return convert(raw)


def _action(kind: str, raw: str, user_ref: UserRef) -> dict:
    params = ACTIONS.get(kind)
    if params is None or not params:
        return {"type": kind}
    name, param_kind = next(iter(params.items()))
    raw = raw.strip()
    if param_kind in ("line", "line?"):
        value = _int_or_text(raw) if raw else None
    elif param_kind in ("agent", "staff"):
        value = user_ref(raw) if raw else None
    elif param_kind == "tags":
        value = [_tag(part) for part in raw.split(",") if part.strip()]
    else:
        value = raw
    return {"type": kind, name: value}


def rule_to_form(rule: Mapping[str, Any], *, user_label: Callable[[int], str]) -> dict:
    """A stored rule as the editor's field values."""
    values: dict[str, Any] = {
        "name": rule["name"],
        "trigger": rule["trigger"],
        "match": rule["match"],
        "stop": "true" if rule["stop"] else "",
        "enabled": "true" if rule.get("enabled", True) else "",
        "unassigned_minutes": rule.get("unassigned_minutes") or "",
    }
    for row, condition in enumerate(rule["conditions"]):
        value = condition.get("value")
        if FIELDS.get(condition["field"]) == "user" and value is not None:
            value = user_label(value)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        values[f"cond-{row}-field"] = condition["field"]
        values[f"cond-{row}-op"] = condition["op"]
        values[f"cond-{row}-value"] = "" if value is None else value
    for row, action in enumerate(rule["actions"]):
        values[f"act-{row}-type"] = action["type"]
        params = ACTIONS.get(action["type"], {})
        if action["type"] == "start_process":
            values[f"act-{row}-tasks"] = tasks_to_text(
                action.get("tasks") or [], user_label=user_label
            )
        elif params:
            name, kind = next(iter(params.items()))
            value = action.get(name)
            if kind in ("agent", "staff") and value is not None:
                value = user_label(value)
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            values[f"act-{row}-value"] = "" if value is None else value
    return values


def row_count(values: Mapping[str, Any], prefix: str, minimum: int) -> int:
    """Rows to show: those filled in, one spare, at least ``minimum``."""
    filled = _rows(values, prefix)
    return max(minimum, (filled[-1] + 2) if filled else 0)


def errors_by_row(errors: dict[str, list], rows: dict[str, str]) -> dict[str, list]:
    """``conditions.1.op`` → ``cond-3`` (all of a row's messages together)."""
    mapped: dict[str, list] = {}
    for path, messages in errors.items():
        parts = path.split(".")
        key = rows.get(".".join(parts[:2]), path) if len(parts) >= 2 else path
        mapped.setdefault(key, []).extend(messages)
    return mapped


def parse_tasks(text: str, *, user_ref: UserRef) -> list[dict]:
    """One task per line: ``title; line 2; 60`` or ``title; agent EMAIL; 120``.

    What cannot be read stays as typed (or missing), so validation names the
    task and the part (``actions.0.tasks.1.line``)."""
    tasks = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        parts = [part.strip() for part in raw.split(";")]
        task: dict[str, Any] = {"title": parts[0]}
        if len(parts) > 1:
            who = parts[1]
            word, _space, rest = who.partition(" ")
            if word.lower() == "agent":
                task["agent_id"] = user_ref(rest) if rest.strip() else None
            elif word.lower() == "line":
                task["line"] = _int_or_text(rest)
            else:
                task["line"] = who
        if len(parts) > 2:
            task["due_minutes"] = _int_or_text(parts[2])
        if len(parts) > 3:
            task["extra"] = ";".join(parts[3:])
        tasks.append(task)
    return tasks


def tasks_to_text(tasks: list[Mapping], *, user_label: Callable[[int], str]) -> str:
    lines = []
    for task in tasks:
        if task.get("agent_id") is not None:
            who = f"agent {user_label(task['agent_id'])}"
        else:
            who = f"line {task.get('line')}"
        lines.append(f"{task.get('title')}; {who}; {task.get('due_minutes')}")
    return "\n".join(lines)
