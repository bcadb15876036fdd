"""The ledger: what a crawl needs to read, and recording a run in ONE transaction."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from config.vocabulary import BAD_OUTCOMES, GOOD_OUTCOMES
from crawler.clock import aware, utcnow
from crawler.contract import CachedPage, robots_from_json
from crawler.diff import Stored
from crawler.normalize import pdf_path
from crawler.state import ReportState
from ledger.models import (
    CrawlRun,
    PageCache,
    Report,
    Source,
)
from ledger.outbox import Router, enqueue, insert_events
from ledger.recording import (
    apply_diff,
    insert_run,
    mark_pdf_checks,
    release_hold,
    run_events,
    store_page_cache,
    update_source,
)
from ledger.rows import Recorded, RunRecord, state_from_row
from ledger.sql import chunks

__all__ = [
    "Ledger",
    "Recorded",
    "Router",
    "RunRecord",
    "count_reports",
    "release_hold",
]


ROBOTS = "/robots.txt"  # the page cache keeps the source's robots.txt under its URL


class Ledger:
    """The ledger behind one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def source_id(self, name: str) -> int:
        """The id of a source row, created on first use."""
        with self.engine.begin() as conn:
            found = conn.scalar(select(Source.id).where(Source.name == name))
            if found is not None:
                return found
            statement = insert(Source).values(name=name, healthy=True, created_at=utcnow())
            return int(conn.execute(statement.returning(Source.id)).scalar_one())

    def source_row(self, source_id: int) -> Any:
        """The sources row."""
        with self.engine.connect() as conn:
            return conn.execute(select(Source).where(Source.id == source_id)).one()

    def failing_sweeps(self, source_id: int) -> frozenset[str]:
        """The sweep kinds that failed (or were unhealthy) in the source's unhealthy episode."""
        source = self.source_row(source_id)
        if source.healthy or source.unhealthy_since is None:
            return frozenset()
        query = (
            select(CrawlRun.sweep)
            .distinct()
            .where(CrawlRun.source_id == source_id)
            .where(CrawlRun.outcome.in_(BAD_OUTCOMES))
            .where(CrawlRun.finished_at >= source.unhealthy_since)
        )
        with self.engine.connect() as conn:
            return frozenset(conn.scalars(query))

    def has_baseline(self, source_id: int) -> bool:
        """Whether a healthy deep sweep has recorded the source's baseline (until then every
        sweep should be deep)."""
        return self.source_row(source_id).baseline_run_id is not None

    def last_runs(self, source_id: int) -> dict[str, datetime]:
        """When each sweep kind ("quick", "deep") last started, whatever its outcome."""
        query = (
            select(CrawlRun.sweep, func.max(CrawlRun.started_at))
            .where(CrawlRun.source_id == source_id)
            .group_by(CrawlRun.sweep)
        )
        with self.engine.connect() as conn:
            return {sweep: aware(at) for sweep, at in conn.execute(query) if at is not None}

    def latest_run(self, source_id: int) -> dict[str, Any] | None:
        """The source's latest run: its ``sweep``, ``outcome`` and ``stats`` (None: no run yet)."""
        query = (
            select(CrawlRun.sweep, CrawlRun.outcome, CrawlRun.stats)
            .where(CrawlRun.source_id == source_id)
            .order_by(CrawlRun.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else {"sweep": row.sweep, "outcome": row.outcome,
                                         "stats": row.stats or {}}  # fmt: skip

    def last_view_counts(self, source_id: int, sweep: str) -> dict[str, int] | None:
        """Report counts per view of the last healthy run of this sweep kind."""
        query = (
            select(CrawlRun.stats)
            .where(CrawlRun.source_id == source_id, CrawlRun.sweep == sweep)
            .where(CrawlRun.outcome.in_(GOOD_OUTCOMES))
            .order_by(CrawlRun.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            stats = conn.scalar(query)
        return dict(stats.get("view_counts", {})) if stats else None

    def page_cache(
        self, source_id: int, only: Collection[str] | None = None
    ) -> dict[str, CachedPage]:
        """Validators and parsed entries of every cached listing page of a source (``only``:
        of these page URLs)."""
        query = select(PageCache.url, PageCache.etag, PageCache.last_modified, PageCache.page)
        query = query.where(PageCache.source_id == source_id, ~PageCache.url.endswith(ROBOTS))
        if only is not None:
            query = query.where(PageCache.url.in_(sorted(only)))
        with self.engine.connect() as conn:
            rows = conn.execute(query)
            return {
                r.url: CachedPage.from_json(
                    {"etag": r.etag, "last_modified": r.last_modified, "page": r.page}
                )
                for r in rows
            }

    def robots(self, source_id: int, url: str, max_age: float) -> str | None:
        """The robots.txt at ``url`` as last read, if read less than ``max_age`` seconds ago
        ("": the site has none); None: read it again."""
        if max_age <= 0:
            return None
        query = select(PageCache.page, PageCache.fetched_at).where(
            PageCache.source_id == source_id, PageCache.url == url
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or (utcnow() - aware(row.fetched_at)).total_seconds() >= max_age:
            return None
        return robots_from_json(row.page)

    def pdf_plan(self, source_id: int, checks: int) -> tuple[list[str], list[dict[str, Any]]]:
        """Known PDF paths (lower-cased, as ``reports.pdf_path`` holds them), and the PDFs due a
        re-check: never checked first, then oldest checks."""
        base = (
            select(Report.pdf_path)
            .where(Report.source_id == source_id, Report.status == "active")
            .where(Report.pdf_path.is_not(None))
            .distinct()
        )
        due = (
            select(Report.pdf_url, Report.pdf_etag, Report.pdf_last_modified)
            .where(Report.source_id == source_id, Report.status == "active")
            .where(Report.pdf_url.is_not(None))
            .order_by(
                Report.pdf_checked_at.is_not(None), Report.pdf_checked_at, Report.issue_date.desc()
            )
            .limit(checks)
        )
        with self.engine.connect() as conn:
            known = sorted(path for (path,) in conn.execute(base))
            recheck = (
                [
                    {"url": r.pdf_url, "etag": r.pdf_etag, "last_modified": r.pdf_last_modified}
                    for r in conn.execute(due)
                ]
                if checks
                else []
            )
        return known, recheck

    def known_fiscal_years(self, source_id: int, keys: Iterable[str]) -> dict[str, str | None]:
        """Fiscal year of the reports with these keys (to tell a reused number from a revision)."""
        query = select(Report.key, Report.fiscal_year).where(Report.source_id == source_id)
        found: dict[str, str | None] = {}
        with self.engine.connect() as conn:
            for part in chunks(sorted(set(keys))):
                found.update((k, fy) for k, fy in conn.execute(query.where(Report.key.in_(part))))
        return found

    def stored(
        self, source_id: int, seen: Iterable[str], complete: bool = False
    ) -> dict[str, Stored]:
        """The seen reports the ledger knows, and after a complete sweep the active ones not seen
        (the only ones that can be concluded missing)."""
        full = select(Report).where(Report.source_id == source_id)
        result: dict[str, Stored] = {}
        with self.engine.connect() as conn:
            wanted = sorted(set(seen))
            for _ in range(2):
                for part in chunks(wanted):
                    for report in conn.execute(full.where(Report.key.in_(part))):
                        result[report.key] = Stored(
                            report.id, state_from_row(report), report.status, report.missing_sweeps
                        )
                if not complete:
                    break
                active = select(Report.key).where(
                    Report.source_id == source_id, Report.status == "active"
                )
                wanted = [key for (key,) in conn.execute(active) if key not in result]
                complete = False
        return result

    def rename_candidates(
        self, source_id: int, fresh: Iterable[ReportState], seen: Iterable[str]
    ) -> dict[str, Stored]:
        """Active reports not among ``seen`` that share a PDF digest, a PDF path or an issue
        date with a ``fresh`` one (a new identity): the reports such an identity may be."""
        skip, found = set(seen), {}
        states = list(fresh)
        with self.engine.connect() as conn:
            for part in chunks(states, 200):
                dates = {date.fromisoformat(s.issue_date) for s in part if s.issue_date}
                digests = {s.pdf_sha256 for s in part if s.pdf_sha256}
                paths = {p.lower() for s in part if (p := pdf_path(s.pdf_url))}
                evidence = [
                    Report.issue_date.in_(dates),
                    Report.pdf_sha256.in_(digests),
                    Report.pdf_path.in_(paths),
                ]
                for clue in evidence:  # one indexed query each (an OR of them scans on SQLite)
                    query = select(Report).where(
                        Report.source_id == source_id, Report.status == "active", clue
                    )
                    for r in conn.execute(query):
                        if r.key not in skip and r.key not in found:
                            found[r.key] = Stored(
                                r.id, state_from_row(r), r.status, r.missing_sweeps
                            )
        return found

    def record(self, record: RunRecord) -> Recorded:
        """Record a run, its report changes and events, and the source's health: one transaction."""

        with self.engine.begin() as conn:
            existing = conn.scalar(select(CrawlRun.id).where(CrawlRun.run_key == record.run_key))
            if existing is not None:
                return Recorded(existing, [])
            run_id = insert_run(conn, record)
            ids: dict[str, int] = {}
            if record.diff is not None:
                ids = apply_diff(conn, record.source_id, run_id, record.diff, record.finished_at)
                mark_pdf_checks(conn, record.source_id, record.pdf_checked, record.finished_at)
                store_page_cache(conn, record.source_id, record.page_cache, record.finished_at)
            update_source(conn, record, run_id)
            event_ids = insert_events(conn, run_events(record, run_id, ids))
            if record.router is not None:
                enqueue(conn, event_ids, record.router, record.finished_at)
            if event_ids:  # the run row says 0 until then
                statement = update(CrawlRun).where(CrawlRun.id == run_id)
                conn.execute(statement.values(events=len(event_ids)))
        return Recorded(run_id, event_ids)


def count_reports(engine: Engine, source_id: int) -> int:
    """Active reports of a source (for the bulk gate)."""
    query = select(func.count()).select_from(Report)
    query = query.where(Report.source_id == source_id, Report.status == "active")
    with engine.connect() as conn:
        return int(conn.scalar(query) or 0)
