"""Mail in: messages piped to ``flask mail ingest`` or polled from a real IMAP
server (dovecot on loopback) become tickets and public comments; automated
mail, loops, strangers and broken messages never do.

The corpus is built by tests/mail_corpus.py; time moves by the ``clock``
fixture (Monday 2026-11-23 09:00 UTC), never by sleeping.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app import create_app
from config import TestingConfig
from helpdesk import events
from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.hooks import scheduled_jobs
from helpdesk.inbound import (
    Outcome,
    QuarantinedMessage,
    QuarantineReason,
    ingest_message,
)
from helpdesk.inbound.imap import PROCESSED_KEYWORD
from helpdesk.models import Attachment, Comment, Ticket, TicketEvent, User
from helpdesk.outbox import OutboxMessage
from helpdesk.service import tickets as ticket_service
from helpdesk.vocabulary import Channel, Role, TicketStatus
from helpdesk.watchers.models import TicketWatcher
from sla.models import Target
from sla.service.clocks import ticket_clocks
from tests import mail_corpus as corpus
from tests.builders import make_category, make_organisation, make_ticket, make_user
from tests.imap_server import ImapServer
from tests.security.support import changed_tables, db_state
from tests.sla.builders import make_policy

ANN = "Ann Customer <ann@example.org>"


# --- helpers ---------------------------------------------------------------------


@pytest.fixture
def setup(given):
    """A category for mail tickets and Ann, a known customer."""
    given(make_category, "access")
    return SimpleNamespace(ann=given(make_user, email="ann@example.org", name="Ann"))


def ingest(app, raw: bytes):
    with app.app_context():
        result = ingest_message(raw, now=get_clock().now(), settings=app.config)
        db.session.commit()
        return result


def ingest_changing(app, raw: bytes):
    """Ingest ``raw``; answer the result and the tables it wrote to."""
    before = db_state(app)
    result = ingest(app, raw)
    return result, changed_tables(before, db_state(app))


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(*where)
        )


def only_ticket(app) -> SimpleNamespace:
    with app.app_context():
        tickets = list(db.session.scalars(sa.select(Ticket)))
        assert len(tickets) == 1, [t.subject for t in tickets]
        t = tickets[0]
        return SimpleNamespace(
            id=t.id,
            subject=t.subject,
            description=t.description,
            channel=t.channel,
            status=t.status,
            requester_email=t.requester.email,
            attachments=sorted(
                (a.filename, a.content_type, a.size_bytes)
                for a in db.session.scalars(t.attachments.select())
            ),
        )


def comments(app, ticket_id: int) -> list[tuple[str, str, bool]]:
    """(author e-mail, body, internal) of a ticket's comments, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(User.email, Comment.body, Comment.internal)
            .join(User, User.id == Comment.author_id)
            .where(Comment.ticket_id == ticket_id)
            .order_by(Comment.id)
        )
        return [tuple(row) for row in rows]


def status_of(app, ticket_id: int) -> TicketStatus:
    with app.app_context():
        return db.session.get(Ticket, ticket_id).status


def waiting_ticket(app, clock, requester, *, with_policy: bool = True):
    """A ticket an agent answered and set to wait on the customer."""
    with app.app_context():
        if with_policy:
            make_policy(resolution_minutes=8 * 60)
        agent = make_user(role=Role.LINE1)
        ticket = make_ticket(requester=requester, at=clock.now())
        ticket_service.add_comment(
            ticket,
            body="Could you send us the printer's log?",
            internal=False,
            actor=agent,
            now=clock.advance(minutes=30),
        )
        ticket_service.change_status(
            ticket, TicketStatus.PENDING, actor=agent, now=clock.advance(minutes=30)
        )
        db.session.commit()
        return SimpleNamespace(id=ticket.id, number=ticket.number, agent_id=agent.id)


def clock_states(app, ticket_id: int) -> dict[Target, str]:
    with app.app_context():
        return {c.target: c.state for c in ticket_clocks(ticket_id)}


# --- new tickets -----------------------------------------------------------------


def test_a_plain_mail_from_a_known_customer_opens_an_email_ticket(app, setup):
    result = ingest(app, corpus.plain(sender=ANN))

    ticket = only_ticket(app)
    assert result.outcome == Outcome.TICKET_CREATED
    assert result.ticket_id == ticket.id
    assert ticket.channel == Channel.EMAIL
    assert ticket.subject == "The printer does not print"
    assert ticket.description == "It blinks orange since this morning."
    assert ticket.requester_email == "ann@example.org"
    assert ticket.status == TicketStatus.NEW


def test_an_unknown_sender_becomes_a_customer_named_as_in_the_mail(app, given):
    given(make_category, "access")

    ingest(app, corpus.plain(sender="Bob Builder <Bob@Example.org>"))

    with app.app_context():
        bob = db.session.scalar(sa.select(User).where(User.email == "bob@example.org"))
        assert (bob.name, bob.role, bob.password_hash) == (
            "Bob Builder",
            Role.CUSTOMER,
            None,
        )
    assert only_ticket(app).requester_email == "bob@example.org"


def test_mail_tickets_go_to_the_configured_category(app, setup, monkeypatch, given):
    given(make_category, "printing")
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_CATEGORY", "printing")

    ingest(app, corpus.plain(sender=ANN))

    with app.app_context():
        assert db.session.scalar(sa.select(Ticket)).category.code == "printing"


def test_html_only_mail_is_kept_as_sanitised_text_with_its_links(app, setup):
    html = (
        "<html><head><style>p { color: red }</style>"
        "<script>alert('xss')</script></head><body>"
        "<p>The <b>VPN</b> is down.</p><div>Error: <i>timeout</i></div>"
        '<p><a href="https://status.example.org/vpn">status page</a>'
        '<img src="x" onerror="alert(1)"></p></body></html>'
    )

    ingest(app, corpus.html_only(sender=ANN, html=html))

    description = only_ticket(app).description
    assert "The VPN is down." in description
    assert "Error: timeout" in description
    assert "status page" in description
    assert "https://status.example.org/vpn" in description
    for leftover in ("<", "alert", "color: red", "onerror"):
        assert leftover not in description


def test_attachments_and_the_inline_image_are_kept_a_too_large_file_is_named(
    app, setup
):
    """Policy: a file over MAX_ATTACHMENT_BYTES is left out and named in the
    text; the message and its other files still arrive."""
    big = b"\x00" * (app.config["MAX_ATTACHMENT_BYTES"] + 1)
    raw = corpus.with_attachments(
        sender=ANN,
        files=[
            ("printer.log", "text/plain", b"E42 paper jam\n"),
            ("core.dump", "application/octet-stream", big),
        ],
    )

    ingest(app, raw)

    ticket = only_ticket(app)
    assert ticket.attachments == [
        ("part-3.png", "image/png", len(corpus.PIXEL_PNG)),  # the inline image
        ("printer.log", "text/plain", 14),
    ]
    assert ticket.description.startswith("See the screenshot and the log.")
    assert "Not kept, larger than 64 KB: core.dump" in ticket.description


def test_a_russian_mail_in_utf8_with_an_encoded_word_subject(app, given):
    given(make_category, "access")

    ingest(
        app,
        corpus.russian_utf8(
            subject="Не работает VPN", body="Здравствуйте! VPN не подключается.\n"
        ),
    )

    ticket = only_ticket(app)
    assert ticket.subject == "Не работает VPN"
    assert ticket.description == "Здравствуйте! VPN не подключается."
    with app.app_context():
        assert accounts_name("ivan@example.org") == "Иван Петров"


def accounts_name(email: str) -> str:
    return db.session.scalar(sa.select(User.name).where(User.email == email))


# --- replies ---------------------------------------------------------------------


def test_a_gmail_reply_found_by_references_keeps_only_the_new_text(app, setup, clock):
    ticket = waiting_ticket(app, clock, setup.ann, with_policy=False)
    replies = []

    def listener(sender, **kw):
        replies.append(kw["by_agent"])

    events.public_reply_added.connect(listener, weak=False)

    try:
        result = ingest(
            app,
            corpus.gmail_reply(
                sender=ANN,
                ticket_number=ticket.number,
                ticket_id=ticket.id,
                new_text="Here is the log: E42 paper jam.",
            ),
        )
    finally:
        # Only this test's listener: the app's own (mail, SLA, rules) stay.
        events.public_reply_added.disconnect(listener)

    assert (result.outcome, result.ticket_id) == (Outcome.COMMENT_ADDED, ticket.id)
    assert comments(app, ticket.id)[-1] == (
        "ann@example.org",
        "Here is the log: E42 paper jam.",
        False,
    )
    # The outgoing side tells the assignee on this signal: a customer's reply.
    assert replies == [False]


def test_an_outlook_reply_found_by_the_plus_address_drops_signature_and_quote(
    app, given, clock
):
    given(make_category, "access")
    bob = given(make_user, email="bob@example.org")
    ticket = waiting_ticket(app, clock, bob, with_policy=False)

    ingest(
        app,
        corpus.outlook_reply(
            sender="Bob Builder <bob@example.org>",
            ticket_number=ticket.number,
            new_text="Still broken after the restart.",
        ),
    )

    assert comments(app, ticket.id)[-1][1] == "Still broken after the restart."


def test_a_reply_found_by_the_number_in_the_subject(app, setup, clock):
    ticket = waiting_ticket(app, clock, setup.ann, with_policy=False)

    ingest(
        app,
        corpus.plain(
            sender=ANN,
            subject=f"Re: {ticket.number} The printer does not print",
            body="It prints again, thank you.\n",
        ),
    )

    assert comments(app, ticket.id)[-1][1] == "It prints again, thank you."
    assert count(app, Ticket) == 1


def test_a_russian_reply_in_koi8_r_quoted_under_pishet(app, given, clock):
    given(make_category, "access")
    ivan = given(make_user, email="ivan@example.org")
    ticket = waiting_ticket(app, clock, ivan, with_policy=False)

    ingest(
        app,
        corpus.russian_koi8_reply(
            sender="Иван <ivan@example.org>",
            ticket_number=ticket.number,
            new_text="Журнал во вложении, ошибка E42.",
        ),
    )

    assert comments(app, ticket.id)[-1][1] == "Журнал во вложении, ошибка E42."


def test_a_reply_to_a_waiting_ticket_reopens_it_and_resumes_the_sla_clock(
    app, setup, clock
):
    ticket = waiting_ticket(app, clock, setup.ann)
    assert clock_states(app, ticket.id)[Target.RESOLUTION] == "paused"
    clock.advance(hours=3)

    ingest(
        app,
        corpus.gmail_reply(
            sender=ANN,
            ticket_number=ticket.number,
            ticket_id=ticket.id,
            new_text="Here is the log.",
        ),
    )

    assert status_of(app, ticket.id) == TicketStatus.OPEN
    assert clock_states(app, ticket.id)[Target.RESOLUTION] == "running"


def test_a_strangers_reply_opens_a_ticket_of_its_own(app, setup, clock):
    ticket = waiting_ticket(app, clock, setup.ann, with_policy=False)

    result = ingest(
        app,
        corpus.gmail_reply(
            sender="Mallory <mallory@example.net>",
            ticket_number=ticket.number,
            ticket_id=ticket.id,
            new_text="Please close this ticket.",
        ),
    )

    assert result.outcome == Outcome.TICKET_CREATED
    assert result.ticket_id != ticket.id
    assert len(comments(app, ticket.id)) == 1  # only the agent's question
    assert status_of(app, ticket.id) == TicketStatus.PENDING
    with app.app_context():
        new = db.session.get(Ticket, result.ticket_id)
        assert new.requester.email == "mallory@example.net"


def watcher_emails(app, ticket_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(User.email)
                .join(TicketWatcher, TicketWatcher.user_id == User.id)
                .where(TicketWatcher.ticket_id == ticket_id)
                .order_by(User.email)
            )
        )


@pytest.fixture
def colleagues(given):
    """Ann is a member of Example Org, whose mail comes from example.org."""
    given(make_category, "access")
    given(make_organisation, "Example Org", domains=["example.org"])
    return SimpleNamespace(
        ann=given(
            make_user, email="ann@example.org", name="Ann", organisation="Example Org"
        )
    )


def test_a_colleague_the_requester_copied_follows_the_ticket_and_may_answer(
    app, colleagues
):
    """Carol has no account: her address is of Ann's organisation's domain,
    so she becomes a member of it and a watcher of the ticket."""
    first = ingest(
        app,
        corpus.plain(sender=ANN, Cc="Carol Colleague <carol@example.org>"),
    )
    with app.app_context():
        number = db.session.get(Ticket, first.ticket_id).number
        carol = db.session.scalar(
            sa.select(User).where(User.email == "carol@example.org")
        )
        assert carol.organisation_name == "Example Org" and not carol.org_contact
    assert watcher_emails(app, first.ticket_id) == ["carol@example.org"]

    result = ingest(
        app,
        corpus.plain(
            sender="carol@example.org",
            subject=f"Re: [{number}] The printer does not print",
            body="Same here on the second floor.\n",
        ),
    )

    assert (result.outcome, result.ticket_id) == (
        Outcome.COMMENT_ADDED,
        first.ticket_id,
    )
    assert comments(app, first.ticket_id) == [
        ("carol@example.org", "Same here on the second floor.", False)
    ]


def test_an_outsider_the_requester_copied_does_not_follow_and_opens_their_own(
    app, colleagues, given
):
    """Staff and colleagues may follow a ticket; anyone else copied on the
    mail may not, and their answer opens a ticket of their own."""
    given(make_user, email="dave@elsewhere.example", name="Dave")
    given(make_user, role=Role.LINE2, email="lena@example.org", name="Lena")
    first = ingest(
        app,
        corpus.plain(
            sender=ANN, Cc="Dave <dave@elsewhere.example>, Lena <lena@example.org>"
        ),
    )
    assert watcher_emails(app, first.ticket_id) == ["lena@example.org"]

    with app.app_context():
        number = db.session.get(Ticket, first.ticket_id).number
    result = ingest(
        app,
        corpus.plain(
            sender="dave@elsewhere.example",
            subject=f"Re: [{number}] The printer does not print",
            body="Mine too.\n",
        ),
    )

    assert result.outcome == Outcome.TICKET_CREATED
    assert result.ticket_id != first.ticket_id
    assert comments(app, first.ticket_id) == []


def test_an_unknown_sender_of_an_organisations_domain_becomes_its_member(
    app, colleagues
):
    result = ingest(app, corpus.plain(sender="Bob <bob@example.org>"))

    with app.app_context():
        ticket = db.session.get(Ticket, result.ticket_id)
        assert ticket.requester.email == "bob@example.org"
        assert ticket.requester.organisation_name == "Example Org"
        assert ticket.organisation_id == ticket.requester.organisation_id


def test_a_reply_to_a_closed_ticket_opens_a_linked_follow_up(app, setup, clock):
    ticket = waiting_ticket(app, clock, setup.ann)
    with app.app_context():
        closed = db.session.get(Ticket, ticket.id)
        closed.category = make_category("network")  # not the mail default
        closed.status = TicketStatus.CLOSED
        db.session.commit()
    clock.advance(days=3)

    result = ingest(
        app,
        corpus.gmail_reply(
            sender=ANN,
            ticket_number=ticket.number,
            ticket_id=ticket.id,
            new_text="It broke again after the update.",
        ),
    )

    assert result.outcome == Outcome.TICKET_CREATED
    assert result.ticket_id != ticket.id
    with app.app_context():
        follow_up = db.session.get(Ticket, result.ticket_id)
        # The reply's new text, not the quote, with requester, subject and
        # category of the closed ticket; a new ticket's status and clocks.
        assert follow_up.description == "It broke again after the update."
        assert (follow_up.follow_up_of_id, follow_up.channel) == (
            ticket.id,
            Channel.EMAIL,
        )
        assert follow_up.requester.email == "ann@example.org"
        assert follow_up.subject == "Printer does not print"
        assert follow_up.category.code == "network"
        assert follow_up.status == TicketStatus.NEW
        assert db.session.get(Ticket, ticket.id).status == TicketStatus.CLOSED
    assert clock_states(app, result.ticket_id) == {
        Target.FIRST_RESPONSE: "running",
        Target.RESOLUTION: "running",
    }
    assert len(comments(app, ticket.id)) == 1  # nothing added to the closed one
    with app.app_context():
        kinds = {
            t: [
                (e.kind, e.data)
                for e in db.session.scalars(
                    sa.select(TicketEvent).where(
                        TicketEvent.ticket_id == t, TicketEvent.kind == "follow_up"
                    )
                )
            ]
            for t in (ticket.id, result.ticket_id)
        }
    number = f"HD-{result.ticket_id:06d}"
    assert kinds == {
        ticket.id: [
            ("follow_up", {"follow_up": number, "follow_up_id": result.ticket_id})
        ],
        result.ticket_id: [
            (
                "follow_up",
                {"follow_up_of": ticket.number, "follow_up_of_id": ticket.id},
            )
        ],
    }


def test_a_copied_partys_reply_to_a_closed_ticket_opens_their_own(
    app, setup, clock, given
):
    """Only the requester continues a closed ticket; a watcher gets a ticket
    of their own that names it."""
    ann = given(make_user, email="ann.m@example.org", organisation="Example Org")
    carol = given(
        make_user, email="carol@example.org", name="Carol", organisation="Example Org"
    )
    ticket = waiting_ticket(app, clock, ann, with_policy=False)
    with app.app_context():
        db.session.add(
            TicketWatcher(ticket_id=ticket.id, user_id=carol.id, created_at=clock.now())
        )
        db.session.get(Ticket, ticket.id).status = TicketStatus.CLOSED
        db.session.commit()

    result = ingest(
        app,
        corpus.plain(
            sender="Carol <carol@example.org>",
            subject=f"Re: [{ticket.number}] ...",
            body="Mine broke too.\n",
        ),
    )

    with app.app_context():
        theirs = db.session.get(Ticket, result.ticket_id)
        assert theirs.requester_id == carol.id and theirs.follow_up_of_id is None
        assert theirs.description.startswith(f"A follow-up to {ticket.number}.")


# --- refusals and safety ---------------------------------------------------------


def test_an_unknown_sender_is_refused_politely_once_a_day(app, given, monkeypatch):
    given(make_category, "access")
    monkeypatch.setitem(app.config, "MAIL_CREATE_REQUESTERS", False)

    first = ingest(app, corpus.plain(sender="Bob <bob@example.org>"))
    second = ingest(app, corpus.plain(sender="Bob <bob@example.org>"))

    assert first.outcome == second.outcome == Outcome.REFUSED
    assert count(app, Ticket) == 0
    assert count(app, User) == 0
    with app.app_context():
        mails = list(db.session.scalars(sa.select(OutboxMessage)))
    assert [(m.recipient, m.channel.value) for m in mails] == [
        ("bob@example.org", "email")
    ]
    assert mails[0].subject.startswith("Your e-mail was not registered")
    assert "does not belong to a customer" in mails[0].body
    assert "/signup" in mails[0].body


def test_the_refusal_is_written_in_the_configured_language(app, given, monkeypatch):
    given(make_category, "access")
    monkeypatch.setitem(app.config, "MAIL_CREATE_REQUESTERS", False)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_LOCALE", "ru")

    ingest(app, corpus.plain(sender="bob@example.org"))

    with app.app_context():
        mail = db.session.scalar(sa.select(OutboxMessage))
    assert mail.subject.startswith("Ваше письмо не зарегистрировано")


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        pytest.param(
            lambda n: corpus.auto_reply(sender=ANN, ticket_number=n),
            "auto-submitted",
            id="auto-reply",
        ),
        pytest.param(lambda n: corpus.bounce(ticket_number=n), "bounce", id="bounce"),
        pytest.param(
            lambda n: corpus.list_mail(precedence="list"), "precedence", id="list"
        ),
        pytest.param(
            lambda n: corpus.list_mail(precedence="bulk"), "precedence", id="bulk"
        ),
        pytest.param(
            lambda n: corpus.plain(sender=ANN, X_Autoreply="yes"),
            "auto-reply",
            id="x-autoreply",
        ),
        pytest.param(
            lambda n: corpus.plain(
                sender="MAILER-DAEMON@mx.example.org", subject=f"failure {n}"
            ),
            "bounce",
            id="mailer-daemon",
        ),
        pytest.param(
            lambda n: corpus.our_own_mail(ticket_number=n), "loop", id="our-own-mail"
        ),
        pytest.param(
            lambda n: corpus.plain(
                sender=ANN,
                subject=f"Fwd: [{n}]",
                message_id="<ticket-1@example.test>",
            ),
            "loop",
            id="our-ticket-message-id",
        ),
    ],
)
def test_automated_mail_and_our_own_never_make_tickets_comments_or_mail(
    app, setup, clock, build, reason
):
    ticket = waiting_ticket(app, clock, setup.ann, with_policy=False)

    result, changed = ingest_changing(app, build(ticket.number))

    assert (result.outcome, result.reason) == (Outcome.IGNORED, reason)
    # Only the record that the message was seen: no ticket, comment or mail.
    assert changed == ["inbound_messages"]
    assert status_of(app, ticket.id) == TicketStatus.PENDING


def test_a_malformed_message_is_quarantined_with_a_reason_and_a_log_line(
    app, setup, caplog
):
    raw = corpus.malformed(sender="ann@example.org")

    with caplog.at_level(logging.WARNING, logger="helpdesk.inbound"):
        result, changed = ingest_changing(app, raw)

    assert (result.outcome, result.reason) == (Outcome.QUARANTINED, "malformed")
    assert changed == ["inbound_quarantine"]
    with app.app_context():
        row = db.session.get(QuarantinedMessage, result.quarantine_id)
        assert (row.reason, row.sender, row.subject, row.raw) == (
            QuarantineReason.MALFORMED,
            "ann@example.org",
            "Logs attached",
            raw,
        )
        assert "StartBoundaryNotFoundDefect" in row.detail
    assert any(
        "mail_in.quarantined" in r.message and "reason=malformed" in r.message
        for r in caplog.records
    )


def test_bytes_that_are_no_message_at_all_are_quarantined(app, setup):
    result, changed = ingest_changing(app, b"\x00\x01 not a mail \xff")

    assert result.outcome == Outcome.QUARANTINED
    assert changed == ["inbound_quarantine"]


def test_an_oversized_message_is_quarantined_with_its_headers_only(app, setup, caplog):
    raw = corpus.oversized(size=app.config["MAIL_MAX_BYTES"], sender=ANN)

    with caplog.at_level(logging.WARNING, logger="helpdesk.inbound"):
        result, changed = ingest_changing(app, raw)

    assert (result.outcome, result.reason) == (Outcome.QUARANTINED, "too_large")
    assert changed == ["inbound_quarantine"]
    with app.app_context():
        row = db.session.get(QuarantinedMessage, result.quarantine_id)
        assert row.truncated and row.size_bytes == len(raw)
        assert row.subject == "The whole disk image"
        assert row.raw.startswith(b"From: ") and len(row.raw) < 2048
    assert "reason=too_large" in caplog.text


def test_a_failure_while_storing_undoes_everything_and_quarantines(
    app, given, monkeypatch
):
    """The new requester is created before the category is looked up: the
    savepoint takes it back with the rest."""
    given(make_category, "access")
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_CATEGORY", "no-such-category")

    result, changed = ingest_changing(app, corpus.plain(sender="bob@example.org"))

    assert (result.outcome, result.reason) == (Outcome.QUARANTINED, "failed")
    assert changed == ["inbound_quarantine"]  # no user, ticket or record left
    with app.app_context():
        assert (
            "Unknown category"
            in db.session.get(QuarantinedMessage, result.quarantine_id).detail
        )


def test_the_same_message_id_twice_is_ingested_once(app, setup):
    raw = corpus.plain(sender=ANN, message_id="<once@client.example.org>")

    first, second = ingest(app, raw), ingest(app, raw)

    assert (first.outcome, second.outcome) == (
        Outcome.TICKET_CREATED,
        Outcome.DUPLICATE,
    )
    assert count(app, Ticket) == 1


# --- flask mail ingest -------------------------------------------------------------


def test_a_reply_piped_to_flask_mail_ingest_is_the_customers_public_comment(
    app, setup, clock, runner
):
    ticket = waiting_ticket(app, clock, setup.ann)
    raw = corpus.gmail_reply(
        sender=ANN,
        ticket_number=ticket.number,
        ticket_id=ticket.id,
        new_text="Here is the log.",
    )

    result = runner.invoke(args=["mail", "ingest"], input=raw)

    assert result.exit_code == 0, result.output
    assert "comment_added" in result.output
    assert comments(app, ticket.id)[-1] == (
        "ann@example.org",
        "Here is the log.",
        False,
    )
    assert status_of(app, ticket.id) == TicketStatus.OPEN
    assert clock_states(app, ticket.id)[Target.RESOLUTION] == "running"


def test_flask_mail_ingest_quarantines_an_oversized_message_and_exits_0(
    app, setup, runner
):
    raw = corpus.oversized(size=app.config["MAIL_MAX_BYTES"], sender=ANN)

    result = runner.invoke(args=["mail", "ingest"], input=raw)

    assert result.exit_code == 0, result.output
    assert "quarantined" in result.output
    with app.app_context():
        row = db.session.scalar(sa.select(QuarantinedMessage))
        assert (row.reason, row.size_bytes) == (QuarantineReason.TOO_LARGE, len(raw))


def test_flask_mail_ingest_asks_the_mail_server_to_retry_when_it_cannot_store(
    app, setup, runner, monkeypatch
):
    def database_away(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed"))

    monkeypatch.setattr("helpdesk.inbound.cli.ingest_message", database_away)

    result = runner.invoke(args=["mail", "ingest"], input=corpus.plain(sender=ANN))

    assert result.exit_code == 75  # EX_TEMPFAIL: the message stays queued
    assert count(app, Ticket) == 0


# --- flask mail poll against dovecot ------------------------------------------------


@pytest.fixture(scope="module")
def imap_server():
    server = ImapServer().start()
    yield server
    server.stop()


@pytest.fixture
def imap(imap_server, app, monkeypatch):
    """The real IMAP server, an empty INBOX, and the app pointed at it."""
    imap_server.clear("INBOX")
    imap_server.clear("Processed")
    for key, value in imap_server.settings().items():
        monkeypatch.setitem(app.config, key, value)
    return imap_server


def test_flask_mail_poll_ingests_the_mailbox_and_never_fetches_twice(
    app, setup, clock, runner, imap
):
    ticket = waiting_ticket(app, clock, setup.ann)
    imap.append(
        corpus.gmail_reply(
            sender=ANN,
            ticket_number=ticket.number,
            ticket_id=ticket.id,
            new_text="Here is the log.",
        )
    )
    imap.append(corpus.auto_reply(sender=ANN, ticket_number=ticket.number))

    first = runner.invoke(args=["mail", "poll"])

    assert first.exit_code == 0, first.output
    assert first.output.split() == ["comment_added=1", "ignored=1"]
    assert comments(app, ticket.id)[-1] == (
        "ann@example.org",
        "Here is the log.",
        False,
    )
    assert status_of(app, ticket.id) == TicketStatus.OPEN
    assert clock_states(app, ticket.id)[Target.RESOLUTION] == "running"
    flags = imap.folder("INBOX")
    assert len(flags) == 2
    assert all({"\\Seen", PROCESSED_KEYWORD} <= f for f in flags.values())

    again = runner.invoke(args=["mail", "poll"])
    assert again.output.strip() == "nothing new"

    imap.append(corpus.plain(sender=ANN, subject="The scanner too"))
    third = runner.invoke(args=["mail", "poll"])
    assert third.output.split() == ["ticket_created=1"]
    assert count(app, Ticket) == 2
    assert len(comments(app, ticket.id)) == 2


def test_polled_messages_move_to_the_done_folder(app, setup, runner, imap, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_IMAP_DONE_FOLDER", "Processed")
    imap.append(corpus.plain(sender=ANN))
    imap.append(corpus.malformed(sender="ann@example.org"))

    result = runner.invoke(args=["mail", "poll"])

    assert result.output.split() == ["quarantined=1", "ticket_created=1"]
    assert imap.folder("INBOX") == {}
    assert len(imap.folder("Processed")) == 2


def test_an_oversized_message_in_the_mailbox_is_quarantined_by_its_headers(
    app, setup, runner, imap
):
    raw = corpus.oversized(size=app.config["MAIL_MAX_BYTES"], sender=ANN)
    imap.append(raw)

    result = runner.invoke(args=["mail", "poll"])

    assert result.output.split() == ["quarantined=1"]
    with app.app_context():
        row = db.session.scalar(sa.select(QuarantinedMessage))
        assert row.truncated and row.size_bytes >= len(raw)
        assert b"The whole disk image" in row.raw and len(row.raw) < 4096


def test_flask_mail_poll_reports_a_refused_login_and_touches_nothing(
    app, setup, runner, imap, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_IMAP_PASSWORD", "wrong")
    imap.append(corpus.plain(sender=ANN))

    result = runner.invoke(args=["mail", "poll"])

    assert result.exit_code == 1
    assert "IMAP:" in result.output
    assert count(app, Ticket) == 0
    [flags] = imap.folder("INBOX").values()
    assert not flags & {"\\Seen", PROCESSED_KEYWORD}


def test_flask_mail_poll_says_when_no_server_is_configured(runner):
    result = runner.invoke(args=["mail", "poll"])

    assert result.exit_code != 0
    assert "MAIL_IMAP_HOST is not set" in result.output


def test_the_scheduler_polls_mail_only_when_an_imap_server_is_configured(
    migrated_url,
):
    def job_ids(**overrides) -> list[str]:
        app = create_app(
            TestingConfig,
            overrides={"SQLALCHEMY_DATABASE_URI": migrated_url, **overrides},
        )
        return [job.id for job in scheduled_jobs(app)]

    assert "mail-poll" not in job_ids()
    assert "mail-poll" in job_ids(MAIL_IMAP_HOST="imap.example.test")


# --- the quarantine page ------------------------------------------------------------


def _quarantine_some(app, n: int, clock) -> list[tuple[int, bytes]]:
    """``n`` malformed messages from s0@, s1@ ... a minute apart: (id, raw)."""
    rows = []
    for i in range(n):
        clock.advance(minutes=1)
        raw = corpus.malformed(sender=f"s{i}@example.org")
        rows.append((ingest(app, raw).quarantine_id, raw))
    return rows


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CUSTOMER, 403),
        (Role.LINE1, 403),
        (Role.LINE2, 403),
        (Role.LINE3, 403),
        (Role.MANAGER, 403),
        (Role.ADMIN, 200),
    ],
    ids=lambda v: v.value if isinstance(v, Role) else str(v),
)
def test_only_admins_see_the_quarantine(app, client, given, login, clock, role, status):
    [(quarantine_id, _raw)] = _quarantine_some(app, 1, clock)
    login(given(make_user, role=role))

    for path in (
        "/admin/mail/quarantine",
        f"/admin/mail/quarantine/{quarantine_id}/raw",
    ):
        assert client.get(path).status_code == status, path


def test_anonymous_visitors_are_sent_to_the_login_page(app, client, clock):
    [(quarantine_id, _raw)] = _quarantine_some(app, 1, clock)

    for path in (
        "/admin/mail/quarantine",
        f"/admin/mail/quarantine/{quarantine_id}/raw",
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_the_quarantine_lists_newest_first_in_pages_and_gives_the_raw_message(
    app, client, given, login, clock, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    rows = _quarantine_some(app, 3, clock)
    login(given(make_user, role=Role.ADMIN))

    first = client.get("/admin/mail/quarantine").get_data(as_text=True)
    assert first.index("s2@example.org") < first.index("s1@example.org")
    assert "s0@example.org" not in first
    assert "Malformed" in first and "Logs attached" in first
    cursor = first.split("cursor=")[1].split('"')[0]
    second = client.get(f"/admin/mail/quarantine?cursor={cursor}").get_data(
        as_text=True
    )
    assert "s0@example.org" in second and "s1@example.org" not in second

    quarantine_id, raw = rows[0]
    download = client.get(f"/admin/mail/quarantine/{quarantine_id}/raw")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data == raw


def test_admins_reach_the_quarantine_from_the_navigation(client, given, login):
    login(given(make_user, role=Role.ADMIN))

    page = client.get("/admin/users").get_data(as_text=True)

    assert 'href="/admin/mail/quarantine"' in page


def test_an_unknown_quarantine_id_is_404(client, given, login):
    login(given(make_user, role=Role.ADMIN))

    assert client.get("/admin/mail/quarantine/999/raw").status_code == 404


# --- schema ---------------------------------------------------------------------------


def test_the_migrations_match_the_inbound_models(app):
    include_name = app.extensions["migrate"].configure_args.get("include_name")
    opts = {"compare_type": True}
    if include_name is not None:
        opts["include_name"] = include_name
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=opts)
        diffs = compare_metadata(context, db.metadata)
    assert [d for d in diffs if "inbound_" in repr(d)] == []


def test_attachments_of_a_reply_go_on_the_ticket(app, setup, clock):
    ticket = waiting_ticket(app, clock, setup.ann, with_policy=False)
    raw = corpus.with_attachments(
        sender=ANN,
        subject=f"Re: [{ticket.number}] log",
        files=[("printer.log", "text/plain", b"E42\n")],
    )

    ingest(app, raw)

    assert count(app, Attachment, Attachment.ticket_id == ticket.id) == 2
