"""Enqueueing: the deliveries each published event owes, written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select

from ledger.models import ChangeEvent, Delivery
from ledger.outbox.planned import Router
from ledger.sql import chunks, upsert


def enqueue(conn: Connection, event_ids: Sequence[int], router: Router, now: datetime) -> int:
    """Pending deliveries for the published events among ``event_ids`` (one per event and target)."""
    rows: list[dict[str, object]] = []
    query = select(ChangeEvent.id, ChangeEvent.kind, ChangeEvent.payload, ChangeEvent.status)
    for part in chunks(list(event_ids)):
        for event in conn.execute(query.where(ChangeEvent.id.in_(part))):
            if event.status != "published":
                continue
            for planned in router({**event.payload, "kind": event.kind}, now):
                rows.append(
                    {
                        "event_id": event.id,
                        "target": planned.target,
                        "route": planned.route,
                        "mode": planned.mode,
                        "status": "pending",
                        "attempts": 0,
                        "due_at": planned.due_at,
                        "created_at": now,
                    }
                )
    if rows:
        conn.execute(
            upsert(conn, Delivery).on_conflict_do_nothing(index_elements=["event_id", "target"]),
            rows,
        )
    return len(rows)
