"""The ticket page and its actions, for requesters and staff alike.

Each action loads the ticket through the visibility builder (a ticket that
is not yours is a 404), calls one service, commits and redirects back.
"""

from __future__ import annotations

from io import BytesIO

import sqlalchemy as sa
from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from helpdesk import confirm, files
from helpdesk.clock import get_clock
from helpdesk.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from helpdesk.extensions import db
from helpdesk.http import (
    discard_transaction,
    form_error,
    json_error,
    query_id,
    translate_messages,
    wants_json,
)
from helpdesk.labels import status_label
from helpdesk.macros import service as macro_service
from helpdesk.models import Category, TicketEvent, User
from helpdesk.schemas.tickets import (
    CommentIn,
    MergeIn,
    RatingIn,
    TicketPatchIn,
    TransitionIn,
)
from helpdesk.security import untrusted_download
from helpdesk.service import (
    access,
    attachments,
    followups,
    merge,
    queries,
    ratings,
    timeline,
    versions,
)
from helpdesk.service import tickets as ticket_service
from helpdesk.service.versions import StaleTicket
from helpdesk.undo import UndoKind
from helpdesk.views import bp
from helpdesk.views import undo as undo_view
from helpdesk.views.uploads import read_upload, save_upload
from helpdesk.vocabulary import EventKind, TicketStatus, next_statuses
from helpdesk.watchers import service as watchers


@bp.get("/tickets/<int:ticket_id>")
@login_required
def ticket_detail(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    draft = undo_view.take_draft(ticket.id)
    return render_ticket(ticket, errors={}, form={"body": draft} if draft else None)


def render_ticket(
    ticket,
    *,
    errors: dict,
    status: int = 200,
    form: dict | None = None,
    changes: list[TicketEvent] = (),
):
    """The ticket page; forms that failed validation re-render it with
    errors, a stale one with the ``changes`` made since it was loaded."""
    comments = {c.id: c for c in queries.ticket_comments(ticket, actor=current_user)}
    events = list(
        db.session.scalars(timeline.timeline_query(ticket, actor=current_user))
    )
    context = {
        "ticket": ticket,
        "events": events,
        "undone_events": _undone(events),
        "changes": changes,
        "comments": comments,
        "errors": errors,
        "attachments": queries.ticket_attachments(ticket, actor=current_user),
        "can_work": current_user.is_staff and access.can_work_on(current_user, ticket),
        "next_statuses": next_statuses(ticket.status),
        "follow_ups": followups.follow_ups_of(ticket),
        "takes_follow_up": followups.takes_follow_up(ticket, current_user),
        "form": form or (request.form if request.method == "POST" else {}),
        "people": _people_named_in(events),
        "watchers": watchers.watchers_of(ticket),
        "manages_watchers": watchers.may_manage(current_user, ticket),
        "is_requester": current_user.id == ticket.requester_id,
        "category_names": {
            c.code: c.display_name(str(get_locale()))
            for c in db.session.scalars(sa.select(Category))
        },
    }
    if context["can_work"]:
        context["categories"] = queries.active_categories()
        context["agents"] = access.assignable_agents(ticket, actor=current_user)
        context["macros"] = macro_service.list_macros()
        context["macro_plan"] = _macro_plan(ticket, context["macros"])
    return render_template("helpdesk/ticket.html", **context), status


def _macro_plan(ticket, macros) -> dict | None:
    """The preview of the macro ``?macro=`` names (the page's macro section)."""
    macro_id = request.args.get("macro", type=query_id)
    macro = next((m for m in macros if m.id == macro_id), None)
    if macro is None:
        return None
    return {
        "macro": macro,
        "plan": macro_service.plan(ticket, macro, actor=current_user),
    }


def _undone(events: list[TicketEvent]) -> set[int]:
    """The ids of the events that an undo took back (drawn struck through)."""
    ranges = [
        (e.data["from_version"], e.data["to_version"])
        for e in events
        if e.kind == EventKind.UNDONE
    ]
    return {
        e.id
        for e in events
        if e.kind != EventKind.UNDONE
        and e.ticket_version is not None
        and any(low < e.ticket_version <= high for low, high in ranges)
    }


@bp.app_errorhandler(StaleTicket)
def stale_ticket(err: StaleTicket):
    """A change made from a stale page: the page again, its input kept, with
    what changed since (409); the API answers its JSON error."""
    discard_transaction()
    fields = {k: [str(m) for m in v] for k, v in err.fields.items()}
    if wants_json():
        return json_error(err.status, err.code, str(err.message), fields)
    ticket = access.get_visible_ticket(current_user, err.ticket_id)
    changes = versions.changes_since(ticket, err.expected, actor=current_user)
    return render_ticket(
        ticket, errors={"_form": [str(err.message)]}, status=409, changes=changes
    )


def _people_named_in(events: list[TicketEvent]) -> dict[int, str]:
    """Names of the users that assignment events refer to, in one query."""
    ids = {
        e.data.get(key)
        for e in events
        if e.kind == EventKind.ASSIGNED
        for key in ("old", "new")
    } - {None}
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all()
    )


def _page_errors(err: ValidationError | DomainError) -> dict:
    """``render_ticket``'s errors and status for a refused action: the
    fields' messages, and the refusal itself at the top of the page."""
    errors, status = form_error(err)
    if isinstance(err, DomainError):
        errors.setdefault("_form", [str(err.message)])
    return {"errors": errors, "status": status}


def _back(ticket):
    return redirect(url_for("helpdesk.ticket_detail", ticket_id=ticket.id))


@bp.post("/tickets/<int:ticket_id>/comments")
@login_required
def ticket_comment(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    if followups.takes_follow_up(ticket, current_user):
        # Closed while the requester was writing: the reply opens a follow-up.
        return ticket_follow_up(ticket_id)
    form = {k: v for k, v in request.form.to_dict().items() if k != "status" or v}
    try:
        data = CommentIn().load(form, unknown="exclude")
        upload = read_upload()
    except ValidationError as err:
        return render_ticket(
            ticket, errors=translate_messages(err.messages), status=422
        )
    now = get_clock().now()
    versions.expect_version(ticket, data["version"], actor=current_user)
    kind = _reply_undo_kind(data)
    action = undo_view.begin(kind, [ticket], now=now) if kind else None
    try:
        ticket_service.reply_with_status(
            ticket,
            body=data["body"],
            internal=data["internal"],
            status=data["status"],
            actor=current_user,
            now=now,
        )
    except InvalidTransition as err:
        # The status the reply was to set is not allowed: nothing was sent.
        discard_transaction()
        ticket = access.get_visible_ticket(current_user, ticket_id)
        return render_ticket(ticket, **_page_errors(err))
    save_upload(upload, ticket, internal=data["internal"], actor=current_user, now=now)
    action = undo_view.offer(action)
    db.session.commit()
    flash(_replied_message(data, held=action is not None), "success")
    return _back(ticket)


def _reply_undo_kind(data: dict) -> UndoKind | None:
    """A staff reply is held to be undone ("Undo send"), and so is a
    status set with a note; a requester's message is not undoable."""
    if not current_user.is_staff:
        return None
    if not data["internal"]:
        return UndoKind.REPLY
    return UndoKind.STATUS if data["status"] else None


def _replied_message(data: dict, *, held: bool) -> str:
    if data["internal"]:
        message = _("Internal note added.")
    elif held and current_user.is_staff:
        message = _(
            "Your reply will be sent in %(seconds)s seconds.",
            seconds=current_app.config["REPLY_UNDO_SECONDS"],
        )
    else:
        message = _("Your reply has been sent.")
    if data["status"]:
        status = _(
            "Status changed to “%(status)s”.", status=status_label(data["status"])
        )
        message = f"{message} {status}"
    return message


@bp.post("/tickets/<int:ticket_id>/follow-ups")
@login_required
def ticket_follow_up(ticket_id: int):
    """The requester writes again about a closed ticket: a new, linked one."""
    closed = access.get_visible_ticket(current_user, ticket_id)
    try:
        data = CommentIn().load(request.form.to_dict(), unknown="exclude")
        if data["internal"]:
            raise ValidationError({"internal": [_("Only agents write notes.")]})
        ticket = followups.open_follow_up(
            closed, body=data["body"], actor=current_user, now=get_clock().now()
        )
    except (ValidationError, Conflict) as err:
        errors, status = form_error(err)
        return render_ticket(closed, errors=errors, status=status)
    db.session.commit()
    flash(
        _(
            "Your message opened %(number)s, a follow-up of %(closed)s.",
            number=ticket.number,
            closed=closed.number,
        ),
        "success",
    )
    return _back(ticket)


@bp.post("/tickets/<int:ticket_id>/transitions")
@login_required
def ticket_transition(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    try:
        data = TransitionIn().load(request.form.to_dict(), unknown="exclude")
        now = get_clock().now()
        versions.expect_version(ticket, data["version"], actor=current_user)
        if data["status"] == TicketStatus.CLOSED and not confirm.confirmed():
            ticket_service.ensure_may_change_status(
                ticket, data["status"], actor=current_user
            )
            return _ask_to_close(ticket)
        action = undo_view.begin(UndoKind.STATUS, [ticket], now=now)
        ticket_service.change_status(
            ticket, data["status"], actor=current_user, now=now
        )
    except (ValidationError, InvalidTransition) as err:
        # A stale page (someone moved the ticket meanwhile): the page as it is now.
        return render_ticket(ticket, **_page_errors(err))
    undo_view.offer(action)
    db.session.commit()
    flash(
        _("Status changed to “%(status)s”.", status=status_label(ticket.status)),
        "success",
    )
    return _back(ticket)


def _ask_to_close(ticket):
    return confirm.ask(
        title=_("Close %(number)s for good?", number=ticket.number),
        consequences=[
            _("Nobody can reply on it or reopen it any more."),
            _(
                "If the requester writes again, their message opens a new "
                "ticket linked to this one."
            ),
            _("Its SLA clocks stop and count as they stand now."),
        ],
        button=_("Close the ticket"),
        back=url_for("helpdesk.ticket_detail", ticket_id=ticket.id),
    )


@bp.post("/tickets/<int:ticket_id>/properties")
@login_required
def ticket_update(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    form = request.form.to_dict()
    if form.get("assignee") == "":
        form["assignee"] = None  # "nobody" in the select
    if "tags" in form:
        form["tags"] = [tag for tag in form["tags"].split(",") if tag.strip()]
    try:
        changes = TicketPatchIn().load(form, unknown="exclude")
    except ValidationError as err:
        return render_ticket(
            ticket, errors=translate_messages(err.messages), status=422
        )
    now = get_clock().now()
    versions.expect_version(ticket, changes.pop("version"), actor=current_user)
    action = undo_view.begin(UndoKind.UPDATE, [ticket], now=now)
    try:
        ticket_service.update_ticket(ticket, changes, actor=current_user, now=now)
    except (InvalidInput, PermissionDenied) as err:
        return render_ticket(ticket, **_page_errors(err))
    undo_view.offer(action)
    db.session.commit()
    flash(_("Ticket %(number)s updated.", number=ticket.number), "success")
    return _back(ticket)


@bp.post("/tickets/<int:ticket_id>/rating")
@login_required
def ticket_rate(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    try:
        data = RatingIn().load(request.form.to_dict(), unknown="exclude")
    except ValidationError as err:
        return render_ticket(
            ticket, errors=translate_messages(err.messages), status=422
        )
    try:
        ratings.rate_ticket(
            ticket,
            score=data["score"],
            comment=data["comment"],
            actor=current_user,
            now=get_clock().now(),
        )
    except Conflict as err:
        return render_ticket(ticket, **_page_errors(err))
    db.session.commit()
    flash(_("Thank you for your rating!"), "success")
    return _back(ticket)


@bp.get("/tickets/<int:ticket_id>/attachments/<int:attachment_id>")
@login_required
def attachment_download(ticket_id: int, attachment_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    attachment = attachments.get_attachment(ticket, attachment_id, actor=current_user)
    # Always a download, never rendered inline: an uploaded HTML file must
    # not run as a page of ours. Executable types go out as octet-stream, and
    # a sandbox policy covers a browser that renders it all the same.
    response = send_file(
        BytesIO(attachment.content),
        mimetype=files.served_type(attachment.content_type),
        as_attachment=True,
        download_name=files.clean_filename(attachment.filename),
    )
    return untrusted_download(response)


@bp.post("/tickets/<int:ticket_id>/merge")
@login_required
def ticket_merge(ticket_id: int):
    duplicate = access.get_visible_ticket(current_user, ticket_id)
    try:
        data = MergeIn().load(request.form.to_dict(), unknown="exclude")
        survivor = access.get_visible_ticket(current_user, data["into"])
        now = get_clock().now()
        versions.expect_version(duplicate, data["version"], actor=current_user)
        action = undo_view.begin(UndoKind.MERGE, [duplicate, survivor], now=now)
        merge.merge_ticket(
            duplicate,
            survivor,
            actor=current_user,
            now=now,
            settings=current_app.config,
        )
    except (ValidationError, InvalidInput, NotFound) as err:
        errors, _status = form_error(err)
        return render_ticket(
            duplicate, errors={"into": sum(errors.values(), [])}, status=422
        )
    undo_view.offer(action)
    db.session.commit()
    flash(
        _(
            "%(number)s merged into %(survivor)s.",
            number=duplicate.number,
            survivor=survivor.number,
        ),
        "success",
    )
    return _back(survivor)
