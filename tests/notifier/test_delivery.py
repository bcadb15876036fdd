"""Every event reaches the right Slack channel once, whatever Slack does (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import UTC, datetime

from sqlalchemy import select
from support.desk import Desk, report
from support.fake_slack import SlackMessage

from ledger.models import ChangeEvent, Delivery
from notifier.worker import Worker


def body(message: SlackMessage) -> str:
    return json.dumps({"text": message.text, "blocks": message.blocks}, ensure_ascii=False)


def in_channel(desk: Desk, channel: str) -> list[SlackMessage]:
    return [m for m in desk.slack.messages if m.channel == channel]


def statuses(desk: Desk) -> dict[str, int]:
    with desk.ledger.engine.connect() as conn:
        found: dict[str, int] = {}
        for (status,) in conn.execute(select(Delivery.status)):
            found[status] = found.get(status, 0) + 1
        return found


def test_event_goes_to_each_matching_route_once(desk: Desk) -> None:
    desk.publish(
        report("OIG-27-01", components=("ICE",)), report("OIG-27-02", components=("FEMA",))
    )
    tally = desk.worker().drain()
    assert tally.sent == 3 and statuses(desk) == {"sent": 3}
    assert len(in_channel(desk, "C-NEWS")) == 2
    [immigration] = in_channel(desk, "C-IMM")
    assert "OIG-27-01" in body(immigration) and "OIG-27-02" not in body(immigration)
    assert all(not m.unfurl_links and not m.unfurl_media for m in desk.slack.messages)
    assert desk.worker().drain().sent == 0, "delivered once"


def test_ops_events_go_to_the_ops_route_only(desk: Desk) -> None:
    desk.publish({"kind": "source_unhealthy", "reason": "HTTP 503 at 13 pages", "changes": []})
    desk.worker().drain()
    assert [m.channel for m in desk.slack.messages] == ["C-OPS"]
    assert "HTTP 503" in body(desk.slack.messages[0])


def test_rate_limit_pauses_only_that_channel(desk: Desk) -> None:
    desk.slack.fault(method="chat.postMessage", kind="ratelimit", retry_after=30, channel="C-NEWS")
    desk.publish(report("OIG-27-01"))
    first = desk.worker().run_once()
    assert first.sent == 1 and first.retrying == 1
    assert [m.channel for m in desk.slack.messages] == ["C-IMM"]
    desk.clock.advance(seconds=10)
    assert desk.worker().run_once().messages == 0, "C-NEWS stays paused for Retry-After"
    desk.clock.advance(seconds=21)
    assert desk.worker().drain().sent == 1
    assert [m.channel for m in desk.slack.messages] == ["C-IMM", "C-NEWS"]


def test_server_errors_and_timeouts_are_retried_with_backoff(desk: Desk) -> None:
    desk.slack.fault(method="chat.postMessage", kind="status", status=500, channel="C-NEWS")
    desk.slack.fault(method="chat.postMessage", kind="delay", seconds=3, channel="C-IMM")
    desk.publish(report("OIG-27-01"))
    desk.worker().drain()
    assert statuses(desk) == {"sent": 2}
    news = in_channel(desk, "C-NEWS")
    assert len(news) == 1
    with desk.ledger.engine.connect() as conn:
        attempts = dict(conn.execute(select(Delivery.target, Delivery.attempts)).tuples().all())
    assert attempts["newsroom"] == 2 and attempts["immigration"] >= 2


def test_ok_false_is_a_failure_and_permanent_errors_raise_one_ops_event(desk: Desk) -> None:
    desk.slack.fault(method="chat.postMessage", kind="error", error="channel_not_found",
                     channel="C-IMM", count=-1)  # fmt: skip
    desk.publish(report("OIG-27-01"))
    desk.worker().drain()
    assert statuses(desk) == {"sent": 2, "failed": 1}
    [ops] = in_channel(desk, "C-OPS")
    assert "could not be delivered" in body(ops) and "immigration" in body(ops)
    with desk.ledger.engine.connect() as conn:
        errors = [e for (e,) in conn.execute(select(Delivery.last_error)) if e]
    assert errors == ["slack immigration: channel_not_found"]
    with desk.ledger.engine.connect() as conn:
        kinds = [k for (k,) in conn.execute(select(ChangeEvent.kind))]
    assert kinds.count("delivery_failed") == 1
    desk.clock.advance(hours=1)
    assert desk.worker().drain().sent == 0, "a permanent failure is not retried"


def test_reset_after_slack_received_duplicates_at_most_that_message(desk: Desk) -> None:
    desk.slack.fault(method="chat.postMessage", kind="reset_after_receive", channel="C-NEWS")
    desk.publish(report("OIG-27-01"), report("OIG-27-02", components=("FEMA",)))
    desk.worker().drain()
    news = [body(m) for m in in_channel(desk, "C-NEWS")]
    assert sum("OIG-27-01" in b for b in news) <= 2 and sum("OIG-27-02" in b for b in news) == 1
    assert statuses(desk) == {"sent": 3}


def test_sixty_events_for_one_channel_become_one_digest(desk: Desk) -> None:
    desk.publish(*[report(f"OIG-27-{i:02d}", components=("FEMA",)) for i in range(60)])
    tally = desk.worker().drain()
    assert tally.sent == 60 and tally.messages == 1
    [digest] = desk.slack.messages
    assert len(digest.blocks or []) <= 50
    assert "60" in digest.text


def test_one_hour_outage_loses_nothing_and_delivers_in_order(desk: Desk) -> None:
    desk.slack.fault(method="chat.postMessage", kind="status", status=503, count=-1)
    for i in range(4):
        desk.publish(report(f"OIG-27-{i:02d}", components=("FEMA",)))
        desk.worker().run_once()
        desk.clock.advance(minutes=15)
    # the 4 alerts, and the ops alert that newsroom has failed for 15 minutes (ops is down too)
    assert desk.slack.messages == [] and statuses(desk) == {"pending": 5}
    desk.slack.clear_faults()
    desk.clock.advance(hours=1)
    desk.worker().drain()
    assert statuses(desk) == {"sent": 6}, "and the ops alert that it works again"
    with desk.ledger.engine.connect() as conn:
        sent = conn.execute(
            select(Delivery.id, Delivery.sent_at)
            .where(Delivery.target == "newsroom")
            .order_by(Delivery.id)
        ).all()
    news = [m for m in desk.slack.messages if m.channel == "C-NEWS"]
    assert len(news) == 1 or [r.sent_at for r in sent] == sorted(r.sent_at for r in sent)
    text = "".join(body(m) for m in news)
    assert [text.index(f"OIG-27-{i:02d}") for i in range(4)] == sorted(
        text.index(f"OIG-27-{i:02d}") for i in range(4)
    )


def test_messages_to_one_channel_are_paced(desk: Desk) -> None:
    for i in range(3):
        desk.publish(report(f"OIG-27-{i:02d}", components=("FEMA",)))
    desk.worker().drain()
    with desk.ledger.engine.connect() as conn:
        times = [t for (t,) in conn.execute(select(Delivery.sent_at).order_by(Delivery.sent_at))]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert len(times) == 3 and all(gap >= 1.0 for gap in gaps)


def test_two_workers_never_send_a_delivery_twice(desk: Desk) -> None:
    desk.clock.moment = datetime.now(UTC)
    for i in range(40):
        desk.publish(report(f"OIG-27-{i:02d}", components=("CBP",)))
    workers = [  # real time: a lease must not expire because a shared simulated clock raced ahead
        Worker(desk.ledger.engine, desk.settings, name=name) for name in ("w1", "w2")
    ]
    threads = [threading.Thread(target=w.drain) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    texts = [body(m) for m in desk.slack.messages]
    for i in range(40):
        for channel in ("C-NEWS", "C-IMM"):
            hits = [t for t, m in zip(texts, desk.slack.messages, strict=True)
                    if m.channel == channel and f"OIG-27-{i:02d}" in t]  # fmt: skip
            assert len(hits) == 1, (channel, i, len(hits))
    assert statuses(desk) == {"sent": 80}


def test_a_slow_channel_holds_up_only_itself(desk: Desk) -> None:
    desk.clock.moment = datetime.now(UTC)
    desk.slack.fault(method="chat.postMessage", kind="delay", seconds=1.5, channel="C-IMM")
    desk.publish(report("OIG-27-01"))  # ICE: the newsroom and the immigration desk
    worker = Worker(desk.ledger.engine, desk.settings, name="loop")
    try:
        worker.run_once(wait=False)
        desk.slack.wait_for(1, timeout=1.0)
        assert [m.channel for m in desk.slack.messages] == ["C-NEWS"]
        worker.drain()
    finally:
        worker.close()
    assert sorted(m.channel for m in desk.slack.messages) == ["C-IMM", "C-NEWS"]
    assert statuses(desk) == {"sent": 2}
