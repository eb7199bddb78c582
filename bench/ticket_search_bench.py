"""Ticket search benchmark: ``GET /search`` and ``/api/v1/tickets?q=`` at N tickets.

Builds a fresh SQLite file with the real Alembic migrations, bulk-seeds N
tickets (as bench/queue_bench.py: 2,000 customers in 200 organisations,
30 agents, ids ascending with ``created_at`` over 3 years, ~15 % active) with
Russian and English text drawn from word lists of skewed frequency plus a
long tail of rare tokens (error codes, host names), a third of them with
1–3 comments (a quarter of those internal notes). The search words go in
through the application's own stemmer (``helpdesk.fulltext.index_text``)
into ``ticket_search``, whose triggers fill the FTS5 index, as in
production. Then it times ``helpdesk.search.tickets.ticket_page`` in
process (a fresh session per call) and the same searches over HTTP
through the Flask test client, and prints ``EXPLAIN QUERY PLAN`` of the
ranked statement.

    .venv/bin/python bench/ticket_search_bench.py --tickets 10000
    .venv/bin/python bench/ticket_search_bench.py --keep        # 1,000,000
    .venv/bin/python bench/ticket_search_bench.py --reuse       # same file again

Figures: bench/README.md, section "ticket_search_bench.py".
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from common import TICKET_COLUMNS, datetime_storer, insert_sql, percentile  # noqa: E402

from app import create_app  # noqa: E402
from config import TestingConfig  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.fulltext import index_text  # noqa: E402
from helpdesk.models import Category, Ticket, User  # noqa: E402
from helpdesk.organisations.models import Organisation  # noqa: E402
from helpdesk.search import tickets as ticket_search  # noqa: E402
from helpdesk.service import accounts  # noqa: E402
from helpdesk.vocabulary import Role  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "bench-password"
AGENT_EMAIL = "bench.line1@example.com"
TARGET_P95_MS = 50.0
PAGE = 25
WINDOW = TestingConfig.TICKET_SEARCH_WINDOW
CUSTOMERS, ORGANISATIONS = 2000, 200
POOL = 50_000  # distinct texts
AGENTS_PER_LINE = {1: 15, 2: 10, 3: 5}
CATEGORIES = ("access", "hardware", "software", "network", "email", "billing")

# Word lists, most frequent first: a word's weight falls as 1/rank.
RU = [
    "не",
    "работает",
    "ошибка",
    "принтер",
    "печатает",
    "пароль",
    "почта",
    "доступ",
    "сеть",
    "компьютер",
    "ноутбук",
    "сервер",
    "письмо",
    "учётная",
    "запись",
    "папка",
    "файл",
    "программа",
    "обновление",
    "монитор",
    "телефон",
    "подключение",
    "интернет",
    "медленно",
    "отчёт",
    "накладная",
    "счёт",
    "сканер",
    "клавиатура",
    "мышь",
    "диск",
    "копия",
    "база",
    "данных",
    "пользователь",
    "права",
    "сертификат",
    "вход",
    "блокировка",
    "звонок",
    "касса",
    "терминал",
    "склад",
    "бухгалтерия",
    "договор",
    "смета",
    "заявка",
    "кабинет",
    "этаж",
    "камера",
    "пропуск",
    "турникет",
    "проектор",
]
EN = [
    "cannot",
    "login",
    "error",
    "printer",
    "print",
    "password",
    "mail",
    "access",
    "network",
    "laptop",
    "server",
    "email",
    "account",
    "folder",
    "file",
    "application",
    "update",
    "monitor",
    "phone",
    "vpn",
    "connection",
    "internet",
    "slow",
    "report",
    "invoice",
    "scanner",
    "keyboard",
    "mouse",
    "disk",
    "backup",
    "database",
    "user",
    "permission",
    "certificate",
    "locked",
    "call",
    "crash",
    "freeze",
    "license",
    "outlook",
    "teams",
    "excel",
    "browser",
    "wifi",
    "badge",
    "door",
    "camera",
    "projector",
    "screen",
    "battery",
    "charger",
    "dock",
    "headset",
    "meeting",
    "calendar",
    "sync",
    "share",
    "drive",
]
FILLER = [
    "please",
    "help",
    "since",
    "this",
    "morning",
    "again",
    "after",
    "the",
    "restart",
    "it",
    "still",
    "пожалуйста",
    "помогите",
    "с",
    "утра",
    "снова",
    "после",
    "перезагрузки",
    "всё",
    "равно",
]


def zipf_chooser(rng: random.Random, words: list[str]):
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return lambda k: rng.choices(words, weights, k=k)


def make_text(rng, pick_ru, pick_en, n_words: int) -> str:
    pick = pick_ru if rng.random() < 0.6 else pick_en
    words = pick(n_words) + rng.sample(FILLER, 3)
    if rng.random() < 0.05:  # the long tail: codes and host names
        words.append(
            rng.choice(("0x", "srv-", "inv-", "err")) + f"{rng.randrange(16**5):05x}"
        )
    rng.shuffle(words)
    return " ".join(words)


def text_pool(rng, pick_ru, pick_en, size: int) -> list[dict]:
    """``size`` distinct tickets' texts and stemmed words; the seeder draws
    each ticket from them (stemming a million texts would take longer than
    the benchmark)."""
    pool = []
    for _ in range(size):
        subject = make_text(rng, pick_ru, pick_en, 3)[:200]
        description = make_text(rng, pick_ru, pick_en, 14)
        comments = []
        if rng.random() < 0.33:
            for _ in range(rng.randint(1, 3)):
                body = make_text(rng, pick_ru, pick_en, 10)
                comments.append((body, int(rng.random() < 0.25)))
        public = [description] + [b for b, note in comments if not note]
        words = (
            index_text(subject),
            index_text(*public),
            index_text(*(b for b, note in comments if note)),
        )
        pool.append(
            {
                "subject": subject,
                "description": description,
                "comments": comments,
                "words": words,
            }
        )
    return pool


def seed(app, n_tickets: int, seed_value: int) -> dict:
    rng = random.Random(seed_value)
    pick_ru, pick_en = zipf_chooser(rng, RU), zipf_chooser(rng, EN)
    pool = text_pool(rng, pick_ru, pick_en, min(POOL, n_tickets))
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    start = now - timedelta(days=3 * 365)
    with app.app_context():
        accounts.create_user(
            {
                "email": AGENT_EMAIL,
                "name": "Bench Agent",
                "role": Role.LINE1,
                "password": PASSWORD,
            },
            now=now,
        )
        db.session.execute(
            sa.insert(Category),
            [
                {"code": c, "name_en": c, "name_ru": c, "active": True}
                for c in CATEGORIES
            ],
        )
        db.session.execute(
            sa.insert(Organisation),
            [
                {
                    "id": n + 1,
                    "name": f"Org {n}",
                    "name_key": f"org {n}",
                    "notes": "",
                    "created_at": start,
                    "updated_at": start,
                }
                for n in range(ORGANISATIONS)
            ],
        )
        users = [
            {
                "email": f"agent{line}.{i}@example.com",
                "name": f"Agent {line}.{i}",
                "role": {1: Role.LINE1, 2: Role.LINE2, 3: Role.LINE3}[line],
                "timezone": "UTC",
                "active": True,
                "created_at": start,
            }
            for line, count in AGENTS_PER_LINE.items()
            for i in range(count)
        ]
        users += [
            {
                "email": f"customer{i}@org{i % ORGANISATIONS}.example",
                "name": f"Customer {i}",
                "phone": f"+7495{i:07d}",
                "organisation_id": i % ORGANISATIONS + 1,
                "role": Role.CUSTOMER,
                "timezone": "UTC",
                "active": True,
                "created_at": start,
            }
            for i in range(CUSTOMERS)
        ]
        db.session.execute(sa.insert(User), users)
        db.session.commit()
        rows = db.session.execute(sa.select(User.id, User.role)).all()
        agents = {
            line: [uid for uid, role in rows if role == r]
            for line, r in ((1, Role.LINE1), (2, Role.LINE2), (3, Role.LINE3))
        }
        customers = [uid for uid, role in rows if role == Role.CUSTOMER]
        category_ids = list(db.session.scalars(sa.select(Category.id)))
        store = datetime_storer(db.engine.dialect)
        span = (now - start).total_seconds()
        raw = db.engine.raw_connection()
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-262144")
        comment_sql = insert_sql(
            "comments", ["ticket_id", "author_id", "body", "internal", "created_at"]
        )
        search_sql = insert_sql(
            "ticket_search",
            ["ticket_id", "subject_words", "public_words", "internal_words"],
        )
        tag_sql = insert_sql("ticket_tags", ["ticket_id", "tag"])
        counts = {"comments": 0}
        chunk = 20_000
        for first in range(1, n_tickets + 1, chunk):
            tickets, comments, docs, tags = [], [], [], []
            for tid in range(first, min(first + chunk, n_tickets + 1)):
                frac = tid / n_tickets
                created = start + timedelta(seconds=span * frac)
                active = rng.random() < (0.7 if frac > 0.8 else 0.0125)
                status = (
                    rng.choice(("new", "open", "pending", "reopened"))
                    if active
                    else rng.choice(("closed", "closed", "resolved"))
                )
                line = rng.choices((1, 2, 3), (60, 30, 10))[0]
                requester = customers[int(CUSTOMERS * rng.random() ** 2)]
                text = pool[rng.randrange(len(pool))]
                subject, description = text["subject"], text["description"]
                tickets.append(
                    (
                        tid,
                        subject,
                        description,
                        status,
                        rng.choices(("P1", "P2", "P3", "P4"), (5, 15, 60, 20))[0],
                        "web",
                        line,
                        rng.choice(category_ids),
                        requester,
                        rng.choice(agents[line]) if rng.random() < 0.7 else None,
                        store(created),
                        store(created),
                        None,
                        None,
                    )
                )
                for body, is_note in text["comments"]:
                    comments.append(
                        (tid, rng.choice(agents[line]), body, is_note, store(created))
                    )
                docs.append((tid, *text["words"]))
                if rng.random() < 0.05:
                    tags.append((tid, rng.choice(("vip", "printer", "outage"))))
            cur.executemany(insert_sql("tickets", TICKET_COLUMNS), tickets)
            cur.executemany(comment_sql, comments)
            cur.executemany(search_sql, docs)
            cur.executemany(tag_sql, tags)
            raw.commit()
            counts["comments"] += len(comments)
            print(f"  seeded {tid:,} tickets", flush=True)
        # Tickets carry their requester's organisation.
        cur.execute(
            "UPDATE tickets SET organisation_id = (SELECT organisation_id FROM users "
            "WHERE users.id = tickets.requester_id)"
        )
        raw.commit()
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        raw.close()
        db.session.remove()
    return counts


def word_frequencies(app, words: list[str]) -> dict[str, int]:
    """How many tickets each word's stem is in (FTS5 doc counts)."""
    with app.app_context():
        counts = {}
        for word in words:
            stem = index_text(word)
            counts[word] = db.session.execute(
                sa.text("SELECT count(*) FROM ticket_fts WHERE ticket_fts MATCH :m"),
                {"m": f'"{stem}"'},
            ).scalar_one()
        db.session.remove()
        return counts


def scenarios(info: dict) -> list[tuple[str, str, dict]]:
    """(name, actor key, filters)."""
    last_year = {"created_from": date(2024, 1, 1), "created_to": date(2024, 12, 31)}
    return [
        ("number HD-…", "agent", {"q": f"HD-{info['some_id']:06d}"}),
        ("rare token (1–3 tickets)", "agent", {"q": info["rare"]}),
        ("no match", "agent", {"q": "zzyzx"}),
        ("medium word (проектор)", "agent", {"q": "проектор"}),
        ("common word (ошибка)", "agent", {"q": "ошибка"}),
        ("word form (принтера)", "agent", {"q": "принтера"}),
        ("two common words", "agent", {"q": "не работает"}),
        ("prefix (принт*)", "agent", {"q": "принт*"}),
        ("English, two words", "agent", {"q": "printer error"}),
        ("common word + status open", "agent", {"q": "ошибка", "status": ["open"]}),
        (
            "common word + P1, line 2",
            "agent",
            {"q": "ошибка", "priority": ["P1"], "line": 2},
        ),
        (
            "common word + organisation",
            "agent",
            {"q": "ошибка", "organization": "Org 7"},
        ),
        (
            "common word + requester (busiest)",
            "agent",
            {"q": "ошибка", "requester_id": info["busiest_id"]},
        ),
        (
            "common word + requester (median)",
            "agent",
            {"q": "ошибка", "requester_id": info["median_id"]},
        ),
        ("common word + tag", "agent", {"q": "ошибка", "tag": "vip"}),
        ("common word + a year two years ago", "agent", {"q": "ошибка", **last_year}),
        (
            "medium word + assignee",
            "agent",
            {"q": "проектор", "assignee_id": info["line1_agent_id"]},
        ),
        ("customer's own (busiest), common word", "busiest", {"q": "ошибка"}),
        ("customer's own (median), common word", "median", {"q": "ошибка"}),
    ]


def probe_info(app) -> dict:
    with app.app_context():
        per_customer = db.session.execute(
            sa.select(Ticket.requester_id, sa.func.count())
            .group_by(Ticket.requester_id)
            .order_by(sa.func.count().desc(), Ticket.requester_id)
        ).all()
        rare = db.session.execute(
            sa.text(
                "SELECT subject_words || ' ' || public_words FROM ticket_search"
                " WHERE public_words LIKE '%0x%' LIMIT 1"
            )
        ).scalar()
        token = next((w for w in (rare or "").split() if w.startswith("0x")), "0xabc")
        info = {
            "agent_id": db.session.scalar(
                sa.select(User.id).where(User.email == AGENT_EMAIL)
            ),
            "line1_agent_id": db.session.scalar(
                sa.select(sa.func.min(User.id)).where(
                    User.role == Role.LINE1, User.email != AGENT_EMAIL
                )
            ),
            "busiest_id": per_customer[0][0],
            "busiest_n": per_customer[0][1],
            "median_id": per_customer[len(per_customer) // 2][0],
            "median_n": per_customer[len(per_customer) // 2][1],
            "some_id": db.session.scalar(sa.select(sa.func.max(Ticket.id))) // 2,
            "rare": token,
        }
        db.session.remove()
        return info


def timed(fn, *, reps: int, max_seconds: float) -> dict:
    """Wall-clock and CPU milliseconds per call (the CPU time of this
    process, which other load on the machine does not inflate)."""
    for _ in range(3):
        fn()
    samples: list[float] = []
    cpu: list[float] = []
    deadline = time.perf_counter() + max_seconds
    while len(samples) < reps and (len(samples) < 20 or time.perf_counter() < deadline):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    samples.sort()
    return {
        "n": len(samples),
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "max": samples[-1],
        "cpu_p50": percentile(cpu, 50),
        "cpu_p95": percentile(cpu, 95),
    }


class StatementLog:
    def __init__(self, engine) -> None:
        self.active, self.statements = False, []
        sa.event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, _conn, _cursor, statement, parameters, _context, _many):
        if self.active:
            self.statements.append((statement, parameters))


def explain(statement: str, parameters) -> list[str]:
    plan = (
        db.session.connection()
        .exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        .all()
    )
    depth: dict[int, int] = {0: -1}
    lines = []
    for node_id, parent, _unused, detail in plan:
        depth[node_id] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node_id] + detail)
    return lines


def measure(app, info, args) -> list[dict]:
    results = []
    with app.app_context():
        log = StatementLog(db.engine)
        actors = {
            "agent": info["agent_id"],
            "busiest": info["busiest_id"],
            "median": info["median_id"],
        }
        for name, actor_key, filters in scenarios(info):

            def call(actor_id=actors[actor_key], filters=filters):
                actor = db.session.get(User, actor_id)
                rows, _cursor = ticket_search.ticket_page(
                    actor, dict(filters), cursor=None, limit=PAGE, window=WINDOW
                )
                db.session.remove()
                return rows

            found = len(call())
            stats = timed(call, reps=args.reps, max_seconds=args.max_seconds)
            log.statements, log.active = [], True
            call()
            log.active = False
            ranked = [s for s in log.statements if "ticket_fts" in s[0]]
            plan = explain(*ranked[0]) if ranked else []
            results.append(
                {
                    "scenario": name,
                    "rows": found,
                    **stats,
                    "statements": len(log.statements),
                    "plan": plan,
                }
            )
            print(
                f"  {name}: {found} rows, p50 {stats['p50']:.1f} ms,"
                f" p95 {stats['p95']:.1f} ms",
                flush=True,
            )
    return results


def measure_http(app, info, args) -> list[dict]:
    web = app.test_client()
    response = web.post("/login", data={"email": AGENT_EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    api = app.test_client()
    token = api.post(
        "/api/v1/auth/token", json={"email": AGENT_EMAIL, "password": PASSWORD}
    ).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    urls = [
        ("HTTP GET /search?q=ошибка", web, "/search?q=ошибка", {}),
        (
            "HTTP GET /search?q=не работает&status=open",
            web,
            "/search?q=не+работает&status=open",
            {},
        ),
        (
            "HTTP GET /search?q=HD-… (redirect)",
            web,
            f"/search?q=HD-{info['some_id']:06d}",
            {},
        ),
        (
            "HTTP GET /api/v1/tickets?q=printer error",
            api,
            "/api/v1/tickets?q=printer+error&limit=25",
            headers,
        ),
        (
            "HTTP GET /api/v1/tickets?q=ошибка&priority=P1",
            api,
            "/api/v1/tickets?q=ошибка&priority=P1&limit=25",
            headers,
        ),
    ]
    results = []
    for name, client, url, hdrs in urls:

        def call(client=client, url=url, hdrs=hdrs):
            response = client.get(url, headers=hdrs)
            assert response.status_code in (200, 302), (url, response.status_code)

        stats = timed(call, reps=args.http_reps, max_seconds=args.max_seconds)
        results.append({"scenario": name, "rows": None, **stats})
        print(
            f"  {name}: p50 {stats['p50']:.1f} ms, p95 {stats['p95']:.1f} ms",
            flush=True,
        )
    return results


def main() -> None:
    global WINDOW
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--http-reps", type=int, default=100)
    parser.add_argument("--max-seconds", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--window", type=int, default=WINDOW)
    args = parser.parse_args()
    WINDOW = args.window
    # (the HTTP scenarios read the app's setting, set below)
    RESULTS.mkdir(exist_ok=True)
    path = args.db or RESULTS / f"ticket_search_{args.tickets}.sqlite3"
    app = create_app(
        TestingConfig,
        overrides={
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "TICKET_SEARCH_WINDOW": WINDOW,
        },
    )
    started = time.perf_counter()
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        with app.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()
        counts = seed(app, args.tickets, args.seed)
        print(
            f"seeded {args.tickets:,} tickets, {counts['comments']:,} comments in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    info = probe_info(app)
    frequencies = word_frequencies(
        app, ["ошибка", "проектор", "принтер", "printer", "error", info["rare"]]
    )
    print(
        f"tickets per word: {frequencies}; busiest customer {info['busiest_n']},"
        f" median {info['median_n']} tickets",
        flush=True,
    )
    results = measure(app, info, args) + measure_http(app, info, args)
    print(
        f"\n| scenario | rows | p50 ms | p95 ms | max ms | CPU p50 / p95 ms"
        f" | p95 < {TARGET_P95_MS:.0f} |"
    )
    print("|---|---:|---:|---:|---:|---:|:--|")
    for r in results:
        ok = "✅" if r["p95"] < TARGET_P95_MS else "❌"
        rows = "" if r["rows"] is None else r["rows"]
        print(
            f"| {r['scenario']} | {rows} | {r['p50']:.1f} | {r['p95']:.1f} |"
            f" {r['max']:.1f} | {r['cpu_p50']:.1f} / {r['cpu_p95']:.1f} | {ok} |"
        )
    print("\nplans of the ranked statement:")
    for r in results:
        if r.get("plan"):
            print(f"- {r['scenario']}:")
            for line in r["plan"]:
                print(f"    {line}")
    out = RESULTS / f"ticket_search_{args.tickets}_w{WINDOW}.json"
    out.write_text(
        json.dumps(
            {
                "tickets": args.tickets,
                "window": WINDOW,
                "frequencies": frequencies,
                "info": info,
                "results": results,
            },
            indent=1,
            default=str,
        )
    )
    if not args.keep and not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    failed = [r["scenario"] for r in results if r["p95"] >= TARGET_P95_MS]
    if failed:
        print(f"over the target: {failed}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
