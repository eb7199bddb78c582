"""Bad input gets a clear 4xx naming the field, and nothing is stored.

API: 422 ``validation_error`` for values that fail validation, 400
``bad_request`` for a body that is not a JSON object, 409 for an illegal
transition; always ``{"error": {"code", "message", "fields"}}`` with the
offending field in ``fields``. Pages: the form comes back (422) with the
message next to the field. Every test compares all rows of all tables before
and after the refused request.
"""

from __future__ import annotations

import re
from io import BytesIO
from types import SimpleNamespace

import pytest

from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_category, make_ticket, make_user
from tests.security import support
from tests.security.support import (
    assert_unchanged,
    db_state,
    error_of,
)


@pytest.fixture
def world(given, bearer, saved_world):
    """A customer's new line-1 ticket; a line-1 agent, a manager and an admin;
    the API tokens of the customer, the agent and the manager. Arranged once,
    put back for every test (``saved_world``)."""
    return saved_world("bad-input world", lambda: _arrange(given, bearer))


def _arrange(given, bearer) -> SimpleNamespace:
    given(make_category, "access")
    given(make_category, "retired", active=False)
    customer = given(make_user, role=Role.CUSTOMER)
    agent = given(make_user, role=Role.LINE1)
    manager = given(make_user, role=Role.MANAGER)
    admin = given(make_user, role=Role.ADMIN)
    ticket = given(make_ticket, requester=customer, line=1)
    return SimpleNamespace(
        customer=customer,
        agent=agent,
        manager=manager,
        admin=admin,
        ticket=ticket,
        as_customer=bearer(customer),
        as_agent=bearer(agent),
        as_manager=bearer(manager),
    )


# --- helpers -------------------------------------------------------------------


def refused(app, client, method, path, *, status=422, fields=(), **request):
    """Send one bad request; check status, error shape, named fields, and
    that the database did not change. Returns the ``error`` object."""
    before = db_state(app)
    response = client.open(path, method=method, **request)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    error = error_of(response)
    expected_code = {400: "bad_request", 422: "validation_error"}.get(status)
    if expected_code:
        assert error["code"] == expected_code, error
    for name in fields:
        assert name in error["fields"], error
    assert_unchanged(app, before)
    return error


def form_refused(app, client, path, data, *, field, status=422, **request):
    """Post a form; it must come back with ``status``, the form itself and a
    visible message for ``field``, and store nothing. Returns the page."""
    before = db_state(app)
    response = client.post(path, data=data, **request)
    page = response.get_data(as_text=True)
    assert response.status_code == status, page[:2000]
    assert "<form" in page, "the form is not re-rendered"
    match = re.search(
        rf'<small class="field-error" id="{re.escape(field)}-error">([^<]+)</small>',
        page,
    )
    assert match and match.group(1).strip(), f"no message for {field!r} on the page"
    assert_unchanged(app, before)
    return page


LONG = 20001
NEW_TICKET = {
    "subject": "VPN drops",
    "description": "Every hour.",
    "category": "access",
}


def without(data: dict, key: str) -> dict:
    return {k: v for k, v in data.items() if k != key}


# --- API: malformed bodies, on every endpoint that reads one ---------------------

BODY_ENDPOINTS = [
    pytest.param("POST", "/api/v1/tickets", "as_customer", id="ticket-create"),
    pytest.param("PATCH", "/api/v1/tickets/{id}", "as_manager", id="ticket-patch"),
    pytest.param("POST", "/api/v1/tickets/{id}/comments", "as_agent", id="comment"),
    pytest.param(
        "POST", "/api/v1/tickets/{id}/transitions", "as_agent", id="transition"
    ),
    pytest.param("POST", "/api/v1/auth/token", None, id="auth-token"),
]

MALFORMED = [
    pytest.param(
        {"data": '{"subject": "x",', "content_type": "application/json"},
        id="truncated-json",
    ),
    pytest.param(
        {"data": "subject=x", "content_type": "application/json"}, id="not-json"
    ),
    pytest.param({"data": "", "content_type": "application/json"}, id="empty-body"),
    pytest.param({"data": "{}", "content_type": "text/plain"}, id="wrong-content-type"),
    pytest.param({"json": [{"subject": "x"}]}, id="json-array"),
    pytest.param({"json": "subject"}, id="json-string"),
    pytest.param(
        {"json": None, "data": "null", "content_type": "application/json"},
        id="json-null",
    ),
    pytest.param(
        {"data": b"\xff\xfe{}", "content_type": "application/json"}, id="not-utf8"
    ),
]


@pytest.mark.parametrize(("method", "path", "who"), BODY_ENDPOINTS)
@pytest.mark.parametrize("body", MALFORMED)
def test_a_body_that_is_not_a_json_object_is_400(
    method, path, who, body, app, client, world
):
    headers = getattr(world, who) if who else {}
    request = {k: v for k, v in body.items() if v is not None}

    refused(
        app,
        client,
        method,
        path.format(id=world.ticket.id),
        status=400,
        fields=["_body"],
        headers=headers,
        **request,
    )


UNKNOWN_KEYS = [
    pytest.param(
        "POST", "/api/v1/tickets", "as_customer", NEW_TICKET, id="ticket-create"
    ),
    pytest.param(
        "PATCH",
        "/api/v1/tickets/{id}",
        "as_manager",
        {"priority": "P1"},
        id="ticket-patch",
    ),
    pytest.param(
        "POST",
        "/api/v1/tickets/{id}/comments",
        "as_agent",
        {"body": "Hi"},
        id="comment",
    ),
    pytest.param(
        "POST",
        "/api/v1/tickets/{id}/transitions",
        "as_agent",
        {"status": "open"},
        id="transition",
    ),
    pytest.param(
        "POST",
        "/api/v1/auth/token",
        None,
        {"email": "a@example.test", "password": "x"},
        id="auth-token",
    ),
]


@pytest.mark.parametrize(("method", "path", "who", "valid"), UNKNOWN_KEYS)
def test_unknown_keys_are_422_naming_them(method, path, who, valid, app, client, world):
    """A typo ("priorty") must not be silently ignored."""
    headers = getattr(world, who) if who else {}

    refused(
        app,
        client,
        method,
        path.format(id=world.ticket.id),
        fields=["priorty"],
        headers=headers,
        json=valid | {"priorty": "P1"},
    )


# --- API: POST /api/v1/tickets -----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param({}, ["subject", "description", "category"], id="empty-object"),
        pytest.param(without(NEW_TICKET, "subject"), ["subject"], id="missing-subject"),
        pytest.param(
            without(NEW_TICKET, "description"),
            ["description"],
            id="missing-description",
        ),
        pytest.param(
            without(NEW_TICKET, "category"), ["category"], id="missing-category"
        ),
        pytest.param(NEW_TICKET | {"subject": "   "}, ["subject"], id="blank-subject"),
        pytest.param(NEW_TICKET | {"subject": None}, ["subject"], id="null-subject"),
        pytest.param(
            NEW_TICKET | {"subject": "x" * 201}, ["subject"], id="subject-too-long"
        ),
        pytest.param(
            NEW_TICKET | {"description": "x" * LONG},
            ["description"],
            id="description-too-long",
        ),
        pytest.param(NEW_TICKET | {"subject": ["VPN"]}, ["subject"], id="subject-list"),
        pytest.param(NEW_TICKET | {"category": 5}, ["category"], id="category-number"),
        pytest.param(
            NEW_TICKET | {"category": "nope"}, ["category"], id="category-unknown"
        ),
        pytest.param(
            NEW_TICKET | {"category": "retired"}, ["category"], id="category-inactive"
        ),
        pytest.param(
            NEW_TICKET | {"category": "x" * 41}, ["category"], id="category-too-long"
        ),
        pytest.param(
            NEW_TICKET | {"priority": "P9"}, ["priority"], id="priority-unknown"
        ),
        pytest.param(NEW_TICKET | {"priority": 1}, ["priority"], id="priority-number"),
        pytest.param(
            NEW_TICKET | {"requester_id": 1},
            ["requester_id"],
            id="customer-sets-requester",
        ),
        pytest.param(
            NEW_TICKET | {"channel": "phone"}, ["channel"], id="customer-sets-channel"
        ),
        pytest.param(
            NEW_TICKET | {"status": "closed"}, ["status"], id="status-not-settable"
        ),
    ],
)
def test_ticket_create_validation(body, fields, app, client, world):
    refused(
        app,
        client,
        "POST",
        "/api/v1/tickets",
        fields=fields,
        headers=world.as_customer,
        json=body,
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param(
            NEW_TICKET | {"requester_id": "abc"}, ["requester_id"], id="requester-text"
        ),
        pytest.param(
            NEW_TICKET | {"requester_id": True}, ["requester_id"], id="requester-bool"
        ),
        pytest.param(
            NEW_TICKET | {"channel": "fax"}, ["channel"], id="channel-unknown"
        ),
        pytest.param(NEW_TICKET | {"channel": 1}, ["channel"], id="channel-number"),
    ],
)
def test_staff_ticket_create_validation(body, fields, app, client, world):
    refused(
        app,
        client,
        "POST",
        "/api/v1/tickets",
        fields=fields,
        headers=world.as_manager,
        json=body,
    )


def test_staff_ticket_create_with_unknown_requester_is_422(app, client, world):
    refused(
        app,
        client,
        "POST",
        "/api/v1/tickets",
        fields=["requester_id"],
        headers=world.as_manager,
        json=NEW_TICKET | {"requester_id": 99999},
    )


# --- API: PATCH /api/v1/tickets/{id} --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param({"priority": "P9"}, ["priority"], id="priority-unknown"),
        pytest.param({"priority": None}, ["priority"], id="priority-null"),
        pytest.param({"category": 5}, ["category"], id="category-number"),
        pytest.param({"category": "nope"}, ["category"], id="category-unknown"),
        pytest.param({"category": "retired"}, ["category"], id="category-inactive"),
        pytest.param({"category": ""}, ["category"], id="category-empty"),
        pytest.param({"assignee": "abc"}, ["assignee"], id="assignee-text"),
        pytest.param({"status": "closed"}, ["status"], id="status-not-patchable"),
        pytest.param(
            {"subject": "New subject"}, ["subject"], id="subject-not-patchable"
        ),
        pytest.param({"line": 3}, ["line"], id="line-not-patchable"),
        # One bad field spoils the whole change: the good one is not stored either.
        pytest.param(
            {"priority": "P1", "category": "nope"}, ["category"], id="good-and-bad"
        ),
        pytest.param(
            {"priority": "P1", "assignee": "abc"},
            ["assignee"],
            id="good-and-bad-assignee",
        ),
    ],
)
def test_ticket_patch_validation(body, fields, app, client, world):
    refused(
        app,
        client,
        "PATCH",
        f"/api/v1/tickets/{world.ticket.id}",
        fields=fields,
        headers=world.as_manager,
        json=body,
    )


@pytest.mark.parametrize(
    "assignee",
    ["missing-user", "customer", "admin", "inactive-agent"],
)
def test_ticket_patch_with_an_assignee_who_cannot_be_one(
    assignee, app, client, world, given
):
    ids = {
        "missing-user": 99999,
        "customer": world.customer.id,
        "admin": world.admin.id,
        "inactive-agent": given(make_user, role=Role.LINE1, active=False).id,
    }
    error = refused(
        app,
        client,
        "PATCH",
        f"/api/v1/tickets/{world.ticket.id}",
        headers=world.as_manager,
        json={"priority": "P1", "assignee": ids[assignee]},
    )
    assert error["fields"], error


def test_ticket_patch_with_an_unknown_assignee_names_the_key_the_client_sent(
    app, client, world
):
    refused(
        app,
        client,
        "PATCH",
        f"/api/v1/tickets/{world.ticket.id}",
        fields=["assignee"],
        headers=world.as_manager,
        json={"assignee": 99999},
    )


# --- API: comments and transitions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param({}, ["body"], id="missing-body"),
        pytest.param({"body": ""}, ["body"], id="empty-body"),
        pytest.param({"body": "  \n "}, ["body"], id="blank-body"),
        pytest.param({"body": None}, ["body"], id="null-body"),
        pytest.param({"body": 5}, ["body"], id="body-number"),
        pytest.param({"body": "x" * LONG}, ["body"], id="body-too-long"),
        pytest.param(
            {"body": "Hi", "internal": "maybe"}, ["internal"], id="internal-maybe"
        ),
        pytest.param({"body": "Hi", "internal": 2}, ["internal"], id="internal-two"),
        pytest.param(
            {"body": "Hi", "internal": None}, ["internal"], id="internal-null"
        ),
    ],
)
def test_comment_validation(body, fields, app, client, world):
    refused(
        app,
        client,
        "POST",
        f"/api/v1/tickets/{world.ticket.id}/comments",
        fields=fields,
        headers=world.as_agent,
        json=body,
    )


def test_comment_on_a_closed_ticket_is_409(app, client, world, given):
    closed = given(make_ticket, requester=world.customer, status=TicketStatus.CLOSED)
    error = refused(
        app,
        client,
        "POST",
        f"/api/v1/tickets/{closed.id}/comments",
        status=409,
        headers=world.as_customer,
        json={"body": "Hello?"},
    )
    assert error["code"] == "conflict"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param({}, ["status"], id="missing-status"),
        pytest.param({"status": "bogus"}, ["status"], id="unknown-status"),
        pytest.param({"status": "OPEN"}, ["status"], id="wrong-case"),
        pytest.param({"status": 5}, ["status"], id="status-number"),
        pytest.param({"status": None}, ["status"], id="null-status"),
        pytest.param({"status": ["open"]}, ["status"], id="status-list"),
    ],
)
def test_transition_validation(body, fields, app, client, world):
    refused(
        app,
        client,
        "POST",
        f"/api/v1/tickets/{world.ticket.id}/transitions",
        fields=fields,
        headers=world.as_agent,
        json=body,
    )


@pytest.mark.parametrize("target", ["reopened", "new"])
def test_illegal_transition_is_409_naming_status(target, app, client, world):
    error = refused(
        app,
        client,
        "POST",
        f"/api/v1/tickets/{world.ticket.id}/transitions",
        status=409,
        fields=["status"],
        headers=world.as_agent,
        json={"status": target},
    )
    assert error["code"] == "invalid_transition"


# --- API: auth/token ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param({}, ["email", "password"], id="empty-object"),
        pytest.param({"password": "x"}, ["email"], id="missing-email"),
        pytest.param({"email": "a@example.test"}, ["password"], id="missing-password"),
        pytest.param({"email": "", "password": "x"}, ["email"], id="empty-email"),
        pytest.param(
            {"email": "a" * 250 + "@x.io", "password": "x"},
            ["email"],
            id="email-too-long",
        ),
        pytest.param({"email": 5, "password": "x"}, ["email"], id="email-number"),
        pytest.param(
            {"email": "a@example.test", "password": 5},
            ["password"],
            id="password-number",
        ),
        pytest.param(
            {"email": "a@example.test", "password": None},
            ["password"],
            id="password-null",
        ),
    ],
)
def test_token_request_validation(body, fields, app, client, world):
    refused(app, client, "POST", "/api/v1/auth/token", fields=fields, json=body)


# --- API: list filters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "status"),
        ("status=open,bogus", "status"),
        ("line=4", "line"),
        ("line=0", "line"),
        ("line=abc", "line"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("assignee=-1", "assignee"),
        ("assignee=me", "assignee"),
        ("requester=0", "requester"),
        ("requester=abc", "requester"),
        ("cursor=!!!", "cursor"),
        ("cursor=bm90LWFuLWlk", "cursor"),  # base64 of "not-an-id"
        ("sort=id", "sort"),
    ],
)
def test_ticket_list_filter_validation(query, field, app, client, world):
    refused(
        app,
        client,
        "GET",
        f"/api/v1/tickets?{query}",
        fields=[field],
        headers=world.as_manager,
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cursor=!!!", "cursor"),
        pytest.param(
            "limit=-1",
            "limit",
        ),
        pytest.param(
            "limit=abc",
            "limit",
        ),
    ],
)
def test_event_list_filter_validation(query, field, app, client, world):
    refused(
        app,
        client,
        "GET",
        f"/api/v1/tickets/{world.ticket.id}/events?{query}",
        fields=[field],
        headers=world.as_manager,
    )


# --- pages: the new-request form ------------------------------------------------------------


@pytest.fixture
def customer_session(world, login):
    login(world.customer)
    return world


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(without(NEW_TICKET, "subject"), "subject", id="missing-subject"),
        pytest.param(NEW_TICKET | {"subject": "   "}, "subject", id="blank-subject"),
        pytest.param(
            NEW_TICKET | {"subject": "x" * 201}, "subject", id="subject-too-long"
        ),
        pytest.param(
            without(NEW_TICKET, "description"), "description", id="missing-description"
        ),
        pytest.param(
            NEW_TICKET | {"description": "x" * LONG},
            "description",
            id="description-too-long",
        ),
        pytest.param(
            without(NEW_TICKET, "category"), "category", id="missing-category"
        ),
        pytest.param(
            NEW_TICKET | {"category": "nope"}, "category", id="unknown-category"
        ),
        pytest.param(
            NEW_TICKET | {"category": "retired"}, "category", id="inactive-category"
        ),
    ],
)
def test_new_ticket_form_validation(data, field, app, client, customer_session):
    form_refused(app, client, "/tickets/new", data, field=field)


def test_new_ticket_form_keeps_what_was_typed(app, client, customer_session):
    page = form_refused(
        app,
        client,
        "/tickets/new",
        NEW_TICKET | {"subject": "", "description": "Every hour <b>sharp</b>."},
        field="subject",
    )
    assert "Every hour &lt;b&gt;sharp&lt;/b&gt;." in page


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"x" * (65 * 1024), "too large", id="65-KiB"),
        pytest.param(b"x" * (64 * 1024 + 1), "too large", id="one-byte-over"),
        pytest.param(b"", "empty", id="empty-file"),
    ],
)
def test_new_ticket_form_refuses_a_bad_attachment(
    content, expected, app, client, customer_session
):
    assert app.config["MAX_ATTACHMENT_BYTES"] == 64 * 1024
    page = form_refused(
        app,
        client,
        "/tickets/new",
        NEW_TICKET | {"attachment": (BytesIO(content), "log.txt")},
        field="attachment",
        content_type="multipart/form-data",
    )
    assert "VPN drops" in page  # what was typed is still there


def test_new_ticket_form_accepts_an_attachment_of_exactly_the_limit(
    app, client, customer_session
):
    response = client.post(
        "/tickets/new",
        data=NEW_TICKET | {"attachment": (BytesIO(b"x" * (64 * 1024)), "log.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert support.counts(app)["attachments"] == 1


def test_upload_larger_than_the_request_limit_is_413_and_stores_nothing(
    app, client, customer_session
):
    before = db_state(app)
    response = client.post(
        "/tickets/new",
        data=NEW_TICKET
        | {
            "attachment": (
                BytesIO(b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)),
                "big.bin",
            )
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert_unchanged(app, before)


# --- pages: the reply form -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({}, "body", id="missing-body"),
        pytest.param({"body": "   "}, "body", id="blank-body"),
        pytest.param({"body": "x" * LONG}, "body", id="body-too-long"),
        pytest.param(
            {
                "body": "See the log.",
                "attachment": (BytesIO(b"x" * (65 * 1024)), "log.txt"),
            },
            "attachment",
            id="attachment-65-KiB",
        ),
    ],
)
def test_reply_form_validation(data, field, app, client, customer_session):
    page = form_refused(
        app,
        client,
        f"/tickets/{customer_session.ticket.id}/comments",
        data,
        field=field,
        content_type="multipart/form-data",
    )
    assert customer_session.ticket.number in page  # still the ticket page


def test_rating_form_validation(app, client, world, given, login):
    resolved = given(
        make_ticket, requester=world.customer, status=TicketStatus.RESOLVED
    )
    login(world.customer)
    for score in ("0", "6", "five", ""):
        form_refused(
            app,
            client,
            f"/tickets/{resolved.id}/rating",
            {"score": score},
            field="score",
        )


# --- pages: the phone console -------------------------------------------------------------------

PHONE_TICKET = NEW_TICKET | {"priority": "P3"}


@pytest.fixture
def agent_session(world, login):
    login(world.agent)
    return world


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(without(PHONE_TICKET, "subject"), "subject", id="missing-subject"),
        pytest.param(
            PHONE_TICKET | {"subject": "x" * 201}, "subject", id="subject-too-long"
        ),
        pytest.param(
            without(PHONE_TICKET, "description"),
            "description",
            id="missing-description",
        ),
        pytest.param(
            PHONE_TICKET | {"category": "nope"},
            "category",
            id="unknown-category",
        ),
        pytest.param(
            PHONE_TICKET | {"priority": "P9"}, "priority", id="unknown-priority"
        ),
        pytest.param(
            PHONE_TICKET | {"resolve_on_call": "true"},
            "solution",
            id="resolved-without-solution",
        ),
        pytest.param(
            PHONE_TICKET | {"resolve_on_call": "true", "solution": "x" * LONG},
            "solution",
            id="solution-too-long",
        ),
    ],
)
def test_phone_intake_validation(data, field, app, client, agent_session):
    form_refused(
        app,
        client,
        "/phone/tickets",
        data | {"requester_id": str(agent_session.customer.id)},
        field=field,
    )


@pytest.mark.parametrize("requester", ["staff-user", "missing-user", "text"])
def test_phone_intake_refuses_a_requester_that_is_not_a_customer(
    requester, app, client, agent_session
):
    value = {
        "staff-user": str(agent_session.manager.id),
        "missing-user": "99999",
        "text": "abc",
    }[requester]
    before = db_state(app)

    response = client.post(
        "/phone/tickets", data=PHONE_TICKET | {"requester_id": value}
    )

    assert response.status_code == 422
    assert "Find or create the caller first." in response.get_data(as_text=True)
    assert_unchanged(app, before)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"email": "caller@example.test"}, "name", id="missing-name"),
        pytest.param(
            {"name": "x" * 121, "email": "caller@example.test"},
            "name",
            id="name-too-long",
        ),
        pytest.param({"name": "Caller"}, "email", id="missing-email"),
        pytest.param(
            {"name": "Caller", "email": "not-an-email"}, "email", id="bad-email"
        ),
        pytest.param(
            {"name": "Caller", "email": "caller@example.test", "phone": "1" * 41},
            "phone",
            id="phone-too-long",
        ),
    ],
)
def test_phone_caller_form_validation(data, field, app, client, agent_session):
    form_refused(app, client, "/phone/callers", data, field=field)


def test_phone_caller_form_refuses_a_registered_email(app, client, agent_session):
    before = db_state(app)
    response = client.post(
        "/phone/callers",
        data={"name": "Caller", "email": agent_session.customer.email.upper()},
    )
    page = response.get_data(as_text=True)
    assert response.status_code in (409, 422)
    assert 'id="email-error"' in page
    assert_unchanged(app, before)


# --- pages: sign-up and profile -------------------------------------------------------------------

SIGNUP = {"name": "Newcomer", "email": "new@example.test"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(without(SIGNUP, "name"), "name", id="missing-name"),
        pytest.param(SIGNUP | {"name": "x" * 121}, "name", id="name-too-long"),
        pytest.param(without(SIGNUP, "email"), "email", id="missing-email"),
        pytest.param(SIGNUP | {"email": "not-an-email"}, "email", id="bad-email"),
        pytest.param(
            SIGNUP | {"email": "a" * 250 + "@x.io"}, "email", id="email-too-long"
        ),
        pytest.param(SIGNUP | {"phone": "1" * 41}, "phone", id="phone-too-long"),
    ],
)
def test_signup_form_validation(data, field, app, client):
    form_refused(app, client, "/signup", data, field=field)


def test_signup_with_a_registered_email_changes_no_account(app, client, world):
    """No "already registered" (that would tell who has an account): the
    owner gets a mail (tests/helpdesk/test_password_reset.py), nothing else
    is stored."""
    before = db_state(app)
    response = client.post("/signup", data=SIGNUP | {"email": world.customer.email})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="email-error"' not in page
    assert support.changed_tables(before, db_state(app)) == [
        "outbox_messages",
        "rate_limits",  # the throttle's count of mails asked for
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"timezone": "UTC"}, "name", id="missing-name"),
        pytest.param(
            {"name": "Me", "timezone": "Mars/Olympus"},
            "timezone",
            id="unknown-timezone",
        ),
        pytest.param({"name": "Me", "locale": "de"}, "locale", id="unknown-language"),
        pytest.param(
            {"name": "Me", "password": "short"}, "password", id="short-password"
        ),
    ],
)
def test_profile_form_validation(data, field, app, client, customer_session):
    form_refused(app, client, "/profile", data, field=field)


# --- pages: the admin user form ----------------------------------------------------------------------

NEW_USER = {
    "name": "Agent",
    "email": "agent@example.test",
    "role": "line2",
    "password": "long-enough",
    "active": "true",
}


@pytest.fixture
def admin_session(world, login):
    login(world.admin)
    return world


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(without(NEW_USER, "name"), "name", id="missing-name"),
        pytest.param(NEW_USER | {"name": "x" * 121}, "name", id="name-too-long"),
        pytest.param(without(NEW_USER, "email"), "email", id="missing-email"),
        pytest.param(NEW_USER | {"email": "not-an-email"}, "email", id="bad-email"),
        pytest.param(without(NEW_USER, "role"), "role", id="missing-role"),
        pytest.param(NEW_USER | {"role": "superuser"}, "role", id="unknown-role"),
        pytest.param(NEW_USER | {"password": "short"}, "password", id="short-password"),
        pytest.param(NEW_USER | {"phone": "1" * 41}, "phone", id="phone-too-long"),
    ],
)
def test_admin_new_user_form_validation(data, field, app, client, admin_session):
    form_refused(app, client, "/admin/users/new", data, field=field)


def test_admin_new_user_form_refuses_a_registered_email(app, client, admin_session):
    before = db_state(app)
    response = client.post(
        "/admin/users/new", data=NEW_USER | {"email": admin_session.customer.email}
    )
    page = response.get_data(as_text=True)
    assert response.status_code in (409, 422)
    assert 'id="email-error"' in page
    assert_unchanged(app, before)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"role": "line1"}, "name", id="missing-name"),
        pytest.param({"name": "x" * 121, "role": "line1"}, "name", id="name-too-long"),
        pytest.param({"name": "Agent", "role": "root"}, "role", id="unknown-role"),
        pytest.param(
            {"name": "Agent", "role": "line1", "password": "short"},
            "password",
            id="short-password",
        ),
    ],
)
def test_admin_edit_user_form_validation(data, field, app, client, admin_session):
    form_refused(
        app, client, f"/admin/users/{admin_session.agent.id}", data, field=field
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            {"name": "Me", "role": "customer", "active": "true"}, id="own-role"
        ),
        pytest.param({"name": "Me", "role": "admin"}, id="deactivate-self"),
    ],
)
def test_admin_cannot_lock_themselves_out(data, app, client, admin_session):
    form_refused(
        app, client, f"/admin/users/{admin_session.admin.id}", data, field="role"
    )
