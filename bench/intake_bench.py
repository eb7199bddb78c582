"""Intake over HTTP beside the ceiling of the stack, measured in one run.

Serves the app with gunicorn (``--workers``, sync workers, production config)
on a migrated database holding the demo data (its SLA policies and routing
rules active), and a bare Flask endpoint doing one SQLite INSERT
(``ceiling_app.py``) with the same gunicorn, then loads each in turn with
``wrk`` (``--connections``, POST ``/api/v1/tickets`` with a bearer token),
alternating, ``--rounds`` times. Prints tickets/s, p50/p95/p99, the ratio to
the ceiling of the same round, and checks every answered ticket is stored
with its events and clocks.

    apt-get install wrk                                  # once
    .venv/bin/python bench/intake_bench.py               # SQLite, 2 workers
    .venv/bin/python bench/intake_bench.py --pg --workers 2,4
    .venv/bin/python bench/intake_bench.py --peer      # beside django-helpdesk 2.6
    .venv/bin/python bench/intake_bench.py --app-dir /tmp/before   # another tree
    .venv/bin/python bench/intake_bench.py --from-db instance/bench-reports.sqlite3

``--from-db`` serves a copy of an existing SQLite file (e.g. the 1,000,000
tickets ``reports_bench.py --keep`` leaves) with the demo data added to it,
instead of a fresh database.

On each database it first measures the intake's own SQL alone
(``sql_bound.py``): the statements and commits of the intakes ``wrk`` posts,
captured in process and replayed through the driver on one connection to a
copy of the database, as a rate beside the app's. Each round then also
serves that SQL alone over HTTP (``ceiling_app.py``'s
``create_served_sql_app``: the same gunicorn and workers, each POST one
captured intake as a new ticket, on that copy): what this stack gives for
these rows with none of the app's Python, the ceiling any intake writing
them could reach. On SQLite it also times how long the app itself holds the
write lock an intake (500 intakes in process, from each transaction's first
write to the end of its commit): SQLite takes one writer at a time, so that
bounds what any number of workers can write through this app.
``--bound-intakes 0`` skips all of these.

``--peer`` also serves, in every SQLite round, django-helpdesk 2.6's REST
intake (``peer/``: the closest Python peer, as its docs install it, in a
virtualenv of its own made on first use, on its own SQLite file) with the
same gunicorn and workers, and loads it with the same four requests in its
own shape, so the ratio to the peer is measured in the same run too.

``--app-dir`` serves the app from another source tree (e.g. ``git archive``
of an older commit) with this virtualenv, for before/after figures.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import pickle
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PEER = BENCH / "peer"


def main() -> int:
    args = _arguments()
    if shutil.which("wrk") is None:
        print("SKIPPED intake_bench: wrk is not installed (apt-get install wrk)")
        return 0
    RESULTS.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    app_dir = Path(args.app_dir).resolve()
    rows = []
    bounds = {}
    try:
        ceiling_db = str(work / "ceiling.sqlite3")
        sys.path.insert(0, str(BENCH))
        import ceiling_app

        ceiling_app.prepare(ceiling_db)
        targets = []
        if not args.pg_only:
            targets.append(("sqlite", sqlite_url(work, args.from_db)))
        pg = None
        if args.pg or args.pg_only:
            sys.path.insert(0, str(ROOT))
            from tests.pg_server import PostgresServer

            pg = PostgresServer().start()
            targets.append(("postgresql", pg.url))
        # (the peer runs on SQLite: it is served in the SQLite rounds)
        peer = _prepare_peer(work) if args.peer and not args.pg_only else None
        for engine, url in targets:
            token = _prepare_app(app_dir, url)
            env = os.environ | {"CEILING_DB": ceiling_db}
            references = [Reference("ceiling", "ceiling_app:create_app()", env, token)]
            if args.bound_intakes > 0:
                bounds[engine], sql_alone = _sql_bound(
                    app_dir, engine, url, token, args.bound_intakes
                )
                references.append(sql_alone)
            if peer is not None and engine == "sqlite":
                references.append(peer)
            for workers in args.workers:
                rows += _compare(args, app_dir, url, engine, workers, token, references)
        if pg is not None:
            pg.stop()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    _report(rows, bounds)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = {"runs": rows, "sql_bound": bounds}
    (RESULTS / f"intake_{stamp}.json").write_text(json.dumps(results, indent=2))
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--workers",
        type=lambda v: [int(w) for w in v.split(",")],
        default=[2],
        help="gunicorn workers, e.g. 2,4",
    )
    parser.add_argument("--pg", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--pg-only", action="store_true")
    parser.add_argument(
        "--peer",
        action="store_true",
        help="also django-helpdesk 2.6's REST intake in the SQLite rounds "
        "(its own virtualenv, bench/peer/.venv, made on first use)",
    )
    parser.add_argument("--app-dir", default=str(ROOT))
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--bound-intakes",
        type=int,
        default=3000,
        help="intakes replayed for the SQL bound (0: neither it, nor the SQL "
        "served alone, nor SQLite's lock hold is measured)",
    )
    parser.add_argument(
        "--from-db", type=Path, help="serve a copy of this SQLite file (SQLite only)"
    )
    return parser.parse_args()


def sqlite_url(work: Path, from_db: Path | None) -> str:
    """A fresh SQLite file in ``work``, or a copy of ``from_db`` there."""
    path = work / "helpdesk.sqlite3"
    if from_db is not None:
        copy_sqlite(from_db, path)
        print(f"serving a copy of {from_db}", flush=True)
    return f"sqlite:///{path}"


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file, its WAL included (the backup API)."""
    origin = sqlite3.connect(source)
    with sqlite3.connect(target) as copy:
        origin.backup(copy)
    copy.close()
    origin.close()


def database_copy(url: str, name: str) -> str:
    """A copy of the database at ``url`` named ``name``, as the drivers name
    it: a SQLite file beside the original (its path), or a PostgreSQL
    database made from the original as its template (its URL)."""
    if url.startswith("sqlite:///"):
        target = Path(url.removeprefix("sqlite:///")).with_name(f"{name}.sqlite3")
        copy_sqlite(Path(url.removeprefix("sqlite:///")), target)
        return str(target)
    import psycopg
    import sql_bound
    from psycopg import sql
    from sqlalchemy.engine import make_url

    source = make_url(url)
    create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(name), sql.Identifier(source.database)
    )
    maintenance = source.set(database="postgres").render_as_string(hide_password=False)
    for attempt in range(5):
        try:
            with sql_bound.connect(maintenance, autocommit=True) as connection:
                connection.execute(create)
            break
        except psycopg.errors.ObjectInUse:
            # (the template had a visitor: autovacuum, or a backend leaving)
            if attempt == 4:
                raise
            time.sleep(1)
    return source.set(database=name).render_as_string(hide_password=False)


def _env(url: str, **extra: str) -> dict[str, str]:
    return os.environ | {
        "HELPDESK_ENV": "production",
        "SECRET_KEY": "bench",
        "DATABASE_URL": url,
        **extra,
    }


def _flask(app_dir: Path, url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=app_dir,
        env=_env(url),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _prepare_app(app_dir: Path, url: str) -> str:
    """Migrate, load the demo data; a customer's bearer token."""
    _flask(app_dir, url, "db", "upgrade")
    _flask(app_dir, url, "demo", "load")
    return _flask(app_dir, url, "users", "token", "customer@example.com").strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(
    app: str, cwd: Path, env: dict, workers: int, gunicorn: str = GUNICORN
) -> tuple:
    """gunicorn with sync workers; the app with its own settings, as ``make
    run`` serves it (``ops/gunicorn.conf.py``: metrics folder, start-up
    objects frozen), the bare ceiling without them."""
    port = _free_port()
    settings = []
    if (cwd / "ops" / "gunicorn.conf.py").exists():
        settings = ["-c", "ops/gunicorn.conf.py"]
        metrics = tempfile.mkdtemp(prefix="bench-metrics-")
        atexit.register(shutil.rmtree, metrics, ignore_errors=True)
        env = env | {"PROMETHEUS_MULTIPROC_DIR": metrics}
    process = subprocess.Popen(
        [gunicorn, *settings, "-w", str(workers), "-b", f"127.0.0.1:{port}"]
        + ["-k", "sync", app],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn for {app} did not start")


class Posts(NamedTuple):
    """What wrk posts to a kind of endpoint: its bodies (a JSON a line; the
    warm-up sends the last) and how its token is sent."""

    bodies: Path
    scheme: str


APP_POSTS = Posts(BENCH / "intake_bodies.jsonl", "Bearer")
PEER_POSTS = Posts(BENCH / "peer" / "intake_bodies.jsonl", "Token")


class Reference(NamedTuple):
    """An endpoint served and loaded before the app in every round, its
    figures under ``name`` in the round's row: ``app`` with ``env`` and
    ``token``, from ``cwd`` with ``gunicorn``, posted to at ``path``."""

    name: str
    app: str
    env: dict
    token: str
    cwd: Path = BENCH
    gunicorn: str = GUNICORN
    posts: Posts = APP_POSTS
    path: str = "/api/v1/tickets"


def _warm(url: str, authorization: str, bodies: Path, workers: int) -> None:
    """Every worker answers once before anything is measured: a worker's
    first request loads catalogues, templates and caches (seconds on a
    loaded machine), which wrk would count as a stall."""
    body = [line for line in bodies.read_text().splitlines() if line][-1].encode()
    headers = {"Authorization": authorization, "Content-Type": "application/json"}

    def post(_n: int) -> None:
        request = urllib.request.Request(url, data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()

    with ThreadPoolExecutor(max_workers=workers * 2) as pool:
        list(pool.map(post, range(workers * 6)))


def _load(
    port: int, token: str, args, workers: int, posts=APP_POSTS, path="/api/v1/tickets"
) -> dict:
    authorization = f"{posts.scheme} {token}"
    env = os.environ | {"BENCH_AUTH": authorization, "BENCH_BODIES": str(posts.bodies)}
    url = f"http://127.0.0.1:{port}{path}"
    command = ["wrk", "-t", "2", "-c", str(args.connections), "-s"]
    command += [str(BENCH / "intake_post.lua")]
    _warm(url, authorization, posts.bodies, workers)
    subprocess.run([*command, "-d", "2s", url], env=env, capture_output=True)
    out = subprocess.run(
        [*command, "-d", f"{args.duration}s", url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(out.split("BENCH ", 1)[1].splitlines()[0])
    seconds = figures["duration_us"] / 1e6
    ok = figures["requests"] - figures["non_2xx"]
    return {
        "per_second": ok / seconds,
        "p50_ms": figures["p50"] / 1000,
        "p95_ms": figures["p95"] / 1000,
        "p99_ms": figures["p99"] / 1000,
        "max_ms": figures["max"] / 1000,
        "requests": figures["requests"],
        "non_2xx": figures["non_2xx"],
        "socket_errors": figures["socket_errors"],
    }


def _compare(
    args, app_dir, url, engine, workers, token, references: list[Reference]
) -> list[dict]:
    """Rounds of the ``references`` (the bare ceiling first) and the app,
    each loaded in turn."""
    rows = []
    before = _stored(url)
    for number in range(1, args.rounds + 1):
        row = {"engine": engine, "workers": workers, "round": number}
        for reference in references:
            row[reference.name] = _load_served(reference, args, workers)
        process, port = _serve("app:create_app()", app_dir, _env(url), workers)
        try:
            intake = _load(port, token, args, workers)
            intake["worker_rss_mb"] = _worker_rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait()
        row["intake"] = intake
        row["ratio"] = intake["per_second"] / row["ceiling"]["per_second"]
        rows.append(row)
        _print_row(row)
    answered = sum(r["intake"]["requests"] - r["intake"]["non_2xx"] for r in rows)
    _check_stored(url, before, answered)
    return rows


def _load_served(reference: Reference, args, workers: int) -> dict:
    """``reference`` served with the app's worker count and loaded as the
    intake is."""
    r = reference
    process, port = _serve(r.app, r.cwd, r.env, workers, r.gunicorn)
    try:
        return _load(port, r.token, args, workers, r.posts, r.path)
    finally:
        process.terminate()
        process.wait()


def _prepare_peer(work: Path) -> Reference:
    """The peer, served on a fresh SQLite file in ``work`` (``peer/prepare.py``:
    migrated, a queue, an agent) with its agent's token."""
    env = os.environ | {
        "PEER_DB": str(work / "peer.sqlite3"),
        "PEER_MEDIA": str(work / "peer-media"),
    }
    token = subprocess.run(
        [str(_peer_python()), "prepare.py"],
        cwd=PEER,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    return Reference(
        "peer",
        "peer_site.wsgi:application",
        env,
        token,
        cwd=PEER,
        gunicorn=str(PEER / ".venv" / "bin" / "gunicorn"),
        posts=PEER_POSTS,
        path="/api/tickets/",
    )


def _peer_python() -> Path:
    """The peer's own virtualenv (``peer/.venv``), made or brought up to
    ``peer/requirements.txt`` when it does not match."""
    venv = PEER / ".venv"
    requirements = (PEER / "requirements.txt").read_text()
    installed = venv / "installed-requirements.txt"
    python = venv / "bin" / "python"
    if not installed.exists() or installed.read_text() != requirements:
        print("making the peer's virtualenv (bench/peer/.venv)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        install = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-r", "requirements.txt"],
            cwd=PEER,
            capture_output=True,
            text=True,
        )
        if install.returncode != 0:
            sys.exit(f"the peer's packages did not install:\n{install.stderr}")
        installed.write_text(requirements)
    return python


def _sql_bound(
    app_dir: Path, engine: str, url: str, token: str, intakes: int
) -> tuple[dict, Reference]:
    """The intake's own SQL (``sql_bound.py``), captured before the HTTP
    rounds: replayed through the driver on one connection, and served over
    HTTP in the rounds (``ceiling_app.create_served_sql_app``, the reference
    ``sql_served``), both on one copy of the
    database (removed with the run's folder or server; replayed tickets
    take fresh ids, so the rounds add theirs beside the replay's)."""
    import sql_bound

    # (as the driver names it: a SQLite file's path, or PostgreSQL's URL)
    target = url.removeprefix("sqlite:///")
    captured, hold = sql_bound.capture(app_dir, _env(url), token, target)
    copy = database_copy(url, "sql_alone")
    # (wrk's bodies are one per category; the warm-up's is an "other")
    by_category = {
        body["category"]: intake
        for body, intake in zip(sql_bound.wrk_bodies(), captured, strict=True)
    }
    captures_file = Path(tempfile.mkdtemp(prefix="bench-captures-")) / "captures"
    atexit.register(shutil.rmtree, captures_file.parent, ignore_errors=True)
    captures_file.write_bytes(pickle.dumps(by_category))
    served = os.environ | {
        "SERVED_DATABASE": copy,
        "SERVED_CAPTURES": str(captures_file),
    }
    sql_served = Reference(
        "sql_served", "ceiling_app:create_served_sql_app()", served, token
    )
    bound = sql_bound.replay(copy, captured, intakes)
    print(
        f"{engine:<10} the intake's SQL alone: {bound['per_second']:.0f} intakes/s "
        f"({bound['statements']:.1f} statements, {bound['commits']:.0f} commits "
        "an intake, replayed through the driver on one connection)",
        flush=True,
    )
    if hold is not None:
        bound["lock_held_ms"] = 1000 * hold["held_seconds"] / hold["intakes"]
        bound["in_process_ms"] = 1000 * hold["seconds"] / hold["intakes"]
        bound["lock_bound_per_second"] = hold["intakes"] / hold["held_seconds"]
        print(
            f"{engine:<10} the app holds the write lock {bound['lock_held_ms']:.2f} ms "
            f"of each intake's {bound['in_process_ms']:.2f} ms in process: one writer "
            f"at a time writes at most {bound['lock_bound_per_second']:.0f} intakes/s",
            flush=True,
        )
    return bound, sql_served


def _worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children)."""
    out = subprocess.run(
        ["ps", "--ppid", str(master_pid), "-o", "rss="],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [round(int(kb) / 1024, 1) for kb in out.split()]


def _print_row(row: dict) -> None:
    for name in ("ceiling", "sql_served", "peer", "intake"):
        if name not in row:
            continue
        f = row[name]
        print(
            f"{row['engine']:<10} w={row['workers']} round {row['round']} "
            f"{name:<10} {f['per_second']:8.0f}/s  p50 {f['p50_ms']:6.1f}  "
            f"p95 {f['p95_ms']:6.1f}  p99 {f['p99_ms']:6.1f} ms  "
            f"non-2xx {f['non_2xx']}  socket errors {f['socket_errors']}",
            flush=True,
        )
    print(
        f"{'':<10} ratio to the ceiling {row['ratio']:.0%}; app workers' RSS after "
        f"the load {row['intake']['worker_rss_mb']} MB",
        flush=True,
    )


def _stored(url: str, after_id: int = 0) -> dict[str, int]:
    """Tickets past ``after_id``, and those missing their created event or
    their two clocks (first response and resolution)."""
    queries = {
        "last_id": "SELECT coalesce(max(id), 0) FROM tickets",
        "tickets": f"SELECT count(*) FROM tickets WHERE id > {after_id}",
        "without_created_event": (
            f"SELECT count(*) FROM tickets t WHERE t.id > {after_id} AND NOT EXISTS "
            "(SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id "
            "AND e.kind = 'created')"
        ),
        "without_two_clocks": (
            f"SELECT count(*) FROM tickets t WHERE t.id > {after_id} AND "
            "(SELECT count(*) FROM sla_clocks c WHERE c.ticket_id = t.id) <> 2"
        ),
    }
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        counts = {k: connection.execute(q).fetchone()[0] for k, q in queries.items()}
        connection.close()
        return counts
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        counts = {k: connection.exec_driver_sql(q).scalar() for k, q in queries.items()}
    engine.dispose()
    return counts


def _check_stored(url: str, before: dict[str, int], answered: int) -> None:
    after = _stored(url, before["last_id"])
    print(
        f"stored: {after['tickets']} new tickets for {answered} answered 201 "
        f"(plus warm-up requests and those in flight when wrk stops); without "
        f"their created event: "
        f"{after['without_created_event']}; without two clocks: "
        f"{after['without_two_clocks']}",
        flush=True,
    )


def _report(rows: list[dict], bounds: dict[str, dict]) -> None:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["engine"], row["workers"]), []).append(row)
    print("\nengine     workers  ceiling/s  intake/s  ratio  intake p50/p95/p99 ms")
    for (engine, workers), group in groups.items():
        ceiling, intake = _mean_rate(group, "ceiling"), _mean_rate(group, "intake")
        p = {
            k: statistics.median(r["intake"][k] for r in group)
            for k in ("p50_ms", "p95_ms", "p99_ms")
        }
        print(
            f"{engine:<10} {workers:>7}  {ceiling:9.0f}  {intake:8.0f}  "
            f"{intake / ceiling:5.0%}  "
            f"{p['p50_ms']:.1f} / {p['p95_ms']:.1f} / {p['p99_ms']:.1f}"
        )
    for (engine, workers), group in groups.items():
        ceiling, intake = _mean_rate(group, "ceiling"), _mean_rate(group, "intake")
        if "sql_served" in group[0]:
            alone = _mean_rate(group, "sql_served")
            print(
                f"{engine}, {workers} workers: the intake's SQL served alone (the "
                f"same gunicorn, no app) {alone:.0f}/s, {alone / ceiling:.0%} of the "
                f"ceiling; the app {intake / alone:.0%} of that"
            )
        if "peer" in group[0]:
            peer = _mean_rate(group, "peer")
            p99 = statistics.median(r["peer"]["p99_ms"] for r in group)
            print(
                f"{engine}, {workers} workers: the peer (django-helpdesk 2.6's REST "
                f"intake, the same gunicorn) {peer:.0f}/s, p99 {p99:.1f} ms; the app "
                f"{intake / peer:.1f}x the peer"
            )
    for engine, bound in bounds.items():
        best = max(
            _mean_rate(group, "intake")
            for (of, _workers), group in groups.items()
            if of == engine
        )
        print(
            f"{engine}: the intake's SQL alone runs at {bound['per_second']:.0f}/s on "
            f"one connection; the app's best row reaches "
            f"{best / bound['per_second']:.0%} of it (the rest of its time is the "
            "Python around the SQL)"
        )
        if "lock_bound_per_second" in bound:
            print(
                f"{engine}: the write lock is held {bound['lock_held_ms']:.2f} ms an "
                f"intake (the ORM's flush, the roll-ups, the commit), so no number of "
                f"workers passes {bound['lock_bound_per_second']:.0f}/s; the best row "
                f"is {best / bound['lock_bound_per_second']:.0%} of that"
            )


def _mean_rate(group: list[dict], name: str) -> float:
    """The mean rate of ``name`` (the ceiling, the intake...) over rounds."""
    return statistics.mean(r[name]["per_second"] for r in group)


if __name__ == "__main__":
    sys.exit(main())
