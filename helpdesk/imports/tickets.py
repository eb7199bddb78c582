"""The ``tickets`` import: columns, the row schema and the batch checks.

A ticket keeps its legacy number as its own (``HD-000123`` or ``123`` in
``number``) when that id is free, else it gets ours and the legacy number is
kept in ``import_refs.legacy_number`` (the queue's number search finds it).
Comments come in the ``comments`` column as a JSON list:
``[{"author": "agent@example.com", "created_at": "2026-11-23T10:00:00Z",
"body": "…", "internal": false, "id": "C-1"}]`` (``id`` optional: it keeps
re-imports of one comment from adding it twice; the position is used without).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from helpdesk.extensions import db
from helpdesk.i18n import N_
from helpdesk.imports import refs
from helpdesk.imports.fields import (
    NOT_A_FLAG,
    Code,
    Instant,
    Message,
    parse_flag,
    parse_instant,
    text,
)
from helpdesk.imports.kinds import Column, Kind, Problem, Row, RunContext
from helpdesk.imports.users import email_field
from helpdesk.models import Category, Ticket, User, parse_ticket_number
from helpdesk.service.accounts import normalise_email
from helpdesk.vocabulary import (
    LINE3_STATUSES,
    STAFF_ROLES,
    Channel,
    Priority,
    TicketStatus,
)

NO_SUCH_USER = N_("No user has this e-mail.")
BEFORE_CREATION = N_("Earlier than the ticket's created_at.")


COMMENT_FIELDS = frozenset({"id", "author", "created_at", "body", "internal"})
_EMAIL = validate.Email(error=N_("Not a valid email address."))


class Comments(fields.Field):
    """A JSON list of comments ``{author, created_at, body, internal, id}``.

    Checked by hand rather than by a nested schema: a file of 100,000
    tickets has 300,000 comments, and a schema load costs ten times more."""

    def _deserialize(self, value, attr, data, **kwargs) -> list[dict]:
        try:
            items = json.loads(value)
        except (ValueError, RecursionError):
            raise ValidationError(N_("Not a JSON list of comments.")) from None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValidationError(N_("Not a JSON list of comments."))
        return [_comment(item, number) for number, item in enumerate(items, start=1)]


def _comment(item: dict, number: int) -> dict:
    def fail(field: str, reason: str):
        return ValidationError(
            Message(
                N_("Comment %(number)s, %(field)s: %(reason)s"),
                number=number,
                field=field,
                reason=reason,
            )
        )

    for name in item.keys() - COMMENT_FIELDS:
        raise fail(name, N_("Unknown field."))
    loaded = {}
    for name in ("author", "created_at", "body"):
        if not isinstance(item.get(name), str) or not item[name].strip():
            raise fail(name, N_("This field is required."))
    try:
        loaded["author"] = _EMAIL(item["author"].strip())
        loaded["created_at"] = parse_instant(item["created_at"])
    except ValidationError as err:
        raise fail(
            "author" if "author" not in loaded else "created_at", err.messages[0]
        ) from None
    if len(item["body"]) > 100_000:
        raise fail("body", N_("Too long."))
    loaded["body"] = item["body"]
    internal = item.get("internal", False)
    try:
        loaded["internal"] = (
            internal if isinstance(internal, bool) else parse_flag(internal)
        )
    except ValidationError:
        raise fail("internal", NOT_A_FLAG) from None
    if item.get("id") is not None:
        loaded["id"] = str(item["id"])[:80]
    return loaded


class Tags(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        tags = sorted({t.strip().lower() for t in str(value).split(",") if t.strip()})
        if any(len(t) > 40 for t in tags):
            raise ValidationError(N_("A tag is longer than 40 characters."))
        return tags


class TicketRowIn(Schema):
    external_id = text(160, required=True)
    number = text(40)
    subject = text(200, required=True)
    description = fields.String(load_default="")
    # Not the line 3 statuses: they follow a defect, and an import has none.
    status = Code(
        [s.value for s in TicketStatus if s not in LINE3_STATUSES],
        message=N_("Unknown status."),
        load_default="new",
    )
    priority = Code(
        [p.value for p in Priority],
        message=N_("Use P1, P2, P3 or P4."),
        load_default="P3",
    )
    category = fields.String(
        required=True, error_messages={"required": N_("This field is required.")}
    )
    channel = Code(
        [c.value for c in Channel], message=N_("Unknown channel."), load_default="email"
    )
    line = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=3, error=N_("The line is 1, 2 or 3.")),
        error_messages={"invalid": N_("The line is 1, 2 or 3.")},
    )
    requester = email_field()
    assignee = fields.Email(
        error_messages={"invalid": N_("Not a valid email address.")}
    )
    created_at = Instant(
        required=True, error_messages={"required": N_("This field is required.")}
    )
    updated_at = Instant()
    resolved_at = Instant()
    closed_at = Instant()
    tags = Tags(load_default=list)
    comments = Comments(load_default=list)


def check_tickets(rows: list[Row], context: RunContext) -> list[Problem]:
    """References and dates: users by e-mail, categories by code, the
    legacy number's id if free; fills ``data`` with what ``write`` needs."""
    categories = _categories(context)
    users = _users(rows)
    existing = refs.lookup("ticket", (d["external_id"] for _line, d in rows))
    taken = _taken_ids(rows, context)
    problems: list[Problem] = []
    for line, data in rows:
        problems += _check_row(line, data, categories, users)
        data["ticket_id"] = existing.get(data["external_id"])
        data["new_id"] = None
        wanted = parse_ticket_number(data["number"]) if data.get("number") else None
        if data["ticket_id"] is None and wanted and wanted not in taken:
            data["new_id"] = wanted
            taken.add(wanted)
    return problems


def _check_row(line: int, data: dict, categories: dict, users: dict) -> list[Problem]:
    problems = []
    category = categories.get(data["category"].strip().lower())
    if category is None:
        problems.append((line, "category", N_("Unknown category."), {}))
    data["category_obj"] = category
    data["requester_obj"] = users.get(normalise_email(data["requester"]))
    if data["requester_obj"] is None:
        problems.append((line, "requester", NO_SUCH_USER, {}))
    data["assignee_obj"] = None
    if data.get("assignee"):
        assignee = users.get(normalise_email(data["assignee"]))
        if assignee is None or assignee.role not in STAFF_ROLES:
            problems.append((line, "assignee", N_("No agent has this e-mail."), {}))
        data["assignee_obj"] = assignee
    for item in data["comments"]:
        item["author_obj"] = users.get(normalise_email(item["author"]))
        if item["author_obj"] is None:
            problems.append(
                (
                    line,
                    "comments",
                    N_("No user has the e-mail %(email)s."),
                    {"email": item["author"]},
                )
            )
            break
        if item["created_at"] < data["created_at"]:
            problems.append((line, "comments", BEFORE_CREATION, {}))
            break
    for name in ("updated_at", "resolved_at", "closed_at"):
        if data.get(name) and data[name] < data["created_at"]:
            problems.append((line, name, BEFORE_CREATION, {}))
    return problems


def _categories(context: RunContext) -> dict[str, Category]:
    if "categories" not in context.cache:
        context.cache["categories"] = {
            c.code.lower(): c for c in db.session.scalars(sa.select(Category))
        }
    return context.cache["categories"]


def _users(rows: list[Row]) -> dict[str, User]:
    """Every user the batch names, in one query (kept by the rows' data)."""
    emails = set()
    for _line, data in rows:
        emails.add(normalise_email(data["requester"]))
        if data.get("assignee"):
            emails.add(normalise_email(data["assignee"]))
        emails.update(normalise_email(c["author"]) for c in data["comments"])
    found = db.session.scalars(sa.select(User).where(User.email.in_(sorted(emails))))
    return {u.email: u for u in found}


def _taken_ids(rows: list[Row], context: RunContext) -> set[int]:
    """Ids the batch's legacy numbers ask for that a ticket already has,
    plus those claimed by earlier rows of this run."""
    taken: set[int] = context.cache.setdefault("claimed_ids", set())
    wanted = {
        n
        for _l, d in rows
        if d.get("number") and (n := parse_ticket_number(d["number"]))
    }
    if wanted:
        taken.update(
            db.session.scalars(
                sa.select(Ticket.id).where(Ticket.id.in_(sorted(wanted)))
            )
        )
    return taken


def _write(rows: list[Row], context: RunContext):
    from helpdesk.imports.ticket_writer import write_tickets

    return write_tickets(rows, context)


TICKETS = Kind(
    name="tickets",
    title=_l("Tickets"),
    columns=(
        Column(
            "external_id",
            True,
            _l("The ticket's id in the old system: re-imports update it."),
            "OLD-1001",
        ),
        Column(
            "number",
            False,
            _l(
                "The old number: kept as ours when free (HD-000123 or 123), searchable either way."
            ),
            "1001",
        ),
        Column("subject", True, _l("Subject."), "Не печатает принтер"),
        Column(
            "description",
            False,
            _l("Description."),
            "Принтер на 3 этаже пишет «замятие бумаги».",
        ),
        Column(
            "status",
            False,
            _l("new (default), open, pending, resolved, reopened or closed."),
            "resolved",
        ),
        Column("priority", False, _l("P1 to P4 (P3 by default)."), "P3"),
        Column(
            "category",
            True,
            _l("Category code, as on the categories list."),
            "hardware",
        ),
        Column("channel", False, _l("web, phone, api or email (default)."), "email"),
        Column("line", False, _l("Support line 1 to 3 (1 by default)."), "1"),
        Column(
            "requester",
            True,
            _l("Requester's e-mail (an existing user)."),
            "ivan.petrov@example.com",
        ),
        Column(
            "assignee",
            False,
            _l("Assignee's e-mail (an existing agent)."),
            "line1@example.com",
        ),
        Column(
            "created_at",
            True,
            _l("When it was registered: 2026-11-23T09:00:00Z; no zone means UTC."),
            "2026-11-23T09:00:00Z",
        ),
        Column("updated_at", False, _l("Last change."), "2026-11-23T12:00:00Z"),
        Column(
            "resolved_at",
            False,
            _l("When it was resolved (resolved and closed tickets)."),
            "2026-11-23T12:00:00Z",
        ),
        Column("closed_at", False, _l("When it was closed."), ""),
        Column("tags", False, _l("Tags, comma-separated."), "printer,office3"),
        Column(
            "comments",
            False,
            _l("Comments as a JSON list of {author, created_at, body, internal, id}."),
            '[{"author": "line1@example.com", "created_at": "2026-11-23T10:00:00Z", '
            '"body": "Уберите бумагу из лотка 2.", "internal": false}]',
        ),
    ),
    schema=TicketRowIn,
    check=check_tickets,
    write=_write,
    key="external_id",
)
