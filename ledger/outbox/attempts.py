"""Attempts whose outcome is unknown: which deliveries a claim takes, and what it tells the sender.

``deliveries.attempt_started_at`` is written in the claim's transaction, committed before anything
is sent, and cleared when the attempt's outcome is known: sent, or refused for sure (an HTTP error
answer, a Slack API error). A timeout, a reset after the request went out or a killed worker leave
it set. A claim that finds it set is *unknown*: the transport is told when that attempt began
(``Claim.unknown_since``) and looks before sending again (Slack reads the channel's history for the
message's delivery key). The window stays open from the first unknown attempt until the outcome is
known, however many attempts follow.

An unknown attempt is retried with exactly the deliveries it held (those sharing its
``attempt_started_at``), so its message, its delivery key, Idempotency-Key and Message-ID are the
same; new deliveries never join it, and fresh messages never take a delivery that may already be
out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Row, select

from crawler.clock import aware
from ledger.models import Delivery

Taken = Row[tuple[int, str, int, datetime | None]]  # id, mode, attempts, attempt_started_at


def next_message(
    conn: Connection,
    due: ColumnElement[bool],
    target: str,
    count: int,
    burst_digest: int,
    max_digest: int,
) -> tuple[list[Taken], datetime | None]:
    """The rows (none if nothing is left) of the target's next message, and when its earlier
    attempt of unknown outcome began (None for a fresh message).

    ``due``: the pending-and-due condition; ``count``: how many deliveries the target has due
    (``burst_digest`` or more fresh ones become one digest of at most ``max_digest``)."""
    mine = due & (Delivery.target == target)
    burst = count >= burst_digest
    rows = _rows(conn, mine, max_digest if burst else 1)  # one query in the common case
    if not rows:  # another worker took them since they were counted
        return [], None
    first = rows[0]
    if first.attempt_started_at is not None:
        same = mine & (Delivery.attempt_started_at == first.attempt_started_at)
        return _rows(conn, same, max_digest), aware(first.attempt_started_at)
    fresh = mine & Delivery.attempt_started_at.is_(None)
    rows = [row for row in rows if row.attempt_started_at is None]
    if rows[0].mode == "digest" and not burst:
        rows = _rows(conn, fresh, max_digest)
    digest = rows[0].mode == "digest" or burst
    taken = [r for r in rows if (r.mode == "digest") == (rows[0].mode == "digest")]
    return (taken if digest else rows[:1]), None


def _rows(conn: Connection, where: ColumnElement[bool], limit: int) -> list[Taken]:
    query = (
        select(Delivery.id, Delivery.mode, Delivery.attempts, Delivery.attempt_started_at)
        .where(where)
        .order_by(Delivery.id)
        .limit(limit)
    )
    return list(conn.execute(query))


def started(unknown_since: datetime | None, now: datetime) -> dict[str, datetime]:
    """The claim's values for ``attempt_started_at``: now, unless an unknown attempt is open."""
    return {} if unknown_since is not None else {"attempt_started_at": now}


def outcome_known(unknown: bool) -> dict[str, None]:
    """A mark's values for ``attempt_started_at``: cleared unless the outcome is still unknown."""
    return {} if unknown else {"attempt_started_at": None}
