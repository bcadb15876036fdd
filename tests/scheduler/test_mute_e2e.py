"""``oigwatch mute`` / ``unmute`` end to end, through the real CLI against the fixture site and a
Slack-speaking server, on SQLite and PostgreSQL: a muted report's change is recorded and listed,
owes no delivery and reaches no channel; once unmuted, its next change is delivered again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.fake_slack import FakeSlack
from support.harness import NEWSROOM_SLACK, Oigwatch, write_config
from support.web_server import WebServer

from config.settings import load_settings
from fixture_site import FixtureSite, build_state
from ledger.db import make_engine
from web.app import create_app


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite(build_state(n_reports=60, seed=11)) as running:
        running.mutate({"op": "tie_shuffle", "mode": "stable"})
        yield running


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    monkeypatch.setenv("OIGWATCH_SLACK_TOKEN", "xoxb-test")
    with FakeSlack(token="xoxb-test", channels=("C-NEWS",)) as server:
        yield server


@pytest.fixture
def oigwatch(site: FixtureSite, db_url: str, tmp_path: Path, slack: FakeSlack) -> Oigwatch:
    routes = NEWSROOM_SLACK.replace("{api}", slack.api_url)
    watcher = Oigwatch(site, db_url, write_config(tmp_path, routes=routes))
    assert watcher.crawl("--deep") == [], "the baseline is silent"
    return watcher


def deliveries_of(oigwatch: Oigwatch, event_id: int) -> list[dict[str, object]]:
    """The deliveries of one event, to any target (the shipped console one too)."""
    return [row for row in oigwatch.deliveries() if row["event_id"] == event_id]


def test_a_muted_reports_change_is_recorded_but_not_sent_until_unmuted(
    oigwatch: Oigwatch, slack: FakeSlack
) -> None:
    added = oigwatch.site.mutate({"op": "add_report", "components": ["ICE"]})
    number = added["report_number"]
    [new] = oigwatch.crawl("--quick")
    assert len(slack.messages) == 1 and number in slack.messages[0].text

    muted = oigwatch.run("mute", number, "--reason", "duplicate listing\x1b[31m")
    assert muted.exit_code == 0, muted.output
    assert f"{number} (dhs-oig) muted since " in muted.stdout and "\x1b" not in muted.stdout
    again = oigwatch.run("mute", number)
    assert again.exit_code == 0 and "already muted" in again.stdout

    oigwatch.site.mutate({"op": "retitle", "report_number": number, "suffix_op": "append_revised"})
    [revised] = oigwatch.crawl("--quick")
    assert revised["kind"] == "revised" and revised["report_number"] == number, "recorded"
    assert deliveries_of(oigwatch, revised["event_id"]) == [], "no delivery enqueued"
    assert len(slack.messages) == 1, "nothing sent to Slack"

    listed = {e["event_id"]: e for e in oigwatch.changes()}
    assert listed[new["event_id"]]["muted"] is None
    mark = listed[revised["event_id"]]["muted"]
    assert mark is not None and mark["reason"] == "duplicate listing[31m" and mark["muted_by"]
    for route in ("newsroom", "console"):  # what each route was sent: the new alert only
        assert [e["event_id"] for e in oigwatch.changes("--route", route)] == [new["event_id"]]
    text = oigwatch.run("changes", "--kind", "revised")
    assert "  muted (since " in text.stdout and "not sent to any channel" in text.stdout
    shown = oigwatch.run("report", number)
    assert shown.exit_code == 0 and "muted (since " in shown.stdout
    report_json = oigwatch.run("report", number, "--json").stdout
    [as_json] = [json.loads(line) for line in report_json.splitlines() if line]
    assert as_json["muted"]["reason"] == "duplicate listing[31m"
    settings = load_settings(oigwatch.config, environ={})
    engine = make_engine(oigwatch.db_url, reader=True)
    try:
        with WebServer(create_app(settings, engine)) as server:
            page = httpx.get(f"{server.url}/reports/{number}").text
    finally:
        engine.dispose()
    assert "Muted since" in page and "duplicate listing" in page and "\x1b" not in page

    unmuted = oigwatch.run("unmute", number)
    assert unmuted.exit_code == 0 and "unmuted" in unmuted.stdout, unmuted.output
    oigwatch.site.mutate(
        {"op": "retitle", "report_number": number, "suffix_op": "add_management_alert"}
    )
    [later] = oigwatch.crawl("--quick")
    assert later["report_number"] == number
    [row] = [r for r in deliveries_of(oigwatch, later["event_id"]) if r["target"] == "newsroom"]
    assert row["status"] == "sent" and len(slack.messages) == 2
    assert slack.messages[1].thread_ts == slack.messages[0].ts, "threaded under the new alert"
    assert revised["event_id"] not in [r["event_id"] for r in oigwatch.deliveries()], (
        "a change detected while muted stays unsent after unmute"
    )
    again = oigwatch.run("unmute", number)
    assert again.exit_code == 0 and "was not muted" in again.stdout


def test_mute_of_an_unknown_report_exits_2_in_one_line(oigwatch: Oigwatch) -> None:
    for command in ("mute", "unmute"):
        result = oigwatch.run(command, "OIG-99-999")
        assert result.exit_code == 2
        assert result.stderr.strip().splitlines() == [
            "Error: no report 'OIG-99-999' in the ledger (try `oigwatch changes`)"
        ]
        assert "Traceback" not in result.output
