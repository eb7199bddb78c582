"""Validation of a rule's actions: their parameters, tags and a process's
tasks, naming every problem by its path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpdesk.i18n import N_
from routing.rules.problems import Problem, is_int, tag_problem
from routing.rules.vocabulary import (
    ACTIONS,
    LINES,
    MAX_DUE_MINUTES,
    MAX_NOTE_LENGTH,
    MAX_TAGS,
    MAX_TASK_TITLE_LENGTH,
    MAX_TASKS,
    Vocabulary,
)


def action_problems(path: str, action: Any, vocabulary: Vocabulary) -> list[Problem]:
    if not isinstance(action, Mapping):
        return [Problem(path, N_("An action is an object with a type."))]
    kind = action.get("type")
    if kind not in ACTIONS:
        return [
            Problem(
                f"{path}.type",
                N_("Unknown action “%(type)s”. Known actions: %(known)s."),
                {"type": kind, "known": ", ".join(ACTIONS)},
            )
        ]
    params = ACTIONS[kind]
    unknown = sorted(set(action) - {"type"} - set(params))
    if unknown:
        return [
            Problem(
                f"{path}.{unknown[0]}",
                N_("The action “%(type)s” takes no “%(key)s”."),
                {"type": kind, "key": unknown[0]},
            )
        ]
    problems = []
    for name, param_kind in params.items():
        if param_kind == "tasks":
            problems += _tasks_problems(f"{path}.{name}", action.get(name), vocabulary)
            continue
        if param_kind == "tags":
            problems += _tags_param_problems(f"{path}.{name}", action.get(name))
            continue
        problem = _param_problem(
            f"{path}.{name}", param_kind, action.get(name), vocabulary
        )
        if problem is not None:
            problems.append(problem)
    return problems


def _param_problem(
    path: str, kind: str, value: Any, vocabulary: Vocabulary
) -> Problem | None:
    if kind == "line?" and value is None:
        return None
    if kind in ("line", "line?"):
        ok = is_int(value) and value in LINES
        return None if ok else Problem(path, N_("The line is 1, 2 or 3."))
    if kind == "category":
        ok = value in vocabulary.categories
        return None if ok else Problem(path, N_("Unknown category."))
    if kind == "priority":
        ok = value in vocabulary.priorities
        return None if ok else Problem(path, N_("Choose a priority from P1 to P4."))
    if kind == "agent":
        ok = is_int(value) and value in vocabulary.agents
        return None if ok else Problem(path, N_("Not an active agent."))
    if kind == "staff":
        ok = is_int(value) and value in vocabulary.staff
        return None if ok else Problem(path, N_("Not an active member of staff."))
    # a note
    ok = isinstance(value, str) and 0 < len(value.strip()) <= MAX_NOTE_LENGTH
    return (
        None
        if ok
        else Problem(
            path,
            N_("Write a note of 1 to %(count)s characters."),
            {"count": MAX_NOTE_LENGTH},
        )
    )


def _tasks_problems(path: str, tasks: Any, vocabulary: Vocabulary) -> list[Problem]:
    """A process's checklist: 1 to MAX_TASKS tasks, each with a title, exactly
    one of a line or an agent, and a due time in minutes."""
    if not isinstance(tasks, list) or not tasks:
        return [Problem(path, N_("Give a non-empty list of tasks."))]
    if len(tasks) > MAX_TASKS:
        return [Problem(path, N_("At most %(count)s tasks."), {"count": MAX_TASKS})]
    problems: list[Problem] = []
    for index, task in enumerate(tasks):
        problems += _task_problems(f"{path}.{index}", task, vocabulary)
    return problems


def _task_problems(path: str, task: Any, vocabulary: Vocabulary) -> list[Problem]:
    if not isinstance(task, Mapping):
        return [
            Problem(
                path,
                N_("A task is an object with title, line or agent_id, due_minutes."),
            )
        ]
    unknown = sorted(set(task) - {"title", "line", "agent_id", "due_minutes"})
    if unknown:
        return [
            Problem(
                f"{path}.{unknown[0]}",
                N_(
                    "Unknown key “%(key)s”; a task has title, line or agent_id, "
                    "due_minutes."
                ),
                {"key": unknown[0]},
            )
        ]
    problems = []
    title = task.get("title")
    if (
        not isinstance(title, str)
        or not title.strip()
        or len(title) > MAX_TASK_TITLE_LENGTH
    ):
        problems.append(
            Problem(
                f"{path}.title",
                N_("Give a title of 1 to %(count)s characters."),
                {"count": MAX_TASK_TITLE_LENGTH},
            )
        )
    line, agent = task.get("line"), task.get("agent_id")
    if (line is None) == (agent is None):
        problems.append(
            Problem(f"{path}.line", N_("Give either a line or an agent, not both."))
        )
    elif line is not None and not (is_int(line) and line in LINES):
        problems.append(Problem(f"{path}.line", N_("The line is 1, 2 or 3.")))
    elif agent is not None and not (is_int(agent) and agent in vocabulary.agents):
        problems.append(Problem(f"{path}.agent_id", N_("Not an active agent.")))
    minutes = task.get("due_minutes")
    if not is_int(minutes) or not 1 <= minutes <= MAX_DUE_MINUTES:
        problems.append(
            Problem(
                f"{path}.due_minutes",
                N_("The due time is 1 to %(count)s minutes."),
                {"count": MAX_DUE_MINUTES},
            )
        )
    return problems


def _tags_param_problems(path: str, value: Any) -> list[Problem]:
    if not isinstance(value, list) or not value:
        return [Problem(path, N_("Give a non-empty list of tags."))]
    if len(value) > MAX_TAGS:
        return [Problem(path, N_("At most %(count)s tags."), {"count": MAX_TAGS})]
    for index, item in enumerate(value):
        problem = tag_problem(f"{path}.{index}", item)
        if problem is not None:
            return [problem]
    return []
