"""REST API under /api/v1: JSON in, JSON out, marshmallow at the edge.

Programs authenticate with ``Authorization: Bearer <token>``; the browser
may use its session cookie, and then unsafe methods need the CSRF header.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk import directory, hooks, undo
from helpdesk.audit import record_audit
from helpdesk.clock import get_clock
from helpdesk.errors import InvalidInput, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.http import json_body, json_error
from helpdesk.models import Ticket, TicketEvent, User
from helpdesk.openapi import build_spec
from helpdesk.pagination import decode_cursor, page
from helpdesk.schemas.accounts import TokenIn, TokenInfoOut, TokenOut, UserOut
from helpdesk.schemas.common import PageQuery, shared
from helpdesk.schemas.tickets import (
    CommentIn,
    CommentOut,
    EventOut,
    FollowUpIn,
    MergeIn,
    RatingIn,
    RatingOut,
    TicketCreateIn,
    TicketListQuery,
    TicketOut,
    TicketPatchIn,
    TicketStaffCreateIn,
    TransitionIn,
    UndoOut,
    ViewerIn,
    ViewerOut,
)
from helpdesk.search import tickets as ticket_search
from helpdesk.service import (
    access,
    accounts,
    followups,
    merge,
    presence,
    queries,
    ratings,
    timeline,
    versions,
)
from helpdesk.service import tickets as ticket_service
from helpdesk.signin import two_factor
from helpdesk.signin.throttle import login_limits
from helpdesk.undo import UndoKind
from helpdesk.unit_of_work import (
    commit_keeping_state,
    keep_written,
    retried_when_locked,
)
from helpdesk.vocabulary import Channel

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.post("/v1/auth/token")
@login_limits
def token_create():
    """A bearer token for e-mail and password - and, when the user has
    two-factor login on, ``code`` (the app's current code or a recovery code)."""
    data = TokenIn().load(json_body())
    user = directory.authenticate(
        data["email"],
        data["password"],
        settings=current_app.config,
        now=get_clock().now(),
    )
    if user is None:
        record_audit("login.failed", data={"email": data["email"][:254], "via": "api"})
        db.session.commit()
        return json_error(401, "invalid_credentials", _("Wrong e-mail or password."))
    accounts.ensure_may_hold_tokens(
        user, customers_allowed=current_app.config["API_TOKENS_FOR_CUSTOMERS"]
    )
    now = get_clock().now()
    if two_factor.is_enabled(user):
        if not two_factor.verify(user, data["code"], now=now):
            record_audit(
                "login.failed", data={"email": user.email, "via": "api", "step": "code"}
            )
            db.session.commit()
            return json_error(
                401,
                "two_factor_required",
                _(
                    "Send the current code of your authenticator app (or a recovery code) as “code”."
                ),
            )
    elif two_factor.is_required(user):
        return json_error(
            403,
            "two_factor_enrolment_required",
            _(
                "Your role requires two-factor login: set it up on your profile page first."
            ),
        )
    record_audit("login.succeeded", actor=user, data={"via": "api"})
    raw, token = accounts.issue_token(
        user,
        name="api",
        now=now,
        ttl_days=current_app.config["API_TOKEN_TTL_DAYS"],
    )
    db.session.commit()
    return TokenOut().dump({"token": raw, "expires_at": token.expires_at}), 201


def dump_tickets(tickets: list[Ticket]) -> list[dict]:
    """``TicketOut`` plus what other packages add (``sla``...) through
    ``hooks.add_ticket_extras``, one call per provider for the whole page."""
    items = shared(TicketOut, many=True).dump(tickets)
    providers = hooks.ticket_extras()
    if providers and tickets:
        now = get_clock().now()
        for provide in providers:
            extras = provide(tickets, now)
            for item in items:
                item.update(extras.get(item["id"], {}))
    return items


def dump_ticket(ticket: Ticket) -> dict:
    return dump_tickets([ticket])[0]


def etag(ticket: Ticket) -> dict[str, str]:
    """The ticket's version as its ETag: send it back as ``If-Match`` (or
    ``version``) and a change made since is refused instead of overwritten."""
    return {"ETag": f'"{ticket.version}"'}


def requested_version(data: dict) -> int | None:
    """The version the client read: ``version`` in the body, else the
    ``If-Match`` header; None when it sent neither (nothing is checked)."""
    version = data.pop("version", None)
    if version is not None:
        return version
    tags = [t for t in request.if_match.as_set() if t != "*"]
    if not tags:
        return None
    if len(tags) > 1 or not tags[0].isdigit() or len(tags[0]) > 10:
        message = _("If-Match holds one version, as the ETag gave it.")
        raise InvalidInput(message, fields={"If-Match": [message]})
    return int(tags[0])


def with_undo(body: dict, action) -> dict:
    """An undoable request's answer: its body plus where to POST to undo it."""
    return body | {"undo": undo.api_path(action)} if action is not None else body


@bp.get("/v1/me")
@login_required
def me():
    return UserOut().dump(current_user)


@bp.get("/v1/me/tokens")
@login_required
def token_list():
    """Your API tokens, newest first, as the profile page lists them."""
    tokens = accounts.list_tokens(current_user)
    return {"items": TokenInfoOut(many=True).dump(tokens), "next_cursor": None}


@bp.delete("/v1/me/tokens/<int:token_id>")
@login_required
def token_delete(token_id: int):
    """Revoke one of your tokens (the one in use too); others' are 404."""
    accounts.revoke_token(current_user, token_id)
    db.session.commit()
    return "", 204


@bp.get("/v1/tickets")
@login_required
def ticket_list():
    filters = TicketListQuery().load(request.args.to_dict())
    items, next_cursor = ticket_search.ticket_page(
        current_user,
        filters,
        cursor=filters["cursor"],
        limit=filters["limit"],
        window=current_app.config["TICKET_SEARCH_WINDOW"],
    )
    return {"items": dump_tickets(items), "next_cursor": next_cursor}


@bp.post("/v1/tickets")
@login_required
@retried_when_locked
def ticket_create():
    keep_written()
    body = json_body()
    now = get_clock().now()
    if current_user.is_staff:
        data = shared(TicketStaffCreateIn).load(body)
        requester = _requester(data.pop("requester_id"))
        channel = data.pop("channel")
    else:
        data, requester, channel = (
            shared(TicketCreateIn).load(body),
            current_user,
            Channel.API,
        )
    ticket = ticket_service.open_ticket(
        data, actor=current_user, now=now, requester=requester, channel=channel
    )
    # The answer is what was just written, not read back.
    commit_keeping_state()
    headers = {"Location": f"/api/v1/tickets/{ticket.id}"} | etag(ticket)
    return dump_ticket(ticket), 201, headers


def _requester(requester_id: int | None) -> User:
    if requester_id is None:
        return current_user
    user = db.session.get(User, requester_id)
    if user is None:
        raise InvalidInput(
            _("Requester not found."), fields={"requester_id": [_("Unknown user.")]}
        )
    return user


@bp.get("/v1/tickets/<int:ticket_id>")
@login_required
def ticket_get(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    return dump_ticket(ticket), 200, etag(ticket)


@bp.patch("/v1/tickets/<int:ticket_id>")
@login_required
def ticket_patch(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    if not current_user.is_staff:
        raise PermissionDenied(_("Only agents can change tickets."))
    changes = TicketPatchIn().load(json_body())
    now = get_clock().now()
    versions.expect_version(ticket, requested_version(changes), actor=current_user)
    action = begin_undo(UndoKind.UPDATE, [ticket], now=now)
    ticket_service.update_ticket(ticket, changes, actor=current_user, now=now)
    action = undo.finish(action)
    db.session.commit()
    return with_undo(dump_ticket(ticket), action), 200, etag(ticket)


def begin_undo(kind: UndoKind, tickets: list[Ticket], *, now):
    return undo.begin(
        kind, tickets, actor=current_user, now=now, settings=current_app.config
    )


@bp.get("/v1/tickets/<int:ticket_id>/comments")
@login_required
def comment_list(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    comments = queries.ticket_comments(ticket, actor=current_user)
    return {"items": CommentOut(many=True).dump(comments), "next_cursor": None}


@bp.post("/v1/tickets/<int:ticket_id>/comments")
@login_required
@retried_when_locked
def comment_create(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    data = CommentIn().load(json_body())
    now = get_clock().now()
    versions.expect_version(ticket, requested_version(data), actor=current_user)
    action = None
    if current_user.is_staff and not data["internal"]:
        action = begin_undo(UndoKind.REPLY, [ticket], now=now)
    elif current_user.is_staff and data["status"]:
        action = begin_undo(UndoKind.STATUS, [ticket], now=now)
    comment = ticket_service.reply_with_status(
        ticket,
        body=data["body"],
        internal=data["internal"],
        status=data["status"],
        actor=current_user,
        now=now,
    )
    action = undo.finish(action)
    db.session.commit()
    return with_undo(CommentOut().dump(comment), action), 201, etag(ticket)


@bp.post("/v1/tickets/<int:ticket_id>/follow-ups")
@login_required
def follow_up_create(ticket_id: int):
    """The requester writes again about a closed ticket: a new, linked one."""
    closed = access.get_visible_ticket(current_user, ticket_id)
    data = FollowUpIn().load(json_body())
    ticket = followups.open_follow_up(
        closed,
        body=data["body"],
        actor=current_user,
        now=get_clock().now(),
        channel=Channel.API,
    )
    db.session.commit()
    return dump_ticket(ticket), 201, {"Location": f"/api/v1/tickets/{ticket.id}"}


@bp.post("/v1/tickets/<int:ticket_id>/transitions")
@login_required
def transition_create(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    data = TransitionIn().load(json_body())
    now = get_clock().now()
    versions.expect_version(ticket, requested_version(data), actor=current_user)
    action = begin_undo(UndoKind.STATUS, [ticket], now=now)
    ticket_service.change_status(ticket, data["status"], actor=current_user, now=now)
    action = undo.finish(action)
    db.session.commit()
    return with_undo(dump_ticket(ticket), action), 201, etag(ticket)


@bp.post("/v1/tickets/<int:ticket_id>/ratings")
@login_required
def rating_create(ticket_id: int):
    """The requester's score for a resolved or closed ticket, once."""
    ticket = access.get_visible_ticket(current_user, ticket_id)
    data = RatingIn().load(json_body())
    rating = ratings.rate_ticket(
        ticket,
        score=data["score"],
        comment=data["comment"],
        actor=current_user,
        now=get_clock().now(),
    )
    db.session.commit()
    return RatingOut().dump(rating), 201


@bp.post("/v1/tickets/<int:ticket_id>/merges")
@login_required
def merge_create(ticket_id: int):
    """Merge this duplicate into ``into``; answers the ticket that carries on."""
    duplicate = access.get_visible_ticket(current_user, ticket_id)
    if not current_user.is_staff:
        raise PermissionDenied(_("Only agents can merge tickets."))
    data = MergeIn().load(json_body())
    try:
        survivor = access.get_visible_ticket(current_user, data["into"])
    except NotFound as err:
        raise InvalidInput(
            str(err.message), fields={"into": [_("Ticket not found.")]}
        ) from err
    now = get_clock().now()
    versions.expect_version(duplicate, requested_version(data), actor=current_user)
    action = begin_undo(UndoKind.MERGE, [duplicate, survivor], now=now)
    merge.merge_ticket(
        duplicate,
        survivor,
        actor=current_user,
        now=now,
        settings=current_app.config,
    )
    action = undo.finish(action)
    db.session.commit()
    return with_undo(dump_ticket(survivor), action), 201, etag(survivor)


@bp.post("/v1/undo/<int:action_id>")
@login_required
def undo_create(action_id: int):
    """Undo the operation whose answer named this path (409 saying why not)."""
    outcome = undo.undo(
        action_id,
        actor=current_user,
        now=get_clock().now(),
        settings=current_app.config,
    )
    db.session.commit()
    body = UndoOut(exclude=("tickets",)).dump(
        {
            "id": outcome.action.id,
            "kind": outcome.action.kind,
            "undone_at": outcome.action.undone_at,
            "undone_by": current_user,
            "draft": outcome.draft,
        }
    )
    return body | {"tickets": dump_tickets(outcome.tickets)}


@bp.post("/v1/tickets/<int:ticket_id>/viewers")
@login_required
def viewer_create(ticket_id: int):
    """The ticket page's heartbeat (staff): "I am viewing (or replying to)
    this ticket"; answers the others who are, and the version as ETag."""
    ticket = access.get_visible_ticket(current_user, ticket_id)
    if not current_user.is_staff:
        raise PermissionDenied(_("Only staff see who else is on a ticket."))
    data = ViewerIn().load(json_body())
    now = get_clock().now()
    presence.heartbeat(ticket, user=current_user, activity=data["activity"], now=now)
    viewers = presence.others(
        ticket,
        user=current_user,
        now=now,
        timeout_seconds=current_app.config["PRESENCE_TIMEOUT_SECONDS"],
    )
    db.session.commit()
    items = ViewerOut(many=True).dump(viewers)
    return {"items": items, "next_cursor": None}, 200, etag(ticket)


@bp.get("/v1/tickets/<int:ticket_id>/events")
@login_required
def event_list(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    paging = PageQuery().load(request.args.to_dict())
    limit = paging["limit"]
    query = timeline.timeline_query(ticket, actor=current_user)
    after_id = decode_cursor(paging["cursor"])
    if after_id is not None:
        query = query.where(TicketEvent.id > after_id)
    events, next_cursor = page(list(db.session.scalars(query.limit(limit + 1))), limit)
    return {"items": EventOut(many=True).dump(events), "next_cursor": next_cursor}


@bp.get("/openapi.json")
def openapi():
    return build_spec()
