"""`oigwatch deliver` killed with SIGKILL at random points, against a Slack that is slow past the
timeout or resets after receiving: every alert is posted exactly once (SQLite and PostgreSQL).

Each trial publishes a few alerts for three Slack channels, queues a fault at random, starts
`oigwatch deliver` (a real process), and kills it a random moment after its n-th request reached
Slack: mid-post (Slack has the message, the worker has no answer), between the answer and the mark,
mid-lookup, mid-claim. The next process finds each unknown attempt in the channel's history by its
delivery key instead of posting it again.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.desk import Clock, Desk, report
from support.fake_slack import FakeSlack, SlackMessage

from config.settings import load_settings
from ledger.db import ensure_schema, make_engine
from ledger.models import Delivery
from ledger.store import Ledger

SEED = 20261202
TRIALS = 24
LEASE = 3.0
CHANNELS = ("C-A", "C-B", "C-C")
CONFIG = """
[delivery]
channel_interval = 0.2
burst_digest = 4
backoff = 2.0
max_backoff = 4.0
lease_seconds = {lease}
"""
TARGET = """
[[targets]]
kind = "slack"
name = "{name}"
channel = "{channel}"
base_url = "{api}"
timeout = 1

[[routes]]
name = "{name}"
target = "{name}"
"""


@pytest.fixture
def bench(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    monkeypatch.setenv("OIGWATCH_SLACK_TOKEN", "xoxb-test")
    with FakeSlack(token="xoxb-test", channels=CHANNELS) as slack:
        config = CONFIG.format(lease=LEASE) + "".join(
            TARGET.format(name=c.lower(), channel=c, api=slack.api_url) for c in CHANNELS
        )
        path = tmp_path / "oigwatch.toml"
        path.write_text(config, encoding="utf-8")
        engine = make_engine(db_url)
        ensure_schema(engine)
        yield Desk(Ledger(engine), load_settings(path, environ={}), slack, Clock())
        engine.dispose()


def deliver(config: Path, db_url: str, log: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "cli", "deliver", "--config", str(config), "--db", db_url]
    env = {**os.environ, "OIGWATCH_SLACK_TOKEN": "xoxb-test"}
    with log.open("ab") as err:
        return subprocess.Popen(argv, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=err)  # fmt: skip


def reports_in(message: SlackMessage) -> set[str]:
    return set(re.findall(r"OIG-27-\d{3}", f"{message.text} {json.dumps(message.blocks)}"))


def kill_after(process: subprocess.Popen[bytes], slack: FakeSlack, n: int, pause: float) -> bool:
    """SIGKILL ``pause`` s after the process's n-th request reached Slack; False if it ended."""
    seen = len(slack.requests)
    deadline = time.monotonic() + 20
    while len(slack.requests) < seen + n:
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    time.sleep(pause)
    if process.poll() is not None:
        return False
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    return True


def queue_fault(rng: random.Random, slack: FakeSlack) -> str:
    channel = rng.choice(CHANNELS)
    kind = rng.choice(("none", "slow", "slower_than_timeout", "reset_after_receive"))
    if kind == "slow":  # answered within the timeout: kills land while Slack holds the request
        slack.fault(kind="delay", seconds=round(rng.uniform(0.3, 0.8), 2), channel=channel)
    elif kind == "slower_than_timeout":  # accepted after the worker gave up (timeout = 1 s)
        slack.fault(kind="delay", seconds=round(rng.uniform(1.1, 1.4), 2), channel=channel)
    elif kind == "reset_after_receive":
        slack.fault(kind="reset_after_receive", channel=channel)
    return kind


def test_sigkill_at_random_points_posts_every_alert_exactly_once(
    bench: Desk, db_url: str, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    config, log = tmp_path / "oigwatch.toml", tmp_path / "deliver.log"
    numbers: list[str] = []
    kills, faults = 0, Counter[str]()
    for _ in range(TRIALS):
        bench.clock.moment = datetime.now(UTC)
        batch = [f"OIG-27-{len(numbers) + i:03d}" for i in range(rng.randint(1, 5))]
        numbers += batch
        bench.publish(*[report(number, components=("FEMA",)) for number in batch])
        faults[queue_fault(rng, bench.slack)] += 1
        process = deliver(config, db_url, log)
        kills += kill_after(process, bench.slack, rng.randint(1, 4), rng.uniform(0.0, 0.5))
        if process.poll() is None:
            process.wait(timeout=90)
    bench.slack.clear_faults()
    time.sleep(LEASE + 0.2)  # the last killed worker's leases run out
    final = deliver(config, db_url, log)
    assert final.wait(timeout=90) == 0, log.read_text()[-3000:]

    with bench.ledger.engine.connect() as conn:
        statuses = dict(
            conn.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
        )
        recovered = conn.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.external_ref["found"].as_boolean()))  # fmt: skip
    assert statuses == {"sent": len(numbers) * len(CHANNELS)}
    duplicates = []
    for channel in CHANNELS:
        messages = [m for m in bench.slack.messages if m.channel == channel]
        per_report = Counter(n for m in messages for n in reports_in(m))
        per_key = Counter(m.delivery_key for m in messages)
        assert set(per_report) == set(numbers), f"{channel}: lost alerts"
        duplicates += [(channel, n, c) for n, c in per_report.items() if c != 1]
        duplicates += [(channel, k, c) for k, c in per_key.items() if c != 1]
    print(f"{TRIALS} trials, {kills} kills, faults {dict(faults)}, {len(numbers)} alerts x "
          f"{len(CHANNELS)} channels, {recovered} found in history, duplicates {duplicates}")  # fmt: skip
    assert kills >= 20
    assert duplicates == []
