"""Claims: take due deliveries in short transactions (the marks follow in ``marks``).

Claims lock each target's pacing row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's writers
are serialized by ``BEGIN IMMEDIATE``), so two workers never send the same delivery, nor two messages
to one target at once. A claim is a lease: a worker that dies mid-send leaves it to expire, and the
delivery is sent again, told that its last attempt's outcome is unknown (``attempts``) so that a
transport that can look (Slack) does before posting again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, or_, select, update

from config.delivery import DeliveryConfig
from crawler.clock import aware
from ledger.models import ChangeEvent, Delivery, TargetState
from ledger.outbox import attempts as attempt_state
from ledger.queries import event_json

MAX_DIGEST = 200


@dataclass(frozen=True, slots=True)
class Claim:
    """Deliveries claimed together: one message (an alert, or a digest) to one target."""

    target: str
    delivery_ids: list[int]
    events: list[dict[str, Any]]
    thread: dict[str, Any] | None
    attempts: int
    unknown_since: datetime | None = None  # an earlier attempt of unknown outcome began then


def _pending(now: datetime) -> ColumnElement[bool]:
    """Deliveries that are pending, due and not leased by a live claim."""
    return (
        (Delivery.status == "pending")
        & (Delivery.due_at <= now)
        & or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now)
    )


def _due_counts(conn: Connection, now: datetime, targets: Sequence[str]) -> dict[str, int]:
    """How many deliveries each target has due (one grouped query, whatever the backlog)."""
    query = (
        select(Delivery.target, func.count())
        .where(_pending(now), Delivery.target.in_(targets))
        .group_by(Delivery.target)
    )
    return {target: count for target, count in conn.execute(query)}


def _lock_target(conn: Connection, target: str, now: datetime) -> bool:
    """Take the target's pacing row, unless another worker holds it or the target must wait."""
    query = select(TargetState).where(TargetState.target == target)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    state = conn.execute(query).one_or_none()
    if state is None:
        return False
    waiting = [t for t in (state.next_send_at, state.paused_until) if t is not None]
    return not any(aware(t) > now for t in waiting)


def claim(
    engine: Engine, config: DeliveryConfig, targets: Mapping[str, float], worker: str, now: datetime
) -> list[Claim]:
    """Claim the next message of every target that may send now (a burst becomes one digest).

    ``targets`` maps each configured target to its pacing interval in seconds."""
    claims: list[tuple[str, list[int], int, datetime | None]] = []
    with engine.begin() as conn:
        for target, count in _due_counts(conn, now, list(targets)).items():
            if not _lock_target(conn, target, now):
                continue
            taken, unknown_since = attempt_state.next_message(
                conn, _pending(now), target, count, config.burst_digest, MAX_DIGEST
            )
            if not taken:
                continue
            ids = [r.id for r in taken]
            conn.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(
                    claimed_by=worker,
                    claimed_until=now + timedelta(seconds=config.lease_seconds),
                    attempts=Delivery.attempts + 1,
                    **attempt_state.started(unknown_since, now),
                )
            )
            pace = now + timedelta(seconds=targets[target])
            conn.execute(
                update(TargetState).where(TargetState.target == target).values(next_send_at=pace)
            )
            claims.append((target, ids, max(r.attempts for r in taken) + 1, unknown_since))
        return [_load(conn, *claimed) for claimed in claims]


def _load(
    conn: Connection, target: str, ids: list[int], attempts: int, unknown_since: datetime | None
) -> Claim:
    query = (
        select(
            ChangeEvent.id,
            ChangeEvent.kind,
            ChangeEvent.status,
            ChangeEvent.payload,
            ChangeEvent.detected_at,
            ChangeEvent.report_id,
            Delivery.id.label("delivery_id"),
        )
        .join(Delivery, Delivery.event_id == ChangeEvent.id)
        .where(Delivery.id.in_(ids))
        .order_by(Delivery.id)
    )
    rows = conn.execute(query).all()
    events = [
        {**event_json(row, row.payload.get("source", "")), "delivery_id": row.delivery_id}
        for row in rows
    ]
    thread = _thread(conn, target, rows[0].report_id, rows[0].kind) if len(rows) == 1 else None
    return Claim(target, ids, events, thread, attempts, unknown_since)


def _thread(
    conn: Connection, target: str, report_id: int | None, kind: str
) -> dict[str, Any] | None:
    """Where the report's first alert went on this target (Slack channel and ts)."""
    if report_id is None or kind == "new":
        return None
    query = (
        select(Delivery.external_ref)
        .join(ChangeEvent, ChangeEvent.id == Delivery.event_id)
        .where(ChangeEvent.report_id == report_id, ChangeEvent.kind == "new")
        .where(Delivery.target == target, Delivery.status == "sent")
        .limit(1)
    )
    ref = conn.scalar(query)
    return ref if isinstance(ref, dict) and ref.get("ts") else None


def next_due(engine: Engine, targets: Sequence[str], now: datetime) -> datetime | None:
    """When something could next be sent to ``targets``: per target, its earliest due delivery,
    held back by the target's pacing and pause. Deliveries leased by another worker are its
    business."""
    query = (
        select(Delivery.target, func.min(Delivery.due_at), func.max(Delivery.claimed_until))
        .where(Delivery.status == "pending", Delivery.target.in_(targets))
        .where(or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now))
        .group_by(Delivery.target)
    )
    with engine.connect() as conn:
        due = {target: (first, lease) for target, first, lease in conn.execute(query)}
        paces = select(TargetState.target, TargetState.next_send_at, TargetState.paused_until)
        states = {row.target: row for row in conn.execute(paces)}
    moments = []
    for target, (first, lease) in due.items():
        state = states.get(target)
        holds = [first, lease] + ([state.next_send_at, state.paused_until] if state else [])
        moments.append(max(aware(t) for t in holds if t is not None))
    return min(moments) if moments else None
