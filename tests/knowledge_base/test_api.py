"""The knowledge base's REST API: shapes as the design fixes them, CRUD,
search, and the OpenAPI document."""

from __future__ import annotations

import re

from helpdesk.vocabulary import Role
from knowledge_base.models import ArticleStatus, Visibility
from tests.builders import PASSWORD, make_category, make_user
from tests.knowledge_base.builders import make_article
from tests.security.support import error_of

ARTICLE_KEYS = {
    "id",
    "title",
    "body",
    "body_html",
    "category",
    "tags",
    "visibility",
    "status",
    "version",
    "author",
    "created_at",
    "updated_at",
    "published_at",
    "url",
}
HIT_KEYS = {
    "id",
    "title",
    "title_html",
    "snippet",
    "category",
    "visibility",
    "status",
    "score",
    "url",
}


def test_search_answers_ranked_highlighted_items(client, given, bearer):
    customer = given(make_user)
    given(make_article, title="Printer jams", body="Open the printer's back cover.")
    given(make_article, title="Toner", body="Replace it when the printer says so.")
    given(make_article, title="Printer secrets", visibility=Visibility.INTERNAL)

    body = client.get("/api/v1/kb/search?q=printers", headers=bearer(customer)).json

    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    assert [i["title"] for i in body["items"]] == ["Printer jams", "Toner"]
    first = body["items"][0]
    assert set(first) == HIT_KEYS
    assert first["title_html"] == "<mark>Printer</mark> jams"
    assert "<mark>printer</mark>&#39;s back cover" in first["snippet"]
    assert first["url"] == f"/kb/articles/{first['id']}"
    assert first["score"] > body["items"][1]["score"]


def test_search_for_staff_includes_internal_articles_and_limits(client, given, bearer):
    agent = given(make_user, role=Role.LINE1)
    for n in range(3):
        given(make_article, title=f"VPN {n}", visibility=Visibility.INTERNAL)

    items = client.get("/api/v1/kb/search?q=vpn&limit=2", headers=bearer(agent)).json[
        "items"
    ]
    assert len(items) == 2 and items[0]["visibility"] == "internal"
    bad = client.get("/api/v1/kb/search?q=vpn&limit=99", headers=bearer(agent))
    assert bad.status_code == 422 and "limit" in error_of(bad)["fields"]
    empty = client.get("/api/v1/kb/search?q=", headers=bearer(agent)).json
    assert empty == {"items": [], "next_cursor": None}


def test_an_agent_creates_reads_patches_and_deletes_an_article(client, given, bearer):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE2, name="Pyotr")
    headers = bearer(agent)

    created = client.post(
        "/api/v1/kb/articles",
        headers=headers,
        json={
            "title": "Password expired",
            "body": "Use **password.example.com**.",
            "category": "access",
            "tags": ["Password", "AD"],
            "visibility": "public",
            "status": "published",
        },
    )
    assert created.status_code == 201, created.json
    article = created.json
    assert set(article) == ARTICLE_KEYS
    assert created.headers["Location"] == f"/api/v1/kb/articles/{article['id']}"
    assert article["tags"] == ["ad", "password"]
    assert article["body_html"] == "<p>Use <strong>password.example.com</strong>.</p>"
    assert article["author"] == {"id": agent.id, "name": "Pyotr", "email": agent.email}
    assert article["created_at"] == "2026-11-23T09:00:00Z"
    assert article["published_at"] == "2026-11-23T09:00:00Z"
    path = f"/api/v1/kb/articles/{article['id']}"

    patched = client.patch(
        path, headers=headers, json={"title": "Password has expired"}
    )
    assert patched.status_code == 200
    assert (patched.json["title"], patched.json["version"]) == (
        "Password has expired",
        2,
    )
    assert patched.json["tags"] == ["ad", "password"]  # untouched fields stay
    stale = client.patch(path, headers=headers, json={"body": "x", "base_version": 1})
    assert stale.status_code == 409 and error_of(stale)["code"] == "conflict"

    versions = client.get(f"{path}/versions", headers=headers).json
    assert [v["number"] for v in versions["items"]] == [2, 1]
    assert versions["items"][0]["changes"] == ["title"]
    assert versions["items"][0]["editor"]["id"] == agent.id
    restored = client.post(f"{path}/restorations", headers=headers, json={"version": 1})
    assert restored.status_code == 201
    assert (restored.json["title"], restored.json["version"]) == ("Password expired", 3)
    missing = client.post(f"{path}/restorations", headers=headers, json={"version": 9})
    assert missing.status_code == 404

    assert client.delete(path, headers=headers).status_code == 204
    assert client.get(path, headers=headers).status_code == 404


def test_invalid_article_input_names_the_fields(client, given, bearer):
    headers = bearer(given(make_user, role=Role.LINE1))
    response = client.post(
        "/api/v1/kb/articles",
        headers=headers,
        json={"title": "", "visibility": "secret", "tags": "x" * 41, "extra": 1},
    )
    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert set(fields) >= {"title", "body", "category", "visibility", "tags", "extra"}
    unknown_category = client.post(
        "/api/v1/kb/articles",
        headers=headers,
        json={"title": "t", "body": "b", "category": "nope"},
    )
    assert unknown_category.status_code == 422
    assert error_of(unknown_category)["fields"] == {"category": ["Unknown category."]}


def test_the_article_list_pages_with_a_cursor_and_filters(client, given, bearer):
    agent = given(make_user, role=Role.LINE1)
    ids = [given(make_article, title=f"A{n}").id for n in range(3)]
    given(make_article, title="Draft", status=ArticleStatus.DRAFT, tags=["vpn"])
    headers = bearer(agent)

    first = client.get(
        "/api/v1/kb/articles?status=published&limit=2", headers=headers
    ).json
    assert [a["id"] for a in first["items"]] == ids[::-1][:2]
    second = client.get(
        f"/api/v1/kb/articles?status=published&limit=2&cursor={first['next_cursor']}",
        headers=headers,
    ).json
    assert [a["id"] for a in second["items"]] == ids[:1]
    assert second["next_cursor"] is None
    tagged = client.get("/api/v1/kb/articles?tag=vpn", headers=headers).json["items"]
    assert [a["title"] for a in tagged] == ["Draft"]


def test_customers_read_only_public_published_articles(client, given, bearer):
    customer = given(make_user)
    public = given(make_article, title="Public")
    internal = given(make_article, visibility=Visibility.INTERNAL)
    draft = given(make_article, status=ArticleStatus.DRAFT)
    headers = bearer(customer)

    listed = client.get("/api/v1/kb/articles", headers=headers).json["items"]
    assert [a["id"] for a in listed] == [public.id]
    assert (
        client.get("/api/v1/kb/articles?visibility=internal", headers=headers).json[
            "items"
        ]
        == []
    )
    for article in (internal, draft):
        response = client.get(f"/api/v1/kb/articles/{article.id}", headers=headers)
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    for method, path, body in (
        ("POST", "/api/v1/kb/articles", {"title": "t", "body": "b", "category": "x"}),
        ("PATCH", f"/api/v1/kb/articles/{public.id}", {"title": "mine"}),
        ("DELETE", f"/api/v1/kb/articles/{public.id}", None),
        ("GET", f"/api/v1/kb/articles/{public.id}/versions", None),
        ("POST", f"/api/v1/kb/articles/{public.id}/restorations", {"version": 1}),
    ):
        response = client.open(path, method=method, headers=headers, json=body)
        assert response.status_code == 403, (method, path)
        assert error_of(response)["code"] == "forbidden"


def test_anonymous_calls_are_401(client, given):
    article = given(make_article)
    for path in (
        "/api/v1/kb/search?q=x",
        "/api/v1/kb/suggestions?q=x",
        "/api/v1/kb/articles",
        f"/api/v1/kb/articles/{article.id}",
    ):
        response = client.get(path)
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthorized"


def test_the_openapi_document_describes_the_kb_paths_with_id_parameters(client):
    document = client.get("/api/openapi.json").json
    paths = document["paths"]
    assert set(paths["/v1/kb/articles/{id}"]) == {"get", "patch", "delete"}
    assert "/v1/kb/articles/{id}/restorations" in paths
    assert "/v1/kb/search" in paths and "/v1/kb/suggestions" in paths
    assert {"ArticleOut", "SearchHitOut", "ArticleVersionOut"} <= set(
        document["components"]["schemas"]
    )
    for path in paths:
        assert not re.search(r"<|\{(?!id\})", path), path


def test_cookie_sessions_need_the_csrf_header_for_writes(csrf_app, given):
    given(make_category, "hardware")
    agent = given(make_user, role=Role.LINE2)
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    client.post(
        "/login", data={"email": agent.email, "password": PASSWORD, "csrf_token": token}
    )
    page = client.get("/kb/articles/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    article = {"title": "t", "body": "b", "category": "hardware"}

    refused = client.post("/api/v1/kb/articles", json=article)
    assert refused.status_code == 400
    accepted = client.post(
        "/api/v1/kb/articles", json=article, headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201
    assert client.post("/kb/articles/new", data=article).status_code == 400
    assert client.get("/api/v1/kb/search?q=t").status_code == 200
