"""Tags in routing rules: a ``tags`` condition field and the ``add_tags`` /
``remove_tags`` actions, from validation through the engine, the dry run,
the timeline and the rule form."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.vocabulary import Role
from routing import labels, rules
from routing.rules import Vocabulary, compile_rule, plan, validate_rule
from tests.builders import make_category, make_ticket, make_user
from tests.routing.builders import make_rule
from tests.security.support import db_state

VOCABULARY = Vocabulary(categories=frozenset({"access"}))
FACTS = {
    "category": "access",
    "priority": "P3",
    "channel": "web",
    "status": "new",
    "line": 1,
    "organization": None,
    "subject": "VPN is down",
    "description": "",
    "assignee": None,
    "sla_target": None,
    "tags": ["vip", "vpn"],
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


def problems(data: dict) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate_rule(data, VOCABULARY)]


# --- validation ------------------------------------------------------------------


def test_valid_tag_conditions_and_actions_have_no_problems():
    data = rule(
        conditions=[
            {"field": "tags", "op": "contains", "value": "vpn"},
            {"field": "tags", "op": "not_contains", "value": "spam"},
            {"field": "tags", "op": "contains_any", "value": ["vip", "key-account"]},
            {"field": "tags", "op": "is_empty", "value": None},
            {"field": "tags", "op": "is_set"},
            {"field": "tags", "op": "contains", "value": "срочно_2"},
        ],
        actions=[
            {"type": "add_tags", "tags": ["vpn", "network"]},
            {"type": "remove_tags", "tags": ["spam"]},
        ],
    )
    assert problems(data) == []


@pytest.mark.parametrize(
    ("condition", "path", "message"),
    [
        ({"field": "tags", "op": "eq", "value": "vpn"}, "conditions.0.op", "operators"),
        ({"field": "tags", "op": "regex", "value": "v"}, "conditions.0.op", "operators"),
        ({"field": "tags", "op": "contains", "value": "VPN"}, "conditions.0.value", "tag"),
        ({"field": "tags", "op": "contains", "value": "a b"}, "conditions.0.value", "tag"),
        ({"field": "tags", "op": "contains", "value": "x" * 41}, "conditions.0.value", "tag"),
        ({"field": "tags", "op": "contains", "value": 7}, "conditions.0.value", "tag"),
        ({"field": "tags", "op": "contains", "value": ""}, "conditions.0.value", "one value"),
        ({"field": "tags", "op": "contains", "value": ["vpn"]}, "conditions.0.value", "one value"),
        ({"field": "tags", "op": "contains_any", "value": "vpn"}, "conditions.0.value", "list"),
        ({"field": "tags", "op": "contains_any", "value": ["ok", "no!"]}, "conditions.0.value", "tag"),
        ({"field": "tags", "op": "is_set", "value": "vpn"}, "conditions.0.value", "no value"),
    ],
)  # fmt: skip
def test_a_bad_tag_condition_is_named_by_its_path(condition, path, message):
    ((got_path, got_message),) = problems(rule(conditions=[condition]))
    assert got_path == path
    assert message in got_message


@pytest.mark.parametrize(
    ("action", "path", "message"),
    [
        ({"type": "add_tags"}, "actions.0.tags", "non-empty list of tags"),
        ({"type": "add_tags", "tags": []}, "actions.0.tags", "non-empty list of tags"),
        ({"type": "add_tags", "tags": "vpn"}, "actions.0.tags", "non-empty list of tags"),
        ({"type": "remove_tags", "tags": ["ok", "Bad"]}, "actions.0.tags.1", "lower-case"),
        ({"type": "remove_tags", "tags": ["x" * 41]}, "actions.0.tags.0", "A tag is"),
        ({"type": "add_tags", "tags": ["vpn"], "tag": "x"}, "actions.0.tag", "takes no"),
    ],
)  # fmt: skip
def test_a_bad_tag_action_is_named_by_its_path(action, path, message):
    ((got_path, got_message),) = problems(rule(actions=[action]))
    assert got_path == path
    assert message in got_message


# --- matching -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "tags", "expected"),
    [
        ({"op": "contains", "value": "vpn"}, ["vip", "vpn"], True),
        ({"op": "contains", "value": "vp"}, ["vip", "vpn"], False),  # whole tags
        ({"op": "contains", "value": "vpn"}, [], False),
        ({"op": "not_contains", "value": "vpn"}, ["vip", "vpn"], False),
        ({"op": "not_contains", "value": "spam"}, ["vip", "vpn"], True),
        ({"op": "not_contains", "value": "spam"}, [], True),
        ({"op": "contains_any", "value": ["spam", "vip"]}, ["vip", "vpn"], True),
        ({"op": "contains_any", "value": ["spam", "ham"]}, ["vip", "vpn"], False),
        ({"op": "contains_any", "value": ["spam"]}, [], False),
        ({"op": "is_empty"}, [], True),
        ({"op": "is_empty"}, ["vpn"], False),
        ({"op": "is_set"}, ["vpn"], True),
        ({"op": "is_set"}, [], False),
    ],
)
def test_tag_conditions_match_as_documented(condition, tags, expected):
    compiled = compile_rule(rule(conditions=[{"field": "tags", **condition}]))
    facts = rules.prepare_facts(FACTS | {"tags": tags})
    assert (compiled.matched(facts) is not None) is expected


def test_later_rules_see_the_tags_earlier_rules_changed():
    first = compile_rule(
        rule(id=1, actions=[{"type": "add_tags", "tags": ["network", "vip"]}])
    )
    second = compile_rule(
        rule(
            id=2,
            conditions=[{"field": "tags", "op": "contains", "value": "network"}],
            actions=[{"type": "remove_tags", "tags": ["vpn"]}],
        )
    )
    hits, final = plan([first, second], FACTS)
    assert [h.rule.id for h in hits] == [1, 2]
    assert final["tags"] == ["network", "vip"]


# --- the engine ------------------------------------------------------------------------


def _events(ticket: Ticket, kind: str) -> list[TicketEvent]:
    return list(
        db.session.scalars(
            sa.select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == kind)
            .order_by(TicketEvent.id)
        )
    )


@pytest.mark.usefixtures("ctx")
def test_rules_add_and_remove_tags_through_the_core_with_its_event():
    make_rule(
        name="tag VPN tickets",
        conditions=[{"field": "text", "op": "contains", "value": "vpn"}],
        actions=[{"type": "add_tags", "tags": ["vpn", "network", "triage"]}],
    )
    make_rule(
        name="untriage networks",
        conditions=[{"field": "tags", "op": "contains", "value": "network"}],
        actions=[{"type": "remove_tags", "tags": ["triage"]}],
    )
    ticket = make_ticket(subject="VPN is down", description="x")
    db.session.commit()

    assert ticket.tags == ["network", "vpn"]
    added, removed = _events(ticket, "routing_rule_applied")
    assert added.data["changes"] == [
        {"type": "add_tags", "from": [], "to": ["network", "triage", "vpn"]}
    ]
    assert removed.data["changes"] == [
        {"type": "remove_tags", "from": ["network", "triage", "vpn"], "to": ["network", "vpn"]}
    ]  # fmt: skip
    core = _events(ticket, "tags_changed")
    assert [(e.actor_id, e.data) for e in core] == [
        (None, {"old": [], "new": ["network", "triage", "vpn"]}),
        (None, {"old": ["network", "triage", "vpn"], "new": ["network", "vpn"]}),
    ]


@pytest.mark.usefixtures("ctx")
def test_nothing_to_change_is_skipped_without_a_core_event():
    make_rule(
        name="remove spam",
        actions=[
            {"type": "remove_tags", "tags": ["spam"]},
            {"type": "add_tags", "tags": ["new"]},
            {"type": "add_tags", "tags": ["new"]},
        ],
    )
    ticket = make_ticket()
    db.session.commit()

    assert ticket.tags == ["new"]
    (event,) = _events(ticket, "routing_rule_applied")
    assert event.data["changes"] == [
        {"type": "remove_tags", "skipped": "no_change"},
        {"type": "add_tags", "from": [], "to": ["new"]},
        {"type": "add_tags", "skipped": "no_change"},
    ]
    assert len(_events(ticket, "tags_changed")) == 1


def test_changes_and_actions_are_described(app):
    with app.test_request_context():
        assert (
            labels.describe_change({"type": "add_tags", "from": [], "to": ["vpn"]})
            == "Tags: none → “vpn”"
        )
        assert (
            labels.describe_change(
                {"type": "remove_tags", "from": ["a", "b"], "to": ["a"]}
            )
            == "Tags: “a”, “b” → “a”"
        )
        assert (
            labels.describe_change({"type": "remove_tags", "skipped": "no_change"})
            == "Remove tags: skipped, nothing to change"
        )
        assert (
            labels.describe_action({"type": "add_tags", "tags": ["vpn", "vip"]})
            == "Add tags “vpn”, “vip”"
        )
        assert (
            labels.describe_condition(
                {"field": "tags", "op": "contains_any", "value": ["vpn", "vip"]}
            )
            == "tags contains any of “vpn”, “vip”"
        )


def test_the_timeline_shows_the_rules_tag_change(app, client, given, login):
    given(make_category, "access")
    given(
        make_rule,
        name="tag everything",
        actions=[{"type": "add_tags", "tags": ["vpn"]}],
    )
    ticket = given(make_ticket)
    login(given(make_user, role=Role.LINE1))
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Rule “tag everything”" in page
    assert "Tags: none → “vpn”" in page


# --- the dry run and the form --------------------------------------------------------


@pytest.fixture
def admin(given, bearer):
    given(make_category, "access")
    user = given(make_user, role=Role.ADMIN)
    return bearer(user)


def test_the_dry_run_shows_the_tag_change_and_changes_nothing(
    app, client, admin, given
):
    given(
        make_rule,
        name="tag vip",
        enabled=False,
        conditions=[{"field": "tags", "op": "is_empty"}],
        actions=[{"type": "add_tags", "tags": ["vip"]}],
    )
    ticket = given(make_ticket)
    rule_id = client.get("/api/v1/routing/rules", headers=admin).json["items"][0]["id"]
    before = db_state(app)

    response = client.post(
        f"/api/v1/routing/rules/{rule_id}/tests",
        json={"ticket": ticket.id},
        headers=admin,
    )

    assert response.status_code == 200, response.json
    (outcome,) = response.json["rules"]
    assert outcome["outcome"] == "matched"
    assert outcome["changes"] == [{"type": "add_tags", "from": [], "to": ["vip"]}]
    assert db_state(app) == before


def test_the_form_round_trips_tags(app, client, given, login, bearer):
    admin = given(make_user, role=Role.ADMIN)
    login(admin)
    response = client.post(
        "/routing/rules/new",
        data={
            "name": "Tags",
            "trigger": "ticket_created",
            "match": "all",
            "cond-0-field": "tags",
            "cond-0-op": "contains_any",
            "cond-0-value": "VPN, network ",
            "cond-1-field": "tags",
            "cond-1-op": "not_contains",
            "cond-1-value": " Spam",
            "act-0-type": "add_tags",
            "act-0-value": "Triage, key-account",
            "act-1-type": "remove_tags",
            "act-1-value": "spam",
            "enabled": "true",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    rule = client.get("/api/v1/routing/rules", headers=bearer(admin)).json["items"][0]
    assert rule["conditions"] == [
        {"field": "tags", "op": "contains_any", "value": ["vpn", "network"]},
        {"field": "tags", "op": "not_contains", "value": "spam"},
    ]
    assert rule["actions"] == [
        {"type": "add_tags", "tags": ["triage", "key-account"]},
        {"type": "remove_tags", "tags": ["spam"]},
    ]
    edit = client.get(f"/routing/rules/{rule['id']}").get_data(as_text=True)
    assert 'value="vpn, network"' in edit
    assert 'value="triage, key-account"' in edit and 'value="spam"' in edit


def test_form_errors_name_the_bad_tag_row(app, client, given, login):
    login(given(make_user, role=Role.MANAGER))
    before = db_state(app)
    response = client.post(
        "/routing/rules/new",
        data={
            "name": "Bad tags",
            "trigger": "ticket_created",
            "match": "all",
            "act-0-type": "add_tags",
            "act-0-value": "no spaces allowed",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A tag is 1 to 40 lower-case letters" in page
    assert 'value="no spaces allowed"' in page
    assert db_state(app) == before
