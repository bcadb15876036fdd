"""``/healthz``: is oigwatch seeing and telling? "ok" means ok.

200 ``ok`` unless the scheduler (when there is one) is not running or has been silent for longer
than ``service.heartbeat_stale`` seconds, a sweep left no record (the database refused it), the
SQLite ledger file was deleted or replaced, the ledger cannot be read, a source's last
``gates.failing_runs`` sweeps all failed, or a delivery target has been failing for
``delivery.alert_after_minutes``: then 503 ``failing`` with the reasons. (A source that
has been failing for one sweep is shown in ``sources``, not failed on: one bad moment is not news.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from crawler.clock import in_utc, utcnow
from crawler.text import clean_text
from ledger import queries
from ledger.outbox import failing_targets
from web.context import StatusFn, WebContext

log = logging.getLogger(__name__)


class Job(BaseModel):
    id: str
    next_run: str | None


class Scheduler(BaseModel):
    running: bool
    heartbeat: str | None
    heartbeat_age: float | None
    crawling: list[str]
    jobs: list[Job]


class SourceHealth(BaseModel):
    name: str
    healthy: bool
    unhealthy_since: str | None
    last_healthy_run: str | None


class FailingTarget(BaseModel):
    target: str
    since: str
    alerted: bool
    pending: int
    error: str | None


class Outbox(BaseModel):
    pending: int
    oldest_pending_due: str | None
    failed: int
    dead: int
    failing_targets: list[FailingTarget] = []


class Health(BaseModel):
    """``status`` is ``ok`` (HTTP 200) or ``failing`` (HTTP 503, ``reasons`` say why)."""

    status: str
    reasons: list[str]
    scheduler: Scheduler | None
    sources: list[SourceHealth] | None
    outbox: Outbox | None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return in_utc(value)


def scheduler_state(
    raw: Mapping[str, Any], now: datetime, stale: float
) -> tuple[Scheduler, list[str]]:
    """The scheduler's status as shown, and why it fails (empty: it is fine)."""
    heartbeat = _moment(raw.get("heartbeat"))
    age = None if heartbeat is None else round((now - heartbeat).total_seconds(), 3)
    running = bool(raw.get("running"))
    reasons = []
    if not running:
        reasons.append("scheduler is not running")
    elif heartbeat is None:
        reasons.append("scheduler has no heartbeat yet")
    elif age is not None and age > stale:
        reasons.append(f"scheduler heartbeat is {age:.0f} s old (stale after {stale:.0f} s)")
    for name in raw.get("overdue") or ():  # a crawl thread stuck past its time limit
        reasons.append(f"the crawl of {name} has run far past crawl.process_timeout")
    reasons += [str(problem) for problem in raw.get("problems") or ()]  # unrecorded, ledger gone
    jobs = [
        Job(id=str(job.get("id")), next_run=None if job.get("next_run") is None else str(job["next_run"]))
        for job in raw.get("jobs") or []
    ]  # fmt: skip
    shown = Scheduler(
        running=running,
        heartbeat=None if heartbeat is None else heartbeat.isoformat(),
        heartbeat_age=age,
        crawling=[str(name) for name in raw.get("crawling") or []],
        jobs=jobs,
    )
    return shown, reasons


def check(
    ctx_status: StatusFn | None,
    engine: Any,
    stale: float,
    now: datetime,
    failing_runs: int = 2,
    alert_after: float = 900.0,
) -> Health:
    """Everything /healthz reports: it fails when the scheduler stalls, the ledger cannot be
    read or written, a sweep left no record, or a source's last ``failing_runs`` sweeps failed
    (0: sources are not judged, e.g. by the pages' banner, which shows them itself)."""
    reasons: list[str] = []
    scheduler = None
    if ctx_status is not None:
        try:
            scheduler, reasons = scheduler_state(ctx_status(), now, stale)
        except Exception as exc:  # a broken status callback is a failing service
            log.exception("healthz: the status callback failed")
            reasons.append(f"scheduler status unavailable: {type(exc).__name__}")
    sources: list[SourceHealth] | None = None
    outbox: Outbox | None = None
    try:
        sources = [
            SourceHealth(
                name=item["source"],
                healthy=item["healthy"],
                unhealthy_since=item["unhealthy_since"],
                last_healthy_run=item["last_healthy_run"],
            )
            for item in queries.sources_summary(engine)
        ]
        failing = [FailingTarget(**item) for item in failing_targets(engine)]
        outbox = Outbox(**queries.outbox_summary(engine), failing_targets=failing)
        for item in failing:
            since = _moment(item.since)
            if since is not None and since <= now - timedelta(seconds=alert_after):
                reasons.append(
                    f"delivery to {item.target} failing since {item.since} ({item.pending} "
                    f"pending): {clean_text(item.error)[:300]}"
                )
        for streak in queries.failing_streaks(engine, failing_runs) if failing_runs else ():
            reasons.append(
                f"{streak['source']}: the last {streak['runs']} {streak['sweep']} sweeps failed"
                f" (unhealthy since "
                f"{streak['unhealthy_since']}): {clean_text(streak['reason'])[:300]}"
            )
    except SQLAlchemyError as exc:
        log.warning("healthz: the ledger cannot be read: %s", exc)
        reasons.append(f"database cannot be read: {type(exc).__name__}")
    return Health(
        status="failing" if reasons else "ok",
        reasons=reasons,
        scheduler=scheduler,
        sources=sources,
        outbox=outbox,
    )


def router(ctx: WebContext) -> APIRouter:
    api = APIRouter(tags=["health"])

    @api.get(
        "/healthz",
        response_model=Health,
        responses={503: {"model": Health, "description": "Scheduler stalled or ledger unreadable"}},
    )
    def healthz() -> JSONResponse:
        """Liveness for Docker and monitors: 200 ok, or 503 failing with reasons."""
        settings = ctx.settings
        health = check(ctx.status, ctx.engine, settings.service.heartbeat_stale, utcnow(),
                       settings.gates.failing_runs, settings.delivery.alert_after_minutes * 60)  # fmt: skip
        code = 200 if health.status == "ok" else 503
        headers = {"Cache-Control": "no-store"}
        return JSONResponse(health.model_dump(mode="json"), status_code=code, headers=headers)

    return api
