"""The spine: one check of one source, every stage in order. The scheduler and the CLI call only this."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.exc import SQLAlchemyError

from config.settings import Settings, SourceConfig
from crawler.check import (
    Check,
    CheckOptions,
    Timing,
    admit_rows,
    build_job,
    compare,
    decide_events,
    judge,
    outcome_of,
    run_record,
    unrecordable,
)
from crawler.clock import utcnow
from crawler.fetch import CrawlAbandoned, Progress, run_crawl
from ledger.lock import source_lock
from ledger.store import Ledger, Recorded, Router, RunRecord


def check_source(
    ledger: Ledger,
    settings: Settings,
    source: SourceConfig,
    options: CheckOptions,
    progress: Progress | None = None,
    router: Router | None = None,
) -> tuple[Recorded, RunRecord]:
    """Plan → crawl → health gate → diff → event gates → record, for one source.
    Raises CrawlAbandoned, having recorded nothing, when ``options.abort`` stops the crawl, and
    SourceBusy, having done nothing, when another process crawls the source."""
    with source_lock(ledger.engine, source.name, settings.crawl.lock_wait):  # one at a time
        check = Check.open(ledger, settings, source, options)
        job = build_job(check)  # views, validators, PDFs due a check
        started = utcnow()
        outcome = run_crawl(job, settings.crawl.process_timeout, progress, options.abort)  # Scrapy
        if outcome.abandoned:  # the service is stopping: leave the ledger as it was
            raise CrawlAbandoned(f"{source.name}: {options.sweep} sweep abandoned")
        admitted = admit_rows(outcome)  # odd rows quarantined, the rest cleaned
        verdict = judge(check, job, outcome, admitted)  # trustworthy enough to change the ledger?
        diff = compare(check, job, outcome, admitted, verdict) if verdict.healthy else None
        kind = outcome_of(check, verdict, outcome)  # baseline, healthy, unhealthy or failed
        finished = utcnow()
        events = decide_events(check, job["run_key"], diff, kind, verdict, finished)
        timing = Timing(started, finished)
        record = run_record(check, job, outcome, verdict, kind, diff, events, timing, admitted)
        record = replace(record, router=router)  # the outbox fills in the same transaction
        try:
            return ledger.record(record), record
        except SQLAlchemyError as exc:  # a value the database refused: a failed run, not a lost one
            record = replace(unrecordable(check, record, exc), router=router)
            return ledger.record(record), record
