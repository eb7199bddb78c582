"""Routing rules as data: their vocabulary, validation, matching and the plan
of what they would do to a ticket. Pure: no Flask, no database.

A rule is plain JSON-able data::

    {"trigger": "ticket_created", "match": "all",
     "conditions": [{"field": "category", "op": "eq", "value": "configuration"}],
     "actions": [{"type": "set_line", "line": 2}], "stop": False}

A process is an action too: ``{"type": "start_process", "tasks": [{"title":
"Call back", "line": 1, "due_minutes": 60}, ...]}`` (each task has a line or
an ``agent_id``); the engine turns it into ``RoutingTask`` rows.

A condition may name a ticket's custom field as ``field:<key>`` (see
``helpdesk.custom_fields``) with the operators its kind takes
(``CUSTOM_OPS_BY_KIND``: text like ``subject``; a choice eq/ne/in/not_in;
a number or a date - ``YYYY-MM-DD`` - also gt/lt; a checkbox eq/ne true or
false; is_empty/is_set but for checkboxes).

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
from routing.rules.problems import Problem, is_tag
from routing.rules.validation import validate_rule
from routing.rules.vocabulary import (
    ACTIONS,
    CUSTOM_OPS_BY_KIND,
    FIELD_PREFIX,
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
    "CUSTOM_OPS_BY_KIND",
    "FIELDS",
    "FIELD_PREFIX",
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
