"""The keys a clock is rolled up under: its bucket and part of business
seconds, channel group, attributed line and policy, outcome, and day or
month - each as a Python function and as the SQL expression that computes
the same from the tables (``rollups``, ``rebuild`` and ``figures_raw`` use
both, so the roll-ups and the reference agree by construction)."""

from __future__ import annotations

import bisect

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import Channel
from sla.models import Phase, SlaClock

# --- buckets of business seconds ---------------------------------------------------


# Below this many seconds a bucket holds one second (its number).
EXACT_SECONDS = 64


def bucket_of(seconds: int) -> int:
    """Exact below 64 s; above, 8 buckets per doubling (9-12 % wide)."""
    seconds = max(0, int(seconds))
    if seconds < EXACT_SECONDS:
        return seconds
    exponent = seconds.bit_length() - 1
    return 64 + (exponent - 6) * 8 + ((seconds >> (exponent - 3)) & 7)


def bucket_bounds(bucket: int) -> tuple[int, int]:
    """``[low, high)`` business seconds of ``bucket``."""
    if bucket < 64:
        return bucket, bucket + 1
    exponent, sub = divmod(bucket - 64, 8)
    exponent += 6
    low = (8 + sub) << (exponent - 3)
    return low, low + (1 << (exponent - 3))


# spent_seconds is an INTEGER column: its buckets end below 2**31.
_LOWS = [bucket_bounds(b)[0] for b in range(bucket_of(2**31 - 1) + 1)]


def bucket_sql(seconds: sa.ColumnElement) -> sa.ColumnElement:
    """``bucket_of`` in SQL: a balanced CASE over the buckets' lower bounds
    (about 9 comparisons a row), for ``rebuild`` on any database."""

    def pick(first: int, last: int) -> sa.ColumnElement:
        if first == last:
            return sa.literal(first)
        middle = (first + last + 1) // 2
        return sa.case(
            (seconds < _LOWS[middle], pick(first, middle - 1)),
            else_=pick(middle, last),
        )

    return pick(0, len(_LOWS) - 1)


assert all(bucket_of(low) == b for b, low in enumerate(_LOWS))
assert bisect.bisect_right(_LOWS, 10**6) - 1 == bucket_of(10**6)

# Each bucket is cut into this many equal parts (a bucket narrower than
# that uses some of them only): a median's exact value is looked for among
# one part's values, a 64th of its bucket's.
PARTS = 64


def part_of(seconds: int) -> int:
    """The part holding ``seconds``: ``bucket * PARTS + index``."""
    seconds = max(0, int(seconds))
    bucket = bucket_of(seconds)
    low, high = bucket_bounds(bucket)
    return bucket * PARTS + (seconds - low) * PARTS // (high - low)


def part_index_sql(bucket: sa.ColumnElement, seconds: sa.ColumnElement):
    """``part_of(seconds) % PARTS`` in SQL, given ``bucket_of(seconds)``: a
    bucket's width is a power of two, so the index is a shift."""
    above = bucket - 64
    shift = sa.case((bucket < 64, 0), else_=above // 8 + 3)
    low = sa.case(
        (bucket < 64, bucket),
        else_=(8 + above % 8).op("<<")(above // 8 + 3),
    )
    offset = sa.cast(seconds - low, sa.BigInteger)
    # Shift counts are plain integers (PostgreSQL has no bigint << bigint).
    times_parts = sa.literal_column(str(PARTS.bit_length() - 1), sa.Integer)
    return offset.op("<<")(times_parts).op(">>")(sa.cast(shift, sa.Integer))


# --- the definitions, in SQL (the reference) ------------------------------------------


def channel_group_sql(channel=Ticket.channel) -> sa.ColumnElement:
    return sa.case((channel == Channel.PHONE, "phone"), else_="web_email")


def attributed_line_sql() -> sa.ColumnElement:
    """A breach counts for the line that had the ticket when it breached;
    anything else for the ticket's line."""
    return sa.case(
        (
            SlaClock.breached_at.is_not(None),
            sa.func.coalesce(SlaClock.breached_line, Ticket.line),
        ),
        else_=Ticket.line,
    )


def attributed_policy_sql() -> sa.ColumnElement:
    return sa.case(
        (
            SlaClock.breached_at.is_not(None),
            sa.func.coalesce(SlaClock.breached_policy_id, SlaClock.policy_id),
        ),
        else_=SlaClock.policy_id,
    )


def answered_sql() -> sa.ColumnElement:
    """Stopped by its own event (a reply, the resolution): it has a time."""
    return sa.and_(SlaClock.phase == Phase.STOPPED, SlaClock.unanswered.is_(False))


def met_sql() -> sa.ColumnElement:
    return sa.and_(answered_sql(), SlaClock.breached_at.is_(None))


def no_response_sql() -> sa.ColumnElement:
    """Resolved or closed before its due time without a public reply."""
    return sa.and_(SlaClock.unanswered.is_(True), SlaClock.breached_at.is_(None))


def day_sql(
    instant=Ticket.created_at, *, dialect: str | None = None
) -> sa.ColumnElement:
    dialect = dialect or db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone("UTC", instant), sa.Date)
    return sa.func.date(instant, type_=sa.Date)


def month_sql(day, *, dialect: str | None = None) -> sa.ColumnElement:
    """The first day of ``day``'s month (a date)."""
    dialect = dialect or db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return sa.cast(sa.func.date_trunc("month", day), sa.Date)
    return sa.func.date(day, "start of month", type_=sa.Date)
