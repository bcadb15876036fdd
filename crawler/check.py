"""One check of one source: the spine (:func:`check_source`, every stage in order), its steps.

The scheduler and the command line call only :func:`check_source`.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.exc import SQLAlchemyError

from archive.compare import describe_replaced_pdfs
from archive.ingest import ingest_pdfs, spool_for
from config.settings import CrawlConfig, Settings, SourceConfig
from crawler.admit import Admitted, admit, warnings_json
from crawler.clock import utcnow
from crawler.contract import (
    CrawlJob,
    CrawlResult,
    CrawlRules,
    PdfCheck,
    PdfPlan,
    SourcePlan,
    ViewPlan,
    page_url,
)
from crawler.diff import Diff, Stored, SweepFacts, diff_reports
from crawler.events import EventDraft, GateFacts, gate_events, ops_event
from crawler.fetch import CrawlAbandoned, CrawlOutcome, Progress, Runner, fetch
from crawler.health import Verdict, assess
from crawler.normalize import pdf_path
from crawler.replay import nothing_new, reading
from crawler.state import ViewInfo, entry_identity, merge_entries
from documents.extract import PdfText
from ledger.lock import source_lock
from ledger.store import ROBOTS, Ledger, Recorded, Router, RunRecord, count_reports

ALL_PDFS = -1
log = logging.getLogger("oigwatch.archive")


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
        crawl = fetch(job, settings.crawl.process_timeout, progress, options.abort, options.runner)
        if crawl.abandoned:  # the service is stopping: leave the ledger as it was
            raise CrawlAbandoned(f"{source.name}: {options.sweep} sweep abandoned")
        admitted = admit_rows(crawl)  # odd rows quarantined, the rest cleaned
        verdict = judge(check, job, crawl, admitted)  # trustworthy enough to change the ledger?
        read = reading(job, crawl.result) if crawl.result is not None else None
        diff = compare(check, job, crawl, admitted, verdict, read) if verdict.healthy else None
        outcome = outcome_of(check, verdict, crawl)  # baseline, healthy, unhealthy or failed
        finished = utcnow()
        events = decide_events(check, job.run_key, diff, outcome, verdict, finished)
        texts = describe_pdfs(check, job, crawl, events)  # inside each replaced or new PDF
        timing = Timing(started, finished)
        record = run_record(check, job, crawl, verdict, outcome, diff, events, timing, admitted)
        record = replace(record, stats=record.stats | reading_stats(check, read))
        record = replace(record, router=router)  # the outbox fills in the same transaction
        try:
            recorded = ledger.record(record)
        except SQLAlchemyError as exc:  # a value the database refused: a failed run, not a lost one
            record = replace(unrecordable(check, record, exc), router=router)
            return ledger.record(record), record
        archive_pdfs(check, job, crawl, record, texts)  # new PDFs kept, versions and texts
        return recorded, record


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """One run's choices: sweep kind, announce on baseline, PDF re-check budget."""

    sweep: str = "quick"
    announce: bool = False
    pdf_checks: int | None = None  # None: the configured budget; ALL_PDFS: every report
    abort: threading.Event | None = field(default=None, compare=False)  # set: abandon the crawl
    runner: Runner | None = field(default=None, compare=False)  # None: Scrapy in this process


@dataclass(frozen=True, slots=True)
class Check:
    """One check of one source: where it records, what it is told, what was chosen."""

    ledger: Ledger
    settings: Settings
    source: SourceConfig
    source_id: int
    options: CheckOptions
    baseline_done: bool  # a healthy deep sweep has recorded the source's baseline
    was_healthy: bool
    failing_sweeps: frozenset[str] = frozenset()  # sweep kinds that failed in this episode

    @classmethod
    def open(
        cls, ledger: Ledger, settings: Settings, source: SourceConfig, options: CheckOptions
    ) -> Check:
        """The check, with the source's row created on first use."""
        source_id = ledger.source_id(source.name)
        row = ledger.source_row(source_id)
        return cls(
            ledger,
            settings,
            source,
            source_id,
            options,
            row.baseline_run_id is not None,
            row.healthy,
            ledger.failing_sweeps(source_id),
        )

    def recovers(self, outcome: str) -> bool:
        """Whether a run of this outcome ends the source's unhealthy episode. A healthy quick
        poll ends it only if quick polls failed in it too: it cannot vouch for pages only a
        failing deep sweep reads (a partial outage)."""
        healthy = outcome in ("healthy", "baseline")
        vouches = self.options.sweep == "deep" or "quick" in self.failing_sweeps
        return healthy and not self.was_healthy and vouches


def expand_views(source: SourceConfig) -> tuple[ViewPlan, ...]:
    """Concrete views: each configured view, followed by one view per split value."""
    views: list[ViewPlan] = []
    for view in source.views:
        url = source.base_url + view.path
        plan = ViewPlan(view.name, url, view.kind, family=view.name, rank=0,
                        deep_order=view.deep_order, labels=view.labels, components=view.components,
                        module=view.layout_module,
                        selectors=view.selectors.to_text() if view.selectors else "")  # fmt: skip
        views.append(plan)
        if view.split is None:
            continue
        for value, code in view.split.values.items():
            query = urlencode({view.split.param: value})
            views.append(replace(plan, name=f"{view.name}:{code}", url=f"{url}?{query}",
                                 components=(code,)))  # fmt: skip
    return tuple(replace(view, rank=rank) for rank, view in enumerate(views))


def crawl_rules(crawl: CrawlConfig) -> CrawlRules:
    """The crawl config the child needs."""
    return CrawlRules(
        user_agent=crawl.user_agent,
        delay=crawl.delay,
        concurrency=crawl.concurrency,
        timeout=crawl.timeout,
        retries=crawl.retries,
        backoff=crawl.backoff,
        max_retry_after=crawl.max_retry_after,
        page_cap=crawl.page_cap,
        obey_robots=crawl.obey_robots,
        max_page_bytes=crawl.max_page_bytes,
        max_pdf_bytes=crawl.max_pdf_bytes,
    )


def build_job(check: Check) -> CrawlJob:
    """What the crawl child must fetch: views, validators, PDFs to fingerprint."""
    options, crawl = check.options, check.settings.crawl
    every_pdf = options.pdf_checks == ALL_PDFS
    budget = crawl.pdf_checks if options.pdf_checks is None else options.pdf_checks
    budget = (10**9 if every_pdf else budget) if options.sweep == "deep" else 0
    known, recheck = check.ledger.pdf_plan(check.source_id, budget)
    views = expand_views(check.source)
    # A quick sweep reads each view's first page only: it carries only their cached reads (the
    # entries of every page of a big site would cost more than the poll itself, both ways).
    first = {page_url(v.url, "", 0) for v in views} if options.sweep == "quick" else None
    page_cache = check.ledger.page_cache(check.source_id, only=first)
    listed = {
        path
        for cached in page_cache.values()
        for entry in cached.page.entries
        if (path := (pdf_path(entry.pdf_url) or "").lower())
    }
    source = check.source
    return CrawlJob(
        run_key=uuid.uuid4().hex,
        sweep=options.sweep,
        source=SourcePlan(source.name, source.base_url, source.hosts),
        views=views,
        crawl=crawl_rules(crawl),
        page_cache=page_cache,
        robots=check.ledger.robots(  # None: fetch it
            check.source_id, source.base_url + ROBOTS, crawl.robots_cache
        ),
        pdf=PdfPlan(
            fetch_new=check.baseline_done or options.announce or every_pdf,
            new_cap=10**9 if every_pdf else crawl.new_pdf_cap,
            known_paths=tuple(sorted(set(known) | listed)),
            recheck=tuple(PdfCheck(**item) for item in recheck),
            spool_dir=spool_for(check.settings, source.name),
        ),
    )


def admit_rows(crawl: CrawlOutcome) -> Admitted:
    """The crawl's rows that may be diffed; odd ones quarantined with a warning."""
    return admit(crawl.result.pages if crawl.result else ())


def judge(check: Check, job: CrawlJob, crawl: CrawlOutcome, admitted: Admitted) -> Verdict:
    """The health verdict of a crawl (a crashed or killed crawl is unhealthy)."""
    if crawl.result is None:
        return Verdict(False, (crawl.failure or "crawl failed",))
    gates = check.settings.gates
    return assess(
        crawl.result,
        [view.name for view in job.views],
        check.ledger.last_view_counts(check.source_id, check.options.sweep),
        deep=job.sweep == "deep",
        min_parse_rate=gates.min_parse_rate,
        min_row_ratio=gates.min_row_ratio,
        quarantined=sum(1 for q in admitted.quarantined if q.row),  # parsed, then refused
    )


def compare(
    check: Check,
    job: CrawlJob,
    crawl: CrawlOutcome,
    admitted: Admitted,
    verdict: Verdict,
    read: str | None = None,
) -> Diff:
    """Union the admitted entries by identity and diff them against the ledger. A quarantined
    row's report is not missing; a row that could not be identified forbids concluding any.
    A quick poll that read what the latest run read and absorbed has nothing to compare."""
    assert crawl.result is not None
    if nothing_new(check.ledger.latest_run(check.source_id), check.options.sweep, read):
        return Diff()
    gates, ledger = check.settings.gates, check.ledger
    views = {v.name: ViewInfo(family=v.family, rank=v.rank, labels=v.labels) for v in job.views}
    entries = admitted.entries
    known_fy = ledger.known_fiscal_years(check.source_id, {entry_identity(e) for e in entries})
    seen = merge_entries(entries, views, known_fy, gates.fiscal_year_gap)
    complete = verdict.complete and not admitted.unidentified
    stored = ledger.stored(check.source_id, seen, complete)
    fresh = [state for key, state in seen.items() if key not in stored]  # or known ones renamed?
    unseen: dict[str, Stored] | None = None
    if fresh and complete:  # stored holds every active report this sweep did not see
        unseen = {k: s for k, s in stored.items() if k not in seen and s.status == "active"}
    elif fresh:
        unseen = ledger.rename_candidates(check.source_id, fresh, seen)
    facts = SweepFacts(
        complete, gates.removal_sweeps, crawl.result.pdfs, protected=admitted.protected
    )
    return diff_reports(stored, seen, facts, unseen)


def outcome_of(check: Check, verdict: Verdict, crawl: CrawlOutcome) -> str:
    """failed, unhealthy, baseline (until a healthy deep sweep) or healthy."""
    if crawl.result is None:
        return "failed"
    if not verdict.healthy:
        return "unhealthy"
    return "healthy" if check.baseline_done else "baseline"


def decide_events(
    check: Check, run_key: str, diff: Diff | None, outcome: str, verdict: Verdict, now: datetime
) -> list[EventDraft]:
    """Content events through the gates, plus one ops event when the source's health flips."""
    name, gates = check.source.name, check.settings.gates
    events: list[EventDraft] = []
    if diff is not None:
        facts = GateFacts(
            baseline=outcome == "baseline",
            announce=check.options.announce,
            known_reports=count_reports(check.ledger.engine, check.source_id),
            bulk_threshold=gates.bulk_threshold,
            bulk_fraction=gates.bulk_fraction,
            listing_url=check.source.base_url + check.source.views[0].path,
        )
        events = gate_events(diff.changes, name, run_key, now, facts)
    if outcome in ("failed", "unhealthy") and check.was_healthy:
        events.append(ops_event("source_unhealthy", name, run_key, now, reason=verdict.reason))
    elif check.recovers(outcome):
        events.append(ops_event("source_recovered", name, run_key, now))
    return events


@dataclass(frozen=True, slots=True)
class Timing:
    """When the crawl started and the check finished."""

    started: datetime
    finished: datetime


def run_record(
    check: Check,
    job: CrawlJob,
    crawl: CrawlOutcome,
    verdict: Verdict,
    outcome: str,
    diff: Diff | None,
    events: list[EventDraft],
    timing: Timing,
    admitted: Admitted,
) -> RunRecord:
    """Everything the run leaves in the ledger; an unhealthy run leaves no report state."""
    result = crawl.result
    healthy = diff is not None
    stats: dict[str, Any] = result.stats.to_json() if result else {}
    stats["pages"] = len(result.pages) if result else 0
    if admitted.quarantined:
        stats["quarantined"] = len(admitted.quarantined)
        stats["warnings"] = warnings_json(admitted.quarantined)
    return RunRecord(
        run_key=job.run_key,
        source_id=check.source_id,
        sweep=check.options.sweep,
        started_at=timing.started,
        finished_at=timing.finished,
        outcome=outcome,
        verdict=verdict,
        diff=diff,
        events=events,
        page_cache=result.cache_rows() if healthy and result is not None else {},
        pdf_checked=checked_pdfs(result) if healthy else (),
        stats=stats,
        healthy_source=check.was_healthy or check.recovers(outcome) if healthy else False,
    )


def describe_pdfs(
    check: Check, job: CrawlJob, crawl: CrawlOutcome, events: list[EventDraft]
) -> dict[str, PdfText]:
    """Each ``revised`` event of a replaced PDF gains ``pdf_changes``, each new report whose PDF
    was fetched the key facts its first pages state (``archive/compare.py``), before they are
    recorded; the texts read, by digest. Nothing here fails the run."""
    pdfs = crawl.result.pdfs if crawl.result is not None else {}
    fetched = {path: f.sha256 for path, f in pdfs.items() if f.status == "ok" and f.sha256}
    try:
        engine, spool = check.ledger.engine, job.pdf.spool_dir
        return describe_replaced_pdfs(engine, check.settings, spool, events, fetched)
    except Exception:  # the events go out without it rather than not at all
        log.exception("PDF changes: %s: not compared", check.source.name)
        return {}


def reading_stats(check: Check, read: str | None) -> dict[str, str]:
    """A quick run's stats name what it read (:func:`crawler.replay.reading`)."""
    return {"reading": read} if read and check.options.sweep == "quick" else {}


def archive_pdfs(
    check: Check, job: CrawlJob, crawl: CrawlOutcome, record: RunRecord, texts: dict[str, PdfText]
) -> None:
    """After a recorded healthy run: the PDFs its crawl spooled into the archive, each report's
    new PDF a ``pdf_versions`` row with any text read (``archive/ingest.py``). Nothing here
    fails the run: an unreachable archive is noted on the versions, the spool kept for later."""
    if not job.pdf.spool_dir or record.diff is None or crawl.result is None:
        return
    try:
        ingest_pdfs(check.ledger.engine, check.settings, check.source_id, job.pdf.spool_dir,
                    crawl.result.pdfs, record.finished_at, texts)  # fmt: skip
    except Exception:  # the run is recorded; the spool waits for the next one
        log.exception("PDF archive: %s: the fetched PDFs wait for the next run", check.source.name)


def checked_pdfs(result: CrawlResult | None) -> list[str]:
    """URLs of the PDFs whose check answered (fingerprinted or not modified)."""
    if result is None:
        return []
    return [fp.url for fp in result.pdfs.values() if fp.status in ("ok", "not_modified")]


def unrecordable(check: Check, record: RunRecord, exc: Exception) -> RunRecord:
    """The run as a failed one, when the database refused to record it: the reason says why,
    none of its report state is kept, and a healthy source gets its one ``source_unhealthy``."""
    reason = f"the run could not be recorded: {database_reason(exc)}"
    events = []
    if check.was_healthy:
        events.append(
            ops_event("source_unhealthy", check.source.name, record.run_key, record.finished_at,
                      reason=reason)
        )  # fmt: skip
    return replace(
        record,
        outcome="failed",
        verdict=Verdict(False, (reason,)),
        diff=None,
        events=events,
        page_cache={},
        pdf_checked=(),
    )


def database_reason(exc: BaseException) -> str:
    """The database's own first line of an error (bound parameters are never shown)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"[:300]
