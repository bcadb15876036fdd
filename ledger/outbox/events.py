"""The one way a change event enters the ledger, content or ops, and the deliveries it owes.

Recording inserts a run's events here and enqueues them in the run's transaction; the outbox
inserts its ops events (``delivery_failed``, ``delivery_recovered``) through the same function.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection

from ledger.models import ChangeEvent
from ledger.outbox.enqueue import enqueue
from ledger.outbox.planned import Router
from ledger.sql import upsert


class EventRow(TypedDict):
    """A ``change_events`` row as it is inserted."""

    dedupe_key: str
    source_id: int
    run_id: int | None  # None: an ops event of the outbox
    report_id: int | None
    kind: str
    status: str  # published|held
    detected_at: datetime
    payload: dict[str, Any]


def insert_events(conn: Connection, rows: Sequence[EventRow]) -> list[int]:
    """Insert events; a dedupe key already present is skipped, not an error. The new ids, sorted."""
    if not rows:
        return []
    statement = upsert(conn, ChangeEvent).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return sorted(conn.scalars(statement.returning(ChangeEvent.id), list(rows)))


def ops_event(conn: Connection, row: EventRow, router: Router | None, now: datetime) -> int | None:
    """Insert one ops event (once: its dedupe key names it) and its deliveries; its id if new."""
    inserted = insert_events(conn, [row])
    if router is not None and inserted:
        enqueue(conn, inserted, router, now)
    return inserted[0] if inserted else None


def ops_row(
    kind: str, dedupe_key: str, source_id: int, payload: dict[str, Any], now: datetime
) -> EventRow:
    """The row of an ops event: no run, no report, published at once."""
    return EventRow(
        dedupe_key=dedupe_key,
        source_id=source_id,
        run_id=None,
        report_id=None,
        kind=kind,
        status="published",
        detected_at=now,
        payload=payload,
    )
