"""Reading what a crawl needs from the ledger, and recording a run in ONE transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from crawler.diff import Diff, Stored
from crawler.events import EventDraft
from crawler.health import Verdict
from crawler.ledger.models import ChangeEvent, CrawlRun, PageCache, Report, ReportVersion, Source
from crawler.normalize import pdf_path
from crawler.state import ReportState

T = TypeVar("T")
CHUNK = 500
_REPORT_COLUMNS = (
    "key",
    "report_number",
    "title",
    "summary",
    "issue_date",
    "fiscal_year",
    "pdf_url",
    "pdf_family",
    "detail_url",
    "components",
    "view_labels",
    "settled",
    "pdf_etag",
    "pdf_last_modified",
    "pdf_length",
    "pdf_sha256",
)


def utcnow() -> datetime:
    """Now, timezone-aware (the clock tests may replace)."""
    return datetime.now(UTC)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Slices of at most ``size`` items (bounded IN lists)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def state_from_row(row: Any) -> ReportState:
    """A ReportState from a reports row."""
    values = {name: getattr(row, name) for name in _REPORT_COLUMNS}
    values["issue_date"] = row.issue_date.isoformat() if row.issue_date else None
    values["components"] = tuple(row.components or ())
    values["view_labels"] = tuple(row.view_labels or ())
    return ReportState(**values)


def state_columns(state: ReportState) -> dict[str, Any]:
    """The reports columns holding a ReportState."""
    values = {name: getattr(state, name) for name in _REPORT_COLUMNS}
    values["issue_date"] = date.fromisoformat(state.issue_date) if state.issue_date else None
    values["components"] = list(state.components)
    values["view_labels"] = list(state.view_labels)
    values["content_hash"] = state.content_hash
    return values


@dataclass(frozen=True, slots=True)
class RunRecord:
    """Everything one run leaves in the ledger."""

    run_key: str
    source_id: int
    sweep: str
    started_at: datetime
    finished_at: datetime
    outcome: str  # baseline|healthy|unhealthy|failed
    verdict: Verdict
    diff: Diff | None = None
    events: list[EventDraft] = field(default_factory=list)
    page_cache: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    pdf_checked: Iterable[str] = ()  # PDF paths checked this run
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recorded:
    """The run's id and the ids of the events it created (empty when it was already recorded)."""

    run_id: int
    event_ids: list[int]
    duplicate: bool = False


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

    def last_view_counts(self, source_id: int, sweep: str) -> dict[str, int] | None:
        """Report counts per view of the last healthy run of this sweep kind."""
        query = (
            select(CrawlRun.stats)
            .where(CrawlRun.source_id == source_id, CrawlRun.sweep == sweep)
            .where(CrawlRun.verdict.in_(("healthy", "baseline")))
            .order_by(CrawlRun.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            stats = conn.scalar(query)
        return dict(stats.get("view_counts", {})) if stats else None

    def page_cache(self, source_id: int) -> dict[str, dict[str, Any]]:
        """Validators and parsed entries of every cached listing page of a source."""
        query = select(PageCache.url, PageCache.etag, PageCache.last_modified, PageCache.page)
        with self.engine.connect() as conn:
            rows = conn.execute(query.where(PageCache.source_id == source_id))
            return {
                r.url: {"etag": r.etag, "last_modified": r.last_modified, "page": r.page}
                for r in rows
            }

    def pdf_plan(self, source_id: int, checks: int) -> tuple[list[str], list[dict[str, Any]]]:
        """Known PDF paths, and the PDFs due a re-check: never checked first, then oldest checks."""
        base = select(Report.pdf_url).where(
            Report.source_id == source_id, Report.status == "active"
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
            known = sorted({p for (url,) in conn.execute(base) if (p := pdf_path(url))})
            recheck = (
                [
                    {"url": r.pdf_url, "etag": r.pdf_etag, "last_modified": r.pdf_last_modified}
                    for r in conn.execute(due)
                ]
                if checks
                else []
            )
        return known, recheck

    def known_fiscal_years(self, source_id: int) -> dict[str, str | None]:
        """Fiscal year of every report by key (to tell a reused number from a revision)."""
        query = select(Report.key, Report.fiscal_year).where(Report.source_id == source_id)
        with self.engine.connect() as conn:
            return {key: fy for key, fy in conn.execute(query)}

    def stored(
        self, source_id: int, seen: Iterable[str], complete: bool = False
    ) -> dict[str, Stored]:
        """Full state of the seen reports (and, after a complete sweep, of the missing active ones);
        id, status and counter of every other one."""
        light = select(Report.id, Report.key, Report.status, Report.missing_sweeps).where(
            Report.source_id == source_id
        )
        result: dict[str, Stored] = {}
        wanted = sorted(set(seen))
        with self.engine.connect() as conn:
            for row in conn.execute(light):
                placeholder = ReportState(key=row.key, title="")
                result[row.key] = Stored(row.id, placeholder, row.status, row.missing_sweeps)
            if complete:
                seen_keys = set(wanted)
                wanted += sorted(
                    k for k, s in result.items() if s.status == "active" and k not in seen_keys
                )
            full = select(Report).where(Report.source_id == source_id)
            for part in chunks(wanted):
                for report in conn.execute(full.where(Report.key.in_(part))):
                    result[report.key] = Stored(
                        report.id, state_from_row(report), report.status, report.missing_sweeps
                    )
        return result

    def record(self, record: RunRecord) -> Recorded:
        """Record a run, its report changes and events, and the source's health: one transaction."""
        with self.engine.begin() as conn:
            existing = conn.scalar(select(CrawlRun.id).where(CrawlRun.run_key == record.run_key))
            if existing is not None:
                return Recorded(existing, [], duplicate=True)
            run_id = _insert_run(conn, record)
            ids: dict[str, int] = {}
            if record.diff is not None:
                ids = _apply_diff(conn, record.source_id, run_id, record.diff, record.finished_at)
                _mark_pdf_checks(conn, record.source_id, record.pdf_checked, record.finished_at)
                _store_page_cache(conn, record.source_id, record.page_cache, record.finished_at)
            _update_source(conn, record, run_id)
            event_ids = _insert_events(conn, record, run_id, ids)
            conn.execute(
                update(CrawlRun).where(CrawlRun.id == run_id).values(events=len(event_ids))
            )
        return Recorded(run_id, event_ids)


def _insert_run(conn: Connection, record: RunRecord) -> int:
    verdict = record.verdict
    stats = {**record.stats, "view_counts": dict(verdict.view_counts)}
    values = {
        "run_key": record.run_key,
        "source_id": record.source_id,
        "sweep": record.sweep,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "verdict": record.outcome,
        "reason": verdict.reason,
        "complete": verdict.complete,
        "pages": record.stats.get("pages", 0),
        "rows": verdict.rows_seen,
        "reports": sum(verdict.view_counts.values()),
        "stats": stats,
    }
    return int(conn.execute(insert(CrawlRun).values(**values).returning(CrawlRun.id)).scalar_one())


def _apply_diff(
    conn: Connection, source_id: int, run_id: int, diff: Diff, now: datetime
) -> dict[str, int]:
    """Write new, changed and silently updated reports, their versions and missing counters."""
    new = [c.state for c in diff.changes if c.kind == "new"]
    changed = [c.state for c in diff.changes if c.kind in ("revised", "restored")]
    removed = [c.key for c in diff.changes if c.kind == "removed"]
    if new:
        rows = [
            {
                **state_columns(s),
                "source_id": source_id,
                "status": "active",
                "missing_sweeps": 0,
                "first_seen_at": now,
                "changed_at": now,
            }
            for s in new
        ]
        conn.execute(insert(Report), rows)
    ids = _report_ids(
        conn,
        source_id,
        [*(s.key for s in new), *(s.key for s in changed), *diff.updates, *removed, *diff.missing],
    )
    updates = [
        {**state_columns(s), "b_id": ids[s.key], "status": "active", "changed_at": now}
        for s in changed
    ]
    silent = [{**state_columns(s), "b_id": ids[s.key]} for s in diff.updates.values()]
    for batch in (updates, silent):
        if batch:
            conn.execute(update(Report).where(Report.id == bindparam("b_id")), batch)
    _set_missing(conn, ids, diff.missing)
    if removed:
        conn.execute(
            update(Report).where(Report.id.in_([ids[k] for k in removed])),
            {"status": "removed", "changed_at": now},
        )
    versions = [*new, *changed, *diff.updates.values()]
    _insert_versions(conn, run_id, now, ids, versions)
    return ids


def _set_missing(conn: Connection, ids: Mapping[str, int], missing: Mapping[str, int]) -> None:
    by_count: dict[int, list[int]] = {}
    for key, count in missing.items():
        by_count.setdefault(count, []).append(ids[key])
    for count, report_ids in by_count.items():
        for part in chunks(report_ids):
            conn.execute(update(Report).where(Report.id.in_(part)).values(missing_sweeps=count))


def _insert_versions(
    conn: Connection, run_id: int, now: datetime, ids: Mapping[str, int], states: list[ReportState]
) -> None:
    """A version row for each state whose content hash the report has not had before."""
    if not states:
        return
    wanted = {(ids[s.key], s.content_hash): s for s in states}
    have: set[tuple[int, str]] = set()
    report_ids = sorted({rid for rid, _ in wanted})
    for part in chunks(report_ids):
        query = select(ReportVersion.report_id, ReportVersion.content_hash)
        have.update(conn.execute(query.where(ReportVersion.report_id.in_(part))).tuples())
    rows = [
        {
            "report_id": rid,
            "content_hash": digest,
            "data": s.to_json(),
            "run_id": run_id,
            "seen_at": now,
        }
        for (rid, digest), s in wanted.items()
        if (rid, digest) not in have
    ]
    if rows:
        conn.execute(insert(ReportVersion), rows)


def _report_ids(conn: Connection, source_id: int, keys: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(keys))
    ids: dict[str, int] = {}
    query = select(Report.key, Report.id).where(Report.source_id == source_id)
    for part in chunks(wanted):
        ids.update((key, rid) for key, rid in conn.execute(query.where(Report.key.in_(part))))
    return ids


def _mark_pdf_checks(conn: Connection, source_id: int, paths: Iterable[str], now: datetime) -> None:
    wanted = set(paths)
    if not wanted:
        return
    query = select(Report.id, Report.pdf_url).where(
        Report.source_id == source_id, Report.pdf_url.is_not(None)
    )
    ids = [rid for rid, url in conn.execute(query) if pdf_path(url) in wanted]
    for part in chunks(ids):
        conn.execute(update(Report).where(Report.id.in_(part)).values(pdf_checked_at=now))


def _store_page_cache(
    conn: Connection, source_id: int, pages: Mapping[str, Mapping[str, Any]], now: datetime
) -> None:
    if not pages:
        return
    rows = [
        {
            "source_id": source_id,
            "url": url,
            "etag": p.get("etag"),
            "last_modified": p.get("last_modified"),
            "page": p["page"],
            "fetched_at": now,
        }
        for url, p in pages.items()
    ]
    statement = _upsert(conn, PageCache)
    excluded = statement.excluded
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["source_id", "url"],
            set_={
                "etag": excluded.etag,
                "last_modified": excluded.last_modified,
                "page": excluded.page,
                "fetched_at": excluded.fetched_at,
            },
        ),
        rows,
    )


def _upsert(conn: Connection, model: Any) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def _update_source(conn: Connection, record: RunRecord, run_id: int) -> None:
    values: dict[str, Any] = {}
    if record.outcome in ("healthy", "baseline"):
        values = {"healthy": True, "unhealthy_since": None}
        if record.outcome == "baseline" and record.sweep == "deep":
            values["baseline_run_id"] = run_id
    else:
        source = conn.execute(select(Source.healthy).where(Source.id == record.source_id)).one()
        if source.healthy:
            values = {"healthy": False, "unhealthy_since": record.finished_at}
    if values:
        conn.execute(update(Source).where(Source.id == record.source_id).values(**values))


def _insert_events(
    conn: Connection, record: RunRecord, run_id: int, ids: Mapping[str, int]
) -> list[int]:
    """Insert the run's events; a dedupe key already present is skipped, not an error."""
    if not record.events:
        return []
    rows = [
        {
            "dedupe_key": e.dedupe_key,
            "source_id": record.source_id,
            "run_id": run_id,
            "report_id": ids.get(e.report_key) if e.report_key else None,
            "kind": e.kind,
            "status": e.status,
            "detected_at": record.finished_at,
            "payload": e.payload,
        }
        for e in record.events
    ]
    conn.execute(
        _upsert(conn, ChangeEvent).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows
    )
    keys = [e.dedupe_key for e in record.events]
    query = select(ChangeEvent.id).where(
        and_(ChangeEvent.run_id == run_id, ChangeEvent.dedupe_key.in_(keys))
    )
    return sorted(conn.scalars(query))


def count_reports(engine: Engine, source_id: int) -> int:
    """Active reports of a source (for the bulk gate)."""
    query = select(func.count()).select_from(Report)
    query = query.where(Report.source_id == source_id, Report.status == "active")
    with engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def release_hold(engine: Engine, event_id: int) -> list[int] | None:
    """Publish the events held by bulk hold ``event_id``; None when it is not a bulk hold."""
    with engine.begin() as conn:
        hold = conn.execute(
            select(ChangeEvent.kind, ChangeEvent.run_id).where(ChangeEvent.id == event_id)
        ).one_or_none()
        if hold is None or hold.kind != "bulk_hold":
            return None
        statement = (
            update(ChangeEvent)
            .where(ChangeEvent.run_id == hold.run_id, ChangeEvent.status == "held")
            .values(status="published")
            .returning(ChangeEvent.id)
        )
        return sorted(conn.scalars(statement))
