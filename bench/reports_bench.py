"""Reports benchmark: every managers' report over a year at N tickets.

A fresh SQLite file (the real Alembic migrations), N tickets spread over the
last year with their SLA clocks (``sla_bench``'s seeding), and a timeline as
the services would have written it: registration, an agent's first reply,
line moves for the escalated ones, the resolution; ratings for a fifth of the
resolved tickets; deflections and article links. All bulk inserted (Core
executemany), then the roll-ups counted once (``flask reports rollups
--rebuild`` does the same) for the manager's time zone, as the scheduler's
``reports-rollup`` job keeps them. Then each report's API and page over the
last 365 local days, through the Flask test client, as a manager in
Europe/Moscow: p50/p95 per report, statements per request.

    .venv/bin/python bench/reports_bench.py                    # 1,000,000 tickets
    .venv/bin/python bench/reports_bench.py --tickets 20000    # smaller, quicker
    .venv/bin/python bench/reports_bench.py --keep && \\
        .venv/bin/python bench/reports_bench.py --reuse         # measure again
    .venv/bin/python bench/reports_bench.py --reuse --rebuild   # recount, measure

Each request is timed by the wall clock and by this process's CPU time (the
test client, the app and SQLite all run in it, so CPU time is what a request
costs, whatever else the machine runs); the load average is printed beside.
The process freezes its start-up objects out of the garbage collector once
the app is loaded, as every gunicorn worker does (``helpdesk/heap.py``).

The reference, measured in the same run: a bare Flask endpoint in the same
process that runs the one grouped statement a year of the agents' times
needs at least (its month rows, through ``sqlite3``) and answers the rows as
JSON - this stack's floor for a report; every report's p95 is printed as a
multiple of the reference's, which compares runs on cores of other speeds.

Target (DESIGN section 5): p95 < 300 ms for every report over a year.
Figures on the reference machine: bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sla_bench  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from common import insert_sql, percentile  # noqa: E402
from flask import Flask, jsonify  # noqa: E402
from sla_bench import NOW, PASSWORD, StatementLog, make_app, seed_people  # noqa: E402

from helpdesk.extensions import db  # noqa: E402
from helpdesk.heap import freeze_startup_objects  # noqa: E402
from helpdesk.models import User  # noqa: E402
from helpdesk.vocabulary import Role  # noqa: E402
from reports.service import rollups  # noqa: E402

ZONE = "Europe/Moscow"
MANAGER_EMAIL = sla_bench.MANAGER_EMAIL
TARGET_P95_MS = 300.0
EVENT_COLUMNS = [
    "ticket_id",
    "actor_id",
    "kind",
    "data",
    "internal",
    "created_at",
    "ticket_version",
]
RATING_COLUMNS = ["ticket_id", "score", "comment", "created_at"]
LINK_COLUMNS = ["article_id", "ticket_id", "kind", "linked_by_id", "created_at"]
DEFLECTION_COLUMNS = ["article_id", "user_id", "subject", "created_at"]
REPORTS = ("volume", "csat", "agents", "flow", "kb")


def timeline(tid, created, resolved, status, line, agent, store, rng):
    """The events the services would have written for one seeded ticket."""
    events = [(tid, None, "created", "{}", 0, store(created), 0)]
    at = created + timedelta(minutes=rng.uniform(5, 240))
    if status != "new" and agent:
        events.append((tid, agent, "replied", '{"comment_id": 0}', 0, store(at), 1))
    if line > 1:
        moved = created + timedelta(minutes=rng.uniform(1, 60))
        data = json.dumps({"old": 1, "new": line, "reason": "bench", "cause": "manual"})
        events.append((tid, agent, "routing_line_changed", data, 1, store(moved), 2))
    if resolved and agent:
        data = '{"old": "open", "new": "resolved"}'
        events.append((tid, agent, "status_changed", data, 0, store(resolved), 3))
    return events


def seed(app, n: int, rng: random.Random) -> None:
    with app.app_context():
        people = seed_people(always_open=False)
        db.session.execute(
            sa.update(User).where(User.email == MANAGER_EMAIL).values(timezone=ZONE)
        )
        db.session.execute(
            sa.update(User).where(User.role != Role.CUSTOMER).values(timezone=ZONE)
        )
        db.session.commit()
        article_ids = _articles(people, 50)
    # A year of tickets rather than sla_bench's three.
    sla_bench.NOW = NOW
    make = sla_bench.dashboard_maker(people, n, rng)
    start = NOW - timedelta(days=365)
    span = (NOW - start).total_seconds()
    extras = {"events": [], "ratings": [], "links": [], "deflections": []}

    def make_one(tid, store):
        ticket, clocks = make(tid, store)
        created = start + timedelta(seconds=span * tid / n)
        ticket = list(ticket)
        resolved = ticket[12] and min(
            NOW, created + timedelta(hours=rng.uniform(0.5, 120))
        )
        ticket[10], ticket[11], ticket[12] = (
            store(created),
            store(resolved or created),
            store(resolved),
        )
        if ticket[13]:
            ticket[13] = store(resolved + timedelta(days=7))
        clocks = [
            c[:7]
            + (store(created),)
            + c[8:12]
            + ((store(created + timedelta(seconds=c[5])) if c[12] else None),)
            + ((store(resolved) if c[13] and resolved else None),)
            for c in clocks
        ]
        status, line, agent = ticket[3], ticket[6], ticket[9]
        extras["events"] += timeline(
            tid, created, resolved, status, line, agent, store, rng
        )
        if resolved and rng.random() < 0.2:
            score = rng.choices((1, 2, 3, 4, 5), (5, 5, 10, 30, 50))[0]
            comment = "Thanks" if rng.random() < 0.3 else ""
            extras["ratings"].append(
                (tid, score, comment, store(resolved + timedelta(hours=2)))
            )
        if resolved and agent and rng.random() < 0.1:
            extras["links"].append(
                (rng.choice(article_ids), tid, "linked", agent, store(resolved))
            )
        if rng.random() < 0.03:
            extras["deflections"].append(
                (
                    rng.choice(article_ids),
                    rng.choice(people["customers"]),
                    "x",
                    store(created),
                )
            )
        return tuple(ticket), clocks

    original = sla_bench.write

    def write(rows, clocks, cur):
        original(rows, clocks, cur)
        for table, columns, key in (
            ("ticket_events", EVENT_COLUMNS, "events"),
            ("ratings", RATING_COLUMNS, "ratings"),
            ("kb_article_tickets", LINK_COLUMNS, "links"),
            ("kb_deflections", DEFLECTION_COLUMNS, "deflections"),
        ):
            cur.executemany(insert_sql(table, columns), extras[key])
            extras[key] = []

    # sla_bench.bulk writes through sla_bench.write: add the other rows there.
    sla_bench.write = write
    try:
        sla_bench.bulk(app, n, make_one)
    finally:
        sla_bench.write = original


def _articles(people: dict, count: int) -> list[int]:
    from knowledge_base.models import Article

    author = people["agents"][2][0]
    db.session.execute(
        sa.insert(Article),
        [
            {
                "title": f"Article {i}",
                "body": "Bench article.",
                "category_id": people["categories"][i % len(people["categories"])],
                "visibility": "public",
                "status": "published",
                "author_id": author,
                "updated_by_id": author,
                "body_html": "<p>Bench article.</p>",
                "body_text": "Bench article.",
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i in range(count)
        ],
    )
    db.session.commit()
    return list(db.session.scalars(sa.select(Article.id)))


def measure(app, reps: int) -> list[dict]:
    web, api = app.test_client(), app.test_client()
    response = web.post("/login", data={"email": MANAGER_EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    response = api.post(
        "/api/v1/auth/token", json={"email": MANAGER_EMAIL, "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    with app.app_context():
        log = StatementLog(db.engine)
    year = "from=2025-11-24&to=2026-11-24"
    cases = []
    for name in REPORTS:
        cases.append(
            (
                f"GET /api/v1/reports/{name} (a year)",
                api,
                f"/api/v1/reports/{name}?{year}",
                headers,
            )
        )
        cases.append(
            (f"GET /reports/{name} (a year)", web, f"/reports/{name}?{year}", {})
        )
    cases.append(
        (
            "GET /api/v1/reports/volume?line=2&by=week (a year)",
            api,
            f"/api/v1/reports/volume?{year}&line=2&by=week",
            headers,
        )
    )
    cases.append(
        ("GET /reports/volume.csv (a year)", web, f"/reports/volume.csv?{year}", {})
    )
    results = []
    for label, client, url, hdrs in cases:

        def call(client=client, url=url, hdrs=hdrs):
            response = client.get(url, headers=hdrs)
            body = response.get_data()
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code} {body[:300]!r}")
            return body

        log.active, log.statements = True, []
        call()
        log.active = False
        figures = timed(call, reps=reps)
        results.append({"name": label, "statements": len(log.statements), **figures})
    return results


def bare_reference(path: Path, reps: int) -> dict:
    """p50/p95 of the bare endpoint (see the module's docstring)."""
    bare = Flask("bare")
    connection = sqlite3.connect(path, check_same_thread=False)
    year_of_months = (
        "SELECT agent_id, target, bucket, sum(clocks) FROM report_agent_times "
        "WHERE zone = ? AND grain = 'M' AND day >= ? AND day < ? "
        "GROUP BY agent_id, target, bucket"
    )

    @bare.get("/bare")
    def rows():
        found = connection.execute(year_of_months, (ZONE, "2025-12-01", "2026-11-01"))
        return jsonify(found.fetchall())

    client = bare.test_client()
    try:
        return timed(lambda: client.get("/bare").get_data(), reps=reps)
    finally:
        connection.close()


def timed(fn, *, reps: int, warmup: int = 3) -> dict:
    """p50/p95 of ``reps`` calls by the wall clock and by CPU time (ms)."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return {
        "p50": percentile(wall, 50),
        "p95": percentile(wall, 95),
        "cpu_p50": percentile(cpu, 50),
        "cpu_p95": percentile(cpu, 95),
    }


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def count_rollups(app) -> None:
    """Recount every roll-up of the zone (timed), then one job run with
    nothing changed."""
    t0, c0 = time.perf_counter(), time.process_time()
    with app.app_context():
        days = rollups.rebuild(ZONE, now=NOW)
        db.session.commit()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"roll-ups of {days[ZONE]} days in {wall:.1f} s, CPU {cpu:.1f} s ({load()})")
    with app.app_context():
        t0, c0 = time.perf_counter(), time.process_time()
        rollups.roll(now=NOW + timedelta(minutes=5))
        db.session.commit()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"one reports-rollup run with nothing changed: {wall * 1000:.0f} ms, "
        f"CPU {cpu * 1000:.0f} ms ({load()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument(
        "--db", type=Path, default=ROOT / "instance" / "bench-reports.sqlite3"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--reuse", action="store_true", help="measure a kept file")
    parser.add_argument(
        "--rebuild", action="store_true", help="with --reuse: recount the roll-ups"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    app = make_app(args.db, fresh=not args.reuse)
    if not args.reuse:
        t0 = time.perf_counter()
        seed(app, args.tickets, random.Random(22))
        print(
            f"seeded {args.tickets:,} tickets in {time.perf_counter() - t0:.1f} s "
            f"({load()})"
        )
    if not args.reuse or args.rebuild:
        count_rollups(app)
    frozen = freeze_startup_objects()
    print(f"{frozen:,} start-up objects frozen (as a gunicorn worker does)")
    reference = bare_reference(args.db, args.reps)
    results = measure(app, args.reps)
    results.append(
        {"name": "reference: bare Flask + one grouped read", "statements": 1}
        | reference
    )
    width = max(len(r["name"]) for r in results)
    print(
        f"{'report'.ljust(width)}  p50 ms  p95 ms  cpu p50  cpu p95  "
        "statements  p95 / reference"
    )
    for r in results:
        flag = "" if r["p95"] < TARGET_P95_MS else "  over target"
        print(
            f"{r['name'].ljust(width)}  {r['p50']:6.1f}  {r['p95']:6.1f}  "
            f"{r['cpu_p50']:7.1f}  {r['cpu_p95']:7.1f}  {r['statements']:10d}  "
            f"{r['p95'] / reference['p95']:14.1f}x{flag}"
        )
    print(load())
    if args.json:
        args.json.write_text(
            json.dumps(
                {"load": os.getloadavg(), "reference": reference, "results": results}
            )
        )
    if not args.keep and not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
