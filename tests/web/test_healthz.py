"""/healthz: 200 while the scheduler beats and the ledger reads; 503 otherwise. Unhealthy sources
and the outbox are shown, never a reason to fail."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine

from crawler.clock import utcnow
from crawler.health import Verdict
from ledger.outbox import claim, ensure_targets, mark_failed
from ledger.store import Ledger, RunRecord


def status_fn(**overrides: Any) -> Any:
    """A scheduler status callback, as the service supplies one."""
    state = {
        "running": True,
        "heartbeat": utcnow(),
        "crawling": ["dhs-oig"],
        "jobs": [
            {"id": "dhs-oig:quick", "next_run": "2026-11-23T10:00:00+00:00"},
            {"id": "dhs-oig:deep", "next_run": None},
        ],
    }
    state.update(overrides)
    return lambda: dict(state)


def test_without_a_scheduler_it_reports_sources_and_outbox(web: httpx.Client, ledger: Any) -> None:
    response = web.get("/healthz")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok" and body["reasons"] == [] and body["scheduler"] is None
    [source] = body["sources"]
    assert source["name"] == "dhs-oig" and source["healthy"] is True
    assert source["unhealthy_since"] is None and source["last_healthy_run"]
    first = ledger.events["new"]  # one webhook delivery per event, never sent (--no-deliver)
    assert body["outbox"] == {
        "pending": 4,
        "oldest_pending_due": first["detected_at"],
        "failed": 0,
        "dead": 0,
        "failing_targets": [],  # never tried, so not failing
    }


def test_live_scheduler_is_ok_and_shown(ledger: Any, serve: Any) -> None:
    server = serve(ledger.settings, ledger.engine, status_fn())
    response = httpx.get(server.url + "/healthz")
    assert response.status_code == 200, response.text
    scheduler = response.json()["scheduler"]
    assert scheduler["running"] is True and scheduler["crawling"] == ["dhs-oig"]
    assert 0 <= scheduler["heartbeat_age"] < 60
    assert scheduler["jobs"] == [
        {"id": "dhs-oig:quick", "next_run": "2026-11-23T10:00:00+00:00"},
        {"id": "dhs-oig:deep", "next_run": None},
    ]


def test_stale_heartbeat_is_503(ledger: Any, serve: Any) -> None:
    stale = ledger.settings.service.heartbeat_stale
    old = serve(ledger.settings, ledger.engine, status_fn(heartbeat=utcnow() - timedelta(seconds=stale + 30)))  # fmt: skip
    response = httpx.get(old.url + "/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing" and "heartbeat" in body["reasons"][0]
    assert body["sources"][0]["name"] == "dhs-oig", "still shows what it knows"
    fresh = serve(ledger.settings, ledger.engine, status_fn(heartbeat=utcnow() - timedelta(seconds=stale - 30)))  # fmt: skip
    assert httpx.get(fresh.url + "/healthz").status_code == 200


def test_scheduler_not_running_or_broken_is_503(ledger: Any, serve: Any) -> None:
    stopped = serve(ledger.settings, ledger.engine, status_fn(running=False))
    response = httpx.get(stopped.url + "/healthz")
    assert response.status_code == 503
    assert response.json()["reasons"] == ["scheduler is not running"]
    silent = serve(ledger.settings, ledger.engine, status_fn(heartbeat=None))
    assert httpx.get(silent.url + "/healthz").status_code == 503

    def broken() -> dict[str, Any]:
        raise RuntimeError("scheduler gone")

    failing = serve(ledger.settings, ledger.engine, broken)
    response = httpx.get(failing.url + "/healthz")
    assert response.status_code == 503 and "RuntimeError" in response.json()["reasons"][0]


def test_unreadable_database_is_503(ledger: Any, serve: Any, tmp_path: Path) -> None:
    no_schema = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    server = serve(ledger.settings, no_schema, status_fn())
    response = httpx.get(server.url + "/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["reasons"] == ["database cannot be read: OperationalError"]
    assert body["sources"] is None and body["outbox"] is None
    assert body["scheduler"]["running"] is True
    no_schema.dispose()


def test_unhealthy_source_is_shown_but_not_failing(empty_ledger: Any, serve: Any) -> None:
    engine, settings = empty_ledger
    ledger = Ledger(engine)
    source_id = ledger.source_id("dhs-oig")
    now = utcnow()
    verdict = Verdict(False, ("maintenance page",))
    ledger.record(RunRecord("r-1", source_id, "quick", now, now, "unhealthy", verdict))
    server = serve(settings, engine, status_fn())
    response = httpx.get(server.url + "/healthz")
    assert response.status_code == 200, "restarting the service would not fix the site"
    [source] = response.json()["sources"]
    assert source["healthy"] is False and source["unhealthy_since"] is not None
    assert source["last_healthy_run"] is None


def test_outbox_counts_pending_failed_and_dead(
    empty_ledger: Any, serve: Any, record_events: Any
) -> None:
    engine, settings = empty_ledger
    payloads = [{"kind": "new", "title": f"Report {i}", "components": ["CBP"]} for i in range(3)]
    record_events(engine, settings, *payloads)
    ensure_targets(engine, ["pipeline"])
    now = utcnow()
    [first] = claim(engine, settings.delivery, {"pipeline": 0.0}, "w1", now)
    assert (
        mark_failed(engine, settings.delivery, first, "w1", now, "410 Gone", permanent=True)
        == "failed"
    )
    once = settings.delivery.model_copy(update={"max_attempts": 1})
    [second] = claim(engine, once, {"pipeline": 0.0}, "w1", now)
    assert mark_failed(engine, once, second, "w1", now, "timeout", permanent=False) == "dead"
    server = serve(settings, engine)
    body = httpx.get(server.url + "/healthz").json()
    assert body["status"] == "ok"
    assert {k: body["outbox"][k] for k in ("pending", "failed", "dead")} == {
        "pending": 3 + 1,  # the shipped console route's three, and the webhook's last one
        "failed": 1,
        "dead": 1,
    }
    assert body["outbox"]["oldest_pending_due"] is not None
