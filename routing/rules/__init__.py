"""Routing rules as data: their vocabulary, validation, matching and the plan
of what they would do to a ticket. Pure: no Flask, no database.

A rule is plain JSON-able data::

    {"trigger": "ticket_created", "match": "all",
     "conditions": [{"field": "category", "op": "eq", "value": "configuration"}],
     "actions": [{"type": "set_line", "line": 2}], "stop": False}

A process is an action too: ``{"type": "start_process", "tasks": [{"title":
"Call back", "line": 1, "due_minutes": 60}, ...]}`` (each task has a line or
an ``agent_id``); the engine turns it into ``RoutingTask`` rows.

``validate_rule`` names every problem by its path (``conditions.0.op``) so the
edge answers a 422 that points at the field; ``compile_rule`` turns a valid
rule into matchers built once (regexes compiled, values folded), and ``plan``
runs compiled rules over a ticket's facts, in order, as the engine will.
"""

from routing.rules.matching import (
    CompiledRule,
    Facts,
    Hit,
    apply_to_facts,
    changed_tags,
    compile_rule,
    plan,
    prepare_facts,
    rules_for,
    run,
)
from routing.rules.validation import Problem, is_tag, validate_rule
from routing.rules.vocabulary import (
    ACTIONS,
    FIELDS,
    LINES,
    LIST_OPS,
    NO_VALUE_OPS,
    OPS_BY_KIND,
    TEXT_FIELDS,
    Match,
    Trigger,
    Vocabulary,
)

__all__ = [
    "ACTIONS",
    "FIELDS",
    "LINES",
    "LIST_OPS",
    "NO_VALUE_OPS",
    "OPS_BY_KIND",
    "TEXT_FIELDS",
    "CompiledRule",
    "Facts",
    "Hit",
    "Match",
    "Problem",
    "Trigger",
    "Vocabulary",
    "apply_to_facts",
    "changed_tags",
    "compile_rule",
    "is_tag",
    "plan",
    "prepare_facts",
    "rules_for",
    "run",
    "validate_rule",
]
