"""The knowledge base's paths in the OpenAPI document (added through the
core's ``helpdesk.openapi_paths`` hook, so the core never imports this)."""

from __future__ import annotations

from apispec import APISpec

from helpdesk.openapi_parts import (
    ID_PARAM,
    PAGE_PARAMS,
    json_content,
    list_of,
    operation,
)
from knowledge_base import schemas


def _query(name: str, schema: dict, description: str = "") -> dict:
    param = {"in": "query", "name": name, "schema": schema}
    return param | ({"description": description} if description else {})


SEARCH_PARAMS = [
    _query(
        "q", {"type": "string", "maxLength": 200}, "words; the last one may be a prefix"
    ),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 50}),
    _query("category", {"type": "string"}, "category code"),
]


def add_paths(spec: APISpec) -> None:
    for name in (
        "ArticleOut",
        "ArticleVersionOut",
        "SearchHitOut",
        "VoteOut",
        "DeflectionOut",
    ):
        spec.components.schema(name, schema=getattr(schemas, name))
    article = json_content("ArticleOut")
    errs = ("401", "404", "422")
    editors_only = ("401", "403", "404", "422")  # staff who write articles
    spec.path(
        path="/v1/kb/search",
        operations={
            "get": operation(
                "Ranked full-text search over the published articles you may read "
                "(customers: public ones), with highlighted snippets",
                {"200": {"description": "Best first", **list_of("SearchHitOut")}},
                params=SEARCH_PARAMS,
                errors=("401", "422"),
            )
        },
    )
    spec.path(
        path="/v1/kb/suggestions",
        operations={
            "get": operation(
                "Up to five public articles for a request's subject being typed",
                {"200": {"description": "Best first", **list_of("SearchHitOut")}},
                params=[
                    SEARCH_PARAMS[0],
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 5}),
                ],
                errors=("401", "422"),
            )
        },
    )
    spec.path(
        path="/v1/kb/articles",
        operations={
            "get": operation(
                "List the articles you may read, newest first",
                {
                    "200": {
                        "description": "A page of articles",
                        **list_of("ArticleOut"),
                    }
                },
                params=[
                    _query(
                        "status", {"type": "string", "enum": ["draft", "published"]}
                    ),
                    _query(
                        "visibility", {"type": "string", "enum": ["public", "internal"]}
                    ),
                    _query("category", {"type": "string"}),
                    _query("tag", {"type": "string"}),
                ]
                + PAGE_PARAMS,
                errors=("401", "422"),
            ),
            "post": operation(
                "Write an article (staff)",
                {
                    "201": {"description": "Created", **article},
                    "403": {"description": "Not staff", **json_content("ErrorOut")},
                },
                body=schemas.ArticleIn,
                errors=("401", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/kb/articles/{id}",
        operations={
            "get": operation(
                "One article",
                {"200": {"description": "Article", **article}},
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "patch": operation(
                "Change an article (staff); a change is a new version; "
                "409 when base_version is not the current one",
                {
                    "200": {"description": "Updated", **article},
                    "409": {
                        "description": "Saved by someone else",
                        **json_content("ErrorOut"),
                    },
                },
                body=schemas.ArticlePatchIn,
                params=[ID_PARAM],
                errors=editors_only,
            ),
            "delete": operation(
                "Delete an article with its history and counts (staff)",
                {"204": {"description": "Deleted"}},
                params=[ID_PARAM],
                errors=("401", "403", "404"),
            ),
        },
    )
    spec.path(
        path="/v1/kb/articles/{id}/versions",
        operations={
            "get": operation(
                "The article's versions, newest first (staff)",
                {"200": {"description": "Versions", **list_of("ArticleVersionOut")}},
                params=[ID_PARAM],
                errors=("401", "403", "404"),
            )
        },
    )
    spec.path(
        path="/v1/kb/articles/{id}/restorations",
        operations={
            "post": operation(
                "Restore an earlier version's content as a new version (staff)",
                {"201": {"description": "Article after the restore", **article}},
                body=schemas.RestoreIn,
                params=[ID_PARAM],
                errors=editors_only,
            )
        },
    )
    spec.path(
        path="/v1/kb/articles/{id}/votes",
        operations={
            "post": operation(
                "Say whether the article helped (anyone who may read it); "
                "voting again replaces your vote",
                {"201": {"description": "Your vote", **json_content("VoteOut")}},
                body=schemas.VoteIn,
                params=[ID_PARAM],
                errors=errs,
            )
        },
    )
    spec.path(
        path="/v1/kb/articles/{id}/deflections",
        operations={
            "post": operation(
                '"This solved my problem": no request needed (customers, on '
                "public articles; others: 403)",
                {
                    "201": {
                        "description": "Counted",
                        **json_content("DeflectionOut"),
                    },
                    "403": {
                        "description": "Not a customer",
                        **json_content("ErrorOut"),
                    },
                },
                body=schemas.DeflectionIn,
                params=[ID_PARAM],
                errors=errs,
            )
        },
    )
