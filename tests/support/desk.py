"""Delivery test bench: a ledger with events, a local Slack, a simulated clock, workers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from config.settings import Settings
from crawler.events import EventDraft
from crawler.health import Verdict
from ledger.store import Ledger, RunRecord
from notifier.routes import router_for
from notifier.worker import Worker
from support.fake_slack import FakeSlack

CONFIG = """
[delivery]
channel_interval = 1.0
burst_digest = 5
backoff = 5.0
max_age_hours = 48

[[targets]]
kind = "slack"
name = "newsroom"
channel = "C-NEWS"
base_url = "{api}"
timeout = 2

[[targets]]
kind = "slack"
name = "immigration"
channel = "C-IMM"
base_url = "{api}"
timeout = 2

[[targets]]
kind = "slack"
name = "ops"
channel = "C-OPS"
base_url = "{api}"
timeout = 2

[[routes]]
name = "everything"
target = "newsroom"

[[routes]]
name = "immigration-desk"
target = "immigration"
components = ["ICE", "CBP", "USCIS"]

[[routes]]
name = "ops"
target = "ops"
ops = true
kinds = ["source_unhealthy", "source_recovered", "bulk_hold", "delivery_failed", "delivery_recovered"]
"""


@dataclass
class Clock:
    """A simulated clock: ``sleep`` advances ``now`` instantly."""

    moment: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.moment

    def timestamp(self) -> float:
        """``now`` in seconds since the epoch (the local Slack's clock)."""
        return self.moment.timestamp()

    def sleep(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@dataclass
class Desk:
    """A ledger, a local Slack and a worker on a simulated clock."""

    ledger: Ledger
    settings: Settings
    slack: FakeSlack
    clock: Clock
    runs: itertools.count = field(default_factory=itertools.count)

    def worker(self, name: str = "w1") -> Worker:
        return Worker(self.ledger.engine, self.settings, clock=self.clock.now,
                      sleep=self.clock.sleep, name=name)  # fmt: skip

    def publish(self, *payloads: dict[str, Any]) -> list[int]:
        """Record events as one run (their deliveries are enqueued in the same transaction)."""
        run = f"run-{next(self.runs)}"
        source_id = self.ledger.source_id("dhs-oig")
        drafts = [
            EventDraft(p["kind"], f"{run}:{i}", {"source": "dhs-oig", **p}, p.get("report_key"))
            for i, p in enumerate(payloads)
        ]
        record = RunRecord(run, source_id, "quick", self.clock.now(), self.clock.now(), "healthy",
                           Verdict(True), None, drafts, router=router_for(self.settings.routes))  # fmt: skip
        return self.ledger.record(record).event_ids


def report(
    number: str, kind: str = "new", components: tuple[str, ...] = ("ICE",), **extra: Any
) -> dict[str, Any]:
    """An event payload like the crawler's."""
    return {
        "kind": kind, "report_number": number, "report_key": number,
        "title": f"{number}: ICE Did Not Track Detainee Transfers", "summary": "We found gaps.",
        "url": f"https://www.oig.dhs.gov/sites/default/files/assets/2026-11/{number}.pdf",
        "listing_url": "https://www.oig.dhs.gov/reports/audits-inspections-and-evaluations",
        "issue_date": "2026-11-20", "fiscal_year": "2027", "components": list(components),
        "labels": [], "labels_gained": [], "labels_lost": [], "changes": [], **extra,
    }  # fmt: skip
