"""The spine: one check of one source, every stage in order. The scheduler and the CLI only call this."""

from __future__ import annotations

from config.settings import Settings, SourceConfig
from crawler.check import (
    CheckOptions,
    build_job,
    checked_pdfs,
    compare,
    decide_events,
    judge,
    outcome_of,
)
from crawler.fetch import Progress, run_crawl
from crawler.ledger.store import Ledger, Recorded, RunRecord, utcnow


def check_source(
    ledger: Ledger,
    settings: Settings,
    source: SourceConfig,
    options: CheckOptions,
    progress: Progress | None = None,
) -> tuple[Recorded, RunRecord]:
    """Crawl → health gate → diff → event gates → record (one transaction) for one source."""
    source_id = ledger.source_id(source.name)
    baseline_done = ledger.source_row(source_id).baseline_run_id is not None
    job = build_job(ledger, settings, source, source_id, options)
    started = utcnow()
    outcome = run_crawl(job, settings.crawl.process_timeout, progress)
    verdict = judge(outcome, job, ledger.last_view_counts(source_id, options.sweep), settings.gates)
    kind = outcome_of(verdict, outcome, baseline_done)
    result = outcome.result or {}
    diff = (
        compare(ledger, job, result, source_id, verdict, settings.gates)
        if verdict.healthy
        else None
    )
    finished = utcnow()
    events = decide_events(
        ledger,
        source,
        source_id,
        job["run_key"],
        diff,
        kind,
        verdict,
        options,
        settings.gates,
        finished,
    )
    record = RunRecord(
        run_key=job["run_key"],
        source_id=source_id,
        sweep=options.sweep,
        started_at=started,
        finished_at=finished,
        outcome=kind,
        verdict=verdict,
        diff=diff,
        events=events,
        page_cache=result.get("page_cache", {}) if diff is not None else {},
        pdf_checked=checked_pdfs(outcome.result) if diff is not None else (),
        stats={**result.get("stats", {}), "pages": len(result.get("pages", ()))},
    )
    return ledger.record(record), record
