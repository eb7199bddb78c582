"""Validation of a rule's parts, naming every problem by its path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from helpdesk.i18n import N_
from routing.rules.action_validation import action_problems
from routing.rules.problems import Problem, is_int, tag_problem
from routing.rules.vocabulary import (
    CUSTOM_OPS_BY_KIND,
    FIELD_PREFIX,
    FIELDS,
    LINES,
    LIST_OPS,
    MAX_ACTIONS,
    MAX_CONDITIONS,
    MAX_REGEX_LENGTH,
    MAX_TAGS,
    NO_VALUE_OPS,
    OPS_BY_KIND,
    Trigger,
    Vocabulary,
)


def validate_rule(rule: Mapping[str, Any], vocabulary: Vocabulary) -> list[Problem]:
    """Every problem of a rule's trigger, conditions and actions; [] when valid.

    The shape (types of the top-level keys) is the schema's job; this checks
    what the parts mean: known fields, operators that fit them, values of the
    right kind, regexes that compile, actions with exactly their parameters.
    """
    problems: list[Problem] = []
    trigger = rule.get("trigger")
    minutes = rule.get("unassigned_minutes")
    if trigger == Trigger.UNASSIGNED and not minutes:
        problems.append(
            Problem(
                "unassigned_minutes",
                N_("Say after how many minutes without an assignee the rule acts."),
            )
        )
    elif trigger != Trigger.UNASSIGNED and minutes is not None:
        problems.append(
            Problem(
                "unassigned_minutes",
                N_("Only the “unassigned for N minutes” trigger takes minutes."),
            )
        )
    conditions = rule.get("conditions") or []
    if len(conditions) > MAX_CONDITIONS:
        problems.append(
            Problem(
                "conditions",
                N_("At most %(count)s conditions."),
                {"count": MAX_CONDITIONS},
            )
        )
    for index, condition in enumerate(conditions):
        problems += _condition_problems(f"conditions.{index}", condition, vocabulary)
    actions = rule.get("actions") or []
    if not actions:
        problems.append(Problem("actions", N_("Add at least one action.")))
    if len(actions) > MAX_ACTIONS:
        problems.append(
            Problem("actions", N_("At most %(count)s actions."), {"count": MAX_ACTIONS})
        )
    for index, action in enumerate(actions):
        problems += action_problems(f"actions.{index}", action, vocabulary)
    return problems


def _condition_problems(
    path: str, condition: Any, vocabulary: Vocabulary
) -> list[Problem]:
    if not isinstance(condition, Mapping):
        return [Problem(path, N_("A condition is an object with field, op and value."))]
    unknown = set(condition) - {"field", "op", "value"}
    if unknown:
        return [
            Problem(
                f"{path}.{sorted(unknown)[0]}",
                N_("Unknown key “%(key)s”; a condition has field, op and value."),
                {"key": sorted(unknown)[0]},
            )
        ]
    name, op = condition.get("field"), condition.get("op")
    if isinstance(name, str) and name.startswith(FIELD_PREFIX):
        return _custom_condition_problems(path, condition, vocabulary)
    if name not in FIELDS:
        return [
            Problem(
                f"{path}.field",
                N_("Unknown field “%(field)s”. Known fields: %(known)s."),
                {"field": name, "known": ", ".join(FIELDS)},
            )
        ]
    allowed = OPS_BY_KIND[FIELDS[name]]
    if op not in allowed:
        return [
            Problem(
                f"{path}.op",
                N_("The field “%(field)s” takes the operators %(ops)s, not “%(op)s”."),
                {"field": name, "ops": ", ".join(allowed), "op": op},
            )
        ]
    return _value_problems(
        f"{path}.value", name, op, condition.get("value"), vocabulary
    )


def _value_problems(
    path: str, name: str, op: str, value: Any, vocabulary: Vocabulary
) -> list[Problem]:
    if op in NO_VALUE_OPS:
        if value not in (None, "", []):
            return [Problem(path, N_("This operator takes no value."))]
        return []
    if op in LIST_OPS:
        if not isinstance(value, list) or not value:
            return [Problem(path, N_("Give a non-empty list of values."))]
        values = value
    else:
        if isinstance(value, list | dict) or value is None or value == "":
            return [Problem(path, N_("Give one value."))]
        values = [value]
    if op == "regex":
        return _regex_problems(path, value)
    kind = FIELDS[name]
    if kind == "tags" and len(values) > MAX_TAGS:
        return [Problem(path, N_("At most %(count)s tags."), {"count": MAX_TAGS})]
    for item in values:
        problem = _item_problem(path, name, kind, item, vocabulary)
        if problem is not None:
            return [problem]
    return []


def _custom_condition_problems(
    path: str, condition: Mapping[str, Any], vocabulary: Vocabulary
) -> list[Problem]:
    """A condition on a custom field (``field:<key>``): a key some category
    has, an operator its kind takes, values of its kind."""
    name, op = condition["field"], condition.get("op")
    key = name[len(FIELD_PREFIX) :]
    kind = vocabulary.custom_fields.get(key)
    if kind is None:
        return [
            Problem(
                f"{path}.field",
                N_("No category has a field with the key “%(key)s”."),
                {"key": key},
            )
        ]
    allowed = CUSTOM_OPS_BY_KIND[kind]
    if op not in allowed:
        return [
            Problem(
                f"{path}.op",
                N_("The field “%(field)s” takes the operators %(ops)s, not “%(op)s”."),
                {"field": name, "ops": ", ".join(allowed), "op": op},
            )
        ]
    value = condition.get("value")
    if op in NO_VALUE_OPS:
        ok = value in (None, "", [])
        return (
            []
            if ok
            else [Problem(f"{path}.value", N_("This operator takes no value."))]
        )
    if op == "regex":
        return _regex_problems(f"{path}.value", value)
    if op in LIST_OPS:
        if not isinstance(value, list) or not value:
            return [Problem(f"{path}.value", N_("Give a non-empty list of values."))]
        values = value
    elif isinstance(value, list | dict) or value is None or value == "":
        return [Problem(f"{path}.value", N_("Give one value."))]
    else:
        values = [value]
    choices = vocabulary.custom_choices.get(key, frozenset())
    for item in values:
        message = _custom_value_problem(kind, item, choices)
        if message is not None:
            return [
                Problem(f"{path}.value", message, {"known": ", ".join(sorted(choices))})
            ]
    return []


def _custom_value_problem(kind: str, item: Any, choices: frozenset[str]) -> str | None:
    if kind == "number":
        ok = isinstance(item, int | float) and not isinstance(item, bool)
        return None if ok else N_("Give a number.")
    if kind == "checkbox":
        return None if isinstance(item, bool) else N_("Give true or false.")
    if kind == "date":
        ok = isinstance(item, str) and _is_date(item)
        return None if ok else N_("Give a date as YYYY-MM-DD.")
    if kind == "choice":
        ok = item in choices
        return None if ok else N_("Not one of the field's choices: %(known)s.")
    ok = isinstance(item, str) and item.strip() and len(item) <= 200
    return None if ok else N_("Give words of 1 to 200 characters.")


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _regex_problems(path: str, value: Any) -> list[Problem]:
    if not isinstance(value, str) or len(value) > MAX_REGEX_LENGTH:
        return [
            Problem(
                path,
                N_("A regular expression of at most %(count)s characters."),
                {"count": MAX_REGEX_LENGTH},
            )
        ]
    try:
        re.compile(value)
    except re.error as err:
        return [
            Problem(
                path,
                N_("Not a valid regular expression: %(error)s."),
                {"error": str(err)},
            )
        ]
    return []


def _item_problem(
    path: str, name: str, kind: str, item: Any, vocabulary: Vocabulary
) -> Problem | None:
    if kind == "tags":
        return tag_problem(path, item)
    if kind == "text":
        if not isinstance(item, str) or not item.strip() or len(item) > 200:
            return Problem(path, N_("Give words of 1 to 200 characters."))
        return None
    if kind == "number":
        if not is_int(item) or item not in LINES:
            return Problem(path, N_("The line is 1, 2 or 3."))
        return None
    if kind == "user":
        if not is_int(item) or item not in vocabulary.agents:
            return Problem(path, N_("Not an active agent."))
        return None
    if item not in vocabulary.choices(name):
        return Problem(
            path,
            N_("Unknown value “%(value)s” for “%(field)s”; known: %(known)s."),
            {
                "value": item,
                "field": name,
                "known": ", ".join(sorted(vocabulary.choices(name))),
            },
        )
    return None
