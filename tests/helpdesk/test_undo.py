"""Undo: each undoable operation taken back as if it had not happened (SLA
clocks and routing included), and each refusal with its 409 and reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Comment, Ticket, TicketEvent
from helpdesk.outbox import OutboxMessage, deliver_due_messages
from helpdesk.undo.models import UndoAction
from helpdesk.vocabulary import Role, TicketStatus
from sla.models import Phase, SlaClock, Target
from tests.builders import make_category, make_comment, make_ticket, make_user
from tests.sla.builders import make_calendar, make_policy


def read(app, ticket_id: int) -> Ticket:
    """The ticket as stored, detached (fields loaded)."""
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        db.session.expunge(ticket)
        db.session.remove()
    return ticket


def clocks(app, ticket_id: int) -> dict[Target, tuple]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(SlaClock).where(SlaClock.ticket_id == ticket_id)
        )
        found = {
            c.target: (
                c.phase,
                c.spent_seconds,
                c.running_since,
                c.due_at,
                c.stopped_at,
            )
            for c in rows
        }
        db.session.remove()
    return found


def mails(app) -> list[tuple[str | None, bool]]:
    """Each outbox message's notice and whether an undo withdrew it."""
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        found = [(m.payload.get("event"), m.cancelled_at is not None) for m in rows]
        db.session.remove()
    return found


def kinds(app, ticket_id: int) -> list[str]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(TicketEvent.kind)
                .where(TicketEvent.ticket_id == ticket_id)
                .order_by(TicketEvent.id)
            )
        )
        db.session.remove()
    return found


@pytest.fixture
def world(given):
    given(make_category, "access")
    given(lambda: make_policy(calendar=make_calendar(always_open=True)))
    customer = given(make_user, role=Role.CUSTOMER, name="Carl")
    agent = given(make_user, role=Role.LINE1, name="Lena")
    return customer, agent


def test_closing_by_mistake_is_undone_from_the_page(client, given, login, app, world):
    customer, agent = world
    ticket = given(make_ticket, requester=customer, status=TicketStatus.RESOLVED)
    login(agent)

    response = client.post(
        f"/tickets/{ticket.id}/transitions",
        data={"status": "closed", "confirm": "1"},  # closing asks first
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Status changed to “Closed”." in page
    assert 'class="undo-offer"' in page and ">Undo</button>" in page
    action_id = read_action_id(app)

    response = client.post(f"/undo/{action_id}", follow_redirects=True)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Undone: the status change (" + ticket.number + ")." in page
    assert "Undone by Lena: the status change." in page
    assert read(app, ticket.id).status == TicketStatus.RESOLVED
    assert read(app, ticket.id).closed_at is None
    # The close, the clocks it stopped, put back running, and the undo.
    assert kinds(app, ticket.id)[3:] == [
        "status_changed",
        "sla_met",
        "sla_unanswered",
        "sla_restored",
        "sla_restored",
        "undone",
    ]


def read_action_id(app) -> int:
    with app.app_context():
        action_id = db.session.scalar(sa.select(sa.func.max(UndoAction.id)))
        db.session.remove()
    return action_id


def test_undoing_a_resolve_restarts_the_clocks_as_if_it_never_happened(
    client, given, bearer, app, world, clock
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer)
    before = clocks(app, ticket.id)
    clock.advance(minutes=30)

    response = client.post(
        f"/api/v1/tickets/{ticket.id}/transitions",
        headers=bearer(agent),
        json={"status": "resolved"},
    )
    assert response.status_code == 201, response.json
    assert clocks(app, ticket.id)[Target.RESOLUTION][0] == Phase.STOPPED
    clock.advance(seconds=20)

    undone = client.post(response.json["undo"], headers=bearer(agent))

    assert undone.status_code == 200, undone.json
    assert undone.json["kind"] == "status"
    assert undone.json["tickets"][0]["status"] == "new"
    # Running since the start, as before: the 30 min 20 s count.
    assert clocks(app, ticket.id) == before
    resolution = undone.json["tickets"][0]["sla"]
    assert {c["target"]: c["state"] for c in resolution} == {
        "first_response": "running",
        "resolution": "running",
    }
    assert read(app, ticket.id).due_at == before[Target.FIRST_RESPONSE][3]
    assert read(app, ticket.id).resolved_at is None
    # The "resolved" mail was held and is withdrawn.
    assert ("ticket_resolved", True) in mails(app)


def test_an_undone_assignment_withdraws_its_mail_and_is_never_delivered(
    client, given, bearer, app, world, smtp, clock, monkeypatch
):
    customer, agent = world
    colleague = given(make_user, role=Role.LINE1, name="Max")
    ticket = given(make_ticket, requester=customer)

    response = client.patch(
        f"/api/v1/tickets/{ticket.id}",
        headers=bearer(agent),
        json={"assignee": colleague.id},
    )
    assert response.status_code == 200
    assert response.json["undo"].startswith("/api/v1/undo/")
    assert client.post(response.json["undo"], headers=bearer(agent)).status_code == 200

    assert read(app, ticket.id).assignee_id is None
    assert mails(app)[-1] == ("assigned_to_you", True)
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "SMTP_PORT", smtp.port)
        with app.app_context():
            counts = deliver_due_messages(
                now=clock.now() + timedelta(minutes=5), settings=app.config
            )
    recipients = {m["To"] for m in smtp.handler.messages()}
    assert colleague.email not in recipients
    assert counts.sent == len(recipients)


def test_undoing_an_escalation_puts_it_back_on_the_line_with_its_assignee(
    client, given, bearer, app, world
):
    customer, agent = world
    given(make_user, role=Role.LINE2)
    ticket = given(make_ticket, requester=customer, assignee_id=agent.id)

    response = client.post(
        f"/api/v1/tickets/{ticket.id}/escalations",
        headers=bearer(agent),
        json={"line": 2, "reason": "Needs the configuration team."},
    )
    assert response.status_code == 201
    assert (response.json["line"], response.json["assignee"]) == (2, None)

    undone = client.post(response.json["undo"], headers=bearer(agent))

    assert undone.status_code == 200, undone.json
    assert (read(app, ticket.id).line, read(app, ticket.id).assignee_id) == (
        1,
        agent.id,
    )
    assert ("moved_to_your_line", True) in mails(app)


def test_an_undone_merge_moves_the_comments_back_and_reopens_the_duplicate(
    client, given, bearer, app, world
):
    customer, agent = world
    survivor = given(make_ticket, requester=customer, subject="Printer")
    duplicate = given(make_ticket, requester=customer, subject="Printer again")
    given(make_comment, duplicate, author=customer, body="Tray 2 jams.")

    response = client.post(
        f"/api/v1/tickets/{duplicate.id}/merges",
        headers=bearer(agent),
        json={"into": survivor.id},
    )
    assert response.status_code == 201
    undone = client.post(response.json["undo"], headers=bearer(agent))

    assert undone.status_code == 200, undone.json
    back = read(app, duplicate.id)
    assert (back.status, back.merged_into_id) == (TicketStatus.NEW, None)
    with app.app_context():
        homes = set(db.session.scalars(sa.select(Comment.ticket_id)))
        db.session.remove()
    assert homes == {duplicate.id}
    assert ("ticket_merged", True) in mails(app)
    found = client.get(
        "/api/v1/tickets", headers=bearer(agent), query_string={"q": "jams"}
    ).json["items"]
    assert [t["id"] for t in found] == [duplicate.id]


def test_a_bulk_action_is_undone_on_every_ticket_it_changed(
    client, given, login, app, world
):
    customer, agent = world
    first, second = (given(make_ticket, requester=customer) for _ in range(2))
    login(agent)
    response = client.post(
        "/queue/bulk",
        data={"ticket_ids": [first.id, second.id], "action": "assign_me"},
        follow_redirects=True,
    )
    assert ">Undo</button>" in response.get_data(as_text=True)

    response = client.post(
        f"/undo/{read_action_id(app)}", data={"next": "/queue"}, follow_redirects=True
    )

    assert response.request.path == "/queue"
    assert "Undone: the bulk action" in response.get_data(as_text=True)
    assert [read(app, t.id).assignee_id for t in (first, second)] == [None, None]


def test_undo_send_stops_the_reply_and_puts_its_text_back(
    client, given, login, app, world, clock
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer)
    before = clocks(app, ticket.id)
    login(agent)

    response = client.post(
        f"/tickets/{ticket.id}/comments",
        data={"body": "Restart the spooler."},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Your reply will be sent in 10 seconds." in page
    assert ">Undo send</button>" in page
    with app.app_context():
        held = db.session.scalar(
            sa.select(OutboxMessage.next_attempt_at).where(
                OutboxMessage.payload["event"].as_string() == "agent_replied"
            )
        )
        db.session.remove()
    assert held == clock.now() + timedelta(seconds=10)
    assert clocks(app, ticket.id)[Target.FIRST_RESPONSE][0] == Phase.STOPPED
    clock.advance(seconds=5)

    response = client.post(f"/undo/{read_action_id(app)}", follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "Sending stopped. Your reply is back in the box below." in page
    assert ">Restart the spooler.</textarea>" in page
    assert "Withdrawn before it was sent." in page
    assert read(app, ticket.id).status == TicketStatus.NEW
    assert clocks(app, ticket.id) == before
    assert ("agent_replied", True) in mails(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0
        db.session.remove()
    # The requester never learns of it.
    login(customer)
    portal = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Withdrawn" not in portal and "Undone" not in portal


# --- refusals ----------------------------------------------------------------------


def reply_by(client, bearer, agent, ticket):
    response = client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        headers=bearer(agent),
        json={"body": "Try the other tray."},
    )
    assert response.status_code == 201, response.json
    return response.json["undo"]


def test_undo_is_refused_once_the_customer_has_answered(
    client, given, bearer, app, world
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer)
    undo = reply_by(client, bearer, agent, ticket)
    answer = client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        headers=bearer(customer),
        json={"body": "Did that, still jams."},
    )
    assert answer.status_code == 201 and "undo" not in answer.json

    response = client.post(undo, headers=bearer(agent))

    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "stale_version"
    assert error["message"] == (
        f"This can no longer be undone: {ticket.number} has changed since."
    )
    assert any("Carl: reply" in line for line in error["fields"]["version"])
    assert [k for k in kinds(app, ticket.id) if k == "undone"] == []


def test_undo_is_refused_after_another_change(client, given, bearer, world):
    customer, agent = world
    ticket = given(make_ticket, requester=customer)
    undo = client.post(
        f"/api/v1/tickets/{ticket.id}/transitions",
        headers=bearer(agent),
        json={"status": "open"},
    ).json["undo"]
    client.patch(
        f"/api/v1/tickets/{ticket.id}", headers=bearer(agent), json={"priority": "P1"}
    )

    response = client.post(undo, headers=bearer(agent))

    assert response.status_code == 409
    assert any(
        "Priority: P3 → P1." in line
        for line in response.json["error"]["fields"]["version"]
    )


def test_undo_send_is_refused_once_the_mail_has_left(
    client, given, bearer, app, world, clock, smtp, monkeypatch
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer)
    undo = reply_by(client, bearer, agent, ticket)
    clock.advance(seconds=5)
    # Another worker, whose clock runs ahead, already sent it.
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "SMTP_PORT", smtp.port)
        with app.app_context():
            deliver_due_messages(
                now=clock.now() + timedelta(seconds=6), settings=app.config
            )
    assert any(m["To"] == customer.email for m in smtp.handler.messages())

    response = client.post(undo, headers=bearer(agent))

    assert response.status_code == 409
    assert response.json["error"]["message"] == (
        "The reply has already been sent; it can no longer be stopped."
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 1
        db.session.remove()


def test_undo_is_refused_once_its_window_has_passed(
    client, given, bearer, world, clock
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer)
    undo = client.patch(
        f"/api/v1/tickets/{ticket.id}", headers=bearer(agent), json={"priority": "P2"}
    ).json["undo"]
    clock.advance(seconds=30)

    response = client.post(undo, headers=bearer(agent))

    assert response.status_code == 409
    assert response.json["error"]["message"] == "The time to undo this has run out."


def test_only_who_did_it_or_an_admin_may_undo(client, given, bearer, app, world):
    customer, agent = world
    colleague = given(make_user, role=Role.LINE1)
    admin = given(make_user, role=Role.ADMIN)
    ticket = given(make_ticket, requester=customer)
    undo = client.patch(
        f"/api/v1/tickets/{ticket.id}", headers=bearer(agent), json={"priority": "P2"}
    ).json["undo"]

    refused = client.post(undo, headers=bearer(colleague))
    hidden = client.post(undo, headers=bearer(customer))
    by_admin = client.post(undo, headers=bearer(admin))
    again = client.post(undo, headers=bearer(agent))

    assert refused.status_code == 409
    assert refused.json["error"]["message"] == (
        "Only Lena, who did it, or an administrator can undo this."
    )
    assert hidden.status_code == 404
    assert by_admin.status_code == 200
    assert read(app, ticket.id).priority.value == "P3"
    assert again.status_code == 409
    assert again.json["error"]["message"] == "This was undone already."


def test_a_refused_undo_on_the_page_says_why_on_the_ticket(
    client, given, login, world, clock
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer)
    login(agent)
    client.post(f"/tickets/{ticket.id}/transitions", data={"status": "open"})
    clock.advance(minutes=1)

    response = client.post(f"/undo/{1}")

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "The time to undo this has run out." in page
    assert f"{ticket.number} · " in page


def test_requesters_get_no_undo_and_undo_can_be_turned_off(
    client, given, bearer, app, world
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer, status=TicketStatus.OPEN)
    by_customer = client.post(
        f"/api/v1/tickets/{ticket.id}/transitions",
        headers=bearer(customer),
        json={"status": "resolved"},
    )
    app.config["UNDO_SECONDS"] = 0
    try:
        by_agent = client.post(
            f"/api/v1/tickets/{ticket.id}/transitions",
            headers=bearer(agent),
            json={"status": "closed"},
        )
    finally:
        app.config["UNDO_SECONDS"] = 30
    assert by_customer.status_code == by_agent.status_code == 201
    assert "undo" not in by_customer.json and "undo" not in by_agent.json


def test_the_openapi_document_has_the_undo_paths(client):
    spec = client.get("/api/openapi.json").json
    assert "post" in spec["paths"]["/v1/undo/{id}"]
    transition = spec["paths"]["/v1/tickets/{id}/transitions"]["post"]
    schema = transition["responses"]["201"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/TicketOutUndoable"}
    undoable = spec["components"]["schemas"]["TicketOutUndoable"]["properties"]
    assert undoable["undo"]["type"] == "string"
    assert "sla" in undoable  # the ticket as every package shapes it
    assert {p["name"] for p in transition["parameters"]} == {"id", "If-Match"}


def test_a_bulk_undo_leaves_the_tickets_the_action_skipped_alone(
    client, given, login, app, world
):
    customer, agent = world
    mine = given(make_ticket, requester=customer, status=TicketStatus.OPEN)
    closed = given(make_ticket, requester=customer, status=TicketStatus.CLOSED)
    login(agent)
    client.post(
        "/queue/bulk",
        data={
            "ticket_ids": [mine.id, closed.id],
            "action": "status",
            "status": "pending",
        },
    )

    response = client.post(f"/undo/{read_action_id(app)}", follow_redirects=True)

    assert f"Undone: the bulk action ({mine.number})." in response.get_data(
        as_text=True
    )
    assert read(app, mine.id).status == TicketStatus.OPEN
    assert "undone" not in kinds(app, closed.id)


def test_an_operation_that_changed_nothing_offers_no_undo(
    client, given, bearer, app, world
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer)
    response = client.patch(
        f"/api/v1/tickets/{ticket.id}", headers=bearer(agent), json={"priority": "P3"}
    )
    assert response.status_code == 200 and "undo" not in response.json
    assert read_action_id(app) is None


def test_the_undo_tables_match_the_migration(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    include_name = app.extensions["migrate"].configure_args["include_name"]
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diffs = compare_metadata(context, db.metadata)
    assert [
        d
        for d in diffs
        if any(
            name in repr(d)
            for name in ("undo", "ticket_viewers", "version", "cancelled_at")
        )
    ] == []


def test_the_dashboards_roll_ups_forget_an_undone_resolve(
    client, given, bearer, app, world, clock
):
    from sla.models import SlaDailyCompliance, SlaDailyTimes, SlaDailyValues
    from sla.service import rollups
    from tests.sla.test_rollups import rows

    customer, agent = world
    ticket = given(make_ticket, requester=customer)
    models = (SlaDailyCompliance, SlaDailyTimes, SlaDailyValues)
    clock.advance(minutes=10)
    resolved = client.post(
        f"/api/v1/tickets/{ticket.id}/transitions",
        headers=bearer(agent),
        json={"status": "resolved"},
    )
    with app.app_context():
        assert any(rows(model) for model in models)  # the resolve counted
        db.session.remove()

    assert client.post(resolved.json["undo"], headers=bearer(agent)).status_code == 200

    with app.app_context():
        kept = [rows(model) for model in models]
        rollups.rebuild()
        assert kept == [rows(model) for model in models]
        assert not any(kept)  # nothing stopped: nothing counts
        db.session.rollback()


def test_the_prune_job_forgets_records_a_day_after_their_window(
    client, given, bearer, app, world, clock
):
    from helpdesk.undo.jobs import prune_job

    customer, agent = world
    ticket = given(make_ticket, requester=customer)
    client.patch(
        f"/api/v1/tickets/{ticket.id}", headers=bearer(agent), json={"priority": "P2"}
    )
    clock.advance(hours=24)
    assert prune_job(app) == 0  # the window ended less than a day ago
    clock.advance(minutes=1)
    assert prune_job(app) == 1
    assert read_action_id(app) is None
    assert kinds(app, ticket.id)[-1] == "priority_changed"  # the timeline stays
