"""The agents' workspace: the queue of a line and the line-1 phone console."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from marshmallow import ValidationError

from helpdesk import confirm
from helpdesk.clock import get_clock
from helpdesk.custom_fields import forms as custom_field_forms
from helpdesk.errors import Conflict, InvalidInput
from helpdesk.extensions import db
from helpdesk.http import form_error, query_id, translate_messages
from helpdesk.models import Ticket, User, format_ticket_number
from helpdesk.schemas.accounts import CallerCreateIn
from helpdesk.schemas.tickets import BulkIn, PhoneIntakeIn, TicketListQuery
from helpdesk.search import saved_views
from helpdesk.service import accounts, bulk, lines, password_links, queries
from helpdesk.service import tickets as ticket_service
from helpdesk.undo import UndoKind
from helpdesk.views import bp
from helpdesk.views import undo as undo_view
from helpdesk.views.access import staff_required
from helpdesk.vocabulary import ACTIVE_STATUSES, Role, TicketStatus


def queue_filters() -> tuple[dict, dict]:
    """The queue's query arguments and the filters they load to (the page
    and its exports read the same ones)."""
    args = request.args.to_dict()
    if args.get("assignee") == "me":
        args["assignee"] = str(current_user.id)
    if "line" not in args and current_user.line:
        args["line"] = str(current_user.line)  # an agent starts on their own line
    args = {k: v for k, v in args.items() if v != ""}
    filters = TicketListQuery().load(args)
    if not filters.get("status"):
        filters["status"] = sorted(ACTIVE_STATUSES)
    return args, filters


@bp.get("/queue")
@staff_required
def queue():
    return render_queue()


def render_queue(*, errors: dict | None = None, status: int = 200):
    """The queue of the query string's filters. ``errors``: a bulk action's
    form failed; the page comes back with the same tickets ticked, the same
    choices made, and the messages (the other packages' bulk actions too)."""
    args, filters, filter_errors = _queue_query()
    if filter_errors:
        errors, status = filter_errors, 422
    ticked = {int(i) for i in request.form.getlist("ticket_ids") if i.isdigit()}
    rows = _queue_rows(filters, ticked=ticked)
    page = render_template(
        "helpdesk/queue.html",
        rows=rows,
        tickets=rows.tickets,
        filters=filters,
        args=args,
        categories=queries.active_categories(),
        saved_views=saved_views.list_views(current_user),
        errors=errors or {},
        form=request.form if errors and request.method == "POST" else {},
    )
    return page, status


def _queue_query() -> tuple[dict, dict, dict]:
    """The query string's arguments and filters, and the errors that left
    some out: filters that make no sense (dates in the wrong order) give the
    queue without them, the filter form as it was sent, and what to fix."""
    try:
        args, filters = queue_filters()
        return args, filters, {}
    except ValidationError as err:
        messages = sum(translate_messages(err.messages).values(), [])
        hint = _("These filters are left out until you correct them.")
        args = {k: v for k, v in request.args.items() if v != ""}
        own_line = {"line": str(current_user.line)} if current_user.line else {}
        filters = TicketListQuery().load(own_line)
        filters["status"] = sorted(ACTIVE_STATUSES)
        return args, filters, {"_form": [*messages, hint]}


@dataclass(frozen=True)
class QueueRows:
    """The rows of a queue page as rendered, and their fingerprint (ETag)."""

    tickets: list[Ticket]
    html: Markup
    etag: str


def _queue_rows(filters: dict, *, ticked: set[int] = frozenset()) -> QueueRows:
    tickets, next_cursor = queries.ticket_page(
        current_user,
        filters,
        cursor=filters["cursor"],
        limit=current_app.config["PAGE_SIZE"],
    )
    html = render_template(
        "helpdesk/_queue_rows.html",
        now=get_clock().now(),
        tickets=tickets,
        next_cursor=next_cursor,
        ticked=ticked,
    )
    # The rows as the agent would see them: any change there (a ticket
    # taken, a new one, the time left ticking on) is a new fingerprint.
    etag = hashlib.sha256(html.encode()).hexdigest()[:32]
    return QueueRows(tickets, Markup(html), etag)


@bp.get("/queue/rows")
@staff_required
def queue_rows():
    """The queue's rows alone, for the page's refresh loop (app.js), with
    the same filters: 304 when they are as the ETag the page holds says."""
    _args, filters, _errors = _queue_query()
    rows = _queue_rows(filters)
    response = make_response(rows.html)
    response.set_etag(rows.etag)
    response.headers["Cache-Control"] = "no-cache, private"
    return response.make_conditional(request)


@bp.post("/queue/bulk")
@staff_required
def queue_bulk():
    form = {
        "ticket_ids": request.form.getlist("ticket_ids"),
        "action": request.form.get("action", ""),
        "status": request.form.get("status") or None,
    }
    try:
        data = BulkIn().load(form)
    except ValidationError as err:
        return render_queue(errors=bulk_form_errors(err), status=422)
    if (
        data["action"] == "status"
        and data["status"] == TicketStatus.CLOSED
        and not confirm.confirmed()
    ):
        return _ask_to_close(data["ticket_ids"])
    now = get_clock().now()
    action = undo_view.begin(
        UndoKind.BULK, bulk.visible(data["ticket_ids"], actor=current_user), now=now
    )
    outcome = bulk.bulk_update(
        data["ticket_ids"],
        action=data["action"],
        status=data["status"],
        actor=current_user,
        now=now,
    )
    undo_view.offer(action)
    db.session.commit()
    if outcome.changed:
        flash(_("Changed: %(numbers)s.", numbers=", ".join(outcome.changed)), "success")
    for number, reason in outcome.skipped.items():
        flash(
            _("%(number)s skipped: %(reason)s", number=number, reason=reason), "error"
        )
    # Back to the same queue view: its filters came along in the query string.
    return redirect(url_for("helpdesk.queue", **request.args))


def bulk_form_errors(err: ValidationError, *, prefix: str = "") -> dict[str, list[str]]:
    """A bulk action's messages by field (``prefix`` names a package's own
    fields of the bar), and what to do when no ticket was ticked."""
    errors = {
        (name if name in ("ticket_ids", "_schema") else prefix + name): messages
        for name, messages in translate_messages(err.messages).items()
    }
    if "ticket_ids" in errors:
        errors["_form"] = [
            _(
                "Nothing was changed: tick the tickets in the list first, then choose the action again."
            )
        ]
    return errors


def _ask_to_close(ticket_ids: list[int]):
    numbers = [format_ticket_number(i) for i in dict.fromkeys(ticket_ids)]
    return confirm.ask(
        title=_("Close %(count)s tickets for good?", count=len(numbers)),
        consequences=[
            ", ".join(numbers),
            _("Nobody can reply on them or reopen them any more."),
            _(
                "If a requester writes again, their message opens a new ticket "
                "linked to the closed one."
            ),
        ],
        button=_("Close the tickets"),
        back=url_for("helpdesk.queue", **request.args),
    )


@bp.get("/phone")
@staff_required
def phone():
    query = request.args.get("q", "").strip()
    if query and "requester_id" not in request.args:
        callers = accounts.find_callers(query, limit=2)
        if len(callers) == 1:  # the one match is the caller: select at once
            return redirect(url_for("helpdesk.phone", requester_id=callers[0].id))
    return _render_phone()


def _render_phone(*, errors: dict | None = None, caller_errors: dict | None = None):
    """The console: caller search, or the selected caller's ticket form."""
    query = request.args.get("q", "").strip()
    caller = _selected_caller()
    recent = []
    if caller is not None:
        recent = queries.list_tickets(
            current_user, {"requester_id": caller.id}, after_id=None, limit=5
        )
    created_id = request.args.get("created", type=query_id)
    created = db.session.get(Ticket, created_id) if created_id else None
    return render_template(
        "helpdesk/phone.html",
        q=query,
        callers=accounts.find_callers(query) if query else [],
        caller=caller,
        recent=recent,
        created=created,
        # Where a routing rule sent it (the line-1 agent may not follow it).
        created_move=lines.moved_by_rule(created) if created else None,
        categories=queries.active_categories(),
        errors=errors or {},
        form=request.form if errors else {},
        caller_errors=caller_errors or {},
        caller_form=request.form if caller_errors else {},
    )


def _selected_caller() -> User | None:
    requester_id = request.values.get("requester_id", type=query_id)
    if requester_id is None:
        return None
    user = db.session.get(User, requester_id)
    return user if user is not None and user.role == Role.CUSTOMER else None


@bp.post("/phone/callers")
@staff_required
def phone_caller_create():
    try:
        data = CallerCreateIn().load(request.form.to_dict(), unknown="exclude")
        data["role"] = Role.CUSTOMER
        invite = data.pop("send_invitation")
        caller = accounts.create_user(data, now=get_clock().now())
    except (ValidationError, Conflict, InvalidInput) as err:
        errors, _status = form_error(err)
        return _phone_form_error(caller_errors=errors)
    if invite:
        password_links.send_invitation(
            caller, now=get_clock().now(), settings=current_app.config
        )
    db.session.commit()
    flash(
        _(
            "Caller %(name)s registered; a link to set a password is on its way.",
            name=caller.name,
        )
        if invite
        else _("Caller %(name)s registered.", name=caller.name),
        "success",
    )
    return redirect(url_for("helpdesk.phone", requester_id=caller.id))


@bp.post("/phone/tickets")
@staff_required
def phone_ticket_create():
    try:
        data = PhoneIntakeIn().load(request.form.to_dict(), unknown="exclude")
        data["fields"] = custom_field_forms.submitted_values(
            request.form, data["category"]
        )
        caller = _selected_caller()
        if caller is None:
            message = _("Find or create the caller first.")
            raise InvalidInput(message, fields={"requester_id": [message]})
        ticket = ticket_service.register_call(
            data, caller=caller, actor=current_user, now=get_clock().now()
        )
    except (ValidationError, InvalidInput) as err:
        errors, _status = form_error(err)
        return _phone_form_error(errors=errors)
    db.session.commit()
    flash(_registered_message(ticket, resolved=data["resolve_on_call"]), "success")
    return redirect(
        url_for("helpdesk.phone", requester_id=caller.id, created=ticket.id)
    )


def _registered_message(ticket: Ticket, *, resolved: bool) -> str:
    """What the console says of a call it registered: resolved, or where
    the routing rules (run at the commit) sent it."""
    if resolved:
        return _(
            "%(number)s registered and resolved on the call.", number=ticket.number
        )
    move = lines.moved_by_rule(ticket)
    if move is not None:
        return _(
            "%(number)s registered and sent to line %(line)s by rule “%(rule)s”.",
            number=ticket.number,
            line=move["new"],
            rule=move["rule"],
        )
    return _("%(number)s registered.", number=ticket.number)


def _phone_form_error(*, errors: dict | None = None, caller_errors: dict | None = None):
    return _render_phone(errors=errors, caller_errors=caller_errors), 422
