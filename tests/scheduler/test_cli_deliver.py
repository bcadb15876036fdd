"""The outbox's commands on a real ledger (``cli/deliver.py``): deliveries, deliver, retry,
test-route and digest, with console targets (what a newsroom without Slack sees)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.main import main
from config.settings import load_settings
from crawler.clock import utcnow
from crawler.events import EventDraft
from crawler.health import Verdict
from ledger.db import ensure_schema, make_engine
from ledger.store import Ledger, RunRecord
from notifier.routes import router_for

CONFIG = """
[[targets]]
kind = "console"
name = "desk"

[[targets]]
kind = "console"
name = "morning"

[[routes]]
name = "everything"
target = "desk"

[[routes]]
name = "morning-digest"
target = "morning"
mode = "digest"
schedule = "08:00"
"""
NOW = utcnow()  # the worker's clock: the digest is due at the next 08:00 from now
EVENT: dict[str, Any] = {
    "kind": "new", "source": "dhs-oig", "report_number": "OIG-27-01", "report_key": "OIG-27-01",
    "title": "ICE Did Not Track Detainee Transfers", "summary": "We found gaps.",
    "url": "https://www.oig.dhs.gov/sites/default/files/assets/2026-11/OIG-27-01.pdf",
    "issue_date": "2026-11-20", "fiscal_year": "2027", "components": ["ICE"], "labels": [],
    "labels_gained": [], "labels_lost": [], "changes": [], "detected_at": NOW.isoformat(),
}  # fmt: skip


@pytest.fixture
def args(tmp_path: Path) -> list[str]:
    """``--config`` and ``--db`` of a ledger holding one new report's event, its deliveries owed."""
    config = tmp_path / "oigwatch.toml"
    config.write_text(CONFIG)
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    settings = load_settings(config, overrides={"database_url": db})
    engine = make_engine(db)
    ensure_schema(engine)
    ledger = Ledger(engine)
    draft = EventDraft("new", "new:OIG-27-01", EVENT, "OIG-27-01")
    run = RunRecord("run-1", ledger.source_id("dhs-oig"), "quick", NOW, NOW, "healthy",
                    Verdict(True), None, [draft], router=router_for(settings.routes))  # fmt: skip
    assert len(ledger.record(run).event_ids) == 1
    engine.dispose()
    return ["--config", str(config), "--db", db]


def invoke(*words: str) -> Result:
    return CliRunner().invoke(main, list(words), catch_exceptions=False)


def listed(args: list[str], *options: str) -> list[dict[str, Any]]:
    result = invoke("deliveries", *args, "--json", *options)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_deliver_prints_what_is_due_and_lists_it_as_sent(args: list[str]) -> None:
    waiting = invoke("deliveries", *args)
    assert waiting.exit_code == 0
    [line] = [line for line in waiting.stdout.splitlines() if " desk " in line]
    assert line.startswith("#") and "waiting" in line and "OIG-27-01" in line
    assert "attempts 0" in line

    delivered = invoke("deliver", *args)
    assert delivered.exit_code == 0, delivered.output
    assert "ICE Did Not Track Detainee Transfers" in delivered.stdout
    assert "delivered 1 alerts in 1 messages; 0 to retry, 0 failed" in delivered.stderr

    [sent] = listed(args, "--status", "sent")
    assert (sent["target"], sent["state"], sent["report_number"]) == ("desk", "sent", "OIG-27-01")
    [digest] = listed(args, "--status", "waiting")
    assert digest["target"] == "morning"  # a digest waits for its schedule


def test_an_empty_listing_says_so(args: list[str]) -> None:
    result = invoke("deliveries", *args, "--status", "dead")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == "No deliveries with status dead.\n"


def test_digest_now_sends_a_digest_routes_pending_alerts(args: list[str]) -> None:
    result = invoke("digest", "morning-digest", "--now", *args)
    assert result.exit_code == 0, result.output
    assert "1 pending alerts of route morning-digest are due now" in result.stderr
    assert "ICE Did Not Track Detainee Transfers" in result.stdout
    assert {d["target"] for d in listed(args, "--status", "sent")} == {"desk", "morning"}


def test_retry_makes_a_waiting_delivery_due_now(args: list[str]) -> None:
    [digest] = [d for d in listed(args, "--status", "waiting") if d["target"] == "morning"]
    retried = invoke("retry", str(digest["delivery_id"]), *args)
    assert retried.exit_code == 0, retried.output
    assert "ICE Did Not Track Detainee Transfers" in retried.stdout
    assert "morning" in {d["target"] for d in listed(args, "--status", "sent")}


def test_unknown_routes_and_deliveries_are_usage_errors(args: list[str]) -> None:
    missing = invoke("digest", "evening", "--now", *args)
    assert missing.exit_code == 2 and "evening" in missing.stderr
    unknown = 1 + max(d["delivery_id"] for d in listed(args))
    retried = invoke("retry", str(unknown), *args)
    assert retried.exit_code == 2
    assert f"no delivery {unknown} to retry (see `oigwatch deliveries`)" in retried.stderr
    assert invoke("test-route", "nowhere", *args).exit_code == 2


def test_test_route_sends_a_sample_through_the_routes_target(args: list[str]) -> None:
    result = invoke("test-route", "everything", *args)
    assert result.exit_code == 0, result.output
    assert "Test alert from oigwatch: this route works" in result.stdout
    assert 'route everything: sent to console target desk ({"printed": 1})' in result.stdout
    assert len(listed(args, "--status", "sent")) == 0  # the outbox is bypassed
