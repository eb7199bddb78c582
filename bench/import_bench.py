"""Import benchmark: N legacy tickets with comments from one CSV file.

A fresh SQLite file (the real Alembic migrations) gets 2,000 customers, 30
agents, five categories and three SLA policies on a working-hours calendar.
A CSV of N tickets is generated (three comments each: the customer's message,
an agent's internal note, the agent's public reply; 70 % closed, 15 %
resolved, 15 % new/open/pending; created over two years), then imported
through ``helpdesk.imports.service.run_import`` exactly as ``flask import
tickets`` does: the validation pass, the write pass (tickets, comments,
timeline, legacy ids, SLA clocks from the original dates) and one commit.

    .venv/bin/python bench/import_bench.py                    # 100,000 tickets
    .venv/bin/python bench/import_bench.py --tickets 10000    # quicker

Figures on the reference machine: bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from config import TestingConfig  # noqa: E402
from helpdesk.clock import FrozenClock  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.imports.kinds import get_kind  # noqa: E402
from helpdesk.imports.service import run_import  # noqa: E402
from helpdesk.models import Category, Comment, Ticket, TicketEvent, User  # noqa: E402
from helpdesk.organisations.models import Organisation  # noqa: E402
from helpdesk.outbox.models import OutboxMessage  # noqa: E402
from helpdesk.vocabulary import Role  # noqa: E402
from sla.models import BusinessCalendar, SlaClock, SlaPolicy, WorkingInterval  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CUSTOMERS = 2000
AGENTS = 30
CATEGORIES = ("access", "hardware", "network", "mail", "1c")
HEADERS = [
    "external_id", "number", "subject", "description", "status", "priority",
    "category", "channel", "line", "requester", "assignee", "created_at",
    "resolved_at", "closed_at", "tags", "comments",
]  # fmt: skip


def seed() -> None:
    at = NOW - timedelta(days=800)
    orgs = [
        Organisation(
            name=f"ООО Ромашка {n}",
            name_key=f"ооо ромашка {n}",
            created_at=at,
            updated_at=at,
        )
        for n in range(50)
    ]
    users = [
        User(email=f"c{i}@example.com", name=f"Клиент {i}", role=Role.CUSTOMER,
             organisation=orgs[i % 50], created_at=at)
        for i in range(CUSTOMERS)
    ] + [
        User(email=f"a{i}@example.com", name=f"Агент {i}", role=(Role.LINE1, Role.LINE2, Role.LINE3)[i % 3], created_at=at)
        for i in range(AGENTS)
    ]  # fmt: skip
    db.session.add_all(users)
    db.session.add_all(Category(code=c, name_en=c, name_ru=c) for c in CATEGORIES)
    calendar = BusinessCalendar(name="Office", timezone="Europe/Moscow")
    calendar.intervals = [
        WorkingInterval(weekday=d, start_minute=540, end_minute=1080) for d in range(5)
    ]
    db.session.add(calendar)
    for position, (name, priorities, first, resolution) in enumerate(
        [
            ("Critical", ["P1"], 30, 240),
            ("High", ["P2"], 60, 480),
            ("Standard", [], 240, 1440),
        ]
    ):
        db.session.add(SlaPolicy(
            name=name, position=position, calendar=calendar, conditions={"priority": priorities} if priorities else {},
            first_response_minutes=first, resolution_minutes=resolution,
        ))  # fmt: skip
    db.session.commit()


def write_file(path: Path, n: int, rng: random.Random) -> None:
    start = NOW - timedelta(days=730)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for i in range(n):
            created = start + timedelta(
                seconds=int(730 * 86400 * i / n) + rng.randrange(600)
            )
            roll = rng.random()
            status = (
                "closed"
                if roll < 0.70
                else "resolved"
                if roll < 0.85
                else rng.choice(["new", "open", "pending"])
            )
            customer, agent = (
                f"c{rng.randrange(CUSTOMERS)}@example.com",
                f"a{rng.randrange(AGENTS)}@example.com",
            )
            reply = created + timedelta(minutes=rng.randrange(5, 600))
            comments = [
                {"author": customer, "created_at": _iso(created + timedelta(minutes=2)), "body": "Уточнение: ошибка повторяется каждый день."},
                {"author": agent, "created_at": _iso(created + timedelta(minutes=4)), "body": "Проверяю журнал.", "internal": True},
                {"author": agent, "created_at": _iso(reply), "body": "Перезапустите службу печати, пожалуйста."},
            ]  # fmt: skip
            done = reply + timedelta(minutes=rng.randrange(10, 3000))
            resolved = _iso(done) if status in ("closed", "resolved") else ""
            writer.writerow([
                f"OLD-{i + 1}", str(i + 1), f"Не печатает принтер №{i}", "Принтер пишет «замятие бумаги».",
                status, rng.choice(["P1", "P2", "P3", "P3", "P4"]), rng.choice(CATEGORIES), "email",
                rng.choice([1, 1, 1, 2, 3]), customer, agent, _iso(created), resolved,
                _iso(done + timedelta(days=1)) if status == "closed" else "", "legacy",
                json.dumps(comments, ensure_ascii=False),
            ])  # fmt: skip


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and file"
    )
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    db_path = RESULTS / f"import_{args.tickets}.sqlite3"
    csv_path = RESULTS / f"import_{args.tickets}.csv"
    for path in (db_path, csv_path):
        path.unlink(missing_ok=True)
    app = create_app(
        TestingConfig, overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}"}
    )
    app.extensions["clock"] = FrozenClock(NOW)
    with app.app_context():
        flask_migrate.upgrade()
        seed()
        started = time.perf_counter()
        write_file(csv_path, args.tickets, random.Random(20))
        print(
            f"file: {csv_path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s"
        )
        done = [0]

        def progress(rows: int) -> None:
            if rows - done[0] >= 10_000 or rows == args.tickets:
                done[0] = rows
                print(
                    f"  {rows} rows written at {time.perf_counter() - started:.0f} s",
                    flush=True,
                )

        started = time.perf_counter()
        cpu_started = _cpu_seconds()
        result = run_import(
            get_kind("tickets"), csv_path.read_bytes(), csv_path.name, mapping=None,
            strict=True, actor=None, now=NOW, progress=progress,
        )  # fmt: skip
        db.session.commit()
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_started
        figures = {
            "tickets": args.tickets,
            "seconds": round(seconds, 1),
            # What the import cost this process: the wall time on a machine
            # shared with other jobs is that divided by the share it got.
            "cpu_seconds": round(cpu, 1),
            "cpu_ms_per_ticket": round(1000 * cpu / args.tickets, 2),
            "tickets_per_second": round(args.tickets / seconds),
            "bad_rows": result.report.bad_rows,
            "rows": {m.__tablename__: count(m) for m in (Ticket, Comment, TicketEvent, SlaClock, OutboxMessage)},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }  # fmt: skip
        db.engine.dispose()
    print(json.dumps(figures, indent=2))
    (RESULTS / f"import_{args.tickets}.json").write_text(json.dumps(figures, indent=2))
    if not args.keep:
        for path in (db_path, csv_path):
            path.unlink(missing_ok=True)
    ok = figures["bad_rows"] == 0 and figures["rows"]["outbox_messages"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
