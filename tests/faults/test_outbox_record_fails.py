"""The SMTP server accepts a message and then the outbox cannot record it (a
real SQLite write lock, taken by the server as it says 250): the result is
retried on its own, the rest of the batch goes on, and a message the server
accepted is never delivered again, not even when its result never gets
recorded.

The lock is taken by the aiosmtpd handler itself, after it has the message
and before it answers, so the client's "accepted" and the failing record are
in the right order without any timing. It is released from inside the app's
own failing writes (SQLAlchemy's ``handle_error`` event) after a given
number of them.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.outbox import (
    DeliveryCounts,
    OutboxChannel,
    OutboxMessage,
    deliver_due_messages,
    enqueue,
)
from tests.smtp_server import CollectingHandler, LoopbackSMTP

ATTEMPTS = 3


class LockingHandler(CollectingHandler):
    """Accepts every message; once it has the first, it holds the database's
    write lock before it answers 250."""

    def __init__(self, take_lock) -> None:
        super().__init__()
        self._take_lock = take_lock
        self.lock = None

    async def handle_DATA(self, server, session, envelope) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if self.lock is None:
            self.lock = self._take_lock("IMMEDIATE")
        return answer


@pytest.fixture
def locking_smtp(write_lock):
    server = LoopbackSMTP()
    server.handler = LockingHandler(write_lock)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(app, locking_smtp):
    return {
        **app.config,
        "SMTP_PORT": locking_smtp.port,
        "OUTBOX_RECORD_ATTEMPTS": ATTEMPTS,
        "OUTBOX_RECORD_RETRY_SECONDS": 0.01,
    }


def release_after_failed_writes(handler: LockingHandler, failures: int | None):
    """Release the held lock when the app's ``failures``-th write has failed
    on it (``None``: keep it for the whole run)."""
    seen = []

    def on_error(context) -> None:
        seen.append(context.original_exception)
        if failures is not None and len(seen) == failures:
            handler.lock.release()

    sa.event.listen(db.engine, "handle_error", on_error)
    return seen


def queue_three(clock) -> list[int]:
    messages = [
        enqueue(
            channel=OutboxChannel.EMAIL,
            recipient=f"agent{n}@example.test",
            subject=f"Alert {n}",
            body="Ticket HD-000001",
            now=clock.now(),
        )
        for n in range(3)
    ]
    db.session.commit()
    return [m.id for m in messages]


def rows(ids) -> list[OutboxMessage]:
    db.session.expire_all()
    return [db.session.get(OutboxMessage, i) for i in ids]


def message_ids(server) -> list[str]:
    return [m["Message-ID"] for m in server.handler.messages()]


def test_a_record_that_meets_a_lock_is_retried_and_the_batch_goes_on(
    ctx, clock, locking_smtp, settings
):
    ids = queue_three(clock)
    failures = release_after_failed_writes(locking_smtp.handler, 1)

    counts = deliver_due_messages(now=clock.now(), settings=settings)

    assert len(failures) == 1 and "locked" in str(failures[0])
    assert counts == DeliveryCounts(sent=3)
    assert message_ids(locking_smtp) == [f"<outbox-{i}@example.test>" for i in ids]
    assert all(row.sent_at == clock.now() for row in rows(ids))
    clock.advance(hours=1)
    assert deliver_due_messages(now=clock.now(), settings=settings) == DeliveryCounts()
    assert len(locking_smtp.handler.envelopes) == 3


def test_an_accepted_message_whose_record_never_lands_is_not_sent_again(
    ctx, clock, locking_smtp, settings
):
    ids = queue_three(clock)
    # Every try of the first record fails; the lock goes during the second
    # message's "sending" mark, which a retry then writes.
    release_after_failed_writes(locking_smtp.handler, ATTEMPTS + 1)

    counts = deliver_due_messages(now=clock.now(), settings=settings)

    assert counts == DeliveryCounts(sent=2, unrecorded=1)
    first, second, third = rows(ids)
    assert first.sent_at is None and first.sending_at == clock.now()
    assert second.sent_at is not None and third.sent_at is not None
    # Later runs, even after every lease and back-off, leave the first alone.
    clock.advance(days=1)
    assert deliver_due_messages(now=clock.now(), settings=settings) == DeliveryCounts()
    assert message_ids(locking_smtp) == [f"<outbox-{i}@example.test>" for i in ids]


def test_a_database_locked_for_the_whole_run_sends_nothing_more_and_ends_soon(
    ctx, clock, locking_smtp, settings
):
    ids = queue_three(clock)
    release_after_failed_writes(locking_smtp.handler, None)

    started = time.monotonic()
    counts = deliver_due_messages(now=clock.now(), settings=settings)
    elapsed = time.monotonic() - started

    # The first went out and stays "sending"; the second was never marked, so
    # never sent; nothing waited for a lease to run out inside the run.
    assert counts == DeliveryCounts(unrecorded=1)
    assert len(locking_smtp.handler.envelopes) == 1
    assert elapsed < 10
    locking_smtp.handler.lock.release()
    # The hand-back could not be written either: the rest come back when
    # their lease ends, and the first is still not sent again.
    clock.advance(seconds=settings["OUTBOX_LEASE_SECONDS"])
    again = deliver_due_messages(now=clock.now(), settings=settings)
    assert again == DeliveryCounts(sent=2)
    assert message_ids(locking_smtp) == [f"<outbox-{i}@example.test>" for i in ids]
    assert [row.sent_at is None for row in rows(ids)] == [True, False, False]
