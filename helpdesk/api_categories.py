"""Categories through the API: everyone lists them (the codes a new ticket
names); administrators create, rename, move and deactivate them."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from helpdesk.api import bp
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.openapi_parts import ID_PARAM, json_content, list_of, operation
from helpdesk.schemas.categories import CategoryIn, CategoryPatchIn
from helpdesk.schemas.tickets import CategoryOut
from helpdesk.service import categories, queries


class CategoryListQuery(Schema):
    include_inactive = fields.Boolean(load_default=False)


@bp.get("/v1/categories")
@login_required
def category_list():
    query = CategoryListQuery().load(request.args.to_dict())
    found = (
        categories.all_categories()
        if query["include_inactive"]
        else queries.active_categories()
    )
    return {"items": CategoryOut(many=True).dump(found), "next_cursor": None}


@bp.post("/v1/categories")
@login_required
def category_create():
    data = CategoryIn().load(json_body())
    category = categories.create_category(data, actor=current_user)
    db.session.commit()
    location = f"/api/v1/categories/{category.id}"
    return CategoryOut().dump(category), 201, {"Location": location}


@bp.get("/v1/categories/<int:category_id>")
@login_required
def category_get(category_id: int):
    return CategoryOut().dump(categories.get_category(category_id))


@bp.patch("/v1/categories/<int:category_id>")
@login_required
def category_patch(category_id: int):
    category = categories.get_category(category_id)
    data = CategoryPatchIn(partial=True).load(json_body())
    categories.update_category(category, data, actor=current_user)
    db.session.commit()
    return CategoryOut().dump(category)


def add_openapi_paths(spec) -> None:
    category = json_content("CategoryOut")
    admins = {"403": {"description": "Not an administrator"}}
    spec.path(
        path="/v1/categories",
        operations={
            "get": operation(
                "Ticket categories (use their code when opening a ticket): the "
                "active ones, or all with `include_inactive=true`",
                {"200": {"description": "Categories", **list_of("CategoryOut")}},
                params=[
                    {
                        "in": "query",
                        "name": "include_inactive",
                        "schema": {"type": "boolean"},
                    }
                ],
                errors=("401", "422"),
            ),
            "post": operation(
                "Create a category (administrators); its code never changes",
                {
                    "201": {"description": "Created", **category},
                    "409": {"description": "The code is taken"},
                }
                | admins,
                body=CategoryIn,
                errors=("401", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/categories/{id}",
        operations={
            "get": operation(
                "One category",
                {"200": {"description": "Category", **category}},
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "patch": operation(
                "Rename it, change the line its new tickets start on, or "
                "(de)activate it (administrators); categories are never deleted",
                {"200": {"description": "Category", **category}} | admins,
                body=CategoryPatchIn,
                params=[ID_PARAM],
                errors=("401", "404", "422"),
            ),
        },
    )
