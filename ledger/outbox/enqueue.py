"""Enqueueing: the deliveries each published event owes, written in the caller's transaction.

``owed`` is the one answer to "which deliveries does this event owe": ``enqueue`` writes it, and
``oigwatch changes --route`` (a dry run) asks it of recorded events without writing anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from ledger.models import ChangeEvent, Delivery
from ledger.mutes import Mute, episodes, silenced
from ledger.outbox.planned import Planned, Router
from ledger.sql import chunks, upsert


def owed(
    kind: str,
    payload: Mapping[str, Any],
    *,
    status: str,
    mutes: Sequence[Mute],
    detected_at: datetime,
    router: Router,
    now: datetime | None = None,
) -> list[Planned]:
    """The deliveries one event owes: none while it is held, none when its report was muted when
    it was detected (or is muted ``now``, when its deliveries are written), else what the router
    plans for it (ops events have no report, so they are never muted)."""
    if status != "published" or silenced(mutes, detected_at, now):
        return []
    return list(router({**payload, "kind": kind}, now or detected_at))


def enqueue(conn: Connection, event_ids: Sequence[int], router: Router, now: datetime) -> int:
    """Pending deliveries for the published events among ``event_ids`` (one per event and target)."""
    rows: list[dict[str, object]] = []
    query = select(
        ChangeEvent.id,
        ChangeEvent.kind,
        ChangeEvent.payload,
        ChangeEvent.status,
        ChangeEvent.report_id,
        ChangeEvent.detected_at,
    )
    for part in chunks(list(event_ids)):
        events = conn.execute(query.where(ChangeEvent.id.in_(part))).all()
        mutes = episodes(conn, [e.report_id for e in events if e.report_id is not None])
        for event in events:
            plans = owed(
                event.kind,
                event.payload,
                status=event.status,
                mutes=mutes.get(event.report_id, []) if event.report_id is not None else [],
                detected_at=event.detected_at,
                router=router,
                now=now,
            )
            for planned in plans:
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
