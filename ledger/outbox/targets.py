"""Targets: the pacing row claims lock, and a failing target as an ops fact within minutes.

A target's *episode* starts with its first failed attempt after a success (``failing_since``) and
ends with its next sent message. An episode lasting ``delivery.alert_after_minutes`` raises ONE
``delivery_failed`` event (target, since, pending count, last error) on the ops routes of the other
targets, and its end ONE ``delivery_recovered``. A permanent refusal already raises its own
``delivery_failed`` per delivery, so it counts as the episode's alert. Secrets never appear: the
errors are the transports' own messages, which name targets, not tokens or URLs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import Connection, Engine, Row, func, select, update

from crawler.clock import aware
from ledger.models import ChangeEvent, Delivery, Source, TargetState
from ledger.outbox.events import ops_event, ops_row
from ledger.outbox.planned import Router
from ledger.sql import upsert

Episode = Row[tuple[datetime | None, datetime | None]]  # failing_since, alerted_at


class Failing(TypedDict):
    """A target in a failing episode, as /healthz and ``oigwatch deliveries`` show it."""

    target: str
    since: str
    alerted: bool
    pending: int
    error: str | None


def ensure_targets(engine: Engine, names: Sequence[str]) -> None:
    """A pacing row per configured target (the row claims lock)."""
    if not names:
        return
    with engine.begin() as conn:
        statement = upsert(conn, TargetState).on_conflict_do_nothing(index_elements=["target"])
        conn.execute(statement, [{"target": name} for name in names])


def target_failed(
    engine: Engine, target: str, error: str, now: datetime, *, permanent: bool
) -> None:
    """An attempt to ``target`` failed: the episode starts (or goes on) with this error."""
    with engine.begin() as conn:
        state = _state(conn, target)
        if state is None:
            return
        values: dict[str, object] = {"last_error": error[:500]}
        if state.failing_since is None:
            values["failing_since"] = now
        if permanent and state.alerted_at is None:  # its own delivery_failed was raised
            values["alerted_at"] = now
        conn.execute(update(TargetState).where(TargetState.target == target).values(**values))


def target_sent(engine: Engine, target: str, now: datetime, router: Router | None) -> int | None:
    """A message reached ``target``: its episode ends; the recovery event's id if it was told."""
    with engine.begin() as conn:
        state = _state(conn, target)
        if state is None or state.failing_since is None:
            return None
        conn.execute(
            update(TargetState)
            .where(TargetState.target == target)
            .values(failing_since=None, last_error=None, alerted_at=None)
        )
        if state.alerted_at is None:
            return None
        since = aware(state.failing_since)
        payload = {"target": target, "since": since.isoformat(), "recovered_at": now.isoformat()}
        return _event(conn, "delivery_recovered", target, since, payload, now, router)


def failing_names(engine: Engine) -> frozenset[str]:
    """The targets in an episode now (one read; the worker asks once per pass, so a message
    that reaches a target closes its episode whichever worker saw it fail)."""
    query = select(TargetState.target).where(TargetState.failing_since.is_not(None))
    with engine.connect() as conn:
        return frozenset(conn.scalars(query))


def raise_due(
    engine: Engine, alert_after: float, now: datetime, router: Router | None
) -> list[int]:
    """One ``delivery_failed`` per target whose episode has lasted ``alert_after`` seconds."""
    raised = []
    cutoff = now - timedelta(seconds=alert_after)
    with engine.begin() as conn:
        due = conn.execute(
            select(TargetState.target, TargetState.failing_since, TargetState.last_error)
            .where(TargetState.failing_since.is_not(None), TargetState.alerted_at.is_(None))
            .where(TargetState.failing_since <= cutoff)
        ).all()
        for state in due:
            since = aware(state.failing_since)
            payload = {
                "target": state.target,
                "target_status": "failing",  # (an event's "status" is its own)
                "since": since.isoformat(),
                "pending": _pending(conn, state.target),
                "error": state.last_error,
            }
            event = _event(conn, "delivery_failed", state.target, since, payload, now, router)
            conn.execute(
                update(TargetState).where(TargetState.target == state.target).values(alerted_at=now)
            )
            if event is not None:
                raised.append(event)
    return raised


def failing_targets(engine: Engine) -> list[Failing]:
    """Every target in an episode: since when, whether it was told, pending, last error."""
    with engine.connect() as conn:
        states = conn.execute(
            select(
                TargetState.target,
                TargetState.failing_since,
                TargetState.alerted_at,
                TargetState.last_error,
            )
            .where(TargetState.failing_since.is_not(None))
            .order_by(TargetState.target)
        ).all()
        return [
            Failing(
                target=state.target,
                since=aware(state.failing_since).isoformat(),
                alerted=state.alerted_at is not None,
                pending=_pending(conn, state.target),
                error=state.last_error,
            )
            for state in states
        ]


def _state(conn: Connection, target: str) -> Episode | None:
    query = select(TargetState.failing_since, TargetState.alerted_at)
    return conn.execute(query.where(TargetState.target == target)).one_or_none()


def _pending(conn: Connection, target: str) -> int:
    query = select(func.count()).where(Delivery.target == target, Delivery.status == "pending")
    return int(conn.scalar(query) or 0)


def _event(
    conn: Connection,
    kind: str,
    target: str,
    since: datetime,
    detail: dict[str, Any],
    now: datetime,
    router: Router | None,
) -> int | None:
    """Insert the episode's event (once: its dedupe key names the episode) and its deliveries."""
    source_id = conn.scalar(  # the source whose alerts are waiting, else the first one
        select(ChangeEvent.source_id)
        .join(Delivery, Delivery.event_id == ChangeEvent.id)
        .where(Delivery.target == target)
        .order_by(Delivery.id.desc())
        .limit(1)
    ) or conn.scalar(select(func.min(Source.id)))
    if source_id is None:
        return None
    source = conn.scalar(select(Source.name).where(Source.id == source_id))
    payload: dict[str, Any] = {"kind": kind, "source": source, "detected_at": now.isoformat()}
    payload["changes"] = []
    key = f"{kind}:{target}:{since.isoformat()}"
    return ops_event(conn, ops_row(kind, key, source_id, {**payload, **detail}, now), router, now)
