"""`oigwatch retry ID` lifts the pause of that delivery's own target, and no other (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from support.desk import Desk, report

from ledger import outbox
from ledger.models import Delivery, TargetState


def pauses(desk: Desk) -> dict[str, datetime | None]:
    with desk.ledger.engine.connect() as conn:
        rows = conn.execute(select(TargetState.target, TargetState.paused_until))
        return {target: paused for target, paused in rows}


def deliveries(desk: Desk) -> dict[str, tuple[int, str]]:
    """Target → (delivery id, status)."""
    with desk.ledger.engine.connect() as conn:
        rows = conn.execute(select(Delivery.target, Delivery.id, Delivery.status))
        return {target: (delivery_id, status) for target, delivery_id, status in rows}


def pause_both_desks(desk: Desk) -> None:
    """A 429 with a 10-minute Retry-After on both newsroom channels."""
    for channel in ("C-NEWS", "C-IMM"):
        desk.slack.fault(kind="ratelimit", retry_after=600, channel=channel)
    desk.publish(report("OIG-27-01", components=("ICE",)))
    tally = desk.worker().run_once()
    assert tally.sent == 0 and tally.retrying == 2
    paused = pauses(desk)
    assert paused["newsroom"] is not None and paused["immigration"] is not None


def test_retry_unpauses_only_its_own_target(desk: Desk) -> None:
    pause_both_desks(desk)
    newsroom_pause = pauses(desk)["newsroom"]
    immigration_id, _ = deliveries(desk)["immigration"]

    assert outbox.retry(desk.ledger.engine, immigration_id, desk.clock.now())

    paused = pauses(desk)
    assert paused["immigration"] is None
    assert paused["newsroom"] == newsroom_pause, "another target's Retry-After survives"
    desk.clock.advance(seconds=2)  # past the channel pacing interval
    assert desk.worker().run_once().sent == 1
    desk.clock.advance(seconds=60)
    assert desk.worker().run_once().messages == 0, "C-NEWS still waits out its Retry-After"
    assert [m.channel for m in desk.slack.messages] == ["C-IMM"]
    desk.clock.advance(seconds=540)
    assert desk.worker().run_once().sent == 1
    assert [m.channel for m in desk.slack.messages] == ["C-IMM", "C-NEWS"]


def test_retry_of_a_missing_or_sent_delivery_unpauses_nothing(desk: Desk) -> None:
    pause_both_desks(desk)
    before = pauses(desk)
    desk.publish({"kind": "source_unhealthy", "reason": "HTTP 503", "changes": []})
    assert desk.worker().run_once().sent == 1  # the ops channel is not paused
    ops_id, ops_status = deliveries(desk)["ops"]
    assert ops_status == "sent"
    missing = max(delivery_id for delivery_id, _ in deliveries(desk).values()) + 100

    assert not outbox.retry(desk.ledger.engine, missing, desk.clock.now())
    assert not outbox.retry(desk.ledger.engine, ops_id, desk.clock.now())

    assert pauses(desk) == before
    assert deliveries(desk)["ops"] == (ops_id, "sent")
