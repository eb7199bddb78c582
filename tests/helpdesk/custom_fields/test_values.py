"""A ticket's custom field values through the API, the request form, the
phone console and the ticket page: each kind read and refused with a
message naming the field, a required one enforced, nothing stored half-way."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.custom_fields.models import FieldKind, TicketFieldValue
from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_ticket, make_user
from tests.helpdesk.custom_fields.builders import make_field
from tests.security.support import assert_unchanged, db_state, error_of


def _new_ticket(**extra) -> dict:
    return {
        "subject": "VPN drops",
        "description": "Every hour.",
        "category": "access",
    } | extra


def _tickets(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Ticket.id)))


def test_a_required_field_refuses_an_api_ticket_without_it(app, client, given, bearer):
    given(make_field, "asset_tag", required=True, label_en="Asset tag")
    headers = bearer(given(make_user, role=Role.CUSTOMER))
    before = db_state(app)

    refused = client.post("/api/v1/tickets", json=_new_ticket(), headers=headers)

    assert refused.status_code == 422
    assert error_of(refused)["fields"] == {
        "fields.asset_tag": ["“Asset tag” is required."]
    }
    assert_unchanged(app, before)
    created = client.post(
        "/api/v1/tickets",
        json=_new_ticket(fields={"asset_tag": "INV-7"}),
        headers=headers,
    )
    assert created.status_code == 201, created.json
    assert created.json["fields"] == {"asset_tag": "INV-7"}


def test_a_required_field_refuses_a_web_request_without_it(app, client, given, login):
    given(make_field, "asset_tag", required=True, label_en="Asset tag")
    login(given(make_user, role=Role.CUSTOMER))

    form = client.get("/tickets/new").get_data(as_text=True)
    refused = client.post("/tickets/new", data=_new_ticket())
    page = refused.get_data(as_text=True)

    assert 'name="cf.access.asset_tag"' in form
    assert refused.status_code == 422
    assert "“Asset tag” is required." in page
    assert 'id="cf-access-asset_tag-error"' in page
    assert _tickets(app) == 0
    created = client.post(
        "/tickets/new", data=_new_ticket(**{"cf.access.asset_tag": "INV-7"})
    )
    assert created.status_code == 302
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket))
        value = db.session.get(TicketFieldValue, (ticket.id, 1))
        assert value.value_text == "INV-7"


def test_the_web_form_reads_only_the_chosen_categorys_fields(app, client, given, login):
    given(make_field, "asset_tag", required=True)
    given(make_category, "hardware")
    given(make_field, "serial", category="hardware")
    login(given(make_user, role=Role.CUSTOMER))

    response = client.post(
        "/tickets/new",
        data=_new_ticket(
            category="hardware",
            **{"cf.access.asset_tag": "ignored", "cf.hardware.serial": "SN-1"},
        ),
    )

    assert response.status_code == 302
    with app.app_context():
        rows = db.session.scalars(sa.select(TicketFieldValue)).all()
        assert [(r.field.key, r.value_text) for r in rows] == [("serial", "SN-1")]


def test_the_phone_console_refuses_a_call_without_a_required_field(
    app, client, given, login
):
    given(make_field, "callback_phone", required=True, label_en="Call back on")
    caller = given(make_user, role=Role.CUSTOMER)
    login(given(make_user, role=Role.LINE1))
    call = {
        "requester_id": str(caller.id),
        "subject": "Cannot print",
        "description": "Called at nine.",
        "category": "access",
        "priority": "P3",
    }

    page = client.get(f"/phone?requester_id={caller.id}").get_data(as_text=True)
    refused = client.post("/phone/tickets", data=call)
    registered = client.post(
        "/phone/tickets", data=call | {"cf.access.callback_phone": "+7 900 000"}
    )

    assert 'name="cf.access.callback_phone"' in page
    assert refused.status_code == 422
    assert "“Call back on” is required." in refused.get_data(as_text=True)
    assert registered.status_code == 302
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket))
        assert ticket.channel.value == "phone"


KINDS = [
    # kind, a good value (as sent, as answered), a bad value, its message
    (FieldKind.TEXT, ("INV-7", "INV-7"), 42, "“F” takes text of at most 1000"),
    (FieldKind.NUMBER, (12.5, 12.5), "twelve", "“F” takes a number."),
    (FieldKind.NUMBER, ("3", 3), True, "“F” takes a number."),
    (FieldKind.DATE, ("2026-11-20", "2026-11-20"), "20.11.2026", "“F” takes a date"),
    (FieldKind.CHOICE, ("high", "high"), "medium", "“F”: choose one of low, high."),
    (FieldKind.CHECKBOX, (True, True), "maybe", "“F” is ticked or not"),
]


@pytest.mark.parametrize(
    ("kind", "good", "bad", "message"), KINDS, ids=[f"{k[0].value}" for k in KINDS]
)
def test_each_kind_is_stored_typed_and_a_bad_value_is_named(
    kind, good, bad, message, app, client, given, bearer
):
    given(make_field, "f", kind, label_en="F")
    headers = bearer(given(make_user, role=Role.CUSTOMER))

    refused = client.post(
        "/api/v1/tickets", json=_new_ticket(fields={"f": bad}), headers=headers
    )
    created = client.post(
        "/api/v1/tickets", json=_new_ticket(fields={"f": good[0]}), headers=headers
    )
    again = client.get(f"/api/v1/tickets/{created.json['id']}", headers=headers)

    assert refused.status_code == 422
    assert error_of(refused)["fields"]["fields.f"][0].startswith(message)
    assert created.status_code == 201, created.json
    assert created.json["fields"] == {"f": good[1]}
    assert again.json["fields"] == {"f": good[1]}


def test_unknown_fields_and_a_required_checkbox_are_refused(app, client, given, bearer):
    given(make_field, "agree", FieldKind.CHECKBOX, required=True, label_en="Agree")
    headers = bearer(given(make_user, role=Role.CUSTOMER))

    response = client.post(
        "/api/v1/tickets",
        json=_new_ticket(fields={"agree": False, "nope": "x"}),
        headers=headers,
    )

    assert response.status_code == 422
    assert error_of(response)["fields"] == {
        "fields.nope": ["No such field in this ticket's category."]
    }
    response = client.post(
        "/api/v1/tickets", json=_new_ticket(fields={"agree": False}), headers=headers
    )
    assert error_of(response)["fields"] == {
        "fields.agree": ["Tick “Agree”: it is required."]
    }


def test_a_ticket_list_carries_every_tickets_fields_from_one_query(
    app, client, given, bearer
):
    given(make_field, "asset_tag")
    given(make_field, "users", FieldKind.NUMBER, position=2)
    customer = given(make_user, role=Role.CUSTOMER)
    headers = bearer(customer)
    for n in range(3):
        client.post(
            "/api/v1/tickets",
            json=_new_ticket(fields={"asset_tag": f"INV-{n}", "users": n}),
            headers=headers,
        )
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if "ticket_field_values" in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        listed = client.get("/api/v1/tickets", headers=headers)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)

    assert [t["fields"] for t in listed.json["items"]] == [
        {"asset_tag": "INV-2", "users": 2},
        {"asset_tag": "INV-1", "users": 1},
        {"asset_tag": "INV-0", "users": 0},
    ]
    assert len(statements) == 1


def test_an_agent_changes_the_fields_on_the_ticket_page(app, client, given, login):
    given(make_field, "asset_tag", label_en="Asset tag")
    given(make_field, "users", FieldKind.NUMBER, label_en="Users", position=2)
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer)
    login(given(make_user, role=Role.MANAGER))

    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    refused = client.post(
        f"/tickets/{ticket.id}/fields",
        data={"cf.access.asset_tag": "INV-9", "cf.access.users": "many", "version": 0},
    )
    saved = client.post(
        f"/tickets/{ticket.id}/fields",
        data={"cf.access.asset_tag": "INV-9", "cf.access.users": "4", "version": 0},
    )
    after = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)

    assert 'id="side-fields"' in page
    assert refused.status_code == 422
    assert "“Users” takes a number." in refused.get_data(as_text=True)
    assert saved.status_code == 302
    assert 'value="INV-9"' in after and 'value="4"' in after
    assert "Asset tag: — → INV-9." in after
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)
        ).all()
        assert kinds.count("custom_fields_changed") == 1


def test_the_requester_sees_the_values_but_cannot_change_them(
    app, client, given, login
):
    given(make_field, "asset_tag", label_en="Asset tag")
    customer = given(make_user, role=Role.CUSTOMER)
    login(customer)
    client.post("/tickets/new", data=_new_ticket(**{"cf.access.asset_tag": "INV-3"}))
    with app.app_context():
        ticket_id = db.session.scalar(sa.select(Ticket.id))
    before = db_state(app)

    page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    refused = client.post(
        f"/tickets/{ticket_id}/fields", data={"cf.access.asset_tag": "X"}
    )

    assert "<dt>Asset tag</dt>" in page and "INV-3" in page
    assert refused.status_code == 403
    assert_unchanged(app, before)


def test_the_api_patch_changes_clears_and_undoes_values(app, client, given, bearer):
    given(make_field, "asset_tag")
    given(make_field, "since", FieldKind.DATE, position=2)
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer, line=2)
    headers = bearer(given(make_user, role=Role.LINE2))

    first = client.patch(
        f"/api/v1/tickets/{ticket.id}",
        json={"fields": {"asset_tag": "INV-1", "since": "2026-11-01"}},
        headers=headers,
    )
    bad = client.patch(
        f"/api/v1/tickets/{ticket.id}",
        json={"fields": {"since": "yesterday"}, "priority": "P1"},
        headers=headers,
    )
    second = client.patch(
        f"/api/v1/tickets/{ticket.id}",
        json={"fields": {"asset_tag": None}},
        headers=headers,
    )

    assert first.json["fields"] == {"asset_tag": "INV-1", "since": "2026-11-01"}
    assert bad.status_code == 422 and "fields.since" in error_of(bad)["fields"]
    assert second.json["fields"] == {"asset_tag": None, "since": "2026-11-01"}
    assert second.json["priority"] == "P3"  # the refused change stored nothing
    undone = client.post(second.json["undo"], headers=headers)
    assert undone.status_code == 200, undone.json
    assert undone.json["tickets"][0]["fields"]["asset_tag"] == "INV-1"
