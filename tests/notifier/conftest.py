"""Delivery fixtures: a ledger, a local Slack, a simulated clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.desk import CONFIG, Clock, Desk
from support.fake_slack import FakeSlack

from config.settings import load_settings
from ledger.db import ensure_schema, make_engine
from ledger.store import Ledger


@pytest.fixture
def desk(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    monkeypatch.setenv("OIGWATCH_SLACK_TOKEN", "xoxb-test")
    clock = Clock()  # Slack's ts follow it too, as the worker's claims do
    channels = ("C-NEWS", "C-IMM", "C-OPS")
    with FakeSlack(token="xoxb-test", channels=channels, clock=clock.timestamp) as slack:
        config = tmp_path / "oigwatch.toml"
        config.write_text(CONFIG.replace("{api}", slack.api_url), encoding="utf-8")
        settings = load_settings(config, environ={})
        engine = make_engine(db_url)
        ensure_schema(engine)
        yield Desk(Ledger(engine), settings, slack, clock)
        engine.dispose()
