"""What another attempt of the same delivery looks like to a receiver: the same Idempotency-Key, the
same Message-ID; and a Retry-After in seconds or as an HTTP date (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.desk import Desk, report
from support.smtp_server import SmtpServer
from support.webhook_receiver import WebhookReceiver

from config.settings import load_settings
from ledger.models import Delivery, TargetState
from notifier.transports import header, retry_after

SECRET = b"s3cret"


def reconfigure(desk: Desk, tmp_path: Path, toml: str) -> None:
    path = tmp_path / "channels.toml"
    path.write_text(toml, encoding="utf-8")
    desk.settings = load_settings(path, environ={})


def deliveries(desk: Desk) -> list[Any]:
    with desk.ledger.engine.connect() as conn:
        query = select(Delivery.id, Delivery.status, Delivery.attempts, Delivery.claimed_until,
                       Delivery.attempt_started_at, Delivery.external_ref).order_by(Delivery.id)  # fmt: skip
        return list(conn.execute(query))


def paused_until(desk: Desk, target: str) -> datetime | None:
    with desk.ledger.engine.connect() as conn:
        moment = conn.scalar(select(TargetState.paused_until).where(TargetState.target == target))
    return None if moment is None else moment.replace(tzinfo=UTC)


def http_date(seconds: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


def test_a_webhook_keeps_its_idempotency_key_on_every_attempt(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIGWATCH_WEBHOOK_SECRET", SECRET.decode())
    with WebhookReceiver(SECRET) as receiver:
        reconfigure(desk, tmp_path, f"""
[[targets]]
kind = "webhook"
name = "hook"
url = "{receiver.url}"

[[routes]]
name = "all"
target = "hook"
""")  # fmt: skip
        receiver.fault(kind="reset_after_receive")  # received, and the answer is lost
        receiver.fault(kind="status", status=503)
        desk.publish(report("OIG-27-01"), report("OIG-27-02"))
        desk.worker().drain()
        got = receiver.deliveries
    seen = sorted((d.payload["report_number"], d.headers["idempotency-key"]) for d in got)
    assert seen == [
        ("OIG-27-01", "oigwatch-1"), ("OIG-27-01", "oigwatch-1"), ("OIG-27-02", "oigwatch-2"),
    ], "the same key on the next attempt"  # fmt: skip
    assert all(d.delivery_id == d.headers["idempotency-key"] for d in got)
    rows = deliveries(desk)
    assert [r.status for r in rows] == ["sent", "sent"] and sum(r.attempts for r in rows) == 4


def test_an_email_keeps_its_message_id_on_every_attempt(desk: Desk, tmp_path: Path) -> None:
    with SmtpServer(tls=None) as smtp:
        reconfigure(desk, tmp_path, f"""
[[targets]]
kind = "email"
name = "desk-mail"
to = ["desk@example.org"]
from = "OIG watch <oigwatch@newsroom.example>"
smtp_host = "{smtp.host}"
smtp_port = {smtp.port}
tls = "none"

[[routes]]
name = "mail"
target = "desk-mail"
""")  # fmt: skip
        smtp.drop_after_data()  # accepted, then the server hangs up before saying so
        desk.publish(report("OIG-27-01"), report("OIG-27-02"))
        desk.worker().drain()
        mails = smtp.messages
    ids = [str(m.message["Message-ID"]) for m in mails]
    first = [i for i, m in zip(ids, mails, strict=True) if "OIG-27-01" in str(m.message["Subject"])]
    second = [i for i in ids if i not in first]
    assert len(first) == 2 and first[0] == first[1], "the same Message-ID on the next attempt"
    assert len(second) == 1
    assert first[0].startswith("<oigwatch-1.") and first[0].endswith("@newsroom.example>")
    assert second[0].startswith("<oigwatch-2.")
    rows = deliveries(desk)
    assert [(r.status, r.attempts) for r in rows] == [("sent", 2), ("sent", 1)]
    assert [r.external_ref["message_id"] for r in rows] == [first[0], second[0]]


def test_a_slack_429_with_an_http_date_pauses_the_target_until_then(desk: Desk) -> None:
    desk.slack.fault(kind="ratelimit", retry_after=http_date(30), channel="C-NEWS")
    desk.publish(report("OIG-27-01", components=("FEMA",)))
    first = desk.worker().run_once()
    assert first.retrying == 1 and "rate limited" in first.errors[0]
    [row] = deliveries(desk)
    assert row.status == "pending" and row.claimed_until is None, "the lease is released"
    assert row.attempt_started_at is None, "a 429 is a definite refusal"
    pause = (paused_until(desk, "newsroom") - desk.clock.now()).total_seconds()  # type: ignore[operator]
    assert 25 <= pause <= 31
    desk.clock.advance(seconds=20)
    assert desk.worker().run_once().messages == 0, "still paused"
    desk.clock.advance(seconds=12)
    assert desk.worker().drain().sent == 1
    assert len(desk.slack.messages) == 1


def test_slack_webhook_and_webhook_429s_with_http_dates(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIGWATCH_SLACK_WEBHOOK_URL", desk.slack.webhook_url)
    monkeypatch.setenv("OIGWATCH_WEBHOOK_SECRET", SECRET.decode())
    with WebhookReceiver(SECRET) as receiver:
        reconfigure(desk, tmp_path, f"""
[[targets]]
kind = "slack_webhook"
name = "incoming"

[[targets]]
kind = "webhook"
name = "hook"
url = "{receiver.url}"

[[routes]]
name = "slack"
target = "incoming"

[[routes]]
name = "hook"
target = "hook"
""")  # fmt: skip
        desk.slack.fault(kind="ratelimit", method="webhook", retry_after=http_date(60))
        receiver.fault(kind="status", status=429, retry_after=http_date(120))
        desk.publish(report("OIG-27-01"))
        tally = desk.worker().run_once()
        assert tally.retrying == 2 and tally.sent == 0
        now = desk.clock.now()
        for target, expected in (("incoming", 60), ("hook", 120)):
            pause = (paused_until(desk, target) - now).total_seconds()  # type: ignore[operator]
            assert expected - 5 <= pause <= expected + 1, (target, pause)
        assert all(r.claimed_until is None for r in deliveries(desk))
        desk.clock.advance(seconds=121)
        assert desk.worker().drain().sent == 2


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = time.time()
    assert retry_after("7") == 7.0 and retry_after("2.5") == 2.5
    assert retry_after(None) == retry_after("") == retry_after("soon") == 30.0
    assert retry_after("nan") == retry_after("inf") == 30.0
    assert retry_after("0") == retry_after("-3") == 1.0, "never a hot loop"
    assert retry_after("9999999") == 86_400.0, "at most a day"
    later = format_datetime(datetime.fromtimestamp(now + 90, UTC), usegmt=True)
    assert 88 <= retry_after(later, now=now) <= 91
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 1.0, "a date in the past"
    assert 88 <= retry_after(later.replace("GMT", "-0000"), now=now) <= 91
    assert retry_after("Wednesday, 21-Oct-15 07:28:00 GMT") >= 1.0  # RFC 850, in the past
    assert header({"retry-after": "3"}, "Retry-After") == "3"
    assert header({"Retry-After": ["4"]}, "retry-after") == "4"
    assert header(None, "Retry-After") is None
