"""The change events as `oigwatch changes` lists them (and the documented JSON shape of an
event), read through the lightweight Core clauses of ``ledger/tables.py``: listing changes imports
no ORM. ``ledger.queries`` re-exports these for the web side."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, select

from crawler.clock import iso
from ledger.mutes import Mute
from ledger.mutes import episodes as mute_episodes
from ledger.tables import change_events, sources

EVENT = change_events.c


def event_json(row: Any, source: str) -> dict[str, Any]:
    """The documented JSON shape of one change event."""
    payload = dict(row.payload)
    ordered = {
        "event_id": row.id,
        "kind": row.kind,
        "source": source,
        "status": row.status,
        **{
            k: payload.get(k)
            for k in (
                "report_number",
                "title",
                "url",
                "issue_date",
                "fiscal_year",
                "components",
                "summary",
                "labels",
                "changes",
            )
        },
        "detected_at": iso(row.detected_at),
    }
    ordered["changes"] = ordered["changes"] or []
    for key, value in payload.items():
        ordered.setdefault(key, value)
    return ordered


@dataclass(frozen=True, slots=True)
class Candidate:
    """A recorded event as ``changes`` filters it: its JSON shape, and what the outbox reads of
    it (kind, payload, status, detection time, its report's mutes)."""

    event: dict[str, Any]
    kind: str
    payload: dict[str, Any]
    status: str
    detected_at: datetime
    mutes: list[Mute]


def filtered(
    since: datetime | None, kinds: tuple[str, ...], source: str | None, ids: list[int] | None = None
) -> Select[Any]:
    """Change events with their source's name (``source_name``), filtered by detection time,
    kind, source and (``ids``) event id: the one filter of every list of events."""
    query = select(*EVENT, sources.c.name.label("source_name")).join(
        sources, sources.c.id == EVENT.source_id
    )
    if since is not None:
        query = query.where(EVENT.detected_at >= since)
    if kinds:
        query = query.where(EVENT.kind.in_(kinds))
    if source:
        query = query.where(sources.c.name == source)
    if ids is not None:
        query = query.where(EVENT.id.in_(ids))
    return query


def events(
    engine: Engine,
    *,
    since: datetime | None = None,
    kinds: tuple[str, ...] = (),
    source: str | None = None,
    ids: list[int] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Change events in their JSON shape, oldest first, filtered (``limit``: the newest)."""
    query = filtered(since, kinds, source, ids).order_by(EVENT.id.desc() if limit else EVENT.id)
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = [event_json(row, row.source_name) for row in conn.execute(query)]
    return sorted(rows, key=lambda e: e["event_id"])


def changes(
    engine: Engine,
    *,
    since: datetime | None = None,
    kinds: tuple[str, ...] = (),
    source: str | None = None,
    keep: Callable[[Candidate], bool] | None = None,
    limit: int | None = None,
    batch: int = 500,
) -> list[dict[str, Any]]:
    """Change events oldest first, filtered: time, kind and source in SQL, ``keep`` after it (in
    batches, newest first when there is a ``limit``, so it counts only events ``keep`` kept).
    Each event has ``muted``: the mute its report was under when it was detected, or None.

    With a ``limit`` and no ``keep``, one query of ``limit`` rows walks the primary key backwards
    (no sort, however many events the ledger holds)."""
    query = filtered(since, kinds, source)
    newest_first = limit is not None
    size = min(batch, limit) if limit is not None and keep is None else batch
    found: list[dict[str, Any]] = []
    cursor: int | None = None
    with engine.connect() as conn:
        while limit is None or len(found) < limit:
            page = query
            if cursor is not None:
                page = page.where(EVENT.id < cursor if newest_first else EVENT.id > cursor)
            order = EVENT.id.desc() if newest_first else EVENT.id
            rows = conn.execute(page.order_by(order).limit(size)).all()
            mutes = mute_episodes(conn, [row.report_id for row in rows if row.report_id])
            for row in rows:
                candidate = _candidate(row, row.source_name, mutes.get(row.report_id or 0, []))
                if keep is None or keep(candidate):
                    found.append(candidate.event)
                    if limit is not None and len(found) == limit:
                        break
            if len(rows) < size:
                break
            cursor = rows[-1].id
    return sorted(found, key=lambda e: e["event_id"])


def _candidate(row: Any, source: str, mutes: list[Mute]) -> Candidate:
    shaped = event_json(row, source)
    covering = next((m for m in mutes if m.covers(row.detected_at)), None)
    shaped["muted"] = covering.to_json() if covering else None
    return Candidate(shaped, row.kind, dict(row.payload), row.status, row.detected_at, mutes)
