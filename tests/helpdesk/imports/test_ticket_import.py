"""Tickets from a legacy XLSX file: their numbers, dates, people and
comments kept, their SLA clocks computed from their own dates, and nobody
notified of history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.imports import refs
from helpdesk.models import Comment, Ticket, TicketEvent
from helpdesk.outbox.models import OutboxMessage
from helpdesk.vocabulary import Role, TicketStatus
from sla.models import SlaClock, Target
from tests.builders import make_category, make_ticket, make_user
from tests.helpdesk.imports.files import TICKET_HEADERS, comments, write_xlsx
from tests.sla.builders import make_calendar, make_policy


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def world(given):
    given(make_category, "hardware")
    given(make_user, email="ivan@example.test", name="Иван")
    given(make_user, email="agent@example.test", role=Role.LINE1)
    given(make_ticket)  # holds id 1: a legacy "1" cannot be ours
    given(lambda: make_policy(calendar=make_calendar(always_open=True)))


def rows():
    history = comments(
        {
            "author": "ivan@example.test",
            "created_at": "2026-11-02T09:10:00Z",
            "body": "Всё ещё не печатает",
        },
        {
            "author": "agent@example.test",
            "created_at": "2026-11-02T09:20:00Z",
            "body": "Проверю",
            "internal": True,
        },
        {
            "id": "c3",
            "author": "agent@example.test",
            "created_at": "2026-11-02T09:30:00Z",
            "body": "Замените картридж",
        },
    )
    return [
        TICKET_HEADERS,
        # closed: first response met (30 min of 60), resolution breached (11 h of 8)
        [
            "OLD-1",
            "HD-000500",
            "Принтер",
            "closed",
            "P2",
            "hardware",
            "ivan@example.test",
            "agent@example.test",
            "2026-11-02T09:00:00Z",
            "2026-11-02T20:00:00Z",
            history,
        ],
        # open for 30 minutes: both clocks run
        [
            "OLD-2",
            "1",
            "VPN",
            "open",
            "P3",
            "hardware",
            "ivan@example.test",
            "",
            "2026-11-23T08:30:00Z",
            "",
            "",
        ],
        # open for three days, unanswered: both clocks breached at their due instants
        [
            "OLD-3",
            "",
            "Почта",
            "new",
            "P3",
            "HARDWARE",
            "ivan@example.test",
            "",
            datetime(2026, 11, 20, 9, 0),
            "",
            "",
        ],
        [
            "OLD-4",
            "",
            "Чужой",
            "new",
            "P3",
            "hardware",
            "ghost@example.test",
            "",
            "2026-11-20T09:00:00Z",
            "",
            "",
        ],
    ]


def test_tickets_keep_numbers_dates_people_and_comments(app, runner, world, tmp_path):
    path = write_xlsx(tmp_path / "tickets.xlsx", rows())
    result = runner.invoke(args=["import", "tickets", str(path)])
    assert "Line 5, column “requester”: No user has this e-mail." in result.output
    assert "Imported: 3 new" in result.output, result.output
    with app.app_context():
        closed = db.session.get(Ticket, 500)
        assert closed.subject == "Принтер" and closed.status == TicketStatus.CLOSED
        assert closed.created_at == at("2026-11-02T09:00:00")
        assert closed.resolved_at == at("2026-11-02T20:00:00")
        assert closed.assignee.email == "agent@example.test"
        bodies = db.session.scalars(
            sa.select(Comment)
            .where(Comment.ticket_id == 500)
            .order_by(Comment.created_at)
        )
        assert [(c.author.email, c.internal) for c in bodies] == [
            ("ivan@example.test", False),
            ("agent@example.test", True),
            ("agent@example.test", False),
        ]
        # "1" was taken: the ticket got our number, the old one finds it.
        [moved] = refs.ids_by_legacy_number("1")
        assert moved not in (1, 500)
        assert db.session.get(Ticket, moved).subject == "VPN"


def clocks(app) -> dict:
    with app.app_context():
        rows = db.session.scalars(sa.select(SlaClock).order_by(SlaClock.id))
        return {(c.ticket.subject, c.target): (c.state, c.due_at) for c in rows}


def test_clocks_are_computed_from_the_original_dates(app, runner, world, tmp_path):
    runner.invoke(
        args=["import", "tickets", str(write_xlsx(tmp_path / "t.xlsx", rows()))]
    )
    assert clocks(app) == {
        ("Принтер", Target.FIRST_RESPONSE): ("met", None),
        ("Принтер", Target.RESOLUTION): ("breached", None),
        ("VPN", Target.FIRST_RESPONSE): ("running", at("2026-11-23T09:30:00")),
        ("VPN", Target.RESOLUTION): ("running", at("2026-11-23T16:30:00")),
        ("Почта", Target.FIRST_RESPONSE): ("breached", at("2026-11-20T10:00:00")),
        ("Почта", Target.RESOLUTION): ("breached", at("2026-11-20T17:00:00")),
    }
    with app.app_context():
        breach = db.session.scalar(
            sa.select(SlaClock).where(
                SlaClock.ticket_id == 500, SlaClock.target == Target.RESOLUTION
            )
        )
        assert breach.breached_at == at("2026-11-02T17:00:00")
        assert breach.spent_seconds == 11 * 3600
        assert db.session.get(Ticket, 500).due_at is None


def test_no_notification_is_sent_for_imported_history(app, runner, world, tmp_path):
    with app.app_context():
        before = db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage)
        )
    runner.invoke(
        args=["import", "tickets", str(write_xlsx(tmp_path / "t.xlsx", rows()))]
    )
    with app.app_context():
        after = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert after == before


def counts(app) -> tuple:
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Ticket, Comment, SlaClock, TicketEvent)
        )


def test_re_importing_tickets_updates_them_and_adds_nothing_twice(
    app, runner, world, tmp_path
):
    path = write_xlsx(tmp_path / "t.xlsx", rows())
    runner.invoke(args=["import", "tickets", str(path)])
    first = counts(app)
    changed = rows()
    changed[2][3] = "resolved"
    changed[2][9] = "2026-11-23T08:50:00Z"
    result = runner.invoke(args=["import", "tickets", str(write_xlsx(path, changed))])
    assert "Imported: 0 new, 3 updated" in result.output, result.output
    assert counts(app)[:3] == first[:3]
    assert clocks(app)[("VPN", Target.RESOLUTION)] == ("met", None)


def test_the_queue_finds_a_ticket_by_its_legacy_number(
    app, client, runner, world, given, login, tmp_path
):
    runner.invoke(
        args=["import", "tickets", str(write_xlsx(tmp_path / "t.xlsx", rows()))]
    )
    login(given(make_user, role=Role.MANAGER))
    page = client.get("/queue?number=1&status=open").get_data(as_text=True)
    assert "VPN" in page  # the legacy "1", now under our number
    page = client.get("/queue?number=HD-000500&status=closed").get_data(as_text=True)
    assert "Принтер" in page
    exported = client.get("/queue/export.csv?number=1&status=open").get_data(
        as_text=True
    )
    assert ",1,VPN," in exported  # the legacy number column


def test_the_api_lists_tickets_by_legacy_number(
    app, client, runner, world, given, bearer, tmp_path
):
    runner.invoke(
        args=["import", "tickets", str(write_xlsx(tmp_path / "t.xlsx", rows()))]
    )
    headers = bearer(given(make_user, role=Role.MANAGER))
    listed = client.get("/api/v1/tickets?number=1&status=open", headers=headers).json
    assert [t["subject"] for t in listed["items"]] == ["VPN"]


def test_a_bad_comment_names_its_place_in_the_list(app, runner, world, tmp_path):
    bad = rows()[:2]
    bad[1][10] = comments(
        {"author": "ivan@example.test", "created_at": "вчера", "body": "x"}
    )
    result = runner.invoke(
        args=[
            "import",
            "tickets",
            str(write_xlsx(tmp_path / "t.xlsx", bad)),
            "--locale",
            "ru",
        ]
    )
    assert (
        "Строка 2, столбец «comments»: Комментарий 1, created_at: Это не дата и время"
        in result.output
    )


def test_imported_clocks_count_in_the_dashboard_roll_ups(app, runner, world, tmp_path):
    from sla.models import SlaDailyCompliance, SlaDailyTimes, SlaDailyValues
    from sla.service import rollups
    from tests.sla.test_rollups import rows as rollup_rows

    path = write_xlsx(tmp_path / "t.xlsx", rows())
    tables = (SlaDailyCompliance, SlaDailyTimes, SlaDailyValues)
    for _run in ("first import", "re-import"):
        runner.invoke(args=["import", "tickets", str(path)])
        with app.app_context():
            kept = [rollup_rows(model) for model in tables]
            rollups.rebuild()
            assert [rollup_rows(model) for model in tables] == kept
            assert kept[0]  # the imported history decided some clocks
            db.session.rollback()
