"""Read-only questions operators ask of the ledger (changes, a report's versions, sources)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from config.vocabulary import BAD_OUTCOMES, GOOD_OUTCOMES
from crawler.clock import iso
from crawler.normalize import norm_number
from ledger.change_list import Candidate, changes, event_json, events
from ledger.models import (
    ChangeEvent,
    CrawlRun,
    Delivery,
    Report,
    ReportVersion,
    Source,
)
from ledger.mutes import Mute
from ledger.mutes import current as mutes_current
from ledger.mutes import episodes as mute_episodes

__all__ = [
    "Candidate",
    "changes",
    "event_json",
    "events",
]  # their home: ledger/change_list.py (no ORM)


VERSION_FIELDS = (  # what people compare between two versions, in the order shown
    "report_number",
    "title",
    "summary",
    "issue_date",
    "fiscal_year",
    "pdf_url",
    "pdf_sha256",
    "components",
    "labels",
)


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
                    CrawlRun.outcome.in_(GOOD_OUTCOMES),
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
                    "unhealthy_since": iso(source.unhealthy_since),
                    "baseline": source.baseline_run_id is not None,
                    "reports": reports,
                    "last_healthy_run": iso(last_healthy),
                    "runs": [_run_json(run) for run in runs],
                }
            )
    return summary


def unhealthy_sources(engine: Engine) -> list[dict[str, Any]]:
    """Every source now unhealthy: its name, since when, and the reason of its latest failed run.

    One query; while every source is healthy it reads only the ``sources`` table."""
    reason = (
        select(CrawlRun.reason)
        .where(CrawlRun.source_id == Source.id, CrawlRun.outcome.in_(BAD_OUTCOMES))
        .order_by(CrawlRun.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(Source.name, Source.unhealthy_since, reason)
        .where(Source.healthy.is_(False))
        .order_by(Source.name)
    )
    with Session(engine) as conn:
        rows = conn.execute(query).tuples().all()
    return [
        {"source": name, "unhealthy_since": iso(since), "reason": why or None}
        for name, since, why in rows
    ]


def failing_streaks(engine: Engine, runs: int) -> list[dict[str, Any]]:
    """Unhealthy sources whose last ``runs`` sweeps of one kind all failed or were unhealthy
    (quick polls that succeed do not hide deep sweeps that fail): since when, the latest reason.
    Reads only ``sources`` while every source is healthy."""
    found = []
    with Session(engine) as conn:
        sick = conn.execute(select(Source).where(Source.healthy.is_(False)).order_by(Source.name))
        for source in sick.scalars().all():
            for sweep in ("deep", "quick"):
                last = conn.execute(
                    select(CrawlRun.outcome, CrawlRun.reason)
                    .where(CrawlRun.source_id == source.id, CrawlRun.sweep == sweep)
                    .order_by(CrawlRun.id.desc())
                    .limit(runs)
                ).all()
                if len(last) == runs and all(v in BAD_OUTCOMES for v, _ in last):
                    found.append(
                        {"source": source.name, "runs": runs, "sweep": sweep,
                         "reason": last[0].reason,
                         "unhealthy_since": iso(source.unhealthy_since)}
                    )  # fmt: skip
                    break
    return found


def recent_events(
    engine: Engine,
    *,
    kinds: Iterable[str] = (),
    sources: Iterable[str] = (),
    statuses: Iterable[str] = ("published",),
    since: datetime | None = None,
    before: int | None = None,
    keep: Callable[[dict[str, Any]], bool] | None = None,
    limit: int = 100,
    batch: int = 500,
) -> list[dict[str, Any]]:
    """Change events newest first (by id), at most ``limit`` of them.

    Kind, source (by name), status, time and ``before`` (an event id: only older events) are
    filtered in SQL;
    ``keep`` (fields inside the payload, such as components and labels) in batches after it,
    so the limit counts only events that pass every filter."""
    query = select(ChangeEvent, Source.name).join(Source, Source.id == ChangeEvent.source_id)
    if kinds := tuple(kinds):
        query = query.where(ChangeEvent.kind.in_(kinds))
    if sources := tuple(sources):
        query = query.where(Source.name.in_(sources))
    if statuses := tuple(statuses):
        query = query.where(ChangeEvent.status.in_(statuses))
    if since is not None:
        query = query.where(ChangeEvent.detected_at >= since)
    found: list[dict[str, Any]] = []
    cursor = before
    size = max(batch, limit) if keep is not None else limit
    with Session(engine) as conn:
        while len(found) < limit:
            page = query if cursor is None else query.where(ChangeEvent.id < cursor)
            rows = conn.execute(page.order_by(ChangeEvent.id.desc()).limit(size)).tuples().all()
            for event, name in rows:
                shaped = event_json(event, name)
                if keep is None or keep(shaped):
                    found.append(shaped)
                    if len(found) == limit:
                        break
            if len(rows) < size:
                break
            cursor = rows[-1][0].id
    return found


def components_seen(engine: Engine) -> list[str]:
    """Every component code some report in the ledger carries, sorted."""
    seen: set[str] = set()
    with Session(engine) as conn:
        for components in conn.execute(select(Report.components)).scalars():
            seen.update(str(code) for code in components or ())
    return sorted(seen)


def report_events(engine: Engine, report_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Every published event about these reports, newest first."""
    wanted = sorted(set(report_ids))
    if not wanted:
        return []
    query = (
        select(ChangeEvent, Source.name)
        .join(Source, Source.id == ChangeEvent.source_id)
        .where(ChangeEvent.report_id.in_(wanted), ChangeEvent.status == "published")
        .order_by(ChangeEvent.id.desc())
    )
    with Session(engine) as conn:
        return [event_json(event, name) for event, name in conn.execute(query).tuples()]


def outbox_summary(engine: Engine) -> dict[str, Any]:
    """Deliveries by status: how many are pending (and the oldest one's due time), failed, dead."""
    with Session(engine) as conn:
        query = select(Delivery.status, func.count()).group_by(Delivery.status)
        counts = {status: int(count) for status, count in conn.execute(query)}
        oldest = conn.scalar(select(func.min(Delivery.due_at)).where(Delivery.status == "pending"))
    return {
        "pending": counts.get("pending", 0),
        "oldest_pending_due": iso(oldest),
        "failed": counts.get("failed", 0),
        "dead": counts.get("dead", 0),
    }


def _run_json(run: Any) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "sweep": run.sweep,
        "outcome": run.outcome,
        "reason": run.reason,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "pages": run.pages,
        "reports": run.reports,
        "events": run.events,
        "complete": run.complete,
        "quarantined": (run.stats or {}).get("quarantined", 0),
        "warnings": (run.stats or {}).get("warnings", [])[:5],
    }


def report_mutes(engine: Engine, report_ids: Iterable[int]) -> dict[int, list[Mute]]:
    """Every mute of these reports, oldest first, by report id (never muted: absent)."""
    with engine.connect() as conn:
        return mute_episodes(conn, report_ids)


def current_mutes(engine: Engine, report_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The reports among these muted now: since when, by whom, why (JSON shape), by report id."""
    found = report_mutes(engine, report_ids)
    return {
        report_id: mute.to_json()
        for report_id in found
        if (mute := mutes_current(found, report_id)) is not None
    }
