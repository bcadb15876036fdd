"""What the outbox holds, for people: deliveries newest first, and whether any is waiting."""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawler.clock import iso
from ledger.models import ChangeEvent, Delivery, TargetState


class Listed(TypedDict):
    """One delivery as ``oigwatch deliveries`` shows it (``--json``: this object)."""

    delivery_id: int
    event_id: int
    kind: str
    report_number: str | None
    target: str
    route: str
    status: str
    state: str
    attempts: int
    due_at: str | None
    sent_at: str | None
    external_ref: dict[str, Any] | None
    last_error: str | None


def listing(engine: Engine, status: str | None, limit: int) -> list[Listed]:
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
    rows: list[Listed] = []
    with Session(engine) as session:
        for delivery, kind, payload in session.execute(query).tuples():
            rows.append(
                Listed(
                    delivery_id=delivery.id,
                    event_id=delivery.event_id,
                    kind=kind,
                    report_number=payload.get("report_number"),
                    target=delivery.target,
                    route=delivery.route,
                    status=delivery.status,
                    state=_state(delivery),
                    attempts=delivery.attempts,
                    due_at=iso(delivery.due_at),
                    sent_at=iso(delivery.sent_at),
                    external_ref=delivery.external_ref,
                    last_error=delivery.last_error,
                )
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
