"""Every knowledge-base route × every role, checked by the server itself.

Like tests/security/test_permissions.py (which leaves ``knowledge_base``
routes to this file): one request per case, run as each actor; a refused
request leaves every row of every table as it was, an allowed write changes
something. Reading an article counts a view, so that GET may change the
daily view counts and nothing else.

The world: a public published article (two versions), an internal one, a
ticket on line 2, a canned reply shared with line 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from helpdesk.models import Role
from knowledge_base.models import Visibility
from knowledge_base.service import articles as article_service
from knowledge_base.service import usage
from tests.builders import _load, make_category, make_ticket, make_user
from tests.knowledge_base.builders import make_article, make_canned
from tests.security.support import (
    auth,
    changed_tables,
    db_state,
    error_of,
    issue_bearer,
)

ACTORS = ("anonymous", "customer", "line1", "line2", "line3", "manager", "admin")
ROLES = {
    "customer": Role.CUSTOMER,
    "line1": Role.LINE1,
    "line2": Role.LINE2,
    "line3": Role.LINE3,
    "manager": Role.MANAGER,
    "admin": Role.ADMIN,
}
LOGIN = "login"
REFUSED = {401, 403, 404, LOGIN}
VIEW_COUNTS = {"kb_article_view_days"}


def everyone(status) -> dict:
    return dict.fromkeys(ACTORS, status)


def logged_in(status) -> dict:
    return everyone(status) | {"anonymous": LOGIN}


def staff(status, *, customer=403) -> dict:
    return logged_in(status) | {"customer": customer}


def managers(status) -> dict:
    return dict.fromkeys(ACTORS, 403) | {
        "anonymous": LOGIN,
        "manager": status,
        "admin": status,
    }


def line2_reply(status) -> dict:
    """The canned reply shared with line 2: its line and those who see all lines."""
    return staff(status) | {"line1": 404, "line3": 404}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str  # {article} {internal} {ticket} {canned}
    expect: dict
    form: dict | None = None
    json: dict | None = None
    writes: bool = False
    linked: bool = False  # the public article is linked to the ticket first

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


ARTICLE_FORM = {"title": "Toner", "body": "Shake it.", "category": "hardware"}

CASES = [
    Case("static", "GET", "/kb/static/kb.js", everyone(200)),
    Case("list", "GET", "/kb", logged_in(200)),
    Case("search-page", "GET", "/kb?q=printer", logged_in(200)),
    Case("article", "GET", "/kb/articles/{article}", logged_in(200)),
    Case(
        "internal-article", "GET", "/kb/articles/{internal}", staff(200, customer=404)
    ),
    Case("new-page", "GET", "/kb/articles/new", staff(200)),
    Case(
        "new-from-ticket-page",
        "GET",
        "/kb/articles/new?ticket_id={ticket}",
        staff(409),  # the ticket is not resolved
    ),
    Case(
        "create", "POST", "/kb/articles/new", staff(302), form=ARTICLE_FORM, writes=True
    ),
    Case("edit-page", "GET", "/kb/articles/{article}/edit", staff(200)),
    Case(
        "edit",
        "POST",
        "/kb/articles/{article}/edit",
        staff(302),
        form=ARTICLE_FORM,
        writes=True,
    ),
    Case(
        "edit-internal",
        "POST",
        "/kb/articles/{internal}/edit",
        staff(302, customer=403),
        form=ARTICLE_FORM,
        writes=True,
    ),
    Case("delete", "POST", "/kb/articles/{article}/delete", staff(302), writes=True),
    Case("versions", "GET", "/kb/articles/{article}/versions", staff(200)),
    Case("version", "GET", "/kb/articles/{article}/versions/1", staff(200)),
    Case(
        "restore",
        "POST",
        "/kb/articles/{article}/versions/1/restore",
        staff(302),
        writes=True,
    ),
    Case(
        "vote",
        "POST",
        "/kb/articles/{article}/votes",
        logged_in(302),
        form={"helpful": "true"},
        writes=True,
    ),
    Case(
        "vote-internal",
        "POST",
        "/kb/articles/{internal}/votes",
        staff(302, customer=404),
        form={"helpful": "false"},
        writes=True,
    ),
    Case(
        "deflect",
        "POST",
        "/kb/articles/{article}/deflections",
        dict.fromkeys(ACTORS, 403) | {"anonymous": LOGIN, "customer": 302},
        form={"subject": "Printer"},
        writes=True,
    ),
    Case(
        "deflect-internal",
        "POST",
        "/kb/articles/{internal}/deflections",
        dict.fromkeys(ACTORS, 403) | {"anonymous": LOGIN, "customer": 404},
        form={"subject": "Printer"},
    ),
    Case(
        "link",
        "POST",
        "/kb/tickets/{ticket}/links",
        staff(302),
        form={"article_id": "{internal}"},
        writes=True,
    ),
    Case(
        "unlink",
        "POST",
        "/kb/tickets/{ticket}/links/{article}/delete",
        staff(302),
        writes=True,
        linked=True,
    ),
    Case(
        "phone-resolve",
        "POST",
        "/kb/phone/resolve",
        staff(302) | {"line2": 403, "line3": 403},  # line 1's new tickets
        form={"requester_id": "{customer}", "article_id": "{article}"},
        writes=True,
    ),
    Case("stats", "GET", "/kb/stats", managers(200)),
    Case("canned-list", "GET", "/kb/canned", staff(200)),
    Case("canned-new-page", "GET", "/kb/canned/new", staff(200)),
    Case(
        "canned-create",
        "POST",
        "/kb/canned/new",
        staff(302),
        form={"title": "Hi", "body": "Hello {{requester_name}}"},
        writes=True,
    ),
    Case("canned-edit-page", "GET", "/kb/canned/{canned}", line2_reply(200)),
    Case(
        "canned-edit",
        "POST",
        "/kb/canned/{canned}",
        line2_reply(302),
        form={"title": "Renamed", "body": "Hello", "line": "2"},
        writes=True,
    ),
    Case(
        "canned-delete",
        "POST",
        "/kb/canned/{canned}/delete",
        line2_reply(302),
        writes=True,
    ),
    # --- the API: 401 instead of the login page
    Case("api-search", "GET", "/api/v1/kb/search?q=printer", logged_in(200)),
    Case("api-suggestions", "GET", "/api/v1/kb/suggestions?q=printer", logged_in(200)),
    Case("api-list", "GET", "/api/v1/kb/articles", logged_in(200)),
    Case(
        "api-create",
        "POST",
        "/api/v1/kb/articles",
        staff(201),
        json=ARTICLE_FORM,
        writes=True,
    ),
    Case("api-get", "GET", "/api/v1/kb/articles/{article}", logged_in(200)),
    Case(
        "api-get-internal",
        "GET",
        "/api/v1/kb/articles/{internal}",
        staff(200, customer=404),
    ),
    Case(
        "api-patch",
        "PATCH",
        "/api/v1/kb/articles/{article}",
        staff(200),
        json={"title": "Changed"},
        writes=True,
    ),
    Case(
        "api-patch-internal",
        "PATCH",
        "/api/v1/kb/articles/{internal}",
        staff(200, customer=404),
        json={"title": "Changed"},
        writes=True,
    ),
    Case(
        "api-delete", "DELETE", "/api/v1/kb/articles/{article}", staff(204), writes=True
    ),
    Case("api-versions", "GET", "/api/v1/kb/articles/{article}/versions", staff(200)),
    Case(
        "api-restore",
        "POST",
        "/api/v1/kb/articles/{article}/restorations",
        staff(201),
        json={"version": 1},
        writes=True,
    ),
]


def _matrix():
    for case in CASES:
        assert set(case.expect) == set(ACTORS), case.name
        for actor in ACTORS:
            yield pytest.param(case, actor, id=f"{case.name}-{actor}")


def _arrange(case: Case, actor: str, *, given) -> SimpleNamespace:
    given(make_category, "hardware")
    customer = given(make_user, role=Role.CUSTOMER)
    author = given(make_user, role=Role.LINE2)
    user = (
        None
        if actor == "anonymous"
        else (customer if actor == "customer" else given(make_user, role=ROLES[actor]))
    )
    article = given(make_article, title="Printer jam", author=author)
    given(_retitle, article, author)  # version 2, so restoring 1 changes it
    internal = given(
        make_article, title="Printer secrets", visibility=Visibility.INTERNAL
    )
    ticket = given(make_ticket, requester=customer, line=2)
    if case.linked:
        given(_link, article, ticket, author)
    canned = given(make_canned, author=author, title="Line 2 hello", line=2)
    return SimpleNamespace(
        user=user,
        ids={
            "article": article.id,
            "internal": internal.id,
            "ticket": ticket.id,
            "canned": canned.id,
            "customer": customer.id,
        },
    )


def _retitle(article, author):
    from helpdesk.extensions import db
    from knowledge_base.models import Article

    live = db.session.get(Article, article.id)
    return article_service.update_article(
        live, {"title": "Printer paper jam"}, actor=_load(author), now=live.created_at
    )


def _link(article, ticket, author):
    from helpdesk.extensions import db
    from helpdesk.models import Ticket
    from knowledge_base.models import Article

    return usage.link_article(
        db.session.get(Article, article.id),
        db.session.get(Ticket, ticket.id),
        actor=_load(author),
        now=db.session.get(Article, article.id).created_at,
    )


def _fill(data: dict | None, ids: dict) -> dict | None:
    if data is None:
        return None
    return {k: v.format(**ids) if isinstance(v, str) else v for k, v in data.items()}


@pytest.mark.parametrize(("case", "actor"), list(_matrix()))
def test_kb_permission_matrix(case: Case, actor: str, app, client, given, login):
    world = _arrange(case, actor, given=given)
    headers = {}
    if world.user is not None:
        if case.api:
            headers = auth(issue_bearer(app, world.user).raw)
        else:
            login(world.user)
    before = db_state(app)

    response = client.open(
        case.path.format(**world.ids),
        method=case.method,
        headers=headers,
        data=_fill(case.form, world.ids),
        json=_fill(case.json, world.ids),
    )
    body = response.get_data(as_text=True)[:300]
    response.close()

    expected = case.expect[actor]
    if expected == LOGIN and case.api:
        assert response.status_code == 401, body
        assert error_of(response)["code"] == "unauthorized"
    elif expected == LOGIN:
        assert response.status_code == 302, body
        assert urlsplit(response.headers["Location"]).path == "/login"
    else:
        assert response.status_code == expected, body
    if case.api and response.status_code >= 400:
        error_of(response)

    changed = set(changed_tables(before, db_state(app)))
    if expected in REFUSED or case.method == "GET" or response.status_code >= 400:
        allowed = VIEW_COUNTS if case.method == "GET" and expected == 200 else set()
        assert changed <= allowed, (
            f"{case.name} as {actor} answered {response.status_code} "
            f"but changed {sorted(changed)}"
        )
    elif case.writes:
        assert changed, f"{case.name} as {actor} stored nothing"


def test_every_kb_route_is_in_the_matrix(app):
    """A new knowledge-base route fails here until ``CASES`` says who may call it."""
    adapter = app.url_map.bind("localhost")
    ids = dict.fromkeys(("article", "internal", "ticket", "canned", "customer"), 1)
    covered = {
        (
            adapter.match(urlsplit(case.path.format(**ids)).path, method=case.method)[
                0
            ],
            case.method,
        )
        for case in CASES
    }
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("knowledge_base")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    missing = sorted(routes - covered)
    assert not missing, "knowledge-base routes without a row in CASES: " + ", ".join(
        f"{method} {endpoint}" for endpoint, method in missing
    )
