"""Writing a run into the ledger: reports, versions, counters, page cache, its events' rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.sql import insert

from crawler.clock import utcnow
from crawler.diff import Diff
from crawler.state import ReportState
from ledger.models import (
    ChangeEvent,
    CrawlRun,
    PageCache,
    Report,
    ReportVersion,
    Source,
)
from ledger.outbox import EventRow, Router, enqueue
from ledger.rows import RunRecord, state_columns
from ledger.sql import chunks, upsert


def insert_run(conn: Connection, record: RunRecord) -> int:
    verdict = record.verdict
    stats = {**record.stats, "view_counts": dict(verdict.view_counts)}
    values = {
        "run_key": record.run_key,
        "source_id": record.source_id,
        "sweep": record.sweep,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "outcome": record.outcome,
        "reason": verdict.reason,
        "complete": verdict.complete,
        "pages": record.stats.get("pages", 0),
        "rows": verdict.rows_seen,
        "reports": sum(verdict.view_counts.values()),
        "stats": stats,
    }
    return int(conn.execute(insert(CrawlRun).values(**values).returning(CrawlRun.id)).scalar_one())


def apply_diff(
    conn: Connection, source_id: int, run_id: int, diff: Diff, now: datetime
) -> dict[str, int]:
    """Write new, changed and silently updated reports, their versions and missing counters."""
    for change in diff.changes:  # a known report under its new identity keeps its history
        if change.renamed_from:
            conn.execute(
                update(Report)
                .where(Report.source_id == source_id, Report.key == change.renamed_from)
                .values(key=change.key, missing_sweeps=0)
            )
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


def mark_pdf_checks(conn: Connection, source_id: int, urls: Iterable[str], now: datetime) -> None:
    """Note when each report's PDF was last checked (the rolling re-check budget reads it)."""
    for part in chunks(sorted(set(urls))):
        conn.execute(
            update(Report)
            .where(Report.source_id == source_id, Report.pdf_url.in_(part))
            .values(pdf_checked_at=now)
        )


def store_page_cache(
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
    statement = upsert(conn, PageCache)
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


def update_source(conn: Connection, record: RunRecord, run_id: int) -> None:
    """The source's health after the run; the row is written only when it changes."""
    query = select(Source.healthy, Source.unhealthy_since).where(Source.id == record.source_id)
    source = conn.execute(query).one()
    values: dict[str, Any] = {}
    if record.outcome in ("healthy", "baseline"):
        if record.healthy_source is not False:  # a quick poll does not end a deep sweep's episode
            values = {"healthy": True, "unhealthy_since": None}
        if record.outcome == "baseline" and record.sweep == "deep":
            values["baseline_run_id"] = run_id
    elif source.healthy:
        values = {"healthy": False, "unhealthy_since": record.finished_at}
    if values.get("healthy") and source.healthy and source.unhealthy_since is None:
        del values["healthy"], values["unhealthy_since"]  # healthy already: nothing to write
    if values:
        conn.execute(update(Source).where(Source.id == record.source_id).values(**values))


def run_events(record: RunRecord, run_id: int, ids: Mapping[str, int]) -> list[EventRow]:
    """The run's events as rows, for ``ledger.outbox.insert_events``."""
    return [
        EventRow(
            dedupe_key=e.dedupe_key,
            source_id=record.source_id,
            run_id=run_id,
            report_id=ids.get(e.report_key) if e.report_key else None,
            kind=e.kind,
            status=e.status,
            detected_at=record.finished_at,
            payload=e.payload,
        )
        for e in record.events
    ]


def release_hold(engine: Engine, event_id: int, router: Router | None = None) -> list[int] | None:
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
        released = sorted(conn.scalars(statement))
        if router is not None:
            enqueue(conn, released, router, utcnow())
        return released
