"""The ledger's read side, queried directly (``ledger/queries.py``): event filters, failing
streaks, the outbox summary; on SQLite, then PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawler.events import EventDraft
from crawler.health import Verdict
from ledger import queries
from ledger.db import ensure_schema, make_engine
from ledger.store import Ledger, RunRecord

DAY1 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


@pytest.fixture
def ledger(db_url: str) -> Iterator[Ledger]:
    engine = make_engine(db_url)
    ensure_schema(engine)
    yield Ledger(engine)
    engine.dispose()


def run(
    ledger: Ledger,
    key: str,
    source: str,
    at: datetime,
    *events: tuple[str, str],
    sweep: str = "quick",
    outcome: str = "healthy",
    reason: str = "",
) -> list[int]:
    """Record one run of ``source`` finishing at ``at``, with (kind, report number) events."""
    drafts = [
        EventDraft(kind, f"{kind}:{number}:{key}", {"kind": kind, "source": source,
                   "report_number": number, "title": f"Report {number}"}, number)
        for kind, number in events
    ]  # fmt: skip
    verdict = Verdict(outcome == "healthy", (reason,) if reason else ())
    source_id = ledger.source_id(source)
    record = RunRecord(key, source_id, sweep, at, at, outcome, verdict, None, drafts)
    return ledger.record(record).event_ids


def numbers(found: list[dict[str, Any]]) -> list[str]:
    return [event["report_number"] for event in found]


def test_events_are_filtered_by_time_kind_source_and_id(ledger: Ledger) -> None:
    first = run(ledger, "r1", "dhs-oig", DAY1, ("new", "OIG-27-01"), ("revised", "OIG-26-09"))
    second = run(ledger, "r2", "dhs-oig", DAY2, ("new", "OIG-27-02"))
    run(ledger, "r3", "other", DAY2, ("new", "X-1"))
    engine = ledger.engine
    assert numbers(queries.events(engine)) == ["OIG-27-01", "OIG-26-09", "OIG-27-02", "X-1"]
    assert numbers(queries.events(engine, since=DAY2)) == ["OIG-27-02", "X-1"]
    assert numbers(queries.events(engine, kinds=("revised",))) == ["OIG-26-09"]
    assert numbers(queries.events(engine, source="other")) == ["X-1"]
    assert numbers(queries.events(engine, ids=[first[1], *second])) == ["OIG-26-09", "OIG-27-02"]
    assert numbers(queries.events(engine, ids=[])) == []
    assert numbers(queries.events(engine, limit=2)) == ["OIG-27-02", "X-1"]  # the newest, in order
    [event] = queries.events(engine, ids=second)
    assert event["source"] == "dhs-oig" and event["detected_at"] == DAY2.isoformat()
    assert event["status"] == "published" and event["changes"] == []


def test_failing_streaks_need_every_recent_sweep_of_one_kind_to_fail(ledger: Ledger) -> None:
    run(ledger, "ok", "dhs-oig", DAY1, sweep="deep")
    assert queries.failing_streaks(ledger.engine, 2) == []  # every source healthy
    run(ledger, "f1", "dhs-oig", DAY2, sweep="deep", outcome="failed", reason="HTTP 503")
    assert queries.failing_streaks(ledger.engine, 2) == []  # one failure of two
    later = DAY2 + timedelta(hours=1)
    run(ledger, "f2", "dhs-oig", later, sweep="deep", outcome="unhealthy", reason="no rows")
    assert queries.failing_streaks(ledger.engine, 2) == [
        {"source": "dhs-oig", "runs": 2, "sweep": "deep", "reason": "no rows",
         "unhealthy_since": DAY2.isoformat()}
    ]  # fmt: skip


def test_report_events_of_no_report_is_empty(ledger: Ledger) -> None:
    assert queries.report_events(ledger.engine, []) == []


def test_outbox_summary_of_an_empty_outbox(ledger: Ledger) -> None:
    summary = queries.outbox_summary(ledger.engine)
    assert summary == {"pending": 0, "oldest_pending_due": None, "failed": 0, "dead": 0}
