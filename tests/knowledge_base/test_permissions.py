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

from types import SimpleNamespace

import pytest

from helpdesk.vocabulary import Role
from knowledge_base.models import Visibility
from knowledge_base.service import articles as article_service
from knowledge_base.service import usage
from tests.builders import _load, make_category, make_ticket, make_user
from tests.knowledge_base.builders import make_article, make_canned
from tests.permission_matrix import LOGIN, ROLES, Case, Matrix

ACTORS = ("anonymous", "customer", "line1", "line2", "line3", "manager", "admin")
VIEW_COUNTS = frozenset({"kb_article_view_days"})


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
    Case(
        "delete",
        "POST",
        "/kb/articles/{article}/delete",
        staff(302),
        form={"confirm": "1"},
        writes=True,
    ),
    # Unconfirmed, a delete only asks (the confirmation page), changing nothing.
    Case("delete-unconfirmed", "POST", "/kb/articles/{article}/delete", staff(200)),
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
        setup={"linked": True},  # the public article is linked to the ticket first
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
        form={"confirm": "1"},
        writes=True,
    ),
    Case(
        "canned-delete-unconfirmed",
        "POST",
        "/kb/canned/{canned}/delete",
        line2_reply(200),
    ),
    # --- the API: 401 instead of the login page
    Case("api-canned-list", "GET", "/api/v1/kb/canned", logged_in(200)),
    Case(
        "api-canned-create",
        "POST",
        "/api/v1/kb/canned",
        staff(201),
        json={"title": "Hi", "body": "Hello"},
        writes=True,
    ),
    Case(
        "api-canned-get",
        "GET",
        "/api/v1/kb/canned/{canned}",
        line2_reply(200) | {"customer": 404},
    ),
    Case(
        "api-canned-patch",
        "PATCH",
        "/api/v1/kb/canned/{canned}",
        line2_reply(200) | {"customer": 404},
        json={"title": "Renamed"},
        writes=True,
    ),
    Case(
        "api-canned-delete",
        "DELETE",
        "/api/v1/kb/canned/{canned}",
        line2_reply(204) | {"customer": 404},
        writes=True,
    ),
    Case("api-links", "GET", "/api/v1/kb/links?ticket={ticket}", logged_in(200)),
    Case(
        "api-link-create",
        "POST",
        "/api/v1/kb/links",
        staff(201, customer=404),  # an internal article: not there for them
        json={"ticket_id": "{ticket}", "article_id": "{internal}"},
        writes=True,
    ),
    Case(
        "api-link-delete",
        "DELETE",
        "/api/v1/kb/links/{link}",
        staff(204),
        writes=True,
        setup={"linked": True},
    ),
    Case(
        "api-call-resolution",
        "POST",
        "/api/v1/kb/call-resolutions",
        staff(201) | {"line2": 403, "line3": 403},  # line 1's new tickets
        json={"requester_id": "{customer}", "article_id": "{article}"},
        writes=True,
    ),
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
    Case(
        "api-vote",
        "POST",
        "/api/v1/kb/articles/{article}/votes",
        logged_in(201),
        json={"helpful": True},
        writes=True,
    ),
    Case(
        "api-vote-internal",
        "POST",
        "/api/v1/kb/articles/{internal}/votes",
        staff(201, customer=404),
        json={"helpful": False},
        writes=True,
    ),
    Case(
        "api-deflect",
        "POST",
        "/api/v1/kb/articles/{article}/deflections",
        dict.fromkeys(ACTORS, 403) | {"anonymous": LOGIN, "customer": 201},
        json={"subject": "Printer"},
        writes=True,
    ),
    Case(
        "api-deflect-internal",
        "POST",
        "/api/v1/kb/articles/{internal}/deflections",
        dict.fromkeys(ACTORS, 403) | {"anonymous": LOGIN, "customer": 404},
        json={"subject": "Printer"},
    ),
]


def _arrange(setup: dict, actor: str, fx) -> SimpleNamespace:
    given = fx.given
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
    link = given(_link, article, ticket, author) if setup.get("linked") else None
    canned = given(make_canned, author=author, title="Line 2 hello", line=2)
    return SimpleNamespace(
        user=user,
        ids={
            "article": article.id,
            "internal": internal.id,
            "ticket": ticket.id,
            "canned": canned.id,
            "customer": customer.id,
            "link": link.id if link else 0,
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


MATRIX = Matrix(
    cases=CASES,
    arrange=_arrange,
    owns=lambda rule: rule.endpoint.startswith("knowledge_base"),
    actors=ACTORS,
    reads_may_change=VIEW_COUNTS,
)


@pytest.mark.parametrize(("case", "actor"), MATRIX.cells())
def test_kb_permission_matrix(case: Case, actor: str, permission_check):
    permission_check(MATRIX, case, actor)


def test_every_kb_route_is_in_the_matrix(app):
    """A new knowledge-base route fails here until ``CASES`` says who may call it."""
    MATRIX.assert_covers(app)
