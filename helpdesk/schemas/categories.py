"""Categories at the edges: the admin's form and API body (the answer is
``helpdesk.schemas.tickets.CategoryOut``)."""

from __future__ import annotations

from marshmallow import fields, validate

from helpdesk.i18n import N_
from helpdesk.schemas.common import StrippedSchema, text

LINE = validate.Range(min=1, max=3, error=N_("The line is 1, 2 or 3."))


class CategoryIn(StrippedSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[a-z0-9][a-z0-9_-]{0,39}$",
            error=N_("Use 1 to 40 small Latin letters, digits, - or _."),
        ),
        error_messages={"required": N_("Give the category a code.")},
    )
    name_en = text(80, message=N_("Enter the English name (1 to 80 characters)."))
    name_ru = text(80, message=N_("Enter the Russian name (1 to 80 characters)."))
    default_line = fields.Integer(load_default=1, strict=False, validate=LINE)
    active = fields.Boolean(load_default=True)


class CategoryPatchIn(CategoryIn):
    """Any field but the code, which rules and policies name."""

    class Meta:
        exclude = ("code",)
