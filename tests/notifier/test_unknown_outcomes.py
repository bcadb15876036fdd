"""An attempt whose outcome is unknown is resolved, not retried blind: Slack's history is read for the
message's delivery key before posting again (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select, update
from support.desk import Desk, report

from cli.main import main
from config.registry import CHANNELS
from ledger import outbox
from ledger.models import ChangeEvent, Delivery, Report
from notifier.worker import Worker


def posts_per_report(desk: Desk, channel: str = "C-NEWS") -> Counter[str]:
    """How many messages in ``channel`` name each report."""
    found: Counter[str] = Counter()
    for message in desk.slack.messages:
        if message.channel == channel:
            found.update(set(re.findall(r"OIG-27-\d\d", f"{message.text} {message.blocks}")))
    return found


def rows(desk: Desk, target: str = "newsroom") -> list[Any]:
    with desk.ledger.engine.connect() as conn:
        query = select(
            Delivery.id, Delivery.target, Delivery.status, Delivery.attempts,
            Delivery.attempt_started_at, Delivery.external_ref, Delivery.claimed_until,
        ).where(Delivery.target == target).order_by(Delivery.id)  # fmt: skip
        return list(conn.execute(query))


def keys_in(desk: Desk, channel: str = "C-NEWS") -> Counter[str | None]:
    return Counter(m.delivery_key for m in desk.slack.messages if m.channel == channel)


def test_reset_after_slack_received_posts_each_alert_once(desk: Desk) -> None:
    desk.slack.fault(kind="reset_after_receive", channel="C-NEWS", count=4)
    desk.publish(*[report(f"OIG-27-0{i}", components=("FEMA",)) for i in range(4)])
    tally = desk.worker().drain()
    assert tally.sent == 4
    assert posts_per_report(desk) == {f"OIG-27-0{i}": 1 for i in range(4)}
    assert set(keys_in(desk).values()) == {1} and len(keys_in(desk)) == 4
    found = {m.ts: m for m in desk.slack.messages}
    for row in rows(desk):
        assert row.status == "sent" and row.attempts == 2 and row.attempt_started_at is None
        assert row.external_ref["found"] is True and row.external_ref["ts"] in found
    methods = Counter(r.method for r in desk.slack.requests)
    assert methods == {"chat.postMessage": 4, "conversations.history": 4}


def test_slack_slower_than_the_timeout_posts_each_alert_once(desk: Desk) -> None:
    """Slack answers after 3 s, the target's timeout is 2 s (real time: the lookup comes after
    the backoff, by which time Slack has the message)."""
    desk.clock.moment = datetime.now(UTC)
    desk.slack.clock = time.time
    desk.slack.fault(kind="delay", seconds=3, channel="C-NEWS", count=-1)
    desk.publish(
        report("OIG-27-01", components=("FEMA",)), report("OIG-27-02", components=("FEMA",))
    )
    delivery = desk.settings.delivery.model_copy(update={"backoff": 3.0})
    settings = desk.settings.model_copy(update={"delivery": delivery})
    worker = Worker(desk.ledger.engine, settings, name="real-time")
    try:
        worker.drain(deadline=time.monotonic() + 60)
    finally:
        worker.close()
    desk.slack.clear_faults()
    assert posts_per_report(desk) == {"OIG-27-01": 1, "OIG-27-02": 1}
    assert [(r.status, r.external_ref.get("found")) for r in rows(desk)] == [("sent", True)] * 2
    assert all(r.attempts == 2 for r in rows(desk))


def _link(desk: Desk, event_ids: list[int]) -> None:
    source_id = desk.ledger.source_id("dhs-oig")
    with desk.ledger.engine.begin() as conn:
        report_id = conn.scalar(select(Report.id).where(Report.key == "OIG-27-01"))
        if report_id is None:
            report_id = conn.execute(
                insert(Report).values(
                    source_id=source_id, key="OIG-27-01",
                    report_number="OIG-27-01", title="T", content_hash="x",
                    first_seen_at=desk.clock.now(), changed_at=desk.clock.now(),
                ).returning(Report.id)
            ).scalar_one()  # fmt: skip
        conn.execute(
            update(ChangeEvent).where(ChangeEvent.id.in_(event_ids)).values(report_id=report_id)
        )


def test_a_revision_lost_in_its_thread_is_found_among_the_replies(desk: Desk) -> None:
    _link(desk, desk.publish(report("OIG-27-01", components=("FEMA",))))
    desk.worker().drain()
    [original] = desk.slack.messages
    desk.slack.fault(kind="reset_after_receive", channel="C-NEWS")
    revision = report("OIG-27-01", kind="revised", components=("FEMA",), labels_gained=["revised"])
    _link(desk, desk.publish(revision))
    desk.clock.advance(seconds=2)
    desk.worker().drain()
    first, reply = desk.slack.messages
    assert first == original and reply.thread_ts == original.ts
    assert [r.method for r in desk.slack.requests][-3:] == [
        "chat.postMessage", "conversations.history", "conversations.replies",
    ]  # fmt: skip
    assert rows(desk)[-1].external_ref == {"channel": "C-NEWS", "ts": reply.ts, "found": True}


def test_a_failed_lookup_stays_unknown_and_never_posts_blind(desk: Desk) -> None:
    desk.slack.fault(kind="reset_after_receive", channel="C-NEWS")
    desk.slack.fault(kind="reset", method="conversations.history", channel="C-NEWS")
    desk.slack.fault(kind="status", status=503, method="conversations.history", channel="C-NEWS")
    desk.publish(report("OIG-27-01", components=("FEMA",)))
    worker = desk.worker()
    for _ in range(3):
        worker.run_once()
        [row] = rows(desk)
        assert row.status == "pending" and row.attempt_started_at is not None, "still unknown"
        assert sum(keys_in(desk).values()) == 1
        desk.clock.advance(minutes=2)
    worker.drain()
    [row] = rows(desk)
    assert row.status == "sent" and row.external_ref["found"] is True and row.attempts == 4
    assert keys_in(desk) == {"oigwatch-1": 1}


def test_an_unknown_attempt_is_retried_with_exactly_its_deliveries(desk: Desk) -> None:
    """A burst arriving meanwhile does not join it (its key, its message stay the same), and a
    fresh digest never takes a delivery that may already be out."""
    desk.publish(report("OIG-27-00", components=("FEMA",)))
    engine, config = desk.ledger.engine, desk.settings.delivery
    outbox.ensure_targets(engine, ["newsroom"])
    [first] = outbox.claim(engine, config, {"newsroom": 1.0}, "w1", desk.clock.now())
    assert first.unknown_since is None
    outbox.mark_failed(engine, config, first, "w1", desk.clock.now(), "timed out",
                       permanent=False, retry_after=1.0, unknown=True)  # fmt: skip
    started = desk.clock.now()
    desk.clock.advance(seconds=2)
    desk.publish(*[report(f"OIG-27-{i:02d}", components=("FEMA",)) for i in range(1, 7)])
    [again] = outbox.claim(engine, config, {"newsroom": 1.0}, "w1", desk.clock.now())
    assert again.delivery_ids == first.delivery_ids and again.unknown_since == started
    outbox.mark_sent(engine, again, "w1", {"ts": "1.0"}, desk.clock.now())
    desk.clock.advance(seconds=2)
    [digest] = outbox.claim(engine, config, {"newsroom": 1.0}, "w1", desk.clock.now())
    assert len(digest.delivery_ids) == 6 and digest.unknown_since is None
    with engine.connect() as conn:
        cleared = conn.scalar(
            select(Delivery.attempt_started_at).where(Delivery.id == first.delivery_ids[0])
        )
    assert cleared is None


def test_definite_refusals_clear_the_attempt(desk: Desk) -> None:
    desk.slack.fault(kind="status", status=500, channel="C-NEWS")
    desk.slack.fault(kind="error", error="internal_error", channel="C-NEWS")
    desk.publish(report("OIG-27-01", components=("FEMA",)))
    for _ in range(2):
        desk.worker().run_once()
        [row] = rows(desk)
        assert row.status == "pending" and row.attempt_started_at is None
        desk.clock.advance(minutes=5)
    desk.worker().drain()
    assert "conversations.history" not in {r.method for r in desk.slack.requests}
    assert [r.status for r in rows(desk)] == ["sent"] and len(desk.slack.messages) == 1


def test_without_the_history_scope_it_posts_again_and_says_so_once(
    desk: Desk, caplog: pytest.LogCaptureFixture, tmp_path: Path, db_url: str
) -> None:
    from notifier.channels import slack

    slack._blind.clear()
    desk.slack.read_history = False
    desk.slack.fault(kind="reset_after_receive", channel="C-NEWS", count=2)
    desk.publish(
        report("OIG-27-01", components=("FEMA",)), report("OIG-27-02", components=("FEMA",))
    )
    with caplog.at_level(logging.WARNING, logger="oigwatch.deliver"):
        desk.worker().drain()
    assert posts_per_report(desk) == {"OIG-27-01": 2, "OIG-27-02": 2}, "one duplicate each, no more"
    warnings = [r.getMessage() for r in caplog.records if "history" in r.getMessage()]
    assert len(warnings) == 1 and "newsroom" in warnings[0] and "channels:history" in warnings[0]
    config = tmp_path / "oigwatch.toml"
    result = CliRunner().invoke(main, ["test-route", "everything", "--config", str(config),
                                       "--db", db_url])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "missing_scope" in result.stderr and "channels:history" in result.stderr
    desk.slack.read_history = True
    result = CliRunner().invoke(main, ["test-route", "everything", "--config", str(config),
                                       "--db", db_url])  # fmt: skip
    assert result.exit_code == 0 and "history" not in result.stderr


def test_a_transport_that_raises_leaves_no_lease_behind(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> dict[str, Any]:
        raise ValueError("could not convert string to float: 'Wed, 02 Dec'")

    monkeypatch.setitem(CHANNELS, "slack", replace(CHANNELS["slack"], send=broken))
    desk.publish(report("OIG-27-01", components=("FEMA",)))
    tally = desk.worker().run_once()
    assert tally.retrying == 1 and "ValueError" in tally.errors[0]
    [row] = rows(desk)
    assert row.status == "pending" and row.claimed_until is None
    assert row.attempt_started_at is not None, "it may have been sent: look first next time"


def test_a_thread_slack_no_longer_knows_is_not_a_missing_scope(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    _link(desk, desk.publish(report("OIG-27-01", components=("FEMA",))))
    desk.worker().drain()
    desk.slack.fault(kind="reset_after_receive", channel="C-NEWS")
    desk.slack.fault(kind="error", error="thread_not_found", method="conversations.replies")
    revision = report("OIG-27-01", kind="revised", components=("FEMA",), labels_gained=["revised"])
    _link(desk, desk.publish(revision))
    desk.clock.advance(seconds=2)
    with caplog.at_level(logging.WARNING, logger="oigwatch.deliver"):
        desk.worker().drain()
    assert [r.status for r in rows(desk)] == ["sent", "sent"]
    assert not [r for r in caplog.records if "history" in r.getMessage()]
