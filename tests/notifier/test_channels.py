"""Slack incoming webhooks, scheduled digests and a mail server that is down for a while."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from support.desk import Desk, report
from support.smtp_server import SmtpServer

from config.settings import load_settings
from ledger.models import Delivery
from ledger.outbox import digest_now

WEBHOOK = """
[[targets]]
kind = "slack_webhook"
name = "hook"

[[routes]]
name = "all"
target = "hook"
"""


def reconfigure(desk: Desk, tmp_path: Path, toml: str) -> None:
    path = tmp_path / "channels.toml"
    path.write_text(toml, encoding="utf-8")
    desk.settings = load_settings(path, environ={})


def statuses(desk: Desk) -> list[str]:
    with desk.ledger.engine.connect() as conn:
        return [s for (s,) in conn.execute(select(Delivery.status).order_by(Delivery.id))]


def test_slack_incoming_webhook_and_an_archived_channel(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIGWATCH_SLACK_WEBHOOK_URL", desk.slack.webhook_url)
    reconfigure(desk, tmp_path, WEBHOOK)
    desk.publish(report("OIG-27-01"))
    desk.worker().drain()
    [message] = desk.slack.messages
    assert message.via == "webhook" and "OIG-27-01" in message.text and not message.unfurl_links
    desk.slack.fault(method="webhook", kind="error", error="channel_is_archived", count=-1)
    desk.publish(report("OIG-27-02"))
    desk.worker().drain()
    assert statuses(desk) == ["sent", "failed"]


def test_a_malformed_webhook_url_fails_without_showing_it(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_url = "hooks.example/services/T0/B0/s3cr3t-w3bh00k"  # no scheme: urllib refuses it
    monkeypatch.setenv("OIGWATCH_SLACK_WEBHOOK_URL", secret_url)
    reconfigure(desk, tmp_path, WEBHOOK)
    desk.publish(report("OIG-27-03"))
    tally = desk.worker().drain()
    assert statuses(desk) == ["failed"]  # permanent: retrying cannot fix a bad URL
    assert tally.errors and not [e for e in tally.errors if "s3cr3t" in e]
    with desk.ledger.engine.connect() as conn:
        stored = [e for (e,) in conn.execute(select(Delivery.last_error))]
    assert stored and not [e for e in stored if e and "s3cr3t" in e]


def test_digest_route_waits_for_its_schedule_or_digest_now(desk: Desk, tmp_path: Path) -> None:
    reconfigure(
        desk,
        tmp_path,
        f"""
[[targets]]
kind = "slack"
name = "morning"
channel = "C-NEWS"
base_url = "{desk.slack.api_url}"

[[routes]]
name = "morning-digest"
target = "morning"
mode = "digest"
schedule = "08:00"
timezone = "America/New_York"
""",
    )
    desk.clock.moment = desk.clock.moment.replace(hour=12)  # 07:00 in New York
    desk.publish(report("OIG-27-01"), report("OIG-27-02"))
    assert desk.worker().run_once().messages == 0
    desk.clock.advance(minutes=59)
    assert desk.worker().run_once().messages == 0, "not before 08:00 New York time"
    desk.clock.advance(minutes=1)
    tally = desk.worker().run_once()
    assert tally.messages == 1 and tally.sent == 2
    [digest] = desk.slack.messages
    assert "OIG-27-01" in str(digest.blocks) and "OIG-27-02" in str(digest.blocks)
    desk.publish(report("OIG-27-03"))
    assert digest_now(desk.ledger.engine, "morning-digest", desk.clock.now()) == 1
    assert desk.worker().drain().sent == 1


def test_mail_server_down_for_a_while_loses_nothing(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SmtpServer(tls="starttls", require_starttls=True) as smtp:
        reconfigure(
            desk,
            tmp_path,
            f"""
[[targets]]
kind = "email"
name = "desk-mail"
to = ["desk@example.org"]
from = "oigwatch@example.org"
smtp_host = "{smtp.host}"
smtp_port = {smtp.port}
ca_file = "{smtp.ca_file}"

[[routes]]
name = "mail"
target = "desk-mail"
""",
        )
        smtp.stop()
        desk.publish(report("OIG-27-01"))
        for _ in range(3):
            desk.worker().run_once()
            desk.clock.advance(minutes=10)
        assert statuses(desk) == ["pending"] and smtp.messages == []
        smtp.start()
        desk.clock.advance(minutes=30)
        desk.worker().drain()
        [mail] = smtp.messages
        assert "OIG-27-01" in str(mail.message["Subject"]) and statuses(desk) == ["sent"]


def test_a_delivery_failing_for_days_becomes_dead(desk: Desk) -> None:
    desk.slack.fault(
        method="chat.postMessage", kind="status", status=503, count=-1, channel="C-NEWS"
    )
    desk.publish(report("OIG-27-01", components=("FEMA",)))
    for _ in range(60):
        desk.worker().run_once()
        desk.clock.advance(hours=1)
        if "dead" in statuses(desk):
            break
    assert "dead" in statuses(desk)
    desk.slack.clear_faults()
    desk.worker().drain()
    ops = [m for m in desk.slack.messages if m.channel == "C-OPS"]
    # after 15 minutes: newsroom is failing (the episode); after 48 hours: this alert is dead
    assert [("failing since" in str(m.blocks), "newsroom" in str(m.blocks)) for m in ops] == [
        (True, True), (False, True)]  # fmt: skip


def test_email_over_implicit_tls(desk: Desk, tmp_path: Path) -> None:
    with SmtpServer(tls="implicit") as smtp:
        reconfigure(
            desk,
            tmp_path,
            f"""
[[targets]]
kind = "email"
name = "desk-mail"
to = ["desk@example.org"]
from = "oigwatch@example.org"
smtp_host = "{smtp.host}"
smtp_port = {smtp.port}
tls = "implicit"
ca_file = "{smtp.ca_file}"

[[routes]]
name = "mail"
target = "desk-mail"
""",
        )
        desk.publish(report("OIG-27-01"))
        desk.worker().drain()
        [mail] = smtp.messages
        assert mail.tls and statuses(desk) == ["sent"]


def test_email_server_with_an_unknown_certificate_is_a_permanent_failure(
    desk: Desk, tmp_path: Path
) -> None:
    with SmtpServer(tls="starttls", require_starttls=True) as smtp:
        reconfigure(
            desk,
            tmp_path,
            f"""
[[targets]]
kind = "email"
name = "desk-mail"
to = ["desk@example.org"]
from = "oigwatch@example.org"
smtp_host = "{smtp.host}"
smtp_port = {smtp.port}

[[routes]]
name = "mail"
target = "desk-mail"
""",
        )
        desk.publish(report("OIG-27-01"))
        desk.worker().drain()
        assert smtp.messages == [] and statuses(desk) == ["failed"]


def test_revisions_can_be_broadcast_from_the_thread(desk: Desk, tmp_path: Path) -> None:
    reconfigure(
        desk,
        tmp_path,
        f"""
[[targets]]
kind = "slack"
name = "news"
channel = "C-NEWS"
base_url = "{desk.slack.api_url}"
broadcast_revisions = true

[[routes]]
name = "all"
target = "news"
""",
    )
    from sqlalchemy import insert

    from ledger.models import Report

    source_id = desk.ledger.source_id("dhs-oig")
    with desk.ledger.engine.begin() as conn:  # a report row, so the events can find each other
        conn.execute(
            insert(Report).values(
                source_id=source_id,
                key="OIG-27-01",
                report_number="OIG-27-01",
                title="T",
                content_hash="x",
                first_seen_at=desk.clock.now(),
                changed_at=desk.clock.now(),
            )
        )
    first = desk.publish(report("OIG-27-01"))
    _link(desk, first)
    desk.worker().drain()
    revision = desk.publish(report("OIG-27-01", kind="revised", labels_gained=["revised"]))
    _link(desk, revision)
    desk.clock.advance(seconds=2)
    desk.worker().drain()
    original, reply = desk.slack.messages
    assert reply.thread_ts == original.ts and reply.reply_broadcast


def _link(desk: Desk, event_ids: list[int]) -> None:
    from sqlalchemy import update

    from ledger.models import ChangeEvent, Report

    with desk.ledger.engine.begin() as conn:
        report_id = conn.scalar(select(Report.id).where(Report.key == "OIG-27-01"))
        conn.execute(
            update(ChangeEvent).where(ChangeEvent.id.in_(event_ids)).values(report_id=report_id)
        )
