"""Marks: what became of a claimed message (sent, retrying, failed, dead), and the commands that
move deliveries by hand (retry, digest now, printed by the command line)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from config.delivery import DeliveryConfig
from crawler.clock import aware
from ledger.models import ChangeEvent, Delivery, TargetState
from ledger.outbox import attempts as attempt_state
from ledger.outbox.claims import Claim
from ledger.outbox.events import ops_event, ops_row
from ledger.outbox.planned import Router


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
    base = min(config.max_backoff, config.backoff * 2.0 ** max(0, attempts - 1))
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
        values: dict[str, object] = {
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
            _ops_events(conn, claim_, status, error, now, router)
        return status


def _ops_events(
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
        source_id = conn.execute(
            select(ChangeEvent.source_id).where(ChangeEvent.id == event["event_id"])
        ).scalar_one()
        key = f"delivery_failed:{event['delivery_id']}"
        ops_event(conn, ops_row("delivery_failed", key, source_id, payload, now), router, now)


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
