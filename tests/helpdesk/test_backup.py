"""Backups: a real copy of the test database (SQLite, or PostgreSQL with
``HELPDESK_TEST_DB=postgresql``) made while a thread writes tickets, checked
and restored; retention and the daily job."""

from __future__ import annotations

import io
import json
import tarfile
import threading

import pytest
import sqlalchemy as sa

from helpdesk.audit import AuditEntry
from helpdesk.backup import archive
from helpdesk.backup.jobs import backup_job
from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.vocabulary import Role
from tests.builders import make_attachment, make_comment, make_ticket, make_user
from tests.sla.builders import make_policy

TABLES = ("tickets", "comments", "ticket_events", "sla_clocks", "attachments")
# The rows of each ticket's history, by the column that names the ticket.
CHILDREN = ("comments", "ticket_events", "sla_clocks", "attachments")


@pytest.fixture
def backups(app, tmp_path, monkeypatch):
    folder = tmp_path / "backups"
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(folder))
    return folder


def _arrange(app) -> dict:
    with app.app_context():
        make_policy()
        customer = make_user()
        agent = make_user(role=Role.LINE1)
        for n in range(5):
            ticket = make_ticket(requester=customer, subject=f"Ticket {n}")
            make_comment(ticket, author=agent, body=f"Reply {n}")
            make_comment(ticket, author=agent, body="Note", internal=True)
            make_attachment(
                ticket,
                uploader=customer,
                filename=f"f{n}.bin",
                content=bytes(range(256)) * (n + 1),
            )
        db.session.commit()
        return {"customer": customer.id}


def _rows(app) -> dict[str, dict[int, tuple]]:
    """Every row of the compared tables, by id, all columns (contents too)."""
    with app.app_context():
        rows = {}
        for name in TABLES:
            table = sa.Table(name, sa.MetaData(), autoload_with=db.engine)
            rows[name] = {
                row.id: tuple(row) for row in db.session.execute(sa.select(table))
            }
        db.session.remove()
    return rows


class TicketWriter(threading.Thread):
    """Opens tickets (with their events and SLA clocks) one transaction each
    until stopped; ``started`` is set after the first commit."""

    def __init__(self, app, requester_id: int) -> None:
        super().__init__(daemon=True)
        self.app, self.requester_id = app, requester_id
        self.started, self.stop = threading.Event(), threading.Event()
        self.written, self.error = 0, None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                with self.app.app_context():
                    make_ticket(
                        requester=db.session.get(User, self.requester_id),
                        subject=f"Written during the backup {self.written}",
                    )
                    db.session.commit()
                self.written += 1
                self.started.set()
        except BaseException as exc:  # reported by the test
            self.error = exc
            self.started.set()


def test_a_backup_made_while_tickets_are_written_restores_every_row(
    app, runner, backups
):
    ids = _arrange(app)
    before = _rows(app)
    writer = TicketWriter(app, ids["customer"])
    writer.start()
    assert writer.started.wait(60), "the writer never committed"
    try:
        created = runner.invoke(args=["backup", "create"])
    finally:
        writer.stop.set()
        writer.join(60)
    assert writer.error is None, writer.error
    assert created.exit_code == 0, created.output
    [backup] = archive.list_backups(backups)
    manifest = archive.read_manifest(backup.path)
    assert manifest["attachments"]["count"] == 5
    verified = runner.invoke(args=["backup", "verify", backup.name])
    assert verified.exit_code == 0, verified.output
    live = _rows(app)
    assert len(live["tickets"]) > len(before["tickets"])

    refused = runner.invoke(args=["backup", "restore", str(backup.path)])
    assert refused.exit_code != 0
    assert "--force" in refused.output and "tickets" in refused.output
    assert _rows(app) == live

    restored_run = runner.invoke(args=["backup", "restore", "--force", backup.name])
    assert restored_run.exit_code == 0, restored_run.output
    restored = _rows(app)
    with app.app_context():
        logged = db.session.scalars(
            sa.select(AuditEntry.action).order_by(AuditEntry.id)
        ).all()
        db.session.remove()
    # The restored log: the copy's own entries, then the restore itself.
    assert logged[-1] == "backup.restored" and "backup.created" not in logged

    # The snapshot's counts are the manifest's, and every arranged row is back.
    for name in TABLES:
        assert len(restored[name]) == manifest["tables"][name], name
        assert before[name].items() <= restored[name].items(), name
        # Rows of the snapshot equal the live rows they were copied from.
        assert restored[name].items() <= live[name].items(), name
    # One instant: each ticket in the copy has its whole history, and no
    # history row belongs to a ticket the copy lacks.
    for name in CHILDREN:
        column = _ticket_column(app, name)
        kept = {
            i for i, row in live[name].items() if row[column] in restored["tickets"]
        }
        assert set(restored[name]) == kept, name


def _ticket_column(app, name: str) -> int:
    with app.app_context():
        table = sa.Table(name, sa.MetaData(), autoload_with=db.engine)
        return [c.name for c in table.c].index("ticket_id")


def _rewrite(path, manifest=None, database=None) -> None:
    """Rewrite an archive with another manifest or database bytes."""
    with tarfile.open(path) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    if manifest is not None:
        members[archive.MANIFEST] = json.dumps(manifest).encode()
    name = next(n for n in members if n != archive.MANIFEST)
    if database is not None:
        members[name] = database(members[name])
    with tarfile.open(path, "w") as tar:
        for member_name in (archive.MANIFEST, name):
            info = tarfile.TarInfo(member_name)
            info.size = len(members[member_name])
            tar.addfile(info, io.BytesIO(members[member_name]))


def test_verify_names_what_is_wrong_with_a_damaged_backup(app, runner, backups):
    _arrange(app)
    assert runner.invoke(args=["backup", "create"]).exit_code == 0
    [backup] = archive.list_backups(backups)
    manifest = archive.read_manifest(backup.path)

    wrong_counts = manifest | {"tables": manifest["tables"] | {"tickets": 99}}
    _rewrite(backup.path, manifest=wrong_counts)
    result = runner.invoke(args=["backup", "verify", str(backup.path)])
    assert result.exit_code == 1
    assert "tickets: manifest 99 rows, copy 5" in result.output

    _rewrite(
        backup.path, manifest=manifest, database=lambda raw: raw[:-100] + b"x" * 100
    )
    result = runner.invoke(args=["backup", "verify", str(backup.path)])
    assert result.exit_code == 1
    assert "differs from its checksum" in result.output
    restore = runner.invoke(args=["backup", "restore", "--force", str(backup.path)])
    assert restore.exit_code == 1 and "nothing restored" in restore.output


def test_the_daily_job_backs_up_once_a_day_and_keeps_the_newest(
    app, clock, backups, monkeypatch
):
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 2)
    _arrange(app)
    names = []
    for _day in range(4):
        names.append(backup_job(app))
        assert backup_job(app) is None  # not due again the same day
        clock.advance(hours=12)
        assert backup_job(app) is None
        clock.advance(hours=12)
    kept = [b.name for b in archive.list_backups(backups)]
    assert kept == [names[3], names[2]]


def test_two_backups_in_one_second_get_distinct_names(app, runner, backups):
    for _ in range(3):
        assert runner.invoke(args=["backup", "create"]).exit_code == 0
    listed = runner.invoke(args=["backup", "list"])
    names = [line.split("\t")[0] for line in listed.output.splitlines()]
    assert names == [
        "helpdesk-20261123T090000Z.2.tar",
        "helpdesk-20261123T090000Z.1.tar",
        "helpdesk-20261123T090000Z.tar",
    ]


def test_the_operations_page_shows_the_last_backups_age_and_size(
    app, runner, backups, clock, client, given, login
):
    admin = given(make_user, role=Role.ADMIN)
    login(admin)
    page = client.get("/admin/operations").get_data(as_text=True)
    assert "No backup yet." in page
    assert runner.invoke(args=["backup", "create"]).exit_code == 0
    clock.advance(hours=5)
    [backup] = archive.list_backups(backups)
    page = client.get("/admin/operations").get_data(as_text=True)
    n = backup.size_bytes
    size = f"{round(n / 1024, 1)} KB" if n < 1024**2 else f"{round(n / 1024**2, 1)} MB"
    assert f"Last backup: 5 h ago, {size}" in page
    assert backup.name in page
