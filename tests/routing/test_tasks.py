"""Processes: a rule's ``start_process`` action puts a checklist of tasks on
the ticket; the responsible people tick tasks off (and back on) from the
ticket, "My tasks" or the API; and the queue escalates several tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.service import timeline
from helpdesk.vocabulary import Role
from routing import forms, rules
from routing.models import RoutingRule, RoutingTask
from tests.builders import (
    _AT,
    PASSWORD,
    make_category,
    make_ticket,
    make_user,
    outbox_mails,
)
from tests.routing.builders import make_rule, make_task
from tests.security.support import db_state, error_of

COMPLAINT_TASKS = [
    {"title": "Call the customer back", "line": 1, "due_minutes": 60},
    {"title": "Investigate the cause", "line": 2, "due_minutes": 480},
    {"title": "Reply in writing", "line": 1, "due_minutes": 1440},
]
RULE = {
    "name": "Complaint process",
    "trigger": "ticket_created",
    "conditions": [{"field": "category", "op": "eq", "value": "complaint"}],
    "actions": [{"type": "start_process", "tasks": COMPLAINT_TASKS}],
}


def _events(ticket_id: int, kind: str) -> list[TicketEvent]:
    return list(
        db.session.scalars(
            sa.select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == kind)
            .order_by(TicketEvent.id)
        )
    )


# --- validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tasks", "path"),
    [
        ([], "actions.0.tasks"),
        ("call them", "actions.0.tasks"),
        ([{"title": "", "line": 1, "due_minutes": 5}], "actions.0.tasks.0.title"),
        ([{"title": "x", "line": 4, "due_minutes": 5}], "actions.0.tasks.0.line"),
        ([{"title": "x", "due_minutes": 5}], "actions.0.tasks.0.line"),
        (
            [{"title": "x", "line": 1, "agent_id": 1, "due_minutes": 5}],
            "actions.0.tasks.0.line",
        ),
        (
            [{"title": "x", "agent_id": 99999, "due_minutes": 5}],
            "actions.0.tasks.0.agent_id",
        ),
        (
            [{"title": "x", "line": 1, "due_minutes": 0}],
            "actions.0.tasks.0.due_minutes",
        ),
        ([{"title": "x", "line": 1}], "actions.0.tasks.0.due_minutes"),
        (
            [COMPLAINT_TASKS[0], {"title": "x", "line": 1, "due_minutes": 5, "who": 1}],
            "actions.0.tasks.1.who",
        ),
    ],
)
def test_a_bad_process_is_a_422_naming_the_task_and_nothing_is_stored(
    app, client, given, tasks, path, bearer
):
    admin = given(make_user, role=Role.ADMIN)
    headers = bearer(admin)
    before = db_state(app)
    bad = RULE | {"actions": [{"type": "start_process", "tasks": tasks}]}
    response = client.post("/api/v1/routing/rules", json=bad, headers=headers)
    assert response.status_code == 422
    assert path in error_of(response)["fields"], error_of(response)
    assert db_state(app) == before


def test_a_good_process_is_valid():
    assert (
        rules.validate_rule(RULE, rules.Vocabulary(categories=frozenset({"complaint"})))
        == []
    )


def test_the_rule_form_reads_one_task_per_line():
    refs = {"ann@example.com": 7}
    tasks = forms.parse_tasks(
        "Call back; line 1; 60\n\n Check logs ; agent ann@example.com; 120\nOops; line x",
        user_ref=lambda text: refs.get(text.strip(), text.strip()),
    )
    assert tasks == [
        {"title": "Call back", "line": 1, "due_minutes": 60},
        {"title": "Check logs", "agent_id": 7, "due_minutes": 120},
        {"title": "Oops", "line": "x"},
    ]
    text = forms.tasks_to_text(tasks[:2], user_label=lambda _id: "ann@example.com")
    assert text == "Call back; line 1; 60\nCheck logs; agent ann@example.com; 120"


def test_an_admin_writes_a_process_in_the_rule_form(app, client, given, login):
    admin = given(make_user, role=Role.ADMIN)
    login(admin, PASSWORD)
    form = {
        "name": "Form process",
        "trigger": "ticket_created",
        "match": "all",
        "act-0-type": "start_process",
        "act-0-tasks": "Call back; line 1; 60\nReply; line 9; 30",
        "enabled": "true",
    }
    response = client.post("/routing/rules/new", data=form)
    assert response.status_code == 422
    assert "The line is 1, 2 or 3." in response.get_data(as_text=True)
    form["act-0-tasks"] = "Call back; line 1; 60\nReply; line 2; 30"
    assert client.post("/routing/rules/new", data=form).status_code == 302
    with app.app_context():
        rule = db.session.scalar(sa.select(RoutingRule))
        assert rule.actions == [
            {
                "type": "start_process",
                "tasks": [
                    {"title": "Call back", "line": 1, "due_minutes": 60},
                    {"title": "Reply", "line": 2, "due_minutes": 30},
                ],
            }
        ]
        page = client.get(f"/routing/rules/{rule.id}").get_data(as_text=True)
        db.session.remove()
    assert "Call back; line 1; 60\nReply; line 2; 30" in page


# --- the process starts ---------------------------------------------------------------


@pytest.mark.usefixtures("ctx")
def test_a_complaint_gets_its_checklist_with_lines_and_due_times():
    make_category("complaint")
    make_rule(**RULE)
    ticket = make_ticket(category="complaint")
    db.session.commit()

    tasks = db.session.scalars(sa.select(RoutingTask).order_by(RoutingTask.id)).all()
    assert [(t.title, t.line, t.agent_id, t.due_at) for t in tasks] == [
        ("Call the customer back", 1, None, _AT + timedelta(minutes=60)),
        ("Investigate the cause", 2, None, _AT + timedelta(minutes=480)),
        ("Reply in writing", 1, None, _AT + timedelta(minutes=1440)),
    ]
    assert all(t.ticket_id == ticket.id and t.done_at is None for t in tasks)
    (started,) = _events(ticket.id, "routing_process_started")
    assert started.internal and started.data["rule"] == "Complaint process"
    assert [(t["title"], t["line"], t["due_at"]) for t in started.data["tasks"]] == [
        (t.title, t.line, t.due_at.isoformat()) for t in tasks
    ]
    (applied,) = _events(ticket.id, "routing_rule_applied")
    assert applied.data["changes"] == [
        {"type": "start_process", "tasks": COMPLAINT_TASKS}
    ]


@pytest.mark.usefixtures("ctx")
def test_other_tickets_start_no_process():
    make_category("complaint")
    make_rule(**RULE)
    make_ticket(category="access")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(RoutingTask.id))) == 0


# --- ticking off ------------------------------------------------------------------------


def test_ticking_off_and_undoing_from_the_ticket_page(app, client, given, login, clock):
    agent = given(make_user, role=Role.LINE2, name="Lena")
    ticket = given(make_ticket, line=2)
    task = given(make_task, ticket, title="Investigate the cause")
    login(agent, PASSWORD)

    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Investigate the cause" in page and "Tick off" in page

    response = client.post(f"/routing/tasks/{task.id}/completion")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tickets/{ticket.id}")
    with app.app_context():
        row = db.session.get(RoutingTask, task.id)
        assert (row.done_by_id, row.done_at) == (agent.id, clock.now())
        (done,) = _events(ticket.id, "routing_task_done")
        assert done.internal and done.actor_id == agent.id
        db.session.remove()
    assert client.post(f"/routing/tasks/{task.id}/completion").status_code == 409
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "done by Lena" in page and "Undo" in page

    assert client.post(f"/routing/tasks/{task.id}/reopening").status_code == 302
    with app.app_context():
        row = db.session.get(RoutingTask, task.id)
        assert (row.done_by_id, row.done_at) == (None, None)
        assert len(_events(ticket.id, "routing_task_reopened")) == 1
        db.session.remove()


def test_the_tasks_agent_or_line_may_tick_it_others_may_not(app, client, given, login):
    ticket = given(make_ticket, line=2)
    line1 = given(make_user, role=Role.LINE1)
    other_line1 = given(make_user, role=Role.LINE1)
    line3 = given(make_user, role=Role.LINE3)
    for_line1 = given(make_task, ticket, line=1)
    for_line3_agent = given(make_task, ticket, line=None, agent_id=line3.id)

    login(line1, PASSWORD)
    assert client.post(f"/routing/tasks/{for_line1.id}/completion").status_code == 302
    assert (
        client.post(f"/routing/tasks/{for_line3_agent.id}/completion").status_code
        == 403
    )
    client.post("/logout")
    login(other_line1, PASSWORD)  # same line: may undo a colleague's tick
    assert client.post(f"/routing/tasks/{for_line1.id}/reopening").status_code == 302
    client.post("/logout")
    login(line3, PASSWORD)
    assert client.post(f"/routing/tasks/{for_line1.id}/completion").status_code == 403
    assert (
        client.post(f"/routing/tasks/{for_line3_agent.id}/completion").status_code
        == 302
    )


def test_my_tasks_lists_mine_and_my_lines_overdue_first(app, client, given, login):
    agent = given(make_user, role=Role.LINE2)
    colleague = given(make_user, role=Role.LINE2)
    ticket = given(make_ticket, line=2, subject="Angry customer")
    now = _AT  # the frozen clock's now
    later = given(make_task, ticket, title="Later", due_at=now + timedelta(hours=5))
    overdue = given(make_task, ticket, title="Overdue", due_at=now - timedelta(hours=1))
    mine = given(
        make_task,
        ticket,
        title="Mine",
        line=None,
        agent_id=agent.id,
        due_at=now + timedelta(hours=1),
    )
    given(make_task, ticket, title="Colleague's", line=None, agent_id=colleague.id)
    given(make_task, ticket, title="Line 1's", line=1)
    given(make_task, ticket, title="Finished", done_by=agent)
    login(agent, PASSWORD)

    page = client.get("/routing/tasks")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = [f'data-task="{t.id}"' for t in (overdue, mine, later)]
    positions = [html.index(r) for r in rows]
    assert positions == sorted(positions)
    assert "overdue" in html and "Angry customer" in html
    for absent in ("Colleague&#39;s", "Line 1&#39;s", "Finished"):
        assert absent not in html
    assert 'href="/routing/tasks"' in client.get("/queue").get_data(as_text=True)


# --- the API ---------------------------------------------------------------------------


def test_the_api_lists_ticks_and_unticks_tasks(app, client, given, bearer):
    agent = given(make_user, role=Role.LINE2, name="Lena")
    ticket = given(make_ticket, line=2)
    first = given(make_task, ticket, title="First")
    given(make_task, ticket, title="Second")
    given(make_task, ticket, title="Third")
    headers = bearer(agent)

    listed = client.get(f"/api/v1/tickets/{ticket.id}/tasks?limit=2", headers=headers)
    assert listed.status_code == 200
    assert [t["title"] for t in listed.json["items"]] == ["First", "Second"]
    item = listed.json["items"][0]
    assert set(item) == {
        "id",
        "ticket_id",
        "title",
        "rule",
        "line",
        "agent",
        "due_at",
        "created_at",
        "done",
        "done_at",
        "done_by",
    }
    assert (item["line"], item["done"], item["agent"]) == (2, False, None)
    rest = client.get(
        f"/api/v1/tickets/{ticket.id}/tasks?cursor={listed.json['next_cursor']}",
        headers=headers,
    )
    assert [t["title"] for t in rest.json["items"]] == ["Third"]
    assert rest.json["next_cursor"] is None

    url = f"/api/v1/routing/tasks/{first.id}/completions"
    done = client.post(url, headers=headers)
    assert done.status_code == 201
    assert done.json["done"] is True
    assert done.json["done_by"] == {"id": agent.id, "name": "Lena"}
    again = client.post(url, headers=headers)
    assert again.status_code == 409 and error_of(again)
    assert client.delete(url, headers=headers).status_code == 204
    assert client.delete(url, headers=headers).status_code == 409
    assert (
        client.post(
            "/api/v1/routing/tasks/99999/completions", headers=headers
        ).status_code
        == 404
    )


def test_the_openapi_document_has_the_task_paths(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert "get" in paths["/v1/tickets/{id}/tasks"]
    assert {"post", "delete"} <= set(paths["/v1/routing/tasks/{id}/completions"])


# --- bulk escalation from the queue -------------------------------------------------------


def test_the_queue_escalates_several_tickets_and_skips_the_others(
    app, client, given, login
):
    agent = given(make_user, role=Role.LINE1)
    mine = given(make_ticket, line=1, subject="One")
    also_mine = given(make_ticket, line=1, subject="Two")
    not_mine = given(make_ticket, line=2, subject="Three")
    login(agent, PASSWORD)
    assert 'formaction="/routing/escalations/bulk' in client.get("/queue").get_data(
        as_text=True
    )

    response = client.post(
        "/routing/escalations/bulk?sort=due",
        data={
            "ticket_ids": [str(mine.id), str(not_mine.id), str(also_mine.id)],
            "routing_line": "2",
            "routing_reason": "Needs line 2.",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/queue?sort=due")
    with app.app_context():
        lines_ = dict(db.session.execute(sa.select(Ticket.id, Ticket.line)).all())
        moved = _events(mine.id, "routing_line_changed")
        db.session.remove()
    assert (lines_[mine.id], lines_[also_mine.id], lines_[not_mine.id]) == (2, 2, 2)
    assert moved[0].data["reason"] == "Needs line 2."
    assert _events_count(app, not_mine.id) == 0
    page = client.get("/queue?sort=due").get_data(as_text=True)
    assert f"{not_mine.number} skipped" in page
    assert mine.number in page


def test_bulk_escalation_needs_a_reason(app, client, given, login):
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket, line=1)
    login(agent, PASSWORD)
    before = db_state(app)
    response = client.post(
        "/routing/escalations/bulk",
        data={"ticket_ids": [str(ticket.id)], "routing_line": "2"},
    )
    # The queue again, the ticket still ticked, the line kept, the message.
    assert response.status_code == 422
    assert db_state(app) == before
    page = response.get_data(as_text=True)
    assert "Say why" in page
    assert f'value="{ticket.id}" aria-label="{ticket.number}" checked' in page
    assert '<option value="2" selected>' in page


def _events_count(app, ticket_id: int) -> int:
    with app.app_context():
        count = len(_events(ticket_id, "routing_line_changed"))
        db.session.remove()
        return count


def test_the_demo_complaint_rule_starts_its_process(runner, app):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(RoutingRule.id)).where(
                    RoutingRule.name == "Complaint"
                )
            )
            == 1
        )
        ticket = make_ticket(category="complaint")
        db.session.commit()
        tasks = db.session.scalars(
            sa.select(RoutingTask)
            .where(RoutingTask.ticket_id == ticket.id)
            .order_by(RoutingTask.id)
        ).all()
        assert [(t.title, t.line, t.due_at - _AT) for t in tasks] == [
            ("Call the customer back", 1, timedelta(minutes=60)),
            ("Investigate the cause", 2, timedelta(minutes=480)),
            ("Reply in writing", 1, timedelta(minutes=1440)),
        ]
        customer_view = db.session.scalars(
            timeline.timeline_query(ticket, actor=ticket.requester)
        )
        assert not [e for e in customer_view if e.kind.startswith("routing_")]
        db.session.remove()


def test_whoever_gets_a_task_is_told_with_its_due_time_in_their_zone(ctx):
    make_category("complaint")
    line1 = make_user(role=Role.LINE1, timezone="Europe/Moscow", locale="ru")
    line2 = make_user(role=Role.LINE2)
    make_rule(**RULE)
    make_ticket(category="complaint")
    db.session.commit()

    mails = [(m.recipient, m.body) for m in outbox_mails("task_given")]
    assert [to for to, _ in mails] == [line1.email, line2.email, line1.email]
    # Due an hour after 09:00 UTC: 13:00 in Moscow, in Russian.
    assert "Задача «Call the customer back»" in mails[0][1]
    assert "13:00" in mails[0][1]
