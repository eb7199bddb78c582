"""Agents, flow between lines and the knowledge base: the API's figures
equal those counted here from the raw rows (timeline events, clocks,
tickets, links), in the manager's local days; the same after the roll-ups;
an agent sees only their own line."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent, User
from helpdesk.service import lines
from helpdesk.service import tickets as ticket_service
from helpdesk.vocabulary import EventKind, Priority, Role, TicketStatus
from knowledge_base.service import usage
from reports.service import rollups
from routing.models import DefectKind, Severity
from routing.service import defects
from sla.models import Phase, SlaClock
from sla.service.rollup_keys import bucket_bounds, bucket_of
from tests.builders import _load, make_category, make_ticket, make_user, snapshot
from tests.knowledge_base.builders import make_article
from tests.sla.builders import make_calendar, make_policy

ZONE = "Europe/Moscow"
TZ = ZoneInfo(ZONE)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DAY = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
PERIOD = "from=2026-11-16&to=2026-11-24"


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


@pytest.fixture
def world(app, clock):
    clock.set(NOW)
    with app.app_context():
        make_policy(calendar=make_calendar(always_open=True), first_response_minutes=60)
        make_category("access")
        manager = make_user(role=Role.MANAGER, timezone=ZONE)
        anna = make_user(role=Role.LINE1, name="Anna", timezone=ZONE)
        boris = make_user(role=Role.LINE2, name="Boris", timezone=ZONE)
        vera = make_user(role=Role.LINE3, name="Vera", timezone=ZONE)
        customer = make_user(organisation="Acme")
        article = make_article(author=boris, at=at(-24))

        # 1: web, Anna answers, resolves with an article; reopened, resolved again.
        t1 = make_ticket(requester=customer, at=at(0), assignee_id=anna.id)
        ticket_service.add_comment(
            t1, body="Try this.", internal=False, actor=anna, now=at(0.5)
        )
        usage.link_article(article, t1, actor=anna, now=at(0.6))
        ticket_service.change_status(t1, TicketStatus.RESOLVED, actor=anna, now=at(1))
        ticket_service.add_comment(
            t1, body="Still broken", internal=False, actor=customer, now=at(2)
        )
        ticket_service.change_status(t1, TicketStatus.RESOLVED, actor=anna, now=at(3))

        # 2: a call resolved on the call by Anna.
        ticket_service.register_call(
            {
                "subject": "Password",
                "description": "Forgot it",
                "category": "access",
                "priority": Priority.P3,
                "resolve_on_call": True,
                "solution": "Reset it.",
            },
            caller=customer,
            actor=anna,
            now=at(4),
        )

        # 3: escalated to line 2, Boris answers and resolves.
        t3 = make_ticket(requester=customer, at=at(5))
        lines.move_to_line(t3, 2, actor=anna, now=at(6), reason="hard")
        ticket_service.assign_ticket(t3, boris.id, actor=boris, now=at(6.5))
        ticket_service.add_comment(
            t3, body="Fixed config", internal=False, actor=boris, now=at(7)
        )
        ticket_service.change_status(t3, TicketStatus.RESOLVED, actor=boris, now=at(9))

        # 4: to line 2, to line 3 (a defect), back down to line 2; still open.
        t4 = make_ticket(requester=customer, at=at(24))
        lines.move_to_line(t4, 2, actor=anna, now=at(25), reason="hard")
        defects.create_defect(
            {
                "kind": DefectKind.DEFECT,
                "title": "Crash",
                "description": "It crashes",
                "severity": Severity.MAJOR,
            },
            ticket=t4,
            actor=_load(boris),
            now=at(26),
        )
        lines.move_to_line(t4, 3, actor=boris, now=at(27), reason="code")
        lines.move_to_line(t4, 2, actor=vera, now=at(28), reason="config after all")

        # A customer found the answer in the article instead of writing.
        usage.deflect(article, subject="Printer", actor=_load(customer), now=at(30))
        db.session.commit()
        return snapshot(manager), snapshot(anna), snapshot(boris)


def local(instant: datetime) -> date:
    return instant.astimezone(TZ).date()


def expected_agents() -> dict[str, dict]:
    """Counted from the timeline and the clocks, as the report defines them."""
    staff = {u.id: u for u in db.session.scalars(sa.select(User)) if u.is_staff}
    events = list(db.session.scalars(sa.select(TicketEvent).order_by(TicketEvent.id)))
    first_reply: dict[int, int] = {}
    for e in events:
        if e.kind == EventKind.REPLIED and e.actor_id in staff:
            first_reply.setdefault(e.ticket_id, e.id)
    out: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    handled = defaultdict(set)
    for e in events:
        if e.actor_id not in staff:
            continue
        row = out[staff[e.actor_id].name]
        if e.kind == EventKind.REPLIED:
            row["replies"] += 1
            row["first_replies"] += first_reply[e.ticket_id] == e.id
            handled[(e.actor_id, local(e.created_at))].add(e.ticket_id)
        elif e.kind == EventKind.STATUS_CHANGED and e.data["new"] == "resolved":
            row["resolutions"] += 1
            row["reopened"] += any(
                later.ticket_id == e.ticket_id
                and later.id > e.id
                and later.kind == EventKind.STATUS_CHANGED
                and later.data["new"] == "reopened"
                for later in events
            )
            handled[(e.actor_id, local(e.created_at))].add(e.ticket_id)
    for (agent_id, _day), ids in handled.items():
        out[staff[agent_id].name]["tickets"] += len(ids)
    times = defaultdict(list)
    for clock in db.session.scalars(sa.select(SlaClock)):
        ticket = db.session.get(Ticket, clock.ticket_id)
        if clock.phase == Phase.STOPPED and not clock.unanswered and ticket.assignee_id:
            name = staff[ticket.assignee_id].name
            out[name]["sla_met" if clock.breached_at is None else "sla_breached"] += 1
            times[(name, clock.target.value)].append(clock.spent_seconds)
    for (name, target), values in times.items():
        values.sort()
        low, high = bucket_bounds(bucket_of(values[(len(values) - 1) // 2]))
        out[name][f"{target}_median_seconds"] = (
            low if high - low == 1 else (low + high) // 2
        )
    return out


def _get(client, bearer, user, path):
    response = client.get(path, headers=bearer(user))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


FIELDS = (
    "replies",
    "first_replies",
    "resolutions",
    "tickets",
    "sla_met",
    "first_response_median_seconds",
    "resolution_median_seconds",
)


def _check_agents(app, client, bearer, manager):
    got = _get(client, bearer, manager, f"/api/v1/reports/agents?{PERIOD}")
    with app.app_context():
        want = expected_agents()
    rows = {r["agent"]: r for r in got["items"]}
    assert set(rows) == {"Anna", "Boris"}
    for name, row in rows.items():
        for field in FIELDS:
            default = None if field.endswith("_seconds") else 0
            assert row[field] == want[name].get(field, default), (name, field)
    return got


def test_agents_match_the_timeline_and_the_clocks(app, client, bearer, world):
    manager, anna, _boris = world
    got = _check_agents(app, client, bearer, manager)
    rows = {r["agent"]: r for r in got["items"]}
    anna_row = rows["Anna"]
    # Two resolutions of ticket 1 (the first one reopened) and the call.
    assert (anna_row["resolutions"], anna_row["reopen_percent"]) == (3, 33.3)
    assert anna_row["phone_on_call"] == 1
    assert [r["agent"] for r in got["items"]] == ["Anna", "Boris"]  # by resolutions

    with app.app_context():
        rollups.roll(now=NOW, max_days=None)
        db.session.commit()
    assert _check_agents(app, client, bearer, manager)["items"] == got["items"]

    mine = _get(
        client, bearer, anna, f"/api/v1/reports/agents?{PERIOD}&agent={world[2].id}"
    )
    assert [r["agent"] for r in mine["items"]] == ["Anna"]
    by_name = _get(
        client, bearer, manager, f"/api/v1/reports/agents?{PERIOD}&sort=agent&order=asc"
    )
    assert [r["agent"] for r in by_name["items"]] == ["Anna", "Boris"]


def test_flow_between_lines(app, client, bearer, world):
    manager = world[0]
    got = _get(client, bearer, manager, f"/api/v1/reports/flow?{PERIOD}")
    t = got["totals"]
    assert t["registered"] == 4
    assert (t["line1_on_call"], t["line1_with_article"], t["line1_later"]) == (1, 1, 0)
    assert (t["to_line2"], t["to_line3"], t["moved_down"]) == (2, 1, 1)
    assert (t["defect_linked"], t["defects_filed"]) == (1, 1)
    on_line = {r["line"]: r for r in got["time_on_line"]}
    # Resolved tickets: 1 (3 h on line 1), 2 (0 s), 3 (1 h on line 1, 3 h on line 2).
    assert on_line[1]["tickets"] == 3 and on_line[2]["tickets"] == 1
    assert on_line[2]["median_seconds"] == (lambda b: (b[0] + b[1]) // 2)(
        bucket_bounds(bucket_of(3 * 3600))
    )
    with app.app_context():
        rollups.roll(now=NOW, max_days=None)
        db.session.commit()
    assert _get(client, bearer, manager, f"/api/v1/reports/flow?{PERIOD}") == got


def test_knowledge_base_rates_articles_and_empty_searches(
    app, client, bearer, login, world
):
    manager = world[0]
    login(manager)
    assert client.get("/kb?q=zzyzx+quantum").status_code == 200
    assert (
        client.get(
            "/api/v1/kb/search?q=Zzyzx  Quantum", headers=bearer(manager)
        ).status_code
        == 200
    )
    got = _get(client, bearer, manager, f"/api/v1/reports/kb?{PERIOD}")
    t = got["totals"]
    # Web tickets 1, 3 and 4; one deflection; one phone ticket, resolved on the call.
    assert (t["deflections"], t["web_tickets"], t["deflection_percent"]) == (1, 3, 25.0)
    assert (t["phone_tickets"], t["resolved_on_call"], t["first_contact_percent"]) == (
        1,
        0,
        0.0,
    )
    assert [(a["title"], a["resolved"]) for a in got["top_articles"]] == [
        ("Printer does not print", 2)
    ]
    assert got["searches_without_results"][0]["query"] == "zzyzx quantum"
    assert got["searches_without_results"][0]["searches"] == 2


def test_every_report_page_draws_its_tables(client, login, world):
    login(world[0])
    for name in ("agents", "flow", "kb"):
        page = client.get(f"/reports/{name}?{PERIOD}")
        assert page.status_code == 200, name
        assert 'id="report-chart-data"' in page.get_data(as_text=True)


def test_the_agents_table_sorts_by_a_column_from_its_heading(client, login, world):
    login(world[0])

    def table(order: str) -> str:
        url = f"/reports/agents?{PERIOD}&sort=agent&order={order}"
        html = client.get(url).get_data(as_text=True)
        return html[html.index('id="table-agents"') :]

    ascending = table("asc")
    assert 'aria-sort="ascending"' in ascending
    assert ascending.index(">Anna<") < ascending.index(">Boris<")
    descending = table("desc")
    assert descending.index(">Boris<") < descending.index(">Anna<")


def test_the_flow_by_channel_adds_up_to_the_unfiltered_flow(app, client, bearer, world):
    """The unfiltered flow reads its own roll-ups (no channel or category):
    its counts are the sums of the flows of each channel, before and after
    the roll-ups."""
    manager = world[0]

    def flows() -> tuple[dict, dict]:
        whole = _get(client, bearer, manager, f"/api/v1/reports/flow?{PERIOD}")
        parts = [
            _get(client, bearer, manager, f"/api/v1/reports/flow?{PERIOD}&channel={c}")
            for c in ("web", "phone", "email", "api")
        ]
        return whole, parts

    for rolled in (False, True):
        if rolled:
            with app.app_context():
                rollups.roll(now=NOW, max_days=None)
                db.session.commit()
        whole, parts = flows()
        for name in ("registered", "line1_on_call", "to_line2", "moved_down"):
            assert whole["totals"][name] == sum(p["totals"][name] for p in parts)
        for i, row in enumerate(whole["series"]):
            assert row["registered"] == sum(p["series"][i]["registered"] for p in parts)
        for i, row in enumerate(whole["time_on_line"]):
            assert row["tickets"] == sum(p["time_on_line"][i]["tickets"] for p in parts)


def test_each_projection_holds_its_parents_rows_summed(app, world):
    """A roll-up without some keys (``rollups.projection``) holds exactly the
    sums of its parent's rows, day and month rows alike."""
    with app.app_context():
        rollups.roll(now=NOW, max_days=None)
        db.session.commit()
        projections = [f for f in rollups.FACTS.values() if f.parent is not None]
        assert {f.name for f in projections} == {
            "volume_series",
            "csat_series",
            "flow_series",
            "flow_line_times",
        }
        for fact in projections:
            parent = fact.parent.model.__table__
            keys = [parent.c[k] for k in ("zone", "grain", "day", *fact.keys)]
            sums = sa.select(*keys, *(sa.func.sum(parent.c[c]) for c in fact.counts))
            want = set(db.session.execute(sums.group_by(*keys)).tuples())
            table = fact.model.__table__
            columns = [table.c[k] for k in ("zone", "grain", "day", *fact.keys)]
            got = sa.select(*columns, *(table.c[c] for c in fact.counts))
            assert set(db.session.execute(got).tuples()) == want, fact.name
            assert want or fact.name == "csat_series"  # this world rates nothing
