"""Merging a duplicate into the ticket where the conversation continues."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.models import Attachment, Comment, Ticket, User
from helpdesk.notify.mail import email_about_ticket
from helpdesk.notify.preferences import Notice
from helpdesk.search import index as search_index
from helpdesk.service.access import can_work_on, ensure_can_work_on
from helpdesk.service.tickets import change_status
from helpdesk.service.timeline import record_event
from helpdesk.vocabulary import EventKind, TicketStatus
from helpdesk.watchers import service as watchers


def merge_ticket(
    duplicate: Ticket,
    survivor: Ticket,
    *,
    actor: User,
    now: datetime,
    settings: Mapping[str, Any],
) -> Ticket:
    """Close ``duplicate`` into ``survivor``: its comments and attachments
    move over, its watchers follow the survivor too, both timelines say so,
    and the duplicate's requester and watchers are told by e-mail where the
    conversation continues."""
    if duplicate.id == survivor.id:
        message = _l("A ticket cannot be merged into itself.")
        raise InvalidInput(message, fields={"into": [message]})
    if (
        duplicate.status == TicketStatus.CLOSED
        or survivor.status == TicketStatus.CLOSED
    ):
        message = _l("Closed tickets cannot be merged.")
        raise InvalidInput(message, fields={"into": [message]})
    if duplicate.requester_id != survivor.requester_id:
        # The requester is sent to the survivor, so it must be theirs to see;
        # one problem reported by several people is a defect to link instead.
        message = _l("Only tickets of the same requester can be merged.")
        raise InvalidInput(message, fields={"into": [message]})
    ensure_can_work_on(actor, duplicate)
    if not can_work_on(actor, survivor):
        # The form can say what to do instead: the survivor is not theirs.
        message = _l(
            "%(number)s is on line %(line)s, outside your line: ask an agent of "
            "line %(line)s or a manager to merge the two tickets.",
            number=survivor.number,
            line=survivor.line,
        )
        raise InvalidInput(message, fields={"into": [message]})
    moved = {}
    for model in (Comment, Attachment):
        moved[model.__tablename__] = db.session.execute(
            sa.update(model)
            .where(model.ticket_id == duplicate.id)
            .values(ticket_id=survivor.id)
        ).rowcount
    search_index.absorb(duplicate, survivor)
    # Named in the event: an undo of the merge takes them off again.
    carried = watchers.carry_over(duplicate, survivor, now=now)
    record_event(
        survivor,
        EventKind.MERGED,
        actor=actor,
        now=now,
        data={"from": duplicate.number, "from_id": duplicate.id}
        | moved
        | ({"watchers": carried} if carried else {}),
    )
    record_event(
        duplicate,
        EventKind.MERGED,
        actor=actor,
        now=now,
        data={"into": survivor.number, "into_id": survivor.id},
    )
    duplicate.merged_into_id = survivor.id
    if duplicate.status != TicketStatus.RESOLVED:
        change_status(duplicate, TicketStatus.RESOLVED, actor=actor, now=now)
    change_status(duplicate, TicketStatus.CLOSED, actor=actor, now=now)
    _tell_requester(duplicate, survivor, now=now, settings=settings)
    return survivor


def _tell_requester(
    duplicate: Ticket, survivor: Ticket, *, now: datetime, settings: Mapping[str, Any]
) -> None:
    """The requester and the watchers learn where the conversation
    continues; the mail belongs to the survivor's thread, so replies land
    there."""

    def tell(users, headline) -> None:
        email_about_ticket(
            users,
            survivor,
            headline,
            subject=lambda: _(
                "%(number)s was merged into %(survivor)s",
                number=duplicate.number,
                survivor=survivor.number,
            ),
            notice=Notice.TICKET_MERGED,
            now=now,
            settings=settings,
        )

    numbers = {"number": duplicate.number, "survivor": survivor.number}
    tell(
        [duplicate.requester],
        lambda: _(
            "Your request %(number)s describes the same problem as %(survivor)s. "
            "We merged them: please follow and answer %(survivor)s from now on.",
            **numbers,
        ),
    )
    tell(
        watchers.active_watchers(duplicate, besides=[duplicate.requester_id]),
        lambda: _(
            "%(number)s, which you follow, describes the same problem as "
            "%(survivor)s. We merged them: please follow %(survivor)s from now on.",
            **numbers,
        ),
    )
