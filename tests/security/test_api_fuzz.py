"""A fuzz run of the OpenAPI document against the app, as every role.

schemathesis reads /api/openapi.json from the app (in-process WSGI), and for
each operation sends a bounded number of generated requests with each role's
bearer token, on the demo data (arranged once, put back for each role): no
answer may be a 5xx, every answer's status and content type must be
documented (each operation's ``default`` is the JSON error shape), and its
body must match the documented schema. A generated ``{id}`` is half the time swapped for the id
of a row that exists, so the requests get past the 404s into the services.
Generation only, no shrinking: the run stays bounded, and a failure names its
operation, request and answer anyway.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.vocabulary import Role
from tests.security.support import issue_bearer

# The fuzz run tries the API's answers, not the database under it: once,
# on SQLite (the rest of the suite runs on PostgreSQL too), which keeps
# ``make test`` well inside its ten minutes.
pytestmark = pytest.mark.skipif(
    os.environ.get("HELPDESK_TEST_DB") == "postgresql",
    reason="the fuzz run goes once, on SQLite",
)

EXAMPLES_PER_OPERATION = 6
# The manager reads what the admin reads and is refused what the admin may
# do (the permission matrices prove which): one of the two all-lines roles.
ROLES = [Role.CUSTOMER, Role.LINE1, Role.ADMIN]
REVOKE_TOKEN = "DELETE /v1/me/tokens/{id}"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Which table's ids an ``{id}`` of a path names, by the path's start.
ID_TABLES = {
    "/v1/tickets/": "tickets",
    "/v1/kb/articles/": "kb_articles",
    "/v1/routing/defects/": "routing_defects",
    "/v1/routing/rules/": "routing_rules",
    "/v1/routing/agents/": "users",
    "/v1/routing/tasks/": "routing_tasks",
    "/v1/sla/calendars/": "sla_calendars",
    "/v1/sla/policies/": "sla_policies",
    "/v1/attachments/": "attachments",
    "/v1/users/": "users",
    "/v1/organisations/": "organisations",
    "/v1/me/views/": "saved_views",
    "/v1/kb/canned/": "kb_canned_responses",
    "/v1/kb/links/": "kb_article_tickets",
}


def _arrange(app, runner) -> dict:
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        ids = {
            table: db.session.scalars(sa.text(f"SELECT id FROM {table}")).all()
            for table in ID_TABLES.values()
        }
        people = {
            role: db.session.scalars(
                sa.select(User.id).where(User.role == role).order_by(User.id)
            ).first()
            for role in ROLES
        }
        db.session.remove()
    tokens = {
        role.value: issue_bearer(app, type("U", (), {"id": uid})).headers
        for role, uid in people.items()
    }
    return {"ids": ids, "tokens": tokens}


@pytest.fixture
def world(app, runner, saved_world):
    return saved_world("api fuzz: demo data", lambda: _arrange(app, runner))


def _known_ids(path: str, ids: dict) -> list[int]:
    table = next((t for start, t in ID_TABLES.items() if path.startswith(start)), None)
    return ids.get(table) or []


def _fuzz(operation, headers: dict, known: list[int]) -> str | None:
    """Run one operation's examples; the failure's report, or None."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        phases=[Phase.explicit, Phase.generate],
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(), pick=st.integers(0, max(2 * len(known), 1) - 1)
    )
    def run(case, pick: int) -> None:
        if known and case.path_parameters and pick < len(known):
            case.path_parameters["id"] = known[pick]
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    # schemathesis reports several failed checks as one FailureGroup, a
    # BaseExceptionGroup; a single one and anything else as an Exception.
    except (Exception, BaseExceptionGroup) as failure:
        details = getattr(failure, "exceptions", [failure])
        return f"{operation.label}: " + "\n".join(str(f) for f in details)[:3000]
    return None


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_no_operation_answers_5xx_or_breaks_its_schema(app, world, role):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    # Revoking tokens may revoke the one in use: last, so it cuts nothing short.
    operations.sort(key=lambda op: op.label == REVOKE_TOKEN)
    headers = world["tokens"][role.value]

    failures = [
        failure
        for op in operations
        if (failure := _fuzz(op, headers, _known_ids(op.path, world["ids"])))
    ]

    assert failures == [], "\n\n".join(failures)


def _untyped(node, path: str = "") -> list[str]:
    """Every schema in the document (properties, items, parameters, bodies)
    that says nothing of its type."""
    typed = {"type", "$ref", "oneOf", "anyOf", "allOf"}
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("schema", "items") and isinstance(value, dict):
                found += [f"{path}/{key}"] if not typed & value.keys() else []
            if key == "properties":
                found += [
                    f"{path}/properties/{name}"
                    for name, prop in value.items()
                    if not typed & prop.keys()
                ]
            found += _untyped(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _untyped(value, f"{path}/{index}")
    return found


def test_the_openapi_document_types_every_field(client):
    document = client.get("/api/openapi.json").get_json()

    assert _untyped(document) == []
    schemas = document["components"]["schemas"]
    assert schemas["ArticleIn"]["properties"]["tags"]["oneOf"][0]["type"] == "array"
    assert schemas["DefectIn"]["properties"]["ticket"]["oneOf"][0]["type"] == (
        "integer"
    )
    assert schemas["TicketOut"]["properties"]["status"]["type"] == "string"
