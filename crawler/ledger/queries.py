"""Read-only questions operators ask of the ledger (changes, a report's versions, sources)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawler.ledger.models import ChangeEvent, CrawlRun, Report, ReportVersion, Source
from crawler.ledger.rows import aware
from crawler.normalize import norm_number


def event_json(row: Any, source: str) -> dict[str, Any]:
    """The documented JSON shape of one change event."""
    payload = dict(row.payload)
    ordered = {
        "event_id": row.id,
        "kind": row.kind,
        "source": source,
        "status": row.status,
        **{
            k: payload.get(k)
            for k in (
                "report_number",
                "title",
                "url",
                "issue_date",
                "fiscal_year",
                "components",
                "summary",
                "labels",
                "changes",
            )
        },
        "detected_at": _iso(row.detected_at),
    }
    ordered["changes"] = ordered["changes"] or []
    for key, value in payload.items():
        ordered.setdefault(key, value)
    return ordered


def events(
    engine: Engine,
    *,
    since: datetime | None = None,
    kinds: tuple[str, ...] = (),
    source: str | None = None,
    ids: list[int] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Change events, oldest first, filtered."""
    query = select(ChangeEvent, Source.name).join(Source, Source.id == ChangeEvent.source_id)
    if since is not None:
        query = query.where(ChangeEvent.detected_at >= since)
    if kinds:
        query = query.where(ChangeEvent.kind.in_(kinds))
    if source:
        query = query.where(Source.name == source)
    if ids is not None:
        query = query.where(ChangeEvent.id.in_(ids))
    query = query.order_by(ChangeEvent.id.desc() if limit else ChangeEvent.id)
    if limit:
        query = query.limit(limit)
    with Session(engine) as conn:
        rows = [event_json(event, name) for event, name in conn.execute(query).tuples()]
    return sorted(rows, key=lambda e: e["event_id"])


@dataclass(frozen=True, slots=True)
class ReportHistory:
    """A report's current row and every version, oldest first."""

    source: str
    report: Any
    versions: list[Any]


def report_history(engine: Engine, number: str) -> list[ReportHistory]:
    """Every report (in any source) with this number or key, with its versions."""
    wanted = norm_number(number) or number
    query = (
        select(Report, Source.name)
        .join(Source, Source.id == Report.source_id)
        .where((Report.key == wanted) | (Report.key.like(f"{wanted}@%")) | (Report.key == number))
    )
    found = []
    with Session(engine) as conn:
        for report, source in conn.execute(query).tuples():
            versions = (
                conn.execute(
                    select(ReportVersion)
                    .where(ReportVersion.report_id == report.id)
                    .order_by(ReportVersion.id)
                )
                .scalars()
                .all()
            )
            found.append(ReportHistory(source, report, list(versions)))
    return found


def sources_summary(engine: Engine) -> list[dict[str, Any]]:
    """Health and last runs of every source in the ledger."""
    summary = []
    with Session(engine) as conn:
        for source in conn.execute(select(Source).order_by(Source.name)).scalars():
            runs = (
                conn.execute(
                    select(CrawlRun)
                    .where(CrawlRun.source_id == source.id)
                    .order_by(CrawlRun.id.desc())
                    .limit(5)
                )
                .scalars()
                .all()
            )
            last_healthy = conn.scalar(
                select(func.max(CrawlRun.finished_at)).where(
                    CrawlRun.source_id == source.id,
                    CrawlRun.verdict.in_(("healthy", "baseline")),
                )
            )
            reports = conn.scalar(
                select(func.count())
                .select_from(Report)
                .where(Report.source_id == source.id, Report.status == "active")
            )
            summary.append(
                {
                    "source": source.name,
                    "healthy": source.healthy,
                    "unhealthy_since": _iso(source.unhealthy_since),
                    "baseline": source.baseline_run_id is not None,
                    "reports": reports,
                    "last_healthy_run": _iso(last_healthy),
                    "runs": [_run_json(run) for run in runs],
                }
            )
    return summary


def _run_json(run: Any) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "sweep": run.sweep,
        "verdict": run.verdict,
        "reason": run.reason,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "pages": run.pages,
        "reports": run.reports,
        "events": run.events,
        "complete": run.complete,
    }


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC (SQLite hands back naive datetimes; they were stored as UTC)."""
    if value is None:
        return None
    return aware(value).isoformat()
