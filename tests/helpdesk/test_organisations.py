"""Organisations as records: managed on their pages and through the API,
their designated contacts following all their tickets in the portal, their
plan in SLA policies and routing rules, their name in searches and the
caller lookup, their e-mail domains for new customers."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.organisations.models import Organisation
from helpdesk.service import accounts, queries
from helpdesk.vocabulary import Priority, Role
from sla.models import SlaPolicy
from sla.service.clocks import select_policy
from tests.builders import (
    make_category,
    make_organisation,
    make_ticket,
    make_user,
)
from tests.helpdesk.imports.files import write_csv
from tests.query_plans import plans_of
from tests.routing.builders import make_rule
from tests.security.support import assert_unchanged, db_state, error_of
from tests.sla.builders import make_policy


@pytest.fixture
def romashka(given):
    """ООО Ромашка: Anna and Boris are plain members, Irina its designated
    contact; Anna and Boris have a ticket each; Dave is of no organisation."""
    given(make_category, "access")
    given(make_organisation, "ООО Ромашка", domains=["romashka.example"])
    anna = given(make_user, name="Anna", organisation="ООО Ромашка")
    boris = given(make_user, name="Boris", organisation="ООО Ромашка")
    irina = given(make_user, name="Irina", organisation="ООО Ромашка", org_contact=True)
    dave = given(make_user, name="Dave")
    return {
        "anna": anna,
        "boris": boris,
        "irina": irina,
        "dave": dave,
        "annas": given(make_ticket, requester=anna, subject="Printer jams"),
        "boris's": given(make_ticket, requester=boris, subject="VPN drops"),
        "dave's": given(make_ticket, requester=dave, subject="Dave's own"),
    }


def listed(client) -> list[str]:
    page = client.get("/tickets").get_data(as_text=True)
    return re.findall(r">(HD-\d{6})<", page)


# --- who sees what (issue 21: done when) --------------------------------------


def test_the_contact_sees_and_answers_a_colleagues_ticket_a_plain_member_does_not(
    client, login, romashka
):
    annas, boris = romashka["annas"], romashka["boris's"]
    login(romashka["irina"])
    assert set(listed(client)) == {annas.number, boris.number}
    page = client.get(f"/tickets/{annas.id}")
    assert page.status_code == 200
    assert "Printer jams" in page.get_data(as_text=True)
    reply = client.post(f"/tickets/{annas.id}/comments", data={"body": "Same here."})
    assert reply.status_code == 302
    client.post("/logout")

    login(romashka["boris"])
    assert listed(client) == [boris.number]
    assert client.get(f"/tickets/{annas.id}").status_code == 404
    refused = client.post(f"/tickets/{annas.id}/comments", data={"body": "Hi"})
    assert refused.status_code == 404


def test_the_contact_follows_the_tickets_but_only_the_requester_resolves(
    client, bearer, romashka
):
    annas = romashka["annas"]
    headers = bearer(romashka["irina"])
    listed_ids = {
        t["id"] for t in client.get("/api/v1/tickets", headers=headers).json["items"]
    }
    assert listed_ids == {annas.id, romashka["boris's"].id}
    refused = client.post(
        f"/api/v1/tickets/{annas.id}/transitions",
        headers=headers,
        json={"status": "resolved"},
    )
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    replied = client.post(
        f"/api/v1/tickets/{annas.id}/comments", headers=headers, json={"body": "+1"}
    )
    assert replied.status_code == 201


def test_a_customer_of_no_organisation_sees_only_their_own(client, bearer, romashka):
    items = client.get("/api/v1/tickets", headers=bearer(romashka["dave"])).json
    assert [t["id"] for t in items["items"]] == [romashka["dave's"].id]


def test_leaving_the_organisation_takes_a_members_tickets_along(
    app, client, bearer, romashka
):
    anna = romashka["anna"]
    with app.app_context():
        accounts.set_membership(db.session.get(User, anna.id), None, contact=False)
        db.session.commit()
        assert db.session.get(Ticket, romashka["annas"].id).organisation_id is None
    items = client.get("/api/v1/tickets", headers=bearer(romashka["irina"])).json
    assert [t["id"] for t in items["items"]] == [romashka["boris's"].id]


def test_the_contacts_list_walks_the_organisations_index(app, romashka):
    """A million tickets: the contact's page reads the organisation's own
    index range, never the whole table."""
    with app.app_context():
        irina = db.session.get(User, romashka["irina"].id)
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's plan is checked; PostgreSQL plans by statistics")
        (plan,) = plans_of(
            lambda: queries.ticket_page(irina, {}, cursor=None, limit=25),
            reading="SELECT tickets.id, tickets.subject",
        )
    assert "ix_tickets_organisation_id_id" in plan, plan
    assert "SCAN tickets" not in plan, plan


# --- managing them ------------------------------------------------------------


def test_a_manager_creates_and_edits_an_organisation_and_its_members_on_the_pages(
    app, client, given, login
):
    login(given(make_user, role=Role.MANAGER))
    customer = given(make_user, email="olga@globex.example", name="Olga")
    created = client.post(
        "/admin/organisations/new",
        data={
            "name": "Globex",
            "domains": "globex.example\nGLOBEX.ru",
            "phone": "+7 495 000-00-00",
            "plan": "premium",
            "notes": "Since 2020.",
        },
    )
    assert created.status_code == 302
    with app.app_context():
        globex = db.session.scalar(sa.select(Organisation))
        assert (globex.name, globex.domains, globex.plan) == (
            "Globex",
            ["globex.example", "globex.ru"],
            "premium",
        )
        org_id = globex.id
    added = client.post(
        f"/admin/organisations/{org_id}/members",
        data={"email": customer.email, "contact": "true"},
    )
    assert added.status_code == 302
    page = client.get(f"/admin/organisations/{org_id}").get_data(as_text=True)
    assert "Olga" in page and "Contact: yes" in page
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert "Globex" in listing and "1 (contacts: 1)" in listing
    client.post(f"/admin/organisations/{org_id}/members/{customer.id}/removal")
    with app.app_context():
        olga = db.session.get(User, customer.id)
        assert olga.organisation_id is None and not olga.org_contact


def test_names_and_domains_are_one_organisations_each(client, given, bearer):
    headers = bearer(given(make_user, role=Role.ADMIN))
    given(make_organisation, "ООО Ромашка", domains=["romashka.example"])
    same_name = client.post(
        "/api/v1/organisations", headers=headers, json={"name": "ооо  ромашка"}
    )
    assert same_name.status_code == 409
    assert error_of(same_name)["fields"] == {"name": ["Already taken."]}
    same_domain = client.post(
        "/api/v1/organisations",
        headers=headers,
        json={"name": "Globex", "domains": ["Romashka.Example"]},
    )
    assert same_domain.status_code == 422
    assert "domains" in error_of(same_domain)["fields"]
    bad = client.post(
        "/api/v1/organisations",
        headers=headers,
        json={"name": "Globex", "domains": ["not a domain"]},
    )
    assert bad.status_code == 422


def test_the_api_manages_organisations_and_members(app, client, given, bearer):
    headers = bearer(given(make_user, role=Role.MANAGER))
    customer = given(make_user, name="Olga")
    agent = given(make_user, role=Role.LINE1)
    created = client.post(
        "/api/v1/organisations",
        headers=headers,
        json={"name": "Globex", "domains": ["globex.example"], "plan": "basic"},
    )
    assert created.status_code == 201, created.json
    org = created.json
    assert org["domains"] == ["globex.example"] and org["plan"] == "basic"
    patched = client.patch(
        f"/api/v1/organisations/{org['id']}", headers=headers, json={"plan": "premium"}
    )
    assert patched.json["plan"] == "premium"
    joined = client.post(
        f"/api/v1/organisations/{org['id']}/members",
        headers=headers,
        json={"user_id": customer.id},
    )
    assert joined.status_code == 201
    made_contact = client.post(
        f"/api/v1/organisations/{org['id']}/members",
        headers=headers,
        json={"user_id": customer.id, "contact": True},
    )
    assert made_contact.status_code == 200 and made_contact.json["contact"] is True
    staff_member = client.post(
        f"/api/v1/organisations/{org['id']}/members",
        headers=headers,
        json={"user_id": agent.id},
    )
    assert staff_member.status_code == 422  # staff belong to no organisation
    members = client.get(
        f"/api/v1/organisations/{org['id']}/members", headers=bearer(agent)
    ).json
    assert [(m["name"], m["contact"]) for m in members["items"]] == [("Olga", True)]
    me = client.get(f"/api/v1/users/{customer.id}", headers=headers).json
    assert (me["organisation"], me["org_contact"]) == ("Globex", True)
    left = client.post(
        f"/api/v1/organisations/{org['id']}/departures",
        headers=headers,
        json={"user_id": customer.id},
    )
    assert left.status_code == 201
    again = client.post(
        f"/api/v1/organisations/{org['id']}/departures",
        headers=headers,
        json={"user_id": customer.id},
    )
    assert again.status_code == 404


def test_an_agent_reads_organisations_but_changes_none(client, given, bearer, app):
    org = given(make_organisation, "Globex")
    headers = bearer(given(make_user, role=Role.LINE1))
    assert client.get("/api/v1/organisations", headers=headers).status_code == 200
    before = db_state(app)
    refused = client.patch(
        f"/api/v1/organisations/{org.id}", headers=headers, json={"plan": "gold"}
    )
    assert refused.status_code == 403
    assert_unchanged(app, before)


def test_the_openapi_document_describes_organisations_and_watchers(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/v1/organisations"])
    assert {"get", "patch"} <= set(paths["/v1/organisations/{id}"])
    assert {"get", "post"} <= set(paths["/v1/organisations/{id}/members"])
    assert "post" in paths["/v1/organisations/{id}/departures"]
    assert {"get", "post"} <= set(paths["/v1/tickets/{id}/watchers"])
    assert "delete" in paths["/v1/watchers/{id}"]


# --- new customers by their e-mail's domain -------------------------------------


def test_a_new_customer_joins_the_organisation_of_their_domain(client, given, app):
    given(make_organisation, "Globex", domains=["globex.example"])
    response = client.post(
        "/signup",
        data={"name": "New", "email": "new@GLOBEX.example"},
    )
    # Sign-up mails a link to set the password; the account exists already.
    assert response.status_code == 200
    with app.app_context():
        user = accounts.find_user_by_email("new@globex.example")
        assert user.organisation_name == "Globex" and not user.org_contact


def test_line1_registers_a_caller_of_a_named_organisation(client, given, login, app):
    given(make_organisation, "Globex")
    login(given(make_user, role=Role.LINE1))
    unknown = client.post(
        "/phone/callers",
        data={"name": "Carl", "email": "carl@example.test", "organisation": "Initech"},
    )
    assert unknown.status_code == 422
    assert "No organisation has this name." in unknown.get_data(as_text=True)
    created = client.post(
        "/phone/callers",
        data={"name": "Carl", "email": "carl@example.test", "organisation": "globex"},
    )
    assert created.status_code == 302
    with app.app_context():
        user = accounts.find_user_by_email("carl@example.test")
        assert user.organisation_name == "Globex"


# --- SLA policies and routing rules match the plan ------------------------------


def test_an_sla_policy_matches_the_plan_of_the_requesters_organisation(app, ctx):
    make_category("access")
    make_organisation("Globex", plan="premium")
    make_policy(name="Default", position=2, resolution_minutes=480)
    make_policy(
        name="Premium",
        position=1,
        resolution_minutes=120,
        conditions={"plan": ["premium"]},
    )
    member = make_user(organisation="Globex")
    assert select_policy(make_ticket(requester=member)).name == "Premium"
    assert select_policy(make_ticket()).name == "Default"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaPolicy)) == 2


def test_a_routing_rule_matches_the_plan(app, ctx):
    make_category("access")
    make_organisation("Globex", plan="premium")
    make_rule(
        name="Premium first",
        conditions=[{"field": "plan", "op": "eq", "value": "premium"}],
        actions=[{"type": "set_priority", "priority": "P1"}],
    )
    member = make_user(organisation="Globex")
    premium, plain = make_ticket(requester=member), make_ticket()
    db.session.commit()  # rules run as the intake commits
    assert (premium.priority, plain.priority) == (Priority.P1, Priority.P3)


# --- search and the caller lookup ----------------------------------------------


def test_the_queue_and_the_search_filter_by_organisation_in_any_case(
    client, given, bearer, romashka
):
    headers = bearer(given(make_user, role=Role.MANAGER))
    found = client.get(
        "/api/v1/tickets?organization=ооо ромашка", headers=headers
    ).json["items"]
    assert {t["id"] for t in found} == {romashka["annas"].id, romashka["boris's"].id}
    words = client.get(
        "/api/v1/tickets?q=printer&organization=ООО Ромашка", headers=headers
    ).json["items"]
    assert [t["id"] for t in words] == [romashka["annas"].id]
    nothing = client.get("/api/v1/tickets?organization=Initech", headers=headers)
    assert nothing.json["items"] == []


def test_a_renamed_organisations_members_are_found_by_the_new_name(
    client, given, bearer, romashka
):
    headers = bearer(given(make_user, role=Role.ADMIN))
    org = client.get("/api/v1/organisations?q=ромашка", headers=headers).json
    org_id = org["items"][0]["id"]
    client.patch(
        f"/api/v1/organisations/{org_id}", headers=headers, json={"name": "АО Вектор"}
    )
    agent = bearer(given(make_user, role=Role.LINE1))
    found = client.get("/api/v1/users?q=вектор", headers=agent).json["items"]
    assert {u["name"] for u in found} == {"Anna", "Boris", "Irina"}
    assert {u["organisation"] for u in found} == {"АО Вектор"}


# --- imports and the demo --------------------------------------------------------


def test_the_organisations_import_creates_records_and_their_contacts(
    app, runner, given, tmp_path
):
    given(make_user, email="ivan@example.test", name="Ivan")
    given(make_user, role=Role.LINE1, email="olga@example.test")
    given(make_organisation, "Acme", domains=["acme.example"])
    rows = [
        ["organisation", "email", "contact", "domains", "plan", "phone"],
        ["АО Вектор", "IVAN@example.test", "да", "vector.example", "premium", "+7 1"],
        ["АО Вектор", "", "", "", "", ""],
        ["Initech", "", "", "acme.example", "", ""],
        ["Initech", "olga@example.test", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "orgs.csv", rows)
    result = runner.invoke(args=["import", "organisations", str(path)])
    assert "Line 4, column “domains”: acme.example is a domain of another" in (
        result.output
    )
    assert "Line 5, column “email”: Only customers belong to an organisation." in (
        result.output
    )
    with app.app_context():
        vector = db.session.scalar(
            sa.select(Organisation).where(Organisation.name == "АО Вектор")
        )
        assert (vector.domains, vector.plan, vector.phone) == (
            ["vector.example"],
            "premium",
            "+7 1",
        )
        ivan = accounts.find_user_by_email("ivan@example.test")
        assert (ivan.organisation_id, ivan.org_contact) == (vector.id, True)
    again = runner.invoke(args=["import", "organisations", str(path)])
    assert again.exit_code == 0, again.output
    with app.app_context():
        names = db.session.scalars(
            sa.select(Organisation.name).order_by(Organisation.id)
        )
        assert list(names) == ["Acme", "АО Вектор"]  # idempotent: no duplicates


def test_the_demo_has_an_organisation_whose_contact_sees_its_requests(
    app, runner, client
):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    client.post("/login", data={"email": "contact@example.com", "password": "demo"})
    page = client.get("/tickets").get_data(as_text=True)
    assert "Не печатает принтер в бухгалтерии" in page  # Анна's request
    assert "Cannot log in after password change" not in page  # Acme's
    with app.app_context():
        romashka = db.session.scalar(
            sa.select(Organisation).where(Organisation.name == "ООО Ромашка")
        )
        assert (romashka.plan, romashka.domains) == ("premium", ["romashka.example"])


def test_a_contacts_search_covers_the_organisations_tickets_a_members_their_own(
    client, bearer, romashka
):
    def found(who: str, words: str) -> list[int]:
        response = client.get(
            f"/api/v1/tickets?q={words}&status=new", headers=bearer(romashka[who])
        )
        return [t["id"] for t in response.json["items"]]

    assert found("irina", "printer") == [romashka["annas"].id]
    assert found("boris", "printer") == []
    assert found("dave", "printer") == []


def test_an_imported_ticket_carries_its_requesters_organisation(
    app, runner, given, tmp_path
):
    given(make_category, "access")
    anna = given(make_user, email="anna@romashka.example", organisation="ООО Ромашка")
    rows = [
        ["external_id", "subject", "category", "requester", "created_at"],
        ["T-1", "Old printer", "access", anna.email, "2026-01-10T09:00:00Z"],
    ]
    result = runner.invoke(
        args=["import", "tickets", str(write_csv(tmp_path / "t.csv", rows))]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket))
        assert ticket.organisation_id == anna.organisation_id is not None


def test_a_large_organisations_members_come_page_by_page(app, client, given, login):
    given(make_organisation, "Globex")
    for n in range(app.config["PAGE_SIZE"] + 1):
        given(make_user, name=f"Member {n:03d}", organisation="Globex")
    login(given(make_user, role=Role.ADMIN))
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
    first = client.get(f"/admin/organisations/{org_id}").get_data(as_text=True)
    more = re.search(r'href="([^"]+cursor=[^"#]+)#members"', first)
    assert more, "a link to the next members"
    second = client.get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)
    last = f"Member {app.config['PAGE_SIZE']:03d}"
    assert last not in first and last in second
