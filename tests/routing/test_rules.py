"""The pure rules module: validation names the bad part, matching and
planning follow the documented semantics. No Flask, no database."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import rules
from routing.rules import Vocabulary, compile_rule, plan, validate_rule

VOCABULARY = Vocabulary(
    categories=frozenset({"access", "configuration", "defect"}),
    agents=frozenset({7, 8}),
    staff=frozenset({7, 8, 9}),
)
FACTS = {
    "category": "access",
    "priority": "P3",
    "channel": "web",
    "status": "new",
    "line": 1,
    "organization": "ООО Ромашка",
    "subject": "Ошибка при проведении документа",
    "description": "The app shows an ERROR and then crashes.",
    "assignee": None,
    "sla_target": None,
}


def rule(**fields) -> dict:
    return {
        "id": fields.pop("id", 1),
        "name": fields.pop("name", "r"),
        "trigger": "ticket_created",
        "match": "all",
        "conditions": [],
        "actions": [{"type": "set_line", "line": 2}],
    } | fields


def paths(data: dict) -> list[str]:
    return [p.path for p in validate_rule(data, VOCABULARY)]


# --- validation ------------------------------------------------------------------


def test_a_valid_rule_has_no_problems():
    data = rule(
        conditions=[
            {"field": "category", "op": "in", "value": ["access", "defect"]},
            {"field": "text", "op": "regex", "value": r"error|сбо[йя]"},
            {"field": "assignee", "op": "is_empty", "value": None},
            {"field": "line", "op": "lt", "value": 3},
        ],
        actions=[
            {"type": "assign_least_loaded", "line": None},
            {"type": "notify_user", "user_id": 9},
            {"type": "add_note", "body": "Check the logs."},
            {"type": "escalate"},
        ],
    )
    assert validate_rule(data, VOCABULARY) == []


@pytest.mark.parametrize(
    ("condition", "path", "message"),
    [
        (
            {"field": "colour", "op": "eq", "value": "red"},
            "conditions.0.field",
            "Unknown field",
        ),
        (
            {"field": "priority", "op": "contains", "value": "P1"},
            "conditions.0.op",
            "takes the operators",
        ),
        (
            {"field": "priority", "op": "eq", "value": "P9"},
            "conditions.0.value",
            "Unknown value",
        ),
        (
            {"field": "category", "op": "eq", "value": "nope"},
            "conditions.0.value",
            "Unknown value",
        ),
        (
            {"field": "subject", "op": "regex", "value": "(unclosed"},
            "conditions.0.value",
            "Not a valid regular expression",
        ),
        (
            {"field": "priority", "op": "in", "value": "P1"},
            "conditions.0.value",
            "non-empty list",
        ),
        (
            {"field": "priority", "op": "in", "value": []},
            "conditions.0.value",
            "non-empty list",
        ),
        (
            {"field": "priority", "op": "eq", "value": ["P1"]},
            "conditions.0.value",
            "one value",
        ),
        (
            {"field": "line", "op": "eq", "value": 4},
            "conditions.0.value",
            "line is 1, 2 or 3",
        ),
        (
            {"field": "line", "op": "eq", "value": True},
            "conditions.0.value",
            "line is 1, 2 or 3",
        ),
        (
            {"field": "assignee", "op": "eq", "value": 99},
            "conditions.0.value",
            "Not an active agent",
        ),
        (
            {"field": "assignee", "op": "is_set", "value": 7},
            "conditions.0.value",
            "takes no value",
        ),
        (
            {"field": "priority", "op": "eq", "value": "P1", "extra": 1},
            "conditions.0.extra",
            "Unknown key",
        ),
        ("priority is P1", "conditions.0", "is an object"),
    ],
)
def test_a_bad_condition_is_named_by_its_path(condition, path, message):
    problems = validate_rule(rule(conditions=[condition]), VOCABULARY)
    assert [p.path for p in problems] == [path]
    assert message in problems[0].message


@pytest.mark.parametrize(
    ("action", "path"),
    [
        ({"type": "teleport"}, "actions.0.type"),
        ({"type": "set_line", "line": 5}, "actions.0.line"),
        ({"type": "set_line"}, "actions.0.line"),
        ({"type": "set_line", "line": 2, "priority": "P1"}, "actions.0.priority"),
        ({"type": "set_category", "category": "nope"}, "actions.0.category"),
        ({"type": "set_priority", "priority": "urgent"}, "actions.0.priority"),
        (
            {"type": "assign_agent", "user_id": 9},
            "actions.0.user_id",
        ),  # staff, not agent
        ({"type": "notify_user", "user_id": 100}, "actions.0.user_id"),
        ({"type": "add_note", "body": "  "}, "actions.0.body"),
        ({"type": "add_note", "body": "x" * 2001}, "actions.0.body"),
        ({"type": "notify_line", "line": 0}, "actions.0.line"),
        (["set_line"], "actions.0"),
    ],
)
def test_a_bad_action_is_named_by_its_path(action, path):
    assert paths(rule(actions=[action])) == [path]


def test_a_rule_needs_an_action():
    assert paths(rule(actions=[])) == ["actions"]


def test_minutes_go_with_the_unassigned_trigger_only():
    assert paths(rule(trigger="unassigned_for_minutes")) == ["unassigned_minutes"]
    assert paths(rule(trigger="unassigned_for_minutes", unassigned_minutes=30)) == []
    assert paths(rule(unassigned_minutes=30)) == ["unassigned_minutes"]


def test_every_problem_is_reported_at_once():
    data = rule(
        conditions=[
            {"field": "priority", "op": "eq", "value": "P9"},
            {"field": "colour", "op": "eq", "value": "red"},
        ],
        actions=[{"type": "set_line", "line": 9}],
    )
    assert paths(data) == [
        "conditions.0.value",
        "conditions.1.field",
        "actions.0.line",
    ]


# --- matching ----------------------------------------------------------------------


def matches(condition: dict, facts: dict | None = None) -> bool:
    compiled = compile_rule(rule(conditions=[condition]))
    return compiled.matched(rules.prepare_facts(facts or FACTS)) is not None


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "priority", "op": "eq", "value": "P3"}, True),
        ({"field": "priority", "op": "ne", "value": "P3"}, False),
        ({"field": "priority", "op": "in", "value": ["P1", "P3"]}, True),
        ({"field": "priority", "op": "not_in", "value": ["P1", "P2"]}, True),
        ({"field": "line", "op": "lt", "value": 2}, True),
        ({"field": "line", "op": "gt", "value": 1}, False),
        ({"field": "subject", "op": "contains", "value": "ошибка"}, True),
        ({"field": "subject", "op": "not_contains", "value": "ОШИБКА"}, False),
        (
            {
                "field": "description",
                "op": "contains_any",
                "value": ["crash", "defect"],
            },
            True,
        ),
        ({"field": "text", "op": "contains", "value": "crashes"}, True),
        ({"field": "text", "op": "regex", "value": r"\berror\b"}, True),
        ({"field": "subject", "op": "regex", "value": r"^ошибка"}, True),
        ({"field": "subject", "op": "regex", "value": r"сбо[йя]"}, False),
        ({"field": "organization", "op": "eq", "value": "ооо ромашка"}, True),
        (
            {"field": "organization", "op": "in", "value": ["Acme", "ООО Ромашка "]},
            True,
        ),
        ({"field": "organization", "op": "is_empty"}, False),
        ({"field": "assignee", "op": "is_empty"}, True),
        ({"field": "assignee", "op": "eq", "value": 7}, False),
        ({"field": "sla_target", "op": "eq", "value": "resolution"}, False),
    ],
)
def test_conditions_match_as_documented(condition, expected):
    assert matches(condition) is expected


def test_all_needs_every_condition_and_any_names_those_that_held():
    conditions = [
        {"field": "priority", "op": "eq", "value": "P1"},
        {"field": "subject", "op": "contains", "value": "ошибка"},
    ]
    facts = rules.prepare_facts(FACTS)
    assert compile_rule(rule(conditions=conditions)).matched(facts) is None
    matched = compile_rule(rule(conditions=conditions, match="any")).matched(facts)
    assert matched == (conditions[1],)


def test_a_rule_without_conditions_matches_every_ticket():
    assert compile_rule(rule()).matched(rules.prepare_facts(FACTS)) == ()


@given(
    subject=st.text(max_size=40),
    word=st.text(min_size=1, max_size=5).filter(lambda w: w.strip()),
)
def test_contains_agrees_with_a_case_folded_substring_search(subject, word):
    facts = FACTS | {"subject": subject}
    expected = word.strip().casefold() in subject.casefold()
    assert (
        matches({"field": "subject", "op": "contains", "value": word}, facts)
        is expected
    )


# Letters whose case folding keeps their length (not "ß" → "ss"), where a
# case-insensitive regex and a case-folded substring search must agree.
LETTERS = "abcxyzABCXYZабвэюяАБВЭЮЯ "


@given(
    subject=st.text(alphabet=LETTERS, max_size=40),
    word=st.text(alphabet=LETTERS.strip(), min_size=1, max_size=4),
)
def test_a_literal_regex_agrees_with_contains(subject, word):
    facts = FACTS | {"subject": subject}
    by_regex = matches(
        {"field": "subject", "op": "regex", "value": re.escape(word)}, facts
    )
    by_contains = matches({"field": "subject", "op": "contains", "value": word}, facts)
    assert by_regex is by_contains


# --- planning ----------------------------------------------------------------------


def test_later_rules_see_what_earlier_rules_changed():
    first = compile_rule(
        rule(id=1, actions=[{"type": "set_priority", "priority": "P1"}])
    )
    second = compile_rule(
        rule(
            id=2,
            conditions=[{"field": "priority", "op": "eq", "value": "P1"}],
            actions=[{"type": "escalate"}],
        )
    )
    hits, after = plan([first, second], FACTS)
    assert [h.rule.id for h in hits] == [1, 2]
    assert (after["priority"], after["line"]) == ("P1", 2)


def test_a_stop_rule_ends_the_run_and_skipped_rules_are_passed_over():
    rules_ = [
        compile_rule(rule(id=1, stop=True)),
        compile_rule(rule(id=2, actions=[{"type": "set_line", "line": 3}])),
    ]
    assert [h.rule.id for h in plan(rules_, FACTS)[0]] == [1]
    assert [h.rule.id for h in plan(rules_, FACTS, skip={1})[0]] == [2]


@given(line=st.integers(min_value=1, max_value=3), times=st.integers(0, 5))
def test_escalate_never_passes_line_3(line, times):
    facts = FACTS | {"line": line}
    for _ in range(times):
        facts = rules.apply_to_facts({"type": "escalate"}, facts)
    assert facts["line"] == min(3, line + times)
