"""The app under load while the scheduler sweeps: nothing fails (issue 17).

Serves the app with gunicorn (``--workers``, production config) on a fresh
database with the demo data, mail going to a loopback SMTP sink, registers
``--due-clocks / 2`` tickets through the API and moves their clocks four
weeks back, so each of their clocks is past due and the scheduler (``flask
scheduler``, sweeping every 5 s) has ``--due-clocks`` breaches to raise while
the load runs. Then two phases of ``--duration`` seconds each, loaded with
``wrk`` and ``load_mixed.lua``:

1. **writers and readers**: 64 connections posting tickets as a customer
   and 16 reading a line-1 agent's queue and tickets, at the same time;
2. **mixed traffic** from 50 connections: create, queue, ticket, knowledge
   base search in turn.

Just before the mixed phase it measures the bare ceiling of the stack
(``ceiling_app.py`` with the same gunicorn and workers, 50 connections,
``--ceiling-seconds``) and prints the mixed phase's rate as a share of it:
the machine's speed changes from run to run. It prints per phase the
answers by class (201, 4xx, 5xx, socket errors) and p50/p95/p99, checks
that every 201 is a stored ticket with its created event and both clocks
(and how many more tickets than 201s exist: requests in flight when wrk
stopped), that the sweep raised every due breach, and the workers' RSS
after the load. The goals: zero 5xx, mixed p95 < 200 ms, RSS
<= 120 MB.

``--instances 2`` serves two app instances (each its own gunicorn and its
own scheduler) on the one database, each phase's connections split between
them: the sweep's breaches and their mails must still happen exactly once.

    apt-get install wrk                                 # once
    .venv/bin/python bench/load_mixed.py                # SQLite, 2 workers, 60 s a phase
    .venv/bin/python bench/load_mixed.py --pg --duration 20
    .venv/bin/python bench/load_mixed.py --pg --instances 2 --duration 20
    .venv/bin/python bench/load_mixed.py --from-db instance/bench-reports.sqlite3

``--from-db``: a copy of an existing SQLite file (1,000,000 tickets) with the
demo data added, instead of a fresh database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

from intake_bench import (
    ROOT,
    _env,
    _flask,
    _load,
    _prepare_app,
    _serve,
    _stored,
    _worker_rss_mb,
    sqlite_url,
)

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"

# Runs in the app's directory: every running clock of the tickets past
# ``after`` started four weeks earlier (whole weeks: the same business
# hours), so each is past due, and is checked now.
_MAKE_DUE = """
import sys
from datetime import timedelta
import sqlalchemy as sa
from app import create_app
from helpdesk.extensions import db
from sla.models import SlaClock
app = create_app()
with app.app_context():
    now = app.extensions["clock"].now()
    back = timedelta(weeks=4)
    clocks = db.session.scalars(sa.select(SlaClock).where(
        SlaClock.ticket_id > int(sys.argv[1]), SlaClock.stopped_at.is_(None))).all()
    for clock in clocks:
        clock.started_at -= back
        clock.running_since = clock.running_since and clock.running_since - back
        clock.due_at = clock.due_at and clock.due_at - back
        clock.next_check_at = now
    db.session.commit()
    print(len(clocks))
"""


def main() -> int:
    args = _arguments()
    if shutil.which("wrk") is None:
        print("SKIPPED load_mixed: wrk is not installed (apt-get install wrk)")
        return 0
    sys.path.insert(0, str(ROOT))
    from tests.smtp_server import LoopbackSMTP

    RESULTS.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="load-bench-"))
    smtp, pg = LoopbackSMTP(), None
    smtp.start()
    try:
        url = sqlite_url(work, args.from_db)
        if args.pg:
            from tests.pg_server import PostgresServer

            pg = PostgresServer().start()
            url = pg.url
        figures = _run(args, url, _env(url, SMTP_PORT=str(smtp.port)), work)
    finally:
        smtp.stop()
        if pg is not None:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"load_mixed_{stamp}.json").write_text(json.dumps(figures, indent=2))
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=60, help="seconds a phase")
    parser.add_argument("--due-clocks", type=int, default=1000)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL, not SQLite")
    parser.add_argument(
        "--instances", type=int, default=1, help="app instances, each with a scheduler"
    )
    parser.add_argument("--from-db", type=Path, help="serve a copy of this SQLite file")
    parser.add_argument(
        "--ceiling-seconds", type=int, default=10, help="seconds of the bare ceiling"
    )
    return parser.parse_args()


def _run(args, url: str, env: dict, work: Path) -> dict:
    customer = _prepare_app(ROOT, url)
    agent = _flask(ROOT, url, "users", "token", "line1@example.com").strip()
    servers = [
        _serve("app:create_app()", ROOT, env, args.workers)
        for _ in range(args.instances)
    ]
    schedulers = []
    try:
        bases = [f"http://127.0.0.1:{port}" for _server, port in servers]
        before = _stored(url)
        _register(bases[0], customer, args.due_clocks // 2)
        seeded = (before["last_id"], _stored(url)["last_id"])
        due = _make_due(env, before["last_id"])
        print(f"{due} clocks of {args.due_clocks // 2} tickets made past due")
        tokens = {
            "BENCH_TOKEN": customer,
            "BENCH_STAFF_TOKEN": agent,
            "BENCH_TICKET_IDS": ",".join(map(str, _line1_tickets(url))),
        }
        schedulers = [
            subprocess.Popen(
                [sys.executable, "-m", "flask", "scheduler"],
                cwd=ROOT,
                env=env | {"SLA_SWEEP_SECONDS": "5"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(args.instances)
        ]
        start = _stored(url)
        phases = {"writers and readers": _writers_and_readers(args, bases, tokens)}
        drained = _drain_outbox(url)
        ceiling = _ceiling(args, work, connections=50)
        phases["mixed"] = _wrk(args, bases, tokens, "mixed", 50)
        created = sum(p["created"] for p in phases.values())
        figures = {
            "workers": args.workers,
            "instances": args.instances,
            "engine": "postgresql" if args.pg else "sqlite",
            "phases": phases,
            "stored": _stored(url, start["last_id"]),
            "created_201": created,
            "breaches": _breaches(url, *seeded),
            "alerts": _breach_alerts(url, *seeded),
            "due_clocks": due,
            "outbox_drained": drained,
            "ceiling": ceiling,
            "worker_rss_mb": [
                rss for server, _port in servers for rss in _worker_rss_mb(server.pid)
            ],
        }
    finally:
        for process in [*schedulers, *(server for server, _port in servers)]:
            process.terminate()
            process.wait()
    _print(figures)
    return figures


def _register(base: str, token: str, count: int) -> None:
    body = json.dumps(
        {"subject": "Due soon", "description": "For the sweep.", "category": "other"}
    ).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(_n: int) -> None:
        request = urllib.request.Request(f"{base}/api/v1/tickets", body, headers)
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(post, range(count)))


def _make_due(env: dict, after_id: int) -> int:
    result = subprocess.run(
        [sys.executable, "-c", _MAKE_DUE, str(after_id)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


def _writers_and_readers(args, bases: list[str], tokens: dict) -> dict:
    """64 writers and 16 readers at once: wrk processes side by side."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        writers = pool.submit(_wrk, args, bases, tokens, "write", 64)
        readers = pool.submit(_wrk, args, bases, tokens, "read", 16)
        return {"writers": writers.result(), "readers": readers.result()} | {
            "created": writers.result()["created"]
        }


def _wrk(args, bases: list[str], tokens: dict, mode: str, connections: int) -> dict:
    """``connections`` split between the instances, one wrk each, at once:
    rates and counts summed, each percentile the slowest instance's."""
    share = connections // len(bases)
    with ThreadPoolExecutor(max_workers=len(bases)) as pool:
        runs = list(
            pool.map(lambda base: _wrk_one(args, base, tokens, mode, share), bases)
        )
    summed = ("per_second", "requests", "created", "4xx", "5xx", "socket_errors")
    slowest = ("p50_ms", "p95_ms", "p99_ms", "max_ms")
    return (
        {"connections": connections}
        | {k: sum(r[k] for r in runs) for k in summed}
        | {k: max(r[k] for r in runs) for k in slowest}
    )


def _wrk_one(args, base: str, tokens: dict, mode: str, connections: int) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{args.duration}s"]
    command += ["--timeout", "30s", "-s", str(BENCH / "load_mixed.lua"), base]
    out = subprocess.run(
        command,
        env=os.environ | tokens | {"BENCH_MODE": mode},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(out.split("BENCH ", 1)[1].splitlines()[0])
    seconds = figures["duration_us"] / 1e6
    return {
        "connections": connections,
        "per_second": figures["requests"] / seconds,
        "p50_ms": figures["p50"] / 1000,
        "p95_ms": figures["p95"] / 1000,
        "p99_ms": figures["p99"] / 1000,
        "max_ms": figures["max"] / 1000,
        "requests": figures["requests"],
        "created": figures["created"],
        "4xx": figures["4xx"],
        "5xx": figures["5xx"],
        "socket_errors": figures["socket_errors"],
    }


def _ceiling(args, work: Path, *, connections: int) -> dict:
    """The bare stack's rate at this moment, the reference the mixed phase is
    read against (the machine's speed changes from run to run):
    ``ceiling_app.py`` (one SQLite INSERT a request) with the same gunicorn
    and as many workers as the instances have together, loaded as
    ``intake_bench.py`` loads it, with the mixed phase's connections."""
    import ceiling_app

    database = str(work / "ceiling.sqlite3")
    ceiling_app.prepare(database)
    workers = args.workers * args.instances
    process, port = _serve(
        "ceiling_app:create_app()",
        BENCH,
        os.environ | {"CEILING_DB": database},
        workers,
    )
    load = SimpleNamespace(connections=connections, duration=args.ceiling_seconds)
    try:
        figures = _load(port, "ceiling", load, workers)
    finally:
        process.terminate()
        process.wait()
    return {"connections": connections} | figures


def _query(url: str, sql: str) -> list[tuple]:
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        rows = connection.execute(sql).fetchall()
        connection.close()
        return rows
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.exec_driver_sql(sql)]
    engine.dispose()
    return rows


def _line1_tickets(url: str) -> list[int]:
    rows = _query(
        url, "SELECT id FROM tickets WHERE line = 1 ORDER BY id DESC LIMIT 200"
    )
    return [row[0] for row in rows]


def _breaches(url: str, after_id: int, last_id: int) -> int:
    """Clocks of the tickets made past due that the sweep has marked breached."""
    sql = (
        f"SELECT count(*) FROM sla_clocks WHERE ticket_id > {after_id} "
        f"AND ticket_id <= {last_id} AND breached_at IS NOT NULL"
    )
    return _query(url, sql)[0][0]


def _drain_outbox(url: str, *, at_most: float = 300.0) -> dict:
    """Wait (up to ``at_most`` seconds) for the scheduler to deliver the mails
    the writers left queued, so the mixed phase measures steady traffic, not
    a backlog of thousands of mails going out beside it."""
    pending = "SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL"
    queued, started = _query(url, pending)[0][0], time.monotonic()
    left = queued
    while left and time.monotonic() - started < at_most:
        time.sleep(1)
        left = _query(url, pending)[0][0]
    seconds = time.monotonic() - started
    print(
        f"outbox: {queued} mails queued after the writers, {left} left after {seconds:.0f} s"
    )
    return {"queued": queued, "left": left, "seconds": round(seconds, 1)}


def _breach_alerts(url: str, after_id: int, last_id: int) -> dict:
    """The breach alerts of the tickets made past due and their mails (the
    demo's policies tell one person of a breach): once per clock each."""
    tickets = f"ticket_id > {after_id} AND ticket_id <= {last_id}"
    alerts = _query(
        url,
        "SELECT count(*), count(DISTINCT a.clock_id) FROM sla_alerts a "
        "JOIN sla_clocks c ON c.id = a.clock_id "
        f"WHERE a.kind = 'breach' AND c.{tickets}",
    )[0]
    mails = _query(
        url,
        "SELECT count(*) FROM outbox_messages "
        # (%% for psycopg, which reads % as a placeholder; the same in SQLite)
        f"WHERE {tickets} AND CAST(payload AS TEXT) LIKE '%%sla.breach%%' "
        "GROUP BY ticket_id",
    )
    return {
        "alerts": alerts[0],
        "clocks_alerted": alerts[1],
        "mails": sum(row[0] for row in mails),
    }


def _print(figures: dict) -> None:
    rows = dict(figures["phases"]["writers and readers"])
    rows.pop("created")
    rows["mixed"] = figures["phases"]["mixed"]
    print(
        f"\n{figures['engine']}, {figures['instances']} instance(s) of "
        f"{figures['workers']} workers, a scheduler each"
    )
    print("phase       conns   req/s   201    4xx  5xx  sock  p50 / p95 / p99 ms")
    for name, f in rows.items():
        print(
            f"{name:<10} {f['connections']:>5} {f['per_second']:>7.0f} "
            f"{f['created']:>5} {f['4xx']:>6} {f['5xx']:>4} {f['socket_errors']:>5}  "
            f"{f['p50_ms']:.0f} / {f['p95_ms']:.0f} / {f['p99_ms']:.0f}"
        )
    ceiling, mixed = figures["ceiling"], figures["phases"]["mixed"]
    print(
        f"the bare ceiling just before the mixed phase ({ceiling['connections']} "
        f"connections, the same workers): {ceiling['per_second']:.0f}/s, p95 "
        f"{ceiling['p95_ms']:.0f} ms; the mixed phase ran at "
        f"{mixed['per_second'] / ceiling['per_second']:.1%} of it"
    )
    stored = figures["stored"]
    print(
        f"stored {stored['tickets']} tickets for {figures['created_201']} answered 201; "
        f"without their created event {stored['without_created_event']}, "
        f"without two clocks {stored['without_two_clocks']}"
    )
    print(
        f"breaches raised by the sweep: {figures['breaches']} of {figures['due_clocks']}"
    )
    alerts = figures["alerts"]
    print(
        f"breach alerts: {alerts['alerts']} for {alerts['clocks_alerted']} clocks; "
        f"their mails: {alerts['mails']} (one an alert: nobody told twice)"
    )
    print(f"worker RSS after the load: {figures['worker_rss_mb']} MB")


if __name__ == "__main__":
    raise SystemExit(main())
