"""The outbox's own API: events in, enqueue, claim, mark, next_due, ops events through the one
insertion path, a target's failing episode (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

import ledger.outbox.events as events_module
import ledger.store
from config.delivery import DeliveryConfig
from ledger import outbox
from ledger.db import ensure_schema, make_engine
from ledger.models import ChangeEvent, Delivery, TargetState
from ledger.outbox import EventRow, Planned
from ledger.store import Ledger

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OPS_KINDS = ("delivery_failed", "delivery_recovered")
CONFIG = DeliveryConfig()
PACES = {"news": 1.0, "ops": 0.0}


def router(event: Mapping[str, Any], now: datetime) -> list[Planned]:
    """Content to "news"; ops events to "ops", never about the target they concern."""
    if event["kind"] in OPS_KINDS:
        return [] if event.get("target") == "ops" else [Planned("ops", "ops", "immediate", now)]
    return [Planned("everything", "news", "immediate", now)]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def source_id(engine: Engine) -> int:
    return Ledger(engine).source_id("dhs-oig")


def row(source_id: int, key: str, status: str = "published", kind: str = "new") -> EventRow:
    payload = {"kind": kind, "source": "dhs-oig", "title": f"Report {key}", "changes": []}
    return EventRow(
        dedupe_key=key,
        source_id=source_id,
        run_id=None,
        report_id=None,
        kind=kind,
        status=status,
        detected_at=NOW,
        payload=payload,
    )


def add(engine: Engine, rows: Sequence[EventRow]) -> list[int]:
    """Insert events and enqueue their deliveries in one transaction, as recording does."""
    with engine.begin() as conn:
        ids = outbox.insert_events(conn, rows)
        outbox.enqueue(conn, ids, router, NOW)
    return ids


def deliveries(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        query = select(Delivery.event_id, Delivery.target, Delivery.status).order_by(Delivery.id)
        return [tuple(r) for r in conn.execute(query)]


def ops_events(engine: Engine) -> list[tuple[str, str, int | None, dict[str, Any]]]:
    with engine.connect() as conn:
        query = (
            select(
                ChangeEvent.kind, ChangeEvent.dedupe_key, ChangeEvent.run_id, ChangeEvent.payload
            )
            .where(ChangeEvent.kind.in_(OPS_KINDS))
            .order_by(ChangeEvent.id)
        )
        return [tuple(r) for r in conn.execute(query)]


def test_insert_events_skips_a_known_dedupe_key_and_answers_the_new_ids(
    engine: Engine, source_id: int
) -> None:
    with engine.begin() as conn:
        first = outbox.insert_events(conn, [row(source_id, "a"), row(source_id, "b")])
        again = outbox.insert_events(conn, [row(source_id, "b"), row(source_id, "c")])
        assert outbox.insert_events(conn, []) == []
    assert len(first) == 2 and first == sorted(first)
    assert len(again) == 1 and again[0] > max(first)


def test_recording_inserts_through_the_same_function() -> None:
    assert ledger.store.insert_events is events_module.insert_events


def test_enqueue_claim_mark_sent(engine: Engine, source_id: int) -> None:
    published, _held = add(engine, [row(source_id, "a"), row(source_id, "h", status="held")])
    assert deliveries(engine) == [(published, "news", "pending")]
    with engine.begin() as conn:  # enqueue is idempotent: one delivery per event and target
        outbox.enqueue(conn, [published], router, NOW)
    assert len(deliveries(engine)) == 1
    outbox.ensure_targets(engine, list(PACES))
    [claim] = outbox.claim(engine, CONFIG, PACES, "w1", NOW)
    assert (claim.target, claim.attempts, claim.unknown_since) == ("news", 1, None)
    assert [e["event_id"] for e in claim.events] == [published]
    assert claim.events[0]["title"] == "Report a" and claim.thread is None
    assert outbox.claim(engine, CONFIG, PACES, "w2", NOW) == []  # leased, and paced
    outbox.mark_sent(engine, claim, "w1", {"ts": "1.0"}, NOW)
    assert deliveries(engine) == [(published, "news", "sent")]
    [listed] = outbox.listing(engine, None, 10)
    assert (listed["state"], listed["external_ref"], listed["attempts"]) == (
        "sent",
        {"ts": "1.0"},
        1,
    )
    assert not outbox.has_pending(engine)


def test_a_burst_becomes_one_digest_claim(engine: Engine, source_id: int) -> None:
    ids = add(engine, [row(source_id, f"r{n}") for n in range(CONFIG.burst_digest)])
    outbox.ensure_targets(engine, list(PACES))
    [claim] = outbox.claim(engine, CONFIG, PACES, "w1", NOW)
    assert [e["event_id"] for e in claim.events] == ids and len(claim.delivery_ids) == len(ids)


def test_next_due_waits_for_the_pacing_and_the_pause(engine: Engine, source_id: int) -> None:
    outbox.ensure_targets(engine, list(PACES))
    assert outbox.next_due(engine, ["news"], NOW) is None
    add(engine, [row(source_id, "a"), row(source_id, "b")])
    assert outbox.next_due(engine, ["news"], NOW) == NOW
    assert outbox.next_due(engine, ["ops"], NOW) is None  # not this worker's target
    [claim] = outbox.claim(engine, CONFIG, PACES, "w1", NOW)
    assert outbox.next_due(engine, ["news"], NOW) == NOW + timedelta(seconds=1)  # paced
    outbox.mark_failed(engine, CONFIG, claim, "w1", NOW, "429", permanent=False, retry_after=30.0)
    assert outbox.next_due(engine, ["news"], NOW) == NOW + timedelta(seconds=30)  # paused
    with engine.connect() as conn:
        reason = conn.scalar(select(TargetState.pause_reason).where(TargetState.target == "news"))
    assert reason == "429"


def test_a_failed_delivery_raises_one_ops_event_through_the_insertion_path(
    engine: Engine, source_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    inserted: list[list[str]] = []
    insert = events_module.insert_events

    def spy(conn: Any, rows: Sequence[EventRow]) -> list[int]:
        inserted.append([r["kind"] for r in rows])
        return insert(conn, rows)

    monkeypatch.setattr(events_module, "insert_events", spy)
    [event] = add(engine, [row(source_id, "a")])
    outbox.ensure_targets(engine, list(PACES))
    [claim] = outbox.claim(engine, CONFIG, PACES, "w1", NOW)
    status = outbox.mark_failed(
        engine, CONFIG, claim, "w1", NOW, "channel_not_found", permanent=True, router=router
    )
    assert status == "failed" and inserted == [["delivery_failed"]]
    [(kind, key, run_id, payload)] = ops_events(engine)
    assert (kind, key, run_id) == (
        "delivery_failed",
        f"delivery_failed:{claim.delivery_ids[0]}",
        None,
    )
    assert payload["event_id"] == event and payload["target"] == "news"
    assert payload["error"] == "channel_not_found" and payload["status"] == "failed"
    assert [(t, s) for _, t, s in deliveries(engine)] == [("news", "failed"), ("ops", "pending")]
    assert outbox.retry(engine, claim.delivery_ids[0], NOW)
    assert deliveries(engine)[0] == (event, "news", "pending")


def test_a_failing_episode_raises_once_and_recovers_once(engine: Engine, source_id: int) -> None:
    add(engine, [row(source_id, "a")])
    outbox.ensure_targets(engine, list(PACES))
    outbox.target_failed(engine, "news", "timed out", NOW, permanent=False)
    outbox.target_failed(
        engine, "news", "timed out again", NOW + timedelta(minutes=1), permanent=False
    )
    assert outbox.failing_names(engine) == frozenset({"news"})
    alert_after = CONFIG.alert_after_minutes * 60
    assert outbox.raise_due(engine, alert_after, NOW + timedelta(minutes=1), router) == []
    later = NOW + timedelta(minutes=CONFIG.alert_after_minutes)
    [raised] = outbox.raise_due(engine, alert_after, later, router)
    assert outbox.raise_due(engine, alert_after, later, router) == []  # once an episode
    [failing] = outbox.failing_targets(engine)
    since = failing.pop("since")
    assert datetime.fromisoformat(since) == NOW
    assert failing == {"target": "news", "alerted": True, "pending": 1, "error": "timed out again"}
    recovered = outbox.target_sent(engine, "news", later, router)
    assert recovered is not None and recovered > raised
    assert outbox.target_sent(engine, "news", later, router) is None  # the episode is over
    assert outbox.failing_names(engine) == frozenset()
    kinds = [(kind, key, run_id) for kind, key, run_id, _ in ops_events(engine)]
    assert kinds == [
        ("delivery_failed", f"delivery_failed:news:{since}", None),
        ("delivery_recovered", f"delivery_recovered:news:{since}", None),
    ]
    assert [t for _, t, _ in deliveries(engine)] == ["news", "ops", "ops"]


def test_digest_now_and_mark_printed(engine: Engine, source_id: int) -> None:
    [a] = add(engine, [row(source_id, "a")])
    with engine.begin() as conn:
        later = NOW + timedelta(hours=5)
        digest = [Planned("daily", "news", "digest", later)]
        [b] = outbox.insert_events(conn, [row(source_id, "b")])
        outbox.enqueue(conn, [b], lambda event, now: digest, NOW)
    assert outbox.digest_now(engine, "daily", NOW) == 1
    assert outbox.next_due(engine, ["news"], NOW) == NOW
    outbox.mark_printed(engine, [a], ["news"], NOW)
    assert [(e, s) for e, _, s in deliveries(engine)] == [(a, "sent"), (b, "pending")]
