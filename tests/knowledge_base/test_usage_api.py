"""Votes and "this solved my problem" through the API: what the article
page's buttons do, for programs (bearer tokens), counted the same way."""

from __future__ import annotations

from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from knowledge_base.models import Article, Visibility
from knowledge_base.service import usage
from tests.builders import make_user
from tests.knowledge_base.builders import make_article
from tests.security.support import error_of


def numbers(app, article_id: int) -> usage.Usage:
    with app.app_context():
        result = usage.article_usage(db.session.get(Article, article_id))
        db.session.remove()
    return result


def test_a_vote_through_the_api_counts_and_a_second_one_replaces_it(
    app, client, given, bearer, clock
):
    customer = given(make_user, role=Role.CUSTOMER)
    article = given(make_article)
    path = f"/api/v1/kb/articles/{article.id}/votes"

    first = client.post(path, json={"helpful": True}, headers=bearer(customer))
    again = client.post(path, json={"helpful": False}, headers=bearer(customer))

    assert first.status_code == 201, first.json
    assert first.json == {
        "article_id": article.id,
        "helpful": True,
        "created_at": "2026-11-23T09:00:00Z",
    }
    assert again.status_code == 201 and again.json["helpful"] is False
    counted = numbers(app, article.id)
    assert (counted.helpful, counted.not_helpful) == (0, 1)


def test_a_customer_deflects_a_public_article_through_the_api(
    app, client, given, bearer
):
    customer = given(make_user, role=Role.CUSTOMER)
    article = given(make_article)

    response = client.post(
        f"/api/v1/kb/articles/{article.id}/deflections",
        json={"subject": "  Printer jams  "},
        headers=bearer(customer),
    )

    assert response.status_code == 201, response.json
    assert response.json["article_id"] == article.id
    assert response.json["subject"] == "Printer jams"
    assert numbers(app, article.id).deflections == 1


def test_deflections_are_for_customers_and_public_articles_only(
    app, client, given, bearer
):
    customer = given(make_user, role=Role.CUSTOMER)
    agent = given(make_user, role=Role.LINE1)
    public = given(make_article)
    internal = given(make_article, visibility=Visibility.INTERNAL)

    by_agent = client.post(
        f"/api/v1/kb/articles/{public.id}/deflections", json={}, headers=bearer(agent)
    )
    hidden = client.post(
        f"/api/v1/kb/articles/{internal.id}/deflections",
        json={},
        headers=bearer(customer),
    )

    assert by_agent.status_code == 403 and error_of(by_agent)["code"] == "forbidden"
    assert hidden.status_code == 404 and error_of(hidden)["code"] == "not_found"
    assert numbers(app, public.id).deflections == 0


def test_bad_vote_and_deflection_bodies_are_422_naming_the_field(
    app, client, given, bearer
):
    customer = given(make_user, role=Role.CUSTOMER)
    article = given(make_article)
    headers = bearer(customer)

    cases = [
        ("votes", {}, "helpful"),
        ("votes", {"helpful": "perhaps"}, "helpful"),
        ("votes", {"helpful": True, "weight": 5}, "weight"),
        ("deflections", {"subject": "x" * 201}, "subject"),
    ]
    for action, body, field in cases:
        response = client.post(
            f"/api/v1/kb/articles/{article.id}/{action}", json=body, headers=headers
        )
        assert response.status_code == 422, (action, body, response.json)
        assert field in error_of(response)["fields"], (action, body)
    counted = numbers(app, article.id)
    assert (counted.helpful, counted.not_helpful, counted.deflections) == (0, 0, 0)


def test_the_openapi_document_describes_votes_and_deflections(client):
    document = client.get("/api/openapi.json").json

    votes = document["paths"]["/v1/kb/articles/{id}/votes"]["post"]
    deflections = document["paths"]["/v1/kb/articles/{id}/deflections"]["post"]
    assert "201" in votes["responses"] and "403" in deflections["responses"]
    assert {"VoteOut", "DeflectionOut"} <= set(document["components"]["schemas"])
