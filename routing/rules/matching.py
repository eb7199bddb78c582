"""Compiled rules, matching a ticket's facts, and running rules in order."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from routing.rules.vocabulary import FIELD_PREFIX, FIELDS, TEXT_FIELDS, Match

Facts = Mapping[str, Any]


@dataclass(frozen=True)
class CompiledRule:
    """A validated rule with its matchers built once."""

    id: int
    name: str
    trigger: str
    match_all: bool
    conditions: tuple[dict, ...]
    tests: tuple[Callable[[Facts], bool], ...]
    actions: tuple[dict, ...]
    stop: bool = False
    unassigned_minutes: int | None = None

    def matched(self, facts: Facts) -> tuple[dict, ...] | None:
        """The conditions that made the rule match (all of them for "all"),
        or None when it does not match. A rule without conditions matches."""
        if not self.tests:
            return ()
        if self.match_all:
            return self.conditions if all(t(facts) for t in self.tests) else None
        hits = tuple(
            c for c, t in zip(self.conditions, self.tests, strict=True) if t(facts)
        )
        return hits or None


def compile_rule(rule: Mapping[str, Any]) -> CompiledRule:
    """Build the matchers of a rule that ``validate_rule`` accepted."""
    conditions = tuple(dict(c) for c in rule.get("conditions") or [])
    return CompiledRule(
        id=rule.get("id") or 0,
        name=rule.get("name", ""),
        trigger=rule["trigger"],
        match_all=rule.get("match", Match.ALL) == Match.ALL,
        conditions=conditions,
        tests=tuple(_matcher(c) for c in conditions),
        actions=tuple(dict(a) for a in rule.get("actions") or []),
        stop=bool(rule.get("stop")),
        unassigned_minutes=rule.get("unassigned_minutes"),
    )


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _matcher(condition: Mapping[str, Any]) -> Callable[[Facts], bool]:
    name, op, value = condition["field"], condition["op"], condition.get("value")
    if name.startswith(FIELD_PREFIX):
        return _custom_matcher(name, op, value)
    if FIELDS[name] == "text":
        return _text_matcher(name, op, value)
    if FIELDS[name] == "tags":
        return _tags_matcher(name, op, value)
    if op == "eq":
        return lambda facts: facts.get(name) == value
    if op == "ne":
        return lambda facts: facts.get(name) != value
    if op in ("in", "not_in"):
        accepted = frozenset(value)
        if op == "in":
            return lambda facts: facts.get(name) in accepted
        return lambda facts: facts.get(name) not in accepted
    if op == "gt":
        return lambda facts: facts.get(name) is not None and facts[name] > value
    if op == "lt":
        return lambda facts: facts.get(name) is not None and facts[name] < value
    if op == "is_empty":
        return lambda facts: facts.get(name) is None
    return lambda facts: facts.get(name) is not None  # is_set


def _custom_matcher(name: str, op: str, value: Any) -> Callable[[Facts], bool]:
    """A custom field's value (text, a choice's value, a number, a date as
    YYYY-MM-DD, a boolean; None when it has none): text compares
    case-insensitively, numbers and dates by order."""
    if op in ("contains", "not_contains", "contains_any", "regex"):
        return _text_matcher(name, op, value)
    if op == "is_empty":
        return lambda facts: facts.get(name) in (None, "")
    if op == "is_set":
        return lambda facts: facts.get(name) not in (None, "")
    if op in ("gt", "lt"):
        return lambda facts: _ordered(facts.get(name), value, op)
    if op in ("in", "not_in"):
        accepted = frozenset(_same(v) for v in value)
        if op == "in":
            return lambda facts: _same(facts.get(name)) in accepted
        return lambda facts: _same(facts.get(name)) not in accepted
    wanted = _same(value)
    if op == "eq":
        return lambda facts: _same(facts.get(name)) == wanted
    return lambda facts: _same(facts.get(name)) != wanted  # ne


def _same(value: Any) -> Any:
    """What equality compares: text folded and trimmed, anything else as is."""
    return value.strip().casefold() if isinstance(value, str) else value


def _ordered(fact: Any, value: Any, op: str) -> bool:
    """``fact > value`` (or <) when both are numbers or both text (ISO dates)."""
    numbers = all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in (fact, value)
    )
    texts = isinstance(fact, str) and isinstance(value, str)
    if not (numbers or texts):
        return False
    return fact > value if op == "gt" else fact < value


def _text_matcher(name: str, op: str, value: Any) -> Callable[[Facts], bool]:
    """Text compares case-insensitively, on facts folded once per evaluation
    (``prepare_facts``) so 200 rules do not fold a long description 200 times."""
    folded = f"{name}:folded"
    if op == "regex":
        pattern = re.compile(value, re.IGNORECASE)
        return lambda facts: pattern.search(facts.get(name) or "") is not None
    if op == "is_empty":
        return lambda facts: not facts.get(name)
    if op == "is_set":
        return lambda facts: bool(facts.get(name))
    if op in ("in", "not_in"):
        accepted = frozenset(v.strip().casefold() for v in value)
        if op == "in":
            return lambda facts: (facts.get(folded) or "").strip() in accepted
        return lambda facts: (facts.get(folded) or "").strip() not in accepted
    if op == "contains_any":
        words = tuple(v.strip().casefold() for v in value)
        return lambda facts: any(w in (facts.get(folded) or "") for w in words)
    word = value.strip().casefold()
    if op == "contains":
        return lambda facts: word in (facts.get(folded) or "")
    if op == "not_contains":
        return lambda facts: word not in (facts.get(folded) or "")
    if op == "eq":
        return lambda facts: (facts.get(folded) or "").strip() == word
    return lambda facts: (facts.get(folded) or "").strip() != word  # ne


def _tags_matcher(name: str, op: str, value: Any) -> Callable[[Facts], bool]:
    """A ticket's tags are a set: "contains" is "has this tag" (whole tags,
    not substrings); tags are lower-case on both sides."""
    if op == "is_empty":
        return lambda facts: not facts.get(name)
    if op == "is_set":
        return lambda facts: bool(facts.get(name))
    if op == "contains_any":
        wanted = frozenset(value)
        return lambda facts: not wanted.isdisjoint(facts.get(name) or ())
    if op == "contains":
        return lambda facts: value in (facts.get(name) or ())
    return lambda facts: value not in (facts.get(name) or ())  # not_contains


def prepare_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts a rule looks at, with ``text`` (subject and description) and
    the case-folded copies the text matchers read."""
    prepared = dict(facts)
    prepared["text"] = f"{facts.get('subject') or ''}\n{facts.get('description') or ''}"
    for name in TEXT_FIELDS:
        prepared[f"{name}:folded"] = _fold(prepared.get(name) or "")
    for name, value in facts.items():
        if name.startswith(FIELD_PREFIX) and isinstance(value, str):
            prepared[f"{name}:folded"] = _fold(value)
    return prepared


# --- planning -------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A rule that matched, why, and the actions it takes."""

    rule: CompiledRule
    matched: tuple[dict, ...]
    actions: tuple[dict, ...]


def rules_for(rules: Iterable[CompiledRule], trigger: str) -> list[CompiledRule]:
    return [r for r in rules if r.trigger == trigger]


def run(
    rules: Iterable[CompiledRule],
    facts: Mapping[str, Any],
    act: Callable[[Hit, dict[str, Any]], Mapping[str, Any]],
    *,
    skip: frozenset[int] | set[int] = frozenset(),
) -> list[Hit]:
    """Run ``rules`` (in order, one trigger) over a ticket's facts.

    Each matching rule is handed to ``act``, which carries out its actions
    (or, for a dry run, imagines them) and answers the facts the next rule
    sees; a matching rule marked "stop" ends the run. Rule ids in ``skip``
    are passed over (they already acted in this event chain).
    """
    current = prepare_facts(facts)
    hits: list[Hit] = []
    for rule in rules:
        if rule.id in skip:
            continue
        matched = rule.matched(current)
        if matched is None:
            continue
        hit = Hit(rule, matched, rule.actions)
        hits.append(hit)
        current = prepare_facts(act(hit, current))
        if rule.stop:
            break
    return hits


def plan(
    rules: Iterable[CompiledRule],
    facts: Mapping[str, Any],
    *,
    skip: frozenset[int] | set[int] = frozenset(),
) -> tuple[list[Hit], dict[str, Any]]:
    """What ``run`` would do, changing nothing: the hits, and the facts after."""
    final: dict[str, Any] = dict(facts)

    def imagine(hit: Hit, current: dict[str, Any]) -> dict[str, Any]:
        nonlocal final
        for action in hit.actions:
            current = apply_to_facts(action, current)
        final = current
        return current

    hits = run(rules, facts, imagine, skip=skip)
    return hits, final


def apply_to_facts(action: Mapping[str, Any], facts: Mapping[str, Any]) -> dict:
    """What an action does to the facts the following rules see."""
    changed = dict(facts)
    kind = action["type"]
    if kind == "set_line":
        changed["line"] = action["line"]
    elif kind == "escalate":
        changed["line"] = min(3, (facts.get("line") or 1) + 1)
    elif kind == "set_category":
        changed["category"] = action["category"]
    elif kind == "set_priority":
        changed["priority"] = action["priority"]
    elif kind == "assign_agent":
        changed["assignee"] = action["user_id"]
    elif kind == "assign_least_loaded":
        # Who exactly is known only when it runs; "someone" is enough to
        # make ``assignee is_empty`` false for the following rules.
        changed["assignee"] = facts.get("assignee") or -1
    elif kind in ("add_tags", "remove_tags"):
        changed["tags"] = changed_tags(facts.get("tags") or [], action)
    return changed


def changed_tags(tags: Iterable[str], action: Mapping[str, Any]) -> list[str]:
    """The tags after an ``add_tags`` or ``remove_tags`` action, sorted."""
    if action["type"] == "add_tags":
        return sorted(set(tags) | set(action["tags"]))
    return sorted(set(tags) - set(action["tags"]))
