"""Queue benchmark: list_tickets, /queue and /api/v1/tickets at N tickets.

Builds a fresh SQLite file with the real Alembic migrations, bulk-seeds N
tickets with a realistic distribution (Core executemany, not the service),
then times the agents' queues in-process and over HTTP (Flask test client)
and prints ``EXPLAIN QUERY PLAN`` for every query it timed.

    .venv/bin/python bench/queue_bench.py --tickets 10000
    .venv/bin/python bench/queue_bench.py --keep               # 1,000,000
    .venv/bin/python bench/queue_bench.py --reuse --analyze    # same file, ANALYZEd

See bench/README.md for the figures measured on the reference machine.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from common import TICKET_COLUMNS, datetime_storer, percentile  # noqa: E402

from app import create_app  # noqa: E402
from config import TestingConfig  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.models import Category, Ticket, User  # noqa: E402
from helpdesk.pagination import encode_cursor  # noqa: E402
from helpdesk.service import accounts, queries  # noqa: E402
from helpdesk.vocabulary import ACTIVE_STATUSES, Role  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "bench-password"
AGENT_EMAIL = "bench.line1@example.com"
MANAGER_EMAIL = "bench.manager@example.com"
ACTIVE = sorted(ACTIVE_STATUSES)  # what /queue puts in the filter by default
QUEUE_LIMIT = 26  # PAGE_SIZE + 1, as the view asks
TARGET_P95_MS = 50.0

CUSTOMERS = 2000
AGENTS_PER_LINE = {1: 15, 2: 10, 3: 5}  # 30 agents
LINE_WEIGHTS = [60, 30, 10]
CATEGORIES = [
    ("access", "Access and passwords"),
    ("hardware", "Hardware"),
    ("software", "Software"),
    ("network", "Network"),
    ("email", "E-mail"),
    ("billing", "Billing"),
    ("other", "Other"),
]
SUBJECTS = [
    "Cannot log in",
    "Printer does not print",
    "VPN drops every hour",
    "Invoice shows the wrong amount",
    "Mailbox is full",
    "Laptop will not start",
    "Need access to the shared drive",
    "Application crashes on save",
    "Slow network on the 3rd floor",
    "Password reset link expired",
]
DESCRIPTION = (
    "Since this morning the problem happens every time I try. I restarted the "
    "computer and cleared the browser cache, it did not help. Please call me back."
)


# --- seeding ----------------------------------------------------------------


def seed(app, n_tickets: int, *, with_events: bool, seed_value: int) -> dict[str, int]:
    rng = random.Random(seed_value)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=3 * 365)
    with app.app_context():
        # The users the benchmark logs in as go through the real service.
        agent = accounts.create_user(
            {
                "email": AGENT_EMAIL,
                "name": "Bench Line1",
                "role": Role.LINE1,
                "password": PASSWORD,
            },
            now=now,
        )
        manager = accounts.create_user(
            {
                "email": MANAGER_EMAIL,
                "name": "Bench Manager",
                "role": Role.MANAGER,
                "password": PASSWORD,
            },
            now=now,
        )
        db.session.commit()
        assert agent.id and manager.id

        db.session.execute(
            sa.insert(Category),
            [
                {"code": code, "name_en": name, "name_ru": name, "active": True}
                for code, name in CATEGORIES
            ],
        )
        users = []
        for line, count in AGENTS_PER_LINE.items():
            role = {1: Role.LINE1, 2: Role.LINE2, 3: Role.LINE3}[line]
            # The bench line-1 agent is one of the 15 line-1 agents.
            for i in range(count - (1 if line == 1 else 0)):
                users.append(
                    {
                        "email": f"agent{line}.{i}@example.com",
                        "name": f"Agent {line}.{i}",
                        "role": role,
                        "timezone": "UTC",
                        "active": True,
                        "created_at": start,
                    }
                )
        for i in range(CUSTOMERS):
            users.append(
                {
                    "email": f"customer{i}@example.com",
                    "name": f"Customer {i}",
                    "phone": f"+7495{i:07d}",
                    "role": Role.CUSTOMER,
                    "timezone": "UTC",
                    "active": True,
                    "created_at": start,
                }
            )
        db.session.execute(sa.insert(User), users)
        db.session.commit()
        rows = db.session.execute(sa.select(User.id, User.role)).all()
        agents_by_line = {
            line: [uid for uid, role in rows if role == r]
            for line, r in ((1, Role.LINE1), (2, Role.LINE2), (3, Role.LINE3))
        }
        customers = [uid for uid, role in rows if role == Role.CUSTOMER]
        category_ids = list(db.session.scalars(sa.select(Category.id)))

        store = datetime_storer(db.engine.dialect)
        columns = TICKET_COLUMNS
        ticket_sql = (
            f"INSERT INTO tickets ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        event_sql = (
            "INSERT INTO ticket_events "
            "(ticket_id, actor_id, kind, data, internal, created_at) "
            "VALUES (?, ?, 'created', ?, 0, ?)"
        )
        span = (now - start).total_seconds()
        chunk = 50_000
        counts: dict[str, int] = {}
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-262144")  # 256 MB while seeding
            for first in range(1, n_tickets + 1, chunk):
                tickets, events = [], []
                for tid in range(first, min(first + chunk, n_tickets + 1)):
                    frac = tid / n_tickets
                    created = start + timedelta(seconds=span * frac)
                    # Newest fifth: mostly still being worked on; older: a few
                    # stragglers left active (overall ~15% active).
                    p_active = 0.7 if frac > 0.8 else 0.0125
                    line = rng.choices((1, 2, 3), LINE_WEIGHTS)[0]
                    resolved = closed = None
                    if rng.random() < p_active:
                        status = rng.choices(
                            ("new", "open", "pending", "reopened"), (25, 40, 20, 15)
                        )[0]
                        assigned = rng.random() < 0.5
                        updated = min(
                            now, created + timedelta(hours=rng.uniform(0, 240))
                        )
                    else:
                        closed_share = 0.5 if frac > 0.9 else 0.95
                        status = "closed" if rng.random() < closed_share else "resolved"
                        assigned = rng.random() < 0.9
                        resolved = min(
                            now, created + timedelta(hours=rng.uniform(1, 240))
                        )
                        updated = resolved
                        if status == "closed":
                            closed = updated = min(now, resolved + timedelta(days=7))
                    counts[status] = counts.get(status, 0) + 1
                    requester = customers[int(CUSTOMERS * rng.random() ** 2)]
                    channel = rng.choices(
                        ("web", "phone", "api", "email"), (50, 30, 10, 10)
                    )[0]
                    priority = rng.choices(("P1", "P2", "P3", "P4"), (5, 15, 60, 20))[0]
                    tickets.append(
                        (
                            tid,
                            f"{rng.choice(SUBJECTS)} #{tid}",
                            DESCRIPTION,
                            status,
                            priority,
                            channel,
                            line,
                            rng.choice(category_ids),
                            requester,
                            rng.choice(agents_by_line[line]) if assigned else None,
                            store(created),
                            store(updated),
                            store(resolved),
                            store(closed),
                        )
                    )
                    if with_events:
                        events.append(
                            (
                                tid,
                                requester,
                                json.dumps({"channel": channel, "priority": priority}),
                                store(created),
                            )
                        )
                cur.executemany(ticket_sql, tickets)
                if events:
                    cur.executemany(event_sql, events)
                raw.commit()
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
        finally:
            raw.close()
        db.session.remove()
    return counts


def probe_info(app) -> dict:
    """Ids of the users the scenarios act as, and the keyset cursors."""
    with app.app_context():

        def user_id(where) -> int:
            return db.session.scalar(sa.select(sa.func.min(User.id)).where(where))

        info = {
            "agent_id": user_id(User.email == AGENT_EMAIL),
            "manager_id": user_id(User.email == MANAGER_EMAIL),
            "line2_agent_id": user_id(User.role == Role.LINE2),
            "line3_id": user_id(User.role == Role.LINE3),
        }
        # The customer with the most tickets and a median one.
        per_customer = db.session.execute(
            sa.select(Ticket.requester_id, sa.func.count())
            .group_by(Ticket.requester_id)
            .order_by(sa.func.count().desc(), Ticket.requester_id)
        ).all()
        info["busiest_customer"] = tuple(per_customer[0])
        info["median_customer"] = tuple(per_customer[len(per_customer) // 2])
        info["busiest_id"] = info["busiest_customer"][0]
        info["median_id"] = info["median_customer"][0]
        agent = db.session.get(User, info["agent_id"])
        info["after_ids"] = keyset_after_ids(agent, {"status": ACTIVE, "line": 1}, 5)
        db.session.remove()
    return info


def check_datetime_storage(app) -> str:
    """Prove the bulk-inserted text reads back as the ORM would store it."""
    with app.app_context():
        ticket = db.session.get(Ticket, 1)
        raw_value = db.session.execute(
            sa.text("SELECT created_at FROM tickets WHERE id = 1")
        ).scalar_one()
        assert ticket.created_at.tzinfo is not None
        again = datetime_storer(db.engine.dialect)(ticket.created_at)
        assert again == raw_value, (again, raw_value)
        db.session.remove()
        return f"created_at stored as {raw_value!r}, read back {ticket.created_at}"


# --- measuring --------------------------------------------------------------


class StatementLog:
    """Counts statements and keeps the SELECTs on tickets while active."""

    def __init__(self, engine) -> None:
        self.active = False
        self.count = 0
        self.selects: list[tuple[str, object]] = []
        sa.event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, _conn, _cursor, statement, parameters, _context, _many):
        if not self.active:
            return
        self.count += 1
        if statement.lstrip().upper().startswith("SELECT") and "tickets" in statement:
            self.selects.append((statement, parameters))

    def start(self) -> None:
        self.active, self.count, self.selects = True, 0, []

    def stop(self) -> None:
        self.active = False


def timed(
    fn: Callable[[], object], *, reps: int, max_seconds: float, warmup: int = 3
) -> dict:
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    deadline = time.perf_counter() + max_seconds
    while len(samples) < reps and (len(samples) < 20 or time.perf_counter() < deadline):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {
        "n": len(samples),
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "max": samples[-1],
    }


def explain(statement: str, parameters) -> list[str]:
    """EXPLAIN QUERY PLAN as an indented tree."""
    conn = db.session.connection()
    plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    depth: dict[int, int] = {0: -1}
    lines = []
    for node_id, parent, _unused, detail in plan:
        depth[node_id] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node_id] + detail)
    return lines


def keyset_after_ids(actor, filters: dict, pages: int) -> list[int | None]:
    """after_id for pages 1..pages, walking the queue as the view does."""
    after: list[int | None] = [None]
    for _ in range(pages - 1):
        rows = queries.list_tickets(
            actor, dict(filters), after_id=after[-1], limit=QUEUE_LIMIT
        )
        # The view shows 25 rows and puts the 25th id in the cursor.
        after.append(rows[QUEUE_LIMIT - 2].id if len(rows) == QUEUE_LIMIT else None)
    db.session.close()
    return after


def scenarios(info: dict) -> list[tuple[str, str, dict, int | None, str]]:
    """(name, actor key, filters, after_id, kind); kind: queue, customer, probe."""
    queue = {"status": ACTIVE, "line": 1}
    rows = [
        ("line-1 agent queue (line=1, active)", "agent", queue, None, "queue"),
        (
            "line-3 agent queue (line=3, active)",
            "line3",
            {**queue, "line": 3},
            None,
            "queue",
        ),
        (
            "assigned to me (line=1, active, me)",
            "agent",
            {**queue, "assignee_id": info["agent_id"]},
            None,
            "queue",
        ),
        (
            "unassigned (line=1, active, nobody)",
            "agent",
            {**queue, "assignee_id": 0},
            None,
            "queue",
        ),
        (
            f"customer's own (busiest, {info['busiest_customer'][1]} t.)",
            "busiest",
            {},
            None,
            "customer",
        ),
        (
            f"customer's own (median, {info['median_customer'][1]} t.)",
            "median",
            {},
            None,
            "customer",
        ),
        ("manager all lines (active)", "manager", {"status": ACTIVE}, None, "queue"),
    ]
    for page_no, after_id in enumerate(info["after_ids"][1:], start=2):
        rows.append(
            (f"line-1 queue page {page_no} (keyset)", "agent", queue, after_id, "queue")
        )
    rows += [
        # Sparse filters: the cost of finding few or no rows.
        (
            "probe: line-2 agent's tickets in line 1 (none)",
            "manager",
            {**queue, "assignee_id": info["line2_agent_id"]},
            None,
            "probe",
        ),
        (
            "probe: empty queue (line=4, no rows)",
            "manager",
            {**queue, "line": 4},
            None,
            "probe",
        ),
    ]
    return rows


def measure_list(app, info, log: StatementLog, args) -> list[dict]:
    results = []
    with app.app_context():
        actors = {
            key: db.session.get(User, info[f"{key}_id"])
            for key in ("agent", "manager", "line3", "busiest", "median")
        }
        db.session.close()  # the actors stay loaded, detached
        for name, actor_key, filters, after_id, kind in scenarios(info):
            actor = actors[actor_key]

            def call(actor=actor, filters=filters, after_id=after_id):
                rows = queries.list_tickets(
                    actor, dict(filters), after_id=after_id, limit=QUEUE_LIMIT
                )
                # End the "request": the next call starts a new session and
                # loads fresh objects, as a request would.
                db.session.close()
                return rows

            log.start()
            rows = call()
            log.stop()
            selects, statements = list(log.selects), log.count
            figures = timed(call, reps=args.reps, max_seconds=args.max_seconds)
            plan = [explain(sql, params) for sql, params in selects]
            db.session.close()
            results.append(
                {
                    "name": name,
                    "kind": "in-process",
                    "target": kind,
                    "ids": [row.id for row in rows],
                    "rows": len(rows),
                    "statements": statements,
                    "sql": [sql for sql, _ in selects],
                    "plan": plan,
                    **figures,
                }
            )
            print(
                f"  {name}: p50 {figures['p50']:.2f} ms, p95 {figures['p95']:.2f} ms",
                flush=True,
            )
        db.session.remove()
    return results


def http_scenarios(app, info: dict, log: StatementLog, args) -> list[dict]:
    results = []
    web = app.test_client()
    response = web.post("/login", data={"email": AGENT_EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    api = app.test_client()
    response = api.post(
        "/api/v1/auth/token", json={"email": AGENT_EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    page5 = encode_cursor(info["after_ids"][4])
    api_url = "/api/v1/tickets?line=1&status=new,open,pending,reopened&limit=25"
    requests = [
        ("GET /queue (line-1 agent, default)", web, "/queue", {}),
        ("GET /queue?assignee=me", web, "/queue?assignee=me", {}),
        ("GET /queue page 5 (cursor)", web, f"/queue?cursor={page5}", {}),
        ("GET /api/v1/tickets line=1 active", api, api_url, headers),
        (
            "GET /api/v1/tickets line=1 active page 5",
            api,
            f"{api_url}&cursor={page5}",
            headers,
        ),
        # Any status (the API's default): a line's own index, newest first or
        # least time left first, and time left over every ticket.
        ("GET /api/v1/tickets line=1", api, "/api/v1/tickets?line=1&limit=25", headers),
        (
            "GET /api/v1/tickets line=1 sort=due",
            api,
            "/api/v1/tickets?line=1&sort=due&limit=25",
            headers,
        ),
        (
            "GET /api/v1/tickets sort=due",
            api,
            "/api/v1/tickets?sort=due&limit=25",
            headers,
        ),
    ]
    for name, client, url, hdrs in requests:

        def call(client=client, url=url, hdrs=hdrs):
            response = client.get(url, headers=hdrs)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
            return response

        log.start()
        body = call().get_data(as_text=True)
        log.stop()
        statements = log.count
        figures = timed(call, reps=args.http_reps, max_seconds=args.max_seconds)
        api = "/api/" in url
        rows = len(json.loads(body)["items"]) if api else body.count(">HD-")
        results.append(
            {
                "name": name,
                "kind": "HTTP",
                "target": "queue",
                "rows": rows,
                "statements": statements,
                "sql": [],
                "plan": [],
                **figures,
            }
        )
        print(
            f"  {name}: p50 {figures['p50']:.2f} ms, p95 {figures['p95']:.2f} ms",
            flush=True,
        )
    return results


# --- report -----------------------------------------------------------------


def verdict(result: dict) -> str:
    if result["target"] == "customer":
        return ""
    return "ok" if result["p95"] < TARGET_P95_MS else "MISSED"


def print_table(title: str, results: list[dict]) -> None:
    print()
    print(title)
    header = (
        f"{'scenario':48} {'kind':11} {'rows':>4} {'stmt':>4} {'n':>4} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  p95<50"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['name'][:48]:48} {r['kind']:11} {r['rows']:>4} {r['statements']:>4} "
            f"{r['n']:>4} {r['p50']:>8.2f} {r['p95']:>8.2f} {r['max']:>8.2f}  "
            f"{verdict(r)}"
        )


def print_plans(title: str, results: list[dict]) -> None:
    print()
    print(title)
    shown: set[str] = set()
    for r in results:
        for sql, plan in zip(r["sql"], r["plan"], strict=True):
            print()
            print(f"== {r['name']}")
            if sql not in shown:
                shown.add(sql)
                sql = re.sub(
                    r"^SELECT .*? FROM tickets",
                    "SELECT <ticket, category, requester, assignee columns> FROM tickets",
                    " ".join(sql.split()),
                )
                print("   " + sql)
            for line in plan:
                print("   | " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument(
        "--db", help="SQLite file (default: bench/results/queue_<N>.sqlite3)"
    )
    parser.add_argument("--reps", type=int, default=300, help="in-process repetitions")
    parser.add_argument("--http-reps", type=int, default=200, help="HTTP repetitions")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=10.0,
        help="time box per scenario; slow ones stop early (at least 20 repetitions)",
    )
    parser.add_argument(
        "--with-events", action="store_true", help="seed a 'created' event per ticket"
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE before measuring (the app itself never does)",
    )
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database file afterwards"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure an existing --keep database instead of seeding a new one",
    )
    args = parser.parse_args()

    RESULTS.mkdir(exist_ok=True)
    path = Path(args.db) if args.db else RESULTS / f"queue_{args.tickets}.sqlite3"
    app = create_app(
        TestingConfig, overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    )
    started = time.perf_counter()
    seed_seconds = None
    if args.reuse and path.exists():
        print(f"reusing {path}")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        t0 = time.perf_counter()
        with app.app_context():
            flask_migrate.upgrade()
            db.session.remove()
        print(f"migrated {path} in {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        counts = seed(
            app, args.tickets, with_events=args.with_events, seed_value=args.seed
        )
        seed_seconds = time.perf_counter() - t0
        print(
            f"seeded {args.tickets:,} tickets in {seed_seconds:.1f} s "
            f"({args.tickets / seed_seconds:,.0f}/s); statuses {counts}",
            flush=True,
        )
        print(check_datetime_storage(app))
    with app.app_context():
        conn = db.session.connection()
        if args.analyze:
            conn.exec_driver_sql("ANALYZE")
            print("ANALYZE done (sqlite_stat1 present)")
        else:
            conn.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat1")
        db.session.commit()
        conn = db.session.connection()
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        tickets = conn.exec_driver_sql("SELECT count(*) FROM tickets").scalar()
        db.session.commit()
        db.session.remove()
    size_mb = path.stat().st_size / 2**20
    print(f"{tickets:,} tickets, {size_mb:,.0f} MB, journal_mode={journal}", flush=True)

    info = probe_info(app)
    with app.app_context():
        log = StatementLog(db.engine)
    print("in-process list_tickets:", flush=True)
    results = measure_list(app, info, log, args)
    print("HTTP through the Flask test client:", flush=True)
    results += http_scenarios(app, info, log, args)

    stats = "with ANALYZE" if args.analyze else "no ANALYZE"
    print_table(f"Figures at {tickets:,} tickets (SQLite WAL, {stats})", results)
    print_plans("EXPLAIN QUERY PLAN of each list_tickets query", results)

    report = RESULTS / f"queue_{tickets}{'_analyze' if args.analyze else ''}.json"
    report.write_text(
        json.dumps(
            {
                "tickets": tickets,
                "analyze": args.analyze,
                "seed_seconds": seed_seconds,
                "db_mb": size_mb,
                "info": info,
                "results": results,
            },
            indent=1,
            default=str,
        )
    )
    with app.app_context():
        db.engine.dispose()
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"\nwrote {report}; total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
