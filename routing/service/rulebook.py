"""Keeping the rules: create, change, enable, reorder, delete; validated on
save, and compiled once per process for as long as nobody changes them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from helpdesk import refcache
from helpdesk.custom_fields import definitions as field_definitions
from helpdesk.errors import InvalidInput, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Category, User
from helpdesk.vocabulary import ASSIGNABLE_ROLES, STAFF_ROLES, Role
from routing import rules
from routing.models import RoutingRule, RoutingState

VERSION_KEY = "rules_version"
RULE_FIELDS = (
    "name",
    "trigger",
    "match",
    "conditions",
    "actions",
    "stop",
    "enabled",
    "unassigned_minutes",
)


def ensure_rule_admin(actor: User) -> None:
    if actor.role not in (Role.MANAGER, Role.ADMIN):
        raise PermissionDenied(_l("Only managers and administrators manage rules."))


def vocabulary() -> rules.Vocabulary:
    """The names rules may use, from the database: active categories,
    assignable agents, staff to notify, custom fields (``field:<key>``)."""
    fields = field_definitions.book()
    users = db.session.execute(
        sa.select(User.id, User.role).where(
            User.active.is_(True), User.role.in_(STAFF_ROLES)
        )
    ).all()
    return rules.Vocabulary(
        categories=frozenset(
            db.session.scalars(
                sa.select(Category.code).where(Category.active.is_(True))
            )
        ),
        agents=frozenset(uid for uid, role in users if role in ASSIGNABLE_ROLES),
        staff=frozenset(uid for uid, _role in users),
        custom_fields={key: kind.value for key, kind in fields.kinds.items()},
        custom_choices={key: fields.choices_of_key(key) for key in fields.kinds},
    )


def list_rules() -> list[RoutingRule]:
    return list(
        db.session.scalars(
            sa.select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)
        )
    )


def names_of_users_in(rules_: list[RoutingRule]) -> dict[int, str]:
    """Names of the users the rules' actions name, in one query."""
    ids = {a.get("user_id") for r in rules_ for a in r.actions or []} - {None}
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all()
    )


def get_rule(rule_id: int) -> RoutingRule:
    rule = db.session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(_l("Rule not found."))
    return rule


def create_rule(data: dict, *, actor: User, now: datetime) -> RoutingRule:
    """A new rule from loaded data, placed last unless ``position`` is given."""
    ensure_rule_admin(actor)
    _check(data, rule_id=None)
    position = db.session.scalar(sa.select(sa.func.max(RoutingRule.position))) or 0
    rule = RoutingRule(created_at=now, updated_at=now, position=position + 1)
    _assign(rule, {name: data.get(name, _DEFAULTS.get(name)) for name in RULE_FIELDS})
    db.session.add(rule)
    db.session.flush()
    if data.get("position"):
        _place(rule, data["position"])
    _changed()
    return rule


_DEFAULTS = {"match": rules.Match.ALL, "stop": False, "enabled": True}


def update_rule(rule: RoutingRule, changes: dict, *, actor: User, now: datetime):
    """Change some of a rule's parts; the whole rule is validated again."""
    ensure_rule_admin(actor)
    merged = rule.as_data() | {"enabled": rule.enabled} | changes
    if (
        changes.get("trigger", rules.Trigger.UNASSIGNED) != rules.Trigger.UNASSIGNED
        and "unassigned_minutes" not in changes
    ):
        # Another trigger than "unassigned for N minutes": the minutes go.
        merged["unassigned_minutes"] = None
    _check(merged, rule_id=rule.id)
    _assign(rule, merged)
    rule.updated_at = now
    if changes.get("position"):
        _place(rule, changes["position"])
    db.session.flush()
    _changed()
    return rule


def _assign(rule: RoutingRule, data: dict) -> None:
    for name in RULE_FIELDS:
        setattr(rule, name, data.get(name))
    rule.trigger, rule.match = rules.Trigger(rule.trigger), rules.Match(rule.match)


def delete_rule(rule: RoutingRule, *, actor: User) -> None:
    ensure_rule_admin(actor)
    db.session.delete(rule)
    db.session.flush()
    _renumber(list_rules())
    _changed()


def move_rule(rule: RoutingRule, *, position: int, actor: User, now: datetime):
    """Put the rule at ``position`` (1 = first; clamped) and renumber the rest."""
    ensure_rule_admin(actor)
    _place(rule, position)
    rule.updated_at = now
    db.session.flush()
    _changed()
    return rule


def _place(rule: RoutingRule, position: int) -> None:
    ordered = [r for r in list_rules() if r.id != rule.id]
    index = max(0, min(position - 1, len(ordered)))
    ordered.insert(index, rule)
    _renumber(ordered)


def _renumber(ordered: list[RoutingRule]) -> None:
    for number, each in enumerate(ordered, start=1):
        if each.position != number:
            each.position = number


def _check(data: dict, *, rule_id: int | None) -> None:
    """Validate everything; raise one InvalidInput naming every bad field."""
    fields: dict[str, list] = defaultdict(list)
    for problem in rules.validate_rule(data, vocabulary()):
        fields[problem.path].append(_l(problem.message, **problem.params))
    taken = db.session.scalar(
        sa.select(RoutingRule.id).where(
            RoutingRule.name == data.get("name"),
            RoutingRule.id != (rule_id or 0),
        )
    )
    if taken:
        fields["name"].append(_l("A rule with this name already exists."))
    if fields:
        raise InvalidInput(_l("The rule is not valid."), fields=dict(fields))


def _changed() -> None:
    """A new version of the rules (the per-process cache itself follows
    ``helpdesk.refcache``'s stamp, which any change to a rule moves)."""
    state = db.session.get(RoutingState, VERSION_KEY)
    if state is None:
        db.session.add(RoutingState(name=VERSION_KEY, value=uuid.uuid4().hex))
    else:
        state.value = uuid.uuid4().hex


def compiled_rules() -> list[rules.CompiledRule]:
    """The enabled rules in order, compiled; rebuilt only after a change to
    any rule (``helpdesk.refcache``: one stamp read per transaction)."""
    return refcache.cached("routing.rules", _compile_enabled)


def _compile_enabled(session: Session) -> list[rules.CompiledRule]:
    return [
        rules.compile_rule(rule.as_data())
        for rule in session.scalars(
            sa.select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)
        )
        if rule.enabled
    ]


def watch() -> None:
    refcache.watch(RoutingRule)
