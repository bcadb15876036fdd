"""A delivery process killed with SIGKILL loses nothing, and on Slack's Web API duplicates nothing:
the next process finds the message it had sent in the channel's history (SQLite and PostgreSQL).
Kills at random points: test_delivery_kills.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.fake_slack import FakeSlack
from support.harness import NEWSROOM_SLACK, Oigwatch, write_config
from support.service import wait_until


def deliver_process(oigwatch: Oigwatch) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OIGWATCH_SLACK_TOKEN": "xoxb-test",
        "OIGWATCH_DELIVERY__LEASE_SECONDS": "1",
    }
    argv = [
        sys.executable,
        "-m",
        "cli",
        "deliver",
        "--config",
        str(oigwatch.config),
        "--db",
        oigwatch.db_url,
    ]
    return subprocess.Popen(
        argv, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.fixture
def newsroom(oigwatch: Oigwatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OIGWATCH_SLACK_TOKEN", "xoxb-test")
    with FakeSlack(token="xoxb-test", channels=("C-NEWS",)) as slack:
        oigwatch.config = write_config(
            tmp_path, routes=NEWSROOM_SLACK.replace("{api}", slack.api_url)
        )
        oigwatch.crawl("--deep")
        yield oigwatch, slack


def test_killed_before_sending_loses_nothing(newsroom) -> None:  # type: ignore[no-untyped-def]
    oigwatch, slack = newsroom
    added = oigwatch.site.mutate({"op": "add_report"})
    oigwatch.crawl("--quick", "--no-deliver")  # committed, then "killed": nothing sent yet
    assert slack.messages == []
    process = deliver_process(oigwatch)
    assert process.wait(timeout=30) == 0
    [message] = slack.messages
    assert added["report_number"] in message.text


def test_killed_mid_send_then_restarted_posts_it_once(newsroom) -> None:  # type: ignore[no-untyped-def]
    oigwatch, slack = newsroom
    added = oigwatch.site.mutate({"op": "add_report"})
    oigwatch.crawl("--quick", "--no-deliver")
    slack.fault(kind="delay", seconds=1.5)  # Slack receives the post, answers late
    process = deliver_process(oigwatch)
    wait_until(lambda: any(r.method == "chat.postMessage" for r in slack.requests))
    os.killpg(process.pid, signal.SIGKILL)  # after sending, before marking
    process.wait(timeout=10)
    wait_until(lambda: len(slack.messages) == 1)  # Slack did get it
    assert [d["status"] for d in oigwatch.deliveries() if d["target"] == "newsroom"] == ["pending"]
    time.sleep(1.2)  # the killed worker's lease runs out
    restarted = deliver_process(oigwatch)
    assert restarted.wait(timeout=30) == 0
    texts = [m.text for m in slack.messages]
    assert sum(added["report_number"] in t for t in texts) == 1
    [delivery] = [d for d in oigwatch.deliveries() if d["target"] == "newsroom"]
    assert delivery["status"] == "sent" and delivery["external_ref"]["found"] is True
    assert delivery["external_ref"]["ts"] == slack.messages[0].ts
