"""The ledger: one transaction per run, idempotent ingest, deduped events (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import func, select

from crawler.diff import Change, Diff
from crawler.events import GateFacts, gate_events
from crawler.health import Verdict
from crawler.state import ReportState
from ledger.db import make_engine
from ledger.models import ChangeEvent, CrawlRun, Report, ReportVersion
from ledger.store import Ledger, RunRecord

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STATE = ReportState(
    key="OIG-24-01",
    report_number="OIG-24-01",
    title="CBP Did Not Fully Implement",
    issue_date="2023-10-20",
    fiscal_year="2024",
    components=("CBP",),
)


def record(
    ledger: Ledger, run_key: str, changes: list[Change], outcome: str = "healthy"
) -> RunRecord:
    source_id = ledger.source_id("dhs-oig")
    events = gate_events(
        changes, "dhs-oig", run_key, NOW, GateFacts(baseline=outcome == "baseline")
    )
    return RunRecord(
        run_key,
        source_id,
        "deep",
        NOW,
        NOW,
        outcome,
        Verdict(True, complete=True),
        Diff(changes=changes),
        events,
    )


def counts(ledger: Ledger) -> tuple[int, ...]:
    with ledger.engine.connect() as conn:
        return tuple(
            int(conn.scalar(select(func.count()).select_from(model)) or 0)
            for model in (CrawlRun, Report, ReportVersion, ChangeEvent)
        )


def test_ingesting_the_same_run_twice_changes_nothing(ledger: Ledger) -> None:
    run = record(ledger, "run-1", [Change("new", STATE.key, STATE)])
    first = ledger.record(run)
    assert len(first.event_ids) == 1 and counts(ledger) == (1, 1, 1, 1)
    again = ledger.record(run)
    assert again.run_id == first.run_id and again.event_ids == []
    assert counts(ledger) == (1, 1, 1, 1)


def test_same_transition_seen_by_two_runs_is_one_event(ledger: Ledger) -> None:
    ledger.record(record(ledger, "run-1", [Change("new", STATE.key, STATE)]))
    revised = replace(STATE, title=STATE.title + " (Revised)")
    change = Change("revised", STATE.key, revised, STATE)
    assert len(ledger.record(record(ledger, "run-2", [change])).event_ids) == 1
    assert ledger.record(record(ledger, "run-3", [change])).event_ids == []
    assert counts(ledger)[3] == 2


def test_baseline_records_reports_but_no_events(ledger: Ledger) -> None:
    recorded = ledger.record(record(ledger, "run-1", [Change("new", STATE.key, STATE)], "baseline"))
    assert recorded.event_ids == [] and counts(ledger) == (1, 1, 1, 0)
    assert ledger.source_row(ledger.source_id("dhs-oig")).baseline_run_id == recorded.run_id


def test_bulk_hold_holds_new_reports_behind_one_summary() -> None:
    changes = [
        Change(
            "new",
            f"OIG-26-{i:02d}",
            replace(STATE, key=f"OIG-26-{i:02d}", report_number=f"OIG-26-{i:02d}"),
        )
        for i in range(30)
    ]
    drafts = gate_events(
        changes, "dhs-oig", "r", NOW, GateFacts(baseline=False, known_reports=2500)
    )
    assert [d.status for d in drafts].count("held") == 30
    [summary] = [d for d in drafts if d.kind == "bulk_hold"]
    assert summary.payload["held"] == 30 and summary.status == "published"
    few = gate_events(
        changes[:3], "dhs-oig", "r", NOW, GateFacts(baseline=False, known_reports=2500)
    )
    assert {d.status for d in few} == {"published"}


def test_schema_head_constant_matches_the_migrations(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ledger.db import SCHEMA_HEAD, head_revision

    assert head_revision(make_engine(f"sqlite:///{tmp_path}/x.db")) == SCHEMA_HEAD


def test_migration_0006_renames_the_run_verdict_to_outcome_and_keeps_the_runs(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect, text

    from ledger import queries
    from ledger.db import _alembic_config, ensure_schema

    engine = make_engine(db_url)
    config = _alembic_config(engine)
    command.upgrade(config, "0005")
    with engine.begin() as conn:
        conn.execute(
            text("insert into sources (name, healthy, created_at) values ('dhs-oig', true, :now)"),
            {"now": NOW},
        )
        for run_id, verdict in ((1, "baseline"), (2, "healthy"), (3, "failed")):
            conn.execute(
                text(
                    "insert into crawl_runs (id, run_key, source_id, sweep, started_at,"
                    " finished_at, verdict, reason, complete, pages, rows, reports, events, stats)"
                    " values (:id, :key, 1, 'deep', :now, :now, :verdict, '', true, 1, 1, 1, 1,"
                    " '{}')"
                ),
                {"id": run_id, "key": f"run-{run_id}", "verdict": verdict, "now": NOW},
            )
        conn.execute(
            text(
                "insert into change_events (id, dedupe_key, source_id, run_id, kind, status,"
                " detected_at, payload) values (1, 'k', 1, 2, 'new', 'published', :now, '{}')"
            ),
            {"now": NOW},
        )
    ensure_schema(engine)  # 0005 -> head
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("crawl_runs")}
        outcomes = conn.execute(select(CrawlRun.id, CrawlRun.outcome).order_by(CrawlRun.id)).all()
        events = conn.execute(select(ChangeEvent.run_id)).scalars().all()
    assert "outcome" in columns and "verdict" not in columns
    assert [tuple(row) for row in outcomes] == [(1, "baseline"), (2, "healthy"), (3, "failed")]
    assert events == [2], "the events of a run stay with it"
    [source] = queries.sources_summary(engine)
    assert [run["outcome"] for run in source["runs"]] == ["failed", "healthy", "baseline"]
    command.downgrade(config, "0005")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("crawl_runs")}
        kept = conn.execute(text("select verdict from crawl_runs order by id")).scalars().all()
    engine.dispose()
    assert "verdict" in columns and "outcome" not in columns
    assert kept == ["baseline", "healthy", "failed"]
