"""JSON nested far too deep is a 400 with the JSON error shape, never a 500.

Python's JSON decoder raises RecursionError some thousand levels down; the
API refuses any body nested deeper than ``MAX_JSON_DEPTH`` before a schema
sees it. Every API route that takes a body is sent 50,000 levels of arrays
and of objects, the token endpoint included.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from helpdesk.extensions import db
from helpdesk.http import MAX_JSON_DEPTH
from helpdesk.imports import jobs
from helpdesk.models import Ticket, User
from helpdesk.vocabulary import Role
from routing.service import defects
from tests.builders import (
    make_category,
    make_macro,
    make_organisation,
    make_ticket,
    make_user,
)
from tests.helpdesk.custom_fields.builders import make_field
from tests.knowledge_base.builders import make_article, make_canned
from tests.routing.builders import make_rule, make_task
from tests.security.support import (
    assert_unchanged,
    auth,
    db_state,
    error_of,
    issue_bearer,
)
from tests.sla.builders import make_calendar, make_policy

DEPTH = 50_000
DEEP_BODIES = {
    "arrays": "[" * DEPTH + "]" * DEPTH,
    "objects": '{"a":' * DEPTH + "1" + "}" * DEPTH,
    "in-a-field": '{"subject": ' + "[" * DEPTH + "]" * DEPTH + "}",
}
# Routes that read no body: a deep one is ignored like any other.
BODILESS = {
    "routing_api.task_completion_create",
    "api.undo_create",
    "api.import_confirmation_create",
    "api.two_factor_reset_create",
}
# Routes that read a multipart form, never JSON: a JSON body is no file.
MULTIPART = {"api.attachment_create", "api.import_create"}


def _import_job(actor):
    return jobs.create_job(
        "users",
        "users.csv",
        b"email,name\n",
        strict=False,
        actor=db.session.get(User, actor.id),
        now=datetime(2026, 11, 23, 9, tzinfo=UTC),
    )


def _defect(ticket, actor):
    return defects.create_defect(
        {
            "kind": "defect",
            "title": "Crash",
            "description": "It crashes.",
            "severity": "major",
        },
        ticket=db.session.get(Ticket, ticket.id),
        actor=db.session.get(User, actor.id),
        now=datetime(2026, 11, 23, 9, tzinfo=UTC),
    )


@pytest.fixture(autouse=True)
def room_for_deep_bodies(app, monkeypatch):
    # Production takes 5 MB; the tests' 128 KB would answer 413 first.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)


@pytest.fixture
def world(app, given):
    category = given(make_category, "access")
    admin = given(make_user, role=Role.ADMIN)
    ticket = given(make_ticket, line=1)
    calendar = given(make_calendar)
    ids = {
        "ticket_id": ticket.id,
        "category_id": category.id,
        "user_id": given(make_user, role=Role.LINE2).id,
        "calendar_id": calendar.id,
        "policy_id": given(make_policy).id,
        "article_id": given(make_article).id,
        "rule_id": given(make_rule).id,
        "defect_id": given(_defect, ticket, admin).id,
        "task_id": given(make_task, ticket).id,
        "action_id": 1,  # no such undo: 404
        "canned_id": given(make_canned, author=admin).id,
        "job_id": given(_import_job, admin).id,
        "macro_id": given(make_macro).id,
        "organisation_id": given(make_organisation, "Globex").id,
        "field_id": given(make_field, "asset_tag").id,
    }
    return SimpleNamespace(ids=ids, as_admin=auth(issue_bearer(app, admin).raw))


def _body_routes(app) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & {"POST", "PATCH", "PUT"}):
            found.append((method, rule.rule, rule.endpoint))
    return found


def _path(rule: str, ids: dict) -> str:
    return re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), rule)


@pytest.mark.parametrize("shape", sorted(DEEP_BODIES))
def test_every_api_body_nested_50000_deep_is_a_400(app, world, shape):
    client = app.test_client()
    routes = _body_routes(app)
    assert ("POST", "/api/v1/auth/token", "api.token_create") in routes
    before = db_state(app)
    for method, rule, endpoint in routes:
        response = client.open(
            _path(rule, world.ids),
            method=method,
            data=DEEP_BODIES[shape],
            content_type="application/json",
            headers=world.as_admin,
        )
        if endpoint in BODILESS | MULTIPART:
            assert response.status_code < 500, (method, rule)
            continue
        assert response.status_code == 400, (method, rule, response.status_code)
        error = error_of(response)
        assert error["code"] == "bad_request"
        assert "_body" in error["fields"], error
    # Only the bodiless route did its work (a task ticked, on the timeline).
    after = db_state(app)
    changed = {t for t in before if before[t] != after[t]}
    # (and the ticket's version, which every timeline event moves on)
    # (the import's confirmation is refused: its file was never checked)
    changed -= {"audit_log"}  # the bodiless 2FA reset is recorded
    assert changed <= {"routing_tasks", "ticket_events", "tickets"}, changed


def test_the_token_endpoint_refuses_a_deep_body_with_the_json_shape(app, client):
    before = db_state(app)
    response = client.post(
        "/api/v1/auth/token",
        data=DEEP_BODIES["objects"],
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "_body" in error_of(response)["fields"]
    assert_unchanged(app, before)


def test_a_body_one_level_past_the_limit_is_refused_and_at_it_accepted(
    app, client, world
):
    def nested(levels: int) -> dict:
        value: object = "x"
        for _ in range(levels - 1):
            value = [value]
        return {"tags": value}

    too_deep = client.patch(
        f"/api/v1/tickets/{world.ids['ticket_id']}",
        json=nested(MAX_JSON_DEPTH + 1),
        headers=world.as_admin,
    )
    at_limit = client.patch(
        f"/api/v1/tickets/{world.ids['ticket_id']}",
        json=nested(MAX_JSON_DEPTH),
        headers=world.as_admin,
    )

    assert too_deep.status_code == 400
    assert "_body" in error_of(too_deep)["fields"]
    assert at_limit.status_code == 422  # read, then refused by the schema


def test_a_deeply_nested_cursor_is_an_invalid_cursor(app, client, world):
    raw = ("[" * DEPTH + "]" * DEPTH).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")

    response = client.get(
        "/api/v1/tickets", query_string={"cursor": cursor}, headers=world.as_admin
    )

    assert response.status_code == 422
    assert "cursor" in error_of(response)["fields"]
