"""The outbox in the ledger: claim due deliveries in short transactions, then mark them.

Claims lock each target's pacing row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's writers
are serialized by ``BEGIN IMMEDIATE``), so two workers never send the same delivery, nor two messages
to one target at once. A claim is a lease: a worker that dies mid-send leaves it to expire, and the
delivery is sent again, told that its last attempt's outcome is unknown (notifier/attempts.py) so
that a transport that can look (Slack) does before posting again.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select, update
from sqlalchemy.orm import Session

from config.delivery import DeliveryConfig
from crawler.clock import aware, iso
from ledger.models import ChangeEvent, Delivery, TargetState
from ledger.queries import event_json
from ledger.recording import enqueue, upsert
from ledger.rows import Router
from notifier import attempts as attempt_state

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


def ensure_targets(engine: Engine, names: Sequence[str]) -> None:
    """A pacing row per configured target (the row claims lock)."""
    if not names:
        return
    with engine.begin() as conn:
        statement = upsert(conn, TargetState).on_conflict_do_nothing(index_elements=["target"])
        conn.execute(statement, [{"target": name} for name in names])


def _pending(now: datetime) -> Any:
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
    thread = _thread(conn, target, rows[0]) if len(rows) == 1 else None
    return Claim(target, ids, events, thread, attempts, unknown_since)


def _thread(conn: Connection, target: str, row: Any) -> dict[str, Any] | None:
    """Where the report's first alert went on this target (Slack channel and ts)."""
    if row.report_id is None or row.kind == "new":
        return None
    query = (
        select(Delivery.external_ref)
        .join(ChangeEvent, ChangeEvent.id == Delivery.event_id)
        .where(ChangeEvent.report_id == row.report_id, ChangeEvent.kind == "new")
        .where(Delivery.target == target, Delivery.status == "sent")
        .limit(1)
    )
    ref = conn.scalar(query)
    return ref if isinstance(ref, dict) and ref.get("ts") else None


def mark_sent(
    engine: Engine, claim_: Claim, worker: str, ref: dict[str, Any], now: datetime
) -> None:
    """The message went out: record the channel's reference."""
    with engine.begin() as conn:
        conn.execute(
            update(Delivery)
            .where(Delivery.id.in_(claim_.delivery_ids), Delivery.claimed_by == worker)
            .values(
                status="sent",
                sent_at=now,
                external_ref=ref,
                last_error=None,
                claimed_by=None,
                claimed_until=None,
                attempt_started_at=None,
            )
        )


def backoff(config: DeliveryConfig, attempts: int) -> float:
    """Seconds before retry number ``attempts``: exponential, capped, with jitter."""
    base = min(config.max_backoff, config.backoff * 2 ** max(0, attempts - 1))
    return base * random.uniform(0.8, 1.2)


def mark_failed(
    engine: Engine,
    config: DeliveryConfig,
    claim_: Claim,
    worker: str,
    now: datetime,
    error: str,
    *,
    permanent: bool,
    retry_after: float | None = None,
    router: Router | None = None,
    unknown: bool = False,
) -> str:
    """Retry later, or give up (failed / dead) with one ops event; returns the new status.

    ``unknown``: the message may have been received (a timeout, a reset): the attempt stays
    unknown, and the next one is told to look before sending again."""
    with engine.begin() as conn:
        created = conn.scalar(
            select(Delivery.created_at).where(Delivery.id == claim_.delivery_ids[0])
        )
        too_old = created is not None and now - aware(created) > timedelta(
            hours=config.max_age_hours
        )
        exhausted = too_old or claim_.attempts >= config.max_attempts
        status = "failed" if permanent else ("dead" if exhausted else "pending")
        delay = retry_after if retry_after is not None else backoff(config, claim_.attempts)
        values: dict[str, Any] = {
            "status": status,
            "last_error": error[:2000],
            "claimed_by": None,
            "claimed_until": None,
            **attempt_state.outcome_known(unknown),
        }
        if status == "pending":
            values["due_at"] = now + timedelta(seconds=delay)
        conn.execute(
            update(Delivery)
            .where(Delivery.id.in_(claim_.delivery_ids), Delivery.claimed_by == worker)
            .values(**values)
        )
        if retry_after is not None:
            conn.execute(
                update(TargetState)
                .where(TargetState.target == claim_.target)
                .values(paused_until=now + timedelta(seconds=retry_after), pause_reason=error[:500])
            )
        if status != "pending":
            _ops_event(conn, claim_, status, error, now, router)
        return status


def _ops_event(
    conn: Connection, claim_: Claim, status: str, error: str, now: datetime, router: Router | None
) -> None:
    """One delivery_failed event per failed delivery (never for a failed delivery_failed)."""
    for event in claim_.events:
        if event["kind"] == "delivery_failed":
            continue
        payload = {
            "kind": "delivery_failed",
            "source": event.get("source"),
            "target": claim_.target,
            "status": status,
            "error": error[:500],
            "event_id": event["event_id"],
            "event_kind": event["kind"],
            "report_number": event.get("report_number"),
            "title": event.get("title"),
            "detected_at": now.isoformat(),
            "changes": [],
        }
        source_id = conn.scalar(
            select(ChangeEvent.source_id).where(ChangeEvent.id == event["event_id"])
        )
        inserted = (
            conn.execute(
                upsert(conn, ChangeEvent)
                .on_conflict_do_nothing(index_elements=["dedupe_key"])
                .returning(ChangeEvent.id),
                [
                    {
                        "dedupe_key": f"delivery_failed:{event['delivery_id']}",
                        "source_id": source_id,
                        "run_id": None,
                        "report_id": None,
                        "kind": "delivery_failed",
                        "status": "published",
                        "detected_at": now,
                        "payload": payload,
                    }
                ],
            )
            .scalars()
            .all()
        )
        if router is not None and inserted:
            enqueue(conn, list(inserted), router, now)


def mark_printed(
    engine: Engine, event_ids: Sequence[int], targets: Sequence[str], now: datetime
) -> None:
    """Console deliveries of events the command line already printed (as JSON) count as sent."""
    if not event_ids or not targets:
        return
    with engine.begin() as conn:
        conn.execute(
            update(Delivery)
            .where(Delivery.event_id.in_(list(event_ids)), Delivery.target.in_(list(targets)))
            .where(Delivery.status == "pending")
            .values(status="sent", sent_at=now, external_ref={"printed": "json"})
        )


def retry(engine: Engine, delivery_id: int, now: datetime) -> bool:
    """Make a failed or dead delivery pending again, due now, and lift its own target's pause.

    Only that delivery's target is unpaused, and only when the delivery exists and was retryable:
    another target's Retry-After pause is that target's business.
    """
    with engine.begin() as conn:
        target = conn.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status.in_(("failed", "dead", "pending")))
            .values(status="pending", due_at=now, claimed_by=None, claimed_until=None)
            .returning(Delivery.target)
        ).scalar_one_or_none()
        if target is None:
            return False
        conn.execute(
            update(TargetState).where(TargetState.target == target).values(paused_until=None)
        )
        return True


def digest_now(engine: Engine, route: str, now: datetime) -> int:
    """Bring a digest route's pending deliveries forward to now."""
    with engine.begin() as conn:
        result = conn.execute(
            update(Delivery)
            .where(Delivery.route == route, Delivery.status == "pending")
            .values(due_at=now)
        )
        return int(result.rowcount)


def listing(engine: Engine, status: str | None, limit: int) -> list[dict[str, Any]]:
    """Deliveries, newest first, with their event's headline fields."""
    query = (
        select(Delivery, ChangeEvent.kind, ChangeEvent.payload)
        .join(ChangeEvent, ChangeEvent.id == Delivery.event_id)
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    if status == "retrying":  # pending after a failed attempt
        query = query.where(Delivery.status == "pending", Delivery.last_error.is_not(None))
    elif status == "waiting":  # pending, not tried yet (or not due)
        query = query.where(Delivery.status == "pending", Delivery.last_error.is_(None))
    elif status == "failing":  # pending for a target in a failing episode
        failing = select(TargetState.target).where(TargetState.failing_since.is_not(None))
        query = query.where(Delivery.status == "pending", Delivery.target.in_(failing))
    elif status:
        query = query.where(Delivery.status == status)
    rows = []
    with Session(engine) as session:
        for delivery, kind, payload in session.execute(query).tuples():
            rows.append(
                {
                    "delivery_id": delivery.id,
                    "event_id": delivery.event_id,
                    "kind": kind,
                    "report_number": payload.get("report_number"),
                    "target": delivery.target,
                    "route": delivery.route,
                    "status": delivery.status,
                    "state": _state(delivery),
                    "attempts": delivery.attempts,
                    "due_at": iso(delivery.due_at),
                    "sent_at": iso(delivery.sent_at),
                    "external_ref": delivery.external_ref,
                    "last_error": delivery.last_error,
                }
            )
    return rows


def _state(delivery: Delivery) -> str:
    """What a person asks of a delivery: sent, failed, dead, retrying (pending after a failed
    attempt) or waiting (pending, not yet tried or not yet due)."""
    if delivery.status == "pending":
        return "retrying" if delivery.last_error else "waiting"
    return delivery.status


def has_pending(engine: Engine) -> bool:
    """Whether any delivery is waiting (cheap; lets commands skip loading the transports)."""
    with engine.connect() as conn:
        return (
            conn.scalar(select(Delivery.id).where(Delivery.status == "pending").limit(1))
            is not None
        )
