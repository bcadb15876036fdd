"""A failing target is an ops fact within minutes: one delivery_failed after
delivery.alert_after_minutes, /healthz failing for it, `deliveries --status failing`, one
delivery_recovered, and every waiting alert delivered once (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from support.desk import Desk, report

from cli.main import main
from ledger.models import ChangeEvent
from web.health import check


def ops_events(desk: Desk) -> list[dict]:
    with desk.ledger.engine.connect() as conn:
        rows = conn.execute(
            select(ChangeEvent.kind, ChangeEvent.payload)
            .where(ChangeEvent.kind.in_(("delivery_failed", "delivery_recovered")))
            .order_by(ChangeEvent.id)
        ).all()
    return [{"kind": kind, **payload} for kind, payload in rows]


def healthz_reasons(desk: Desk) -> list[str]:
    alert_after = desk.settings.delivery.alert_after_minutes * 60
    health = check(None, desk.ledger.engine, 120, desk.clock.now(), alert_after=alert_after)
    return health.reasons


def cli(desk: Desk, tmp_path: Path, db_url: str, *args: str) -> str:
    config = tmp_path / "oigwatch.toml"
    result = CliRunner().invoke(main, [args[0], "--config", str(config), "--db", db_url, *args[1:]])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_slack_down_twenty_minutes_is_one_ops_event_then_one_recovery(
    desk: Desk, tmp_path: Path, db_url: str
) -> None:
    desk.slack.fault(kind="status", status=503, channel="C-NEWS", count=-1)
    numbers = [f"OIG-27-{i:02d}" for i in range(3)]
    desk.publish(*(report(n, components=("FEMA",)) for n in numbers))
    worker = desk.worker()
    for minute in range(21):  # the delivery loop's passes, one a minute of simulated clock
        worker.run_once()
        failed = [e for e in ops_events(desk) if e["kind"] == "delivery_failed"]
        if minute < 15:
            assert failed == [], f"told after {minute} minutes"
            assert healthz_reasons(desk) == []
        desk.clock.advance(minutes=1)
    [alert] = ops_events(desk)
    assert (alert["target"], alert["target_status"], alert["pending"]) == ("newsroom", "failing", 3)
    assert "internal error" in alert["error"] and "xoxb" not in json.dumps(alert)
    ops = [m for m in desk.slack.messages if m.channel == "C-OPS"]
    assert len(ops) == 1 and "newsroom failing since" in ops[0].text
    assert "3 waiting" in str(ops[0].blocks) and "internal error" in str(ops[0].blocks)
    assert not [m for m in desk.slack.messages if m.channel == "C-NEWS"]
    [reason] = healthz_reasons(desk)
    assert reason.startswith("delivery to newsroom failing since") and "3 pending" in reason
    listed = cli(desk, tmp_path, db_url, "deliveries", "--status", "failing")
    assert "target newsroom FAILING since" in listed and listed.count("retrying") == 3

    desk.slack.clear_faults()
    desk.clock.advance(minutes=30)
    worker.drain()
    news = [m for m in desk.slack.messages if m.channel == "C-NEWS"]
    assert sorted(n for n in numbers for m in news if n in m.text) == numbers, "each once"
    assert [e["kind"] for e in ops_events(desk)] == ["delivery_failed", "delivery_recovered"]
    ops = [m for m in desk.slack.messages if m.channel == "C-OPS"]
    assert len(ops) == 2 and "are delivered again" in str(ops[1].blocks)
    assert healthz_reasons(desk) == []
    assert "FAILING" not in cli(desk, tmp_path, db_url, "deliveries")


def test_a_short_outage_raises_nothing(desk: Desk) -> None:
    desk.slack.fault(kind="status", status=503, channel="C-NEWS", count=3)
    desk.publish(report("OIG-27-50", components=("FEMA",)))
    worker = desk.worker()
    for _ in range(10):
        worker.run_once()
        desk.clock.advance(minutes=1)
    worker.drain()
    assert ops_events(desk) == [] and healthz_reasons(desk) == []
    assert [m.channel for m in desk.slack.messages] == ["C-NEWS"]


def test_retrying_deliveries_are_told_apart_from_waiting_ones(
    desk: Desk, tmp_path: Path, db_url: str
) -> None:
    desk.slack.fault(kind="status", status=503, channel="C-NEWS", count=-1)
    desk.publish(report("OIG-27-60", components=("FEMA",)))
    desk.worker().run_once()
    desk.publish(report("OIG-27-61", components=("FEMA",)))
    rows = [
        json.loads(line)
        for line in cli(desk, tmp_path, db_url, "deliveries", "--json").splitlines()
    ]
    assert {row["report_number"]: row["state"] for row in rows} == {
        "OIG-27-60": "retrying", "OIG-27-61": "waiting"}  # fmt: skip
    assert "OIG-27-60" in cli(desk, tmp_path, db_url, "deliveries", "--status", "retrying")
    result = CliRunner().invoke(main, ["deliveries", "--config", str(tmp_path / "oigwatch.toml"),
                                       "--db", db_url, "--status", "failed"])  # fmt: skip
    assert (
        "No deliveries with status failed" in result.stderr and "--status retrying" in result.stderr
    )
    assert "retrying" in CliRunner().invoke(main, ["deliveries", "--help"]).stdout
