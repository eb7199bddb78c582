"""Undo on the pages: an undoable action's page flashes what was done with
an Undo button (``offer``) for the record's window, and the button posts
here. The work is ``helpdesk.undo``'s."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from helpdesk.clock import get_clock
from helpdesk.errors import Conflict
from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.service import access
from helpdesk.service.versions import StaleTicket
from helpdesk.undo import UndoAction, UndoKind
from helpdesk.undo import service as undo_service
from helpdesk.views import bp

_OFFER = "undo_offer"
_DRAFT = "reply_draft"

KIND_LABELS = {
    UndoKind.STATUS: _l("the status change"),
    UndoKind.UPDATE: _l("the change of the ticket's properties"),
    UndoKind.LINE: _l("the move to another line"),
    UndoKind.MERGE: _l("the merge"),
    UndoKind.BULK: _l("the bulk action"),
    UndoKind.REPLY: _l("the reply (it was never sent)"),
}


def kind_label(kind: str) -> str:
    try:
        return str(KIND_LABELS[UndoKind(kind)])
    except ValueError:
        return kind


def begin(
    kind: UndoKind, tickets: list[Ticket], *, now: datetime, primary=None
) -> UndoAction | None:
    """``undo.begin`` for the current user with the app's windows."""
    return undo_service.begin(
        kind,
        tickets,
        actor=current_user,
        now=now,
        settings=current_app.config,
        primary=primary,
    )


def offer(action: UndoAction | None) -> UndoAction | None:
    """Finish the record (before the commit) and offer its Undo button on
    the next page; None when there is nothing to undo."""
    action = undo_service.finish(action)
    if action is not None:
        session[_OFFER] = {"id": action.id, "kind": action.kind.value}
    return action


def pending_offer() -> dict | None:
    """The Undo button the page shows once (template global), with the
    seconds left; gone when the window has passed."""
    saved = session.pop(_OFFER, None)
    if not saved:
        return None
    action = db.session.get(UndoAction, saved["id"])
    if action is None or action.undone_at is not None:
        return None
    seconds = int((action.expires_at - get_clock().now()).total_seconds())
    if seconds <= 0:
        return None
    return {
        "id": action.id,
        "seconds": seconds,
        "label": _("Undo send") if action.kind == UndoKind.REPLY else _("Undo"),
        "next": request.full_path.rstrip("?"),
    }


def take_draft(ticket_id: int) -> str | None:
    """The text of a reply whose sending was stopped, for its ticket's page."""
    draft = session.get(_DRAFT)
    if draft and draft.get("ticket_id") == ticket_id:
        session.pop(_DRAFT)
        return draft["body"]
    return None


@bp.post("/undo/<int:action_id>")
@login_required
def undo_action(action_id: int):
    now = get_clock().now()
    try:
        outcome = undo_service.undo(
            action_id, actor=current_user, now=now, settings=current_app.config
        )
    except Conflict as err:
        if isinstance(err, StaleTicket):
            raise  # the ticket page shows what changed (views.tickets)
        return _refused(action_id, err)
    db.session.commit()
    action = outcome.action
    if outcome.draft is not None:
        session[_DRAFT] = {"ticket_id": action.ticket_id, "body": outcome.draft}
        flash(_("Sending stopped. Your reply is back in the box below."), "success")
    else:
        flash(
            _(
                "Undone: %(what)s (%(numbers)s).",
                what=kind_label(action.kind),
                numbers=", ".join(t.number for t in outcome.tickets),
            ),
            "success",
        )
    return redirect(_back(action))


def _back(action: UndoAction) -> str:
    """Where the undo was asked from; a merge's duplicate, which is back."""
    target = request.form.get("next", "")
    if action.kind != UndoKind.MERGE and target.startswith("/") and "//" not in target:
        return target
    return url_for("helpdesk.ticket_detail", ticket_id=action.ticket_id)


def _refused(action_id: int, err: Conflict):
    """The page the undo was asked from, with why not (409)."""
    from helpdesk.views.tickets import render_ticket

    db.session.rollback()
    action = undo_service.get_action(action_id, actor=current_user)
    ticket = access.get_visible_ticket(current_user, action.ticket_id)
    return render_ticket(ticket, errors={"_form": [str(err.message)]}, status=409)
