"""Macros: admins write them (pages and API), agents preview one on the
ticket page and apply it in one step - reply, fields, status, line - and
undo it as one change; a macro that cannot be applied changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.audit.models import AuditEntry
from helpdesk.extensions import db
from helpdesk.macros.models import Macro
from helpdesk.models import Comment, Ticket
from helpdesk.outbox import OutboxMessage
from helpdesk.vocabulary import Priority, Role, TicketStatus
from tests.builders import make_category, make_macro, make_ticket, make_user


def read(app, ticket_id: int) -> dict:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        found = {
            "status": ticket.status,
            "priority": ticket.priority,
            "line": ticket.line,
            "assignee_id": ticket.assignee_id,
            "tags": ticket.tags,
            "comments": list(
                db.session.scalars(
                    sa.select(Comment.body).where(Comment.ticket_id == ticket_id)
                )
            ),
        }
        db.session.remove()
    return found


def held_mail(app) -> list[tuple[str, bool]]:
    with app.app_context():
        found = [
            (m.payload.get("event"), m.cancelled_at is not None)
            for m in db.session.scalars(sa.select(OutboxMessage))
        ]
        db.session.remove()
    return found


@pytest.fixture
def world(given):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER, name="Carl")
    agent = given(make_user, role=Role.LINE1, name="Lena")
    admin = given(make_user, role=Role.ADMIN, name="Ada")
    return customer, agent, admin


# --- administering -----------------------------------------------------------------


def test_an_admin_writes_edits_and_deletes_a_macro_on_the_pages(
    client, login, world, app
):
    _customer, agent, admin = world
    login(admin)

    response = client.post(
        "/admin/macros/new",
        data={
            "title": "Ask for logs",
            "body": "Hello {requester_name}, please send the logs.",
            "status": "pending",
            "priority": "P2",
            "assignee": "me",
            "add_tags": "logs, waiting",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    listed = client.get("/admin/macros").get_data(as_text=True)
    assert "Ask for logs" in listed
    assert "a reply · status “Waiting on customer” · priority P2" in listed
    with app.app_context():
        macro = db.session.scalar(sa.select(Macro))
        assert (macro.status, macro.priority, macro.assign) == ("pending", "P2", "me")
        assert macro.add_tags == ["logs", "waiting"]
        macro_id = macro.id
        db.session.remove()

    form = client.get(f"/admin/macros/{macro_id}").get_data(as_text=True)
    assert 'value="logs, waiting"' in form
    response = client.post(
        f"/admin/macros/{macro_id}",
        data={"title": "Ask for logs", "body": "", "assignee": str(agent.id)},
    )
    assert response.status_code == 302
    with app.app_context():
        macro = db.session.get(Macro, macro_id)
        assert (macro.body, macro.status, macro.assign, macro.assignee_id) == (
            "",
            None,
            "agent",
            agent.id,
        )
        db.session.remove()

    asked = client.post(f"/admin/macros/{macro_id}/delete")
    assert asked.status_code == 200 and "Delete the macro" in asked.get_data(
        as_text=True
    )
    deleted = client.post(f"/admin/macros/{macro_id}/delete", data={"confirm": "1"})
    assert deleted.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Macro)) == 0
        # Configuration like the rules and canned replies: in the audit log.
        actions = db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.target_type == "macros")
            .order_by(AuditEntry.id)
        ).all()
        assert actions == ["macro.created", "macro.updated", "macro.deleted"]


def test_a_macro_form_with_mistakes_comes_back_with_the_messages(
    client, login, world, given
):
    *_, admin = world
    given(make_macro, title="Taken")
    login(admin)

    taken = client.post("/admin/macros/new", data={"title": "Taken"})
    resolves_and_moves = client.post(
        "/admin/macros/new",
        data={"title": "Odd", "status": "resolved", "line": "2"},
    )

    assert taken.status_code == 409
    assert "A macro with this title exists already." in taken.get_data(as_text=True)
    assert resolves_and_moves.status_code == 422
    assert "choose a status or a line" in resolves_and_moves.get_data(as_text=True)


def test_the_api_lets_admins_write_macros_and_staff_read_them(client, bearer, world):
    customer, agent, admin = world

    created = client.post(
        "/api/v1/macros",
        headers=bearer(admin),
        json={"title": "Escalate", "line": 2, "add_tags": ["VIP"]},
    )
    assert created.status_code == 201, created.json
    macro_id = created.json["id"]
    assert created.json["add_tags"] == ["vip"] and created.json["body"] == ""
    patched = client.patch(
        f"/api/v1/macros/{macro_id}",
        headers=bearer(admin),
        json={"priority": "P1"},
    )
    assert (patched.json["priority"], patched.json["line"]) == ("P1", 2)

    listed = client.get("/api/v1/macros", headers=bearer(agent))
    assert [m["title"] for m in listed.json["items"]] == ["Escalate"]
    refused = client.post(
        "/api/v1/macros", headers=bearer(agent), json={"title": "Mine"}
    )
    assert refused.status_code == 403
    assert client.get("/api/v1/macros", headers=bearer(customer)).status_code == 403
    assert (
        client.delete(f"/api/v1/macros/{macro_id}", headers=bearer(admin)).status_code
        == 204
    )


# --- applying ----------------------------------------------------------------------


def test_an_agent_previews_a_macro_then_applies_it_in_one_click_and_undoes_it(
    client, login, given, world, app
):
    customer, agent, _admin = world
    ticket = given(make_ticket, requester=customer, line=1)
    macro = given(
        make_macro,
        title="Ask for logs",
        body="Hello {requester_name}, please send the logs of {ticket_number}.",
        status="pending",
        priority="P2",
        assign="me",
        add_tags=["logs"],
    )
    login(agent)

    preview = client.get(f"/tickets/{ticket.id}?macro={macro.id}")

    page = preview.get_data(as_text=True)
    assert "“Ask for logs” will:" in page
    assert "send the requester this reply" in page
    assert f"Hello Carl, please send the logs of {ticket.number}." in page
    assert (
        "status: Open → Waiting on customer" in page
    )  # the reply opens the new ticket first
    assert "priority: P3 → P2" in page and "assign to Lena" in page
    assert read(app, ticket.id)["comments"] == []  # a preview writes nothing

    applied = client.post(
        f"/tickets/{ticket.id}/macros",
        data={"macro_id": macro.id, "body": "Hello Carl, send the logs, please."},
        follow_redirects=True,
    )

    page = applied.get_data(as_text=True)
    assert "Macro “Ask for logs” applied." in page and "Undo send" in page
    after = read(app, ticket.id)
    assert after == {
        "status": TicketStatus.PENDING,
        "priority": Priority.P2,
        "line": 1,
        "assignee_id": agent.id,
        "tags": ["logs"],
        "comments": ["Hello Carl, send the logs, please."],
    }
    assert ("agent_replied", False) in held_mail(app)

    with app.app_context():
        from helpdesk.undo.models import UndoAction

        action_id = db.session.scalar(sa.select(sa.func.max(UndoAction.id)))
        db.session.remove()
    undone = client.post(f"/undo/{action_id}", follow_redirects=True)

    assert undone.status_code == 200
    assert read(app, ticket.id) == {
        "status": TicketStatus.NEW,
        "priority": Priority.P3,
        "line": 1,
        "assignee_id": None,
        "tags": [],
        "comments": [],
    }
    assert ("agent_replied", True) in held_mail(app)


def test_a_macro_that_cannot_be_applied_says_why_and_changes_nothing(
    client, login, bearer, given, world, app
):
    customer, agent, _admin = world
    ticket = given(
        make_ticket, requester=customer, line=1, status=TicketStatus.RESOLVED
    )
    macro = given(make_macro, title="Wait", status="pending", priority="P1")
    login(agent)
    before = read(app, ticket.id)

    preview = client.get(f"/tickets/{ticket.id}?macro={macro.id}").get_data(
        as_text=True
    )
    page = client.post(f"/tickets/{ticket.id}/macros", data={"macro_id": macro.id})
    api = app.test_client().post(  # no session: the bearer token alone
        f"/api/v1/tickets/{ticket.id}/macros",
        headers=bearer(agent),
        json={"macro_id": macro.id},
    )

    reason = "which a ticket in status “Resolved” cannot become"
    assert reason in preview and 'id="macro-apply" disabled' in preview
    assert page.status_code == 409 and reason in page.get_data(as_text=True)
    assert api.status_code == 409 and reason in api.json["error"]["message"]
    assert read(app, ticket.id) == before


def test_the_api_previews_and_applies_a_macro_with_an_undo_path(
    client, bearer, given, world, app
):
    customer, agent, _admin = world
    colleague = given(make_user, role=Role.LINE2, name="Max")
    ticket = given(make_ticket, requester=customer, line=1, assignee_id=agent.id)
    macro = given(
        make_macro,
        title="To line 2",
        body="Line 2 takes over.",
        internal=True,
        line=2,
        assign="agent",
        assignee_id=colleague.id,
    )
    headers = bearer(agent)

    preview = client.post(
        f"/api/v1/tickets/{ticket.id}/macro-previews",
        headers=headers,
        json={"macro_id": macro.id},
    )
    assert preview.status_code == 200, preview.json
    assert (preview.json["internal"], preview.json["problem"]) == (True, None)
    # Moved to line 2, the ticket is assigned there, to whom the macro says.
    assert preview.json["changes"] == ["assignee", "line"]
    assert preview.json["after"] == {
        "status": "new",
        "priority": "P3",
        "line": 2,
        "assignee": {"id": colleague.id, "name": "Max", "email": colleague.email},
        "tags": [],
    }

    applied = client.post(
        f"/api/v1/tickets/{ticket.id}/macros",
        headers=headers | {"If-Match": '"0"'},
        json={"macro_id": macro.id},
    )

    assert applied.status_code == 200, applied.json
    assert (applied.json["line"], applied.json["assignee"]["id"]) == (2, colleague.id)
    assert read(app, ticket.id)["comments"] == ["Line 2 takes over."]
    undone = client.post(applied.json["undo"], headers=headers)
    assert undone.status_code == 200, undone.json
    after = read(app, ticket.id)
    assert (after["line"], after["assignee_id"], after["comments"]) == (1, agent.id, [])


def test_a_stale_macro_is_refused_with_the_conflict(client, bearer, given, world):
    customer, agent, _admin = world
    ticket = given(make_ticket, requester=customer, line=1)
    macro = given(make_macro, priority="P1", body="")

    response = client.post(
        f"/api/v1/tickets/{ticket.id}/macros",
        headers=bearer(agent),
        json={"macro_id": macro.id, "version": 7},
    )

    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == "stale_version"


def test_demo_macros_come_in_the_demos_language_once(app, given, clock):
    from flask import g

    from helpdesk.macros.demo import load_demo_macros

    given(make_user, role=Role.ADMIN, email="admin@example.com")
    for locale in ("ru", "en"):  # the second finds the first's by either title
        with app.app_context():
            g.demo_locale = locale
            load_demo_macros(clock.now())
            db.session.commit()

    with app.app_context():
        titles = set(db.session.scalars(sa.select(Macro.title)))
        db.session.remove()
    assert titles == {
        "Запросить журналы",
        "Сбой: известен, устраняем",
        "На 2-ю линию: настройка",
    }


def test_the_macros_table_and_the_replys_html_match_the_migration(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    include_name = app.extensions["migrate"].configure_args["include_name"]
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diffs = compare_metadata(context, db.metadata)
    assert [d for d in diffs if "macros" in repr(d) or "body_html" in repr(d)] == []
