"""Mail out: requesters and agents are told what matters, in their own
language, in mails that thread per ticket and lead replies back to it."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.notify.preferences import Notice
from helpdesk.outbox import OutboxChannel, deliver_outbox, enqueue
from helpdesk.service import queries
from helpdesk.service import tickets as ticket_service
from helpdesk.service.lines import move_to_line
from helpdesk.vocabulary import Role, TicketStatus
from sla.models import Target
from sla.service.clocks import ticket_clocks
from sla.service.sweep import sweep_due_clocks
from tests.builders import make_category, make_ticket, make_user, outbox_mails
from tests.sla.builders import make_policy


def events(app) -> list[tuple[str, str]]:
    with app.app_context():
        found = [(m.payload.get("event"), m.recipient) for m in outbox_mails()]
        db.session.remove()
    return found


def agent_acts(app, ticket_id: int, agent_id: int, act, clock) -> None:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        act(ticket, db.session.get(User, agent_id), clock.now())
        db.session.commit()


def test_a_customer_is_told_the_whole_lifecycle_in_russian(
    mail_app, client, given, login, clock, smtp
):
    given(make_category, "access")
    customer = login(given(make_user, locale="ru"))
    agent = given(make_user, role=Role.LINE1)
    response = client.post(
        "/tickets/new",
        data={
            "subject": "Не печатает принтер",
            "description": "Третий этаж.",
            "category": "access",
        },
    )
    assert response.status_code == 302
    ticket_id = int(response.location.rstrip("/").rsplit("/", 1)[1])

    def reply(ticket, actor, now):
        ticket_service.add_comment(
            ticket,
            body="Перезагрузите его, пожалуйста.",
            internal=False,
            actor=actor,
            now=now,
        )
        ticket_service.add_comment(
            ticket, body="Internal: cable is bad", internal=True, actor=actor, now=now
        )
        ticket_service.change_status(ticket, TicketStatus.PENDING, actor=actor, now=now)

    agent_acts(mail_app, ticket_id, agent.id, reply, clock)

    def resolve(ticket, actor, now):
        ticket_service.change_status(ticket, TicketStatus.OPEN, actor=actor, now=now)
        ticket_service.change_status(
            ticket, TicketStatus.RESOLVED, actor=actor, now=now
        )

    agent_acts(mail_app, ticket_id, agent.id, resolve, clock)
    deliver_outbox(mail_app)

    mails = [m for m in smtp.handler.messages() if m["To"] == customer.email]
    subjects = [m["Subject"] for m in mails]
    number = f"HD-{ticket_id:06d}"
    assert subjects == [
        f"[{number}] Заявка зарегистрирована: Не печатает принтер",
        f"[{number}] Новый ответ: Не печатает принтер",
        f"[{number}] Ждём вашего ответа: Не печатает принтер",
        f"[{number}] Решена: Не печатает принтер",
    ]
    for mail in mails:
        # One conversation per ticket in the mail client; replies come back.
        assert mail["References"] == f"<ticket-{ticket_id}@example.test>"
        assert mail["In-Reply-To"] == f"<ticket-{ticket_id}@example.test>"
        assert mail["Reply-To"] == f"helpdesk+{number}@example.test"
        assert mail["Message-ID"].startswith("<outbox-")
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert "Internal: cable is bad" not in text + html
        assert "Линия" not in text and "Line" not in text  # no internal fields
    reply_text = mails[1].get_body(("plain",)).get_content()
    assert "Перезагрузите его, пожалуйста." in reply_text
    resolved = mails[3].get_body(("html",)).get_content()
    assert f"/tickets/{ticket_id}#rate" in resolved
    assert f"/tickets/{ticket_id}#reopen" in resolved


def test_a_caller_gets_the_number_of_a_phone_ticket_in_writing(app, given, ctx):
    caller = make_user(email="caller@example.test")
    agent = make_user(role=Role.LINE1)
    make_category("access")
    ticket = ticket_service.register_call(
        {"subject": "VPN", "description": "Down", "category": "access"},
        caller=caller,
        actor=agent,
        now=app.extensions["clock"].now(),
    )
    (mail,) = outbox_mails(Notice.TICKET_REGISTERED)
    assert mail.recipient == "caller@example.test"
    assert ticket.number in mail.subject and ticket.number in mail.body


def test_agents_hear_of_assignments_and_of_customers_replies(app, ctx, clock):
    line1 = [make_user(role=Role.LINE1) for _ in range(2)]
    ticket = make_ticket()
    now = clock.now()
    ticket_service.add_comment(
        ticket, body="Any news?", internal=False, actor=ticket.requester, now=now
    )
    # Nobody has it yet: the whole line hears of the reply.
    assert [m.recipient for m in outbox_mails(Notice.CUSTOMER_REPLIED)] == [
        u.email for u in line1
    ]
    ticket_service.assign_ticket(ticket, line1[0].id, actor=line1[0], now=now)
    assert outbox_mails(Notice.ASSIGNED_TO_YOU) == []  # they took it themselves
    ticket_service.assign_ticket(ticket, line1[1].id, actor=line1[0], now=now)
    (assigned,) = outbox_mails(Notice.ASSIGNED_TO_YOU)
    assert assigned.recipient == line1[1].email
    ticket_service.add_comment(
        ticket, body="Still broken.", internal=False, actor=ticket.requester, now=now
    )
    last = outbox_mails(Notice.CUSTOMER_REPLIED)[-1]
    assert last.recipient == line1[1].email
    assert "Still broken." in last.body


def test_a_move_mail_speaks_the_new_lines_language_not_the_senders(app, ctx, clock):
    make_user(role=Role.LINE2, locale="ru")
    sender = make_user(role=Role.LINE1, locale="en")
    ticket = make_ticket()
    move_to_line(ticket, 2, actor=sender, now=clock.now(), reason="Config")
    (mail,) = outbox_mails(Notice.MOVED_TO_YOUR_LINE)
    assert "Причина: Config" in mail.body
    assert "Reason" not in mail.body


def test_people_turn_off_what_they_do_not_need_but_not_the_essentials(
    app, client, given, login, ctx, clock
):
    customer = given(make_user)
    login(customer)
    response = client.post(
        "/profile/notifications",
        data={"notices": ["ticket_reopened"]},  # all others unticked
    )
    assert response.status_code == 302
    user = db.session.get(User, customer.id)
    ticket = make_ticket(requester=user)
    agent = make_user(role=Role.LINE1)
    ticket_service.add_comment(
        ticket, body="Done?", internal=False, actor=agent, now=clock.now()
    )
    kinds = {m.payload["event"] for m in outbox_mails() if m.recipient == user.email}
    # Registered stays on: only an admin turns it off.
    assert kinds == {Notice.TICKET_REGISTERED.value}


def test_an_admin_can_turn_off_the_essential_notices(
    app, client, given, login, ctx, clock
):
    customer = given(make_user)
    login(given(make_user, role=Role.ADMIN))
    response = client.post(f"/admin/users/{customer.id}/notifications", data={})
    assert response.status_code == 302
    make_ticket(requester=db.session.get(User, customer.id))
    assert outbox_mails(Notice.TICKET_REGISTERED) == []


def test_an_unknown_notice_is_refused_by_name(client, given, login):
    login(given(make_user))
    response = client.post("/profile/notifications", data={"notices": ["spam"]})
    assert response.status_code == 422


def test_a_recipient_with_a_line_break_is_refused_never_sent(ctx, clock):
    with pytest.raises(ValueError):
        enqueue(
            channel=OutboxChannel.EMAIL,
            recipient="a@example.test\r\nBcc: victim@example.test",
            subject="x",
            body="y",
            now=clock.now(),
        )


def test_sla_alerts_give_the_due_time_in_the_recipients_time_zone(app, ctx, clock):
    make_policy(first_response_minutes=60, on_warning=["notify_assignee"])
    agent = make_user(role=Role.LINE1, timezone="Europe/Moscow", locale="ru")
    make_ticket(assignee_id=agent.id)
    db.session.commit()
    clock.advance(minutes=50)
    sweep_due_clocks(now=clock.now(), settings=app.config)
    (alert,) = outbox_mails("sla.warning")
    # Due at 10:00 UTC: 13:00 in Moscow.
    assert "13:00" in alert.body


def test_answering_the_waiting_on_you_mail_puts_the_reply_on_the_ticket(
    mail_app, given, clock, smtp, runner
):
    """The loop a customer sees: our mail in their inbox, their answer piped
    to ``flask mail ingest``, their comment on the ticket, the clock running."""
    given(make_policy, first_response_minutes=60)
    customer = given(make_user, email="ann@example.org")
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket, requester=customer)

    def ask(ticket, actor, now):
        ticket_service.add_comment(
            ticket, body="Which floor?", internal=False, actor=actor, now=now
        )
        ticket_service.change_status(ticket, TicketStatus.PENDING, actor=actor, now=now)

    agent_acts(mail_app, ticket.id, agent.id, ask, clock)
    deliver_outbox(mail_app)
    (waiting,) = [
        m for m in smtp.handler.messages() if "Waiting for your answer" in m["Subject"]
    ]

    answer = EmailMessage()
    answer["From"] = customer.email
    answer["To"] = waiting["Reply-To"]
    answer["Subject"] = f"Re: {waiting['Subject']}"
    answer["Message-ID"] = "<answer-1@example.org>"
    answer["In-Reply-To"] = waiting["Message-ID"]
    answer["References"] = f"{waiting['References']} {waiting['Message-ID']}"
    answer.set_content("Third floor.\n\nOn Monday, helpdesk wrote:\n> Which floor?\n")
    result = runner.invoke(args=["mail", "ingest"], input=answer.as_bytes())
    assert result.exit_code == 0, result.output

    with mail_app.app_context():
        stored = db.session.get(Ticket, ticket.id)
        assert stored.status == TicketStatus.OPEN
        last = queries.ticket_comments(stored, actor=stored.requester)[-1]
        assert (last.author_id, last.body, last.internal) == (
            customer.id,
            "Third floor.",
            False,
        )
        states = {c.target: c.state for c in ticket_clocks(ticket.id)}
        assert states[Target.RESOLUTION] == "running"
        db.session.remove()
