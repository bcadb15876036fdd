"""`oigwatch run` as a newcomer meets it: a taken port, a bad flag, a bad key, a dead database;
and the jobs the service schedules (in-process, the scheduler paused)."""

from __future__ import annotations

import asyncio
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from click.testing import CliRunner
from support.harness import write_config
from support.loopback_http import closed_port

from cli.main import main
from config.settings import load_settings
from crawler.fetch import CrawlAbandoned
from ledger.db import ensure_schema, make_engine
from ledger.store import Ledger
from scheduler.service import Service

DIGEST = """
[[routes]]
name = "morning"
target = "console"
mode = "digest"
schedule = "08:00, 16:30,08:00,"
timezone = "America/New_York"
"""


def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_a_taken_port_is_a_usage_error_that_names_it(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("run", "--port", str(port), "--db", f"sqlite:///{tmp_path}/x.db")
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "OIGWATCH_SERVICE__HTTP_PORT" in result.stderr


def test_a_port_out_of_range_is_refused() -> None:
    result = invoke("run", "--port", "70000")
    assert result.exit_code == 2 and "70000" in result.stderr


def test_an_unknown_service_key_is_named(tmp_path: Path) -> None:
    env = {"OIGWATCH_SERVICE__QUICK_INTERVL": "5"}
    result = invoke("run", "--db", f"sqlite:///{tmp_path}/x.db", env=env)
    assert result.exit_code == 2 and "service.quick_intervl: unknown key" in result.stderr


def test_a_dead_database_stops_the_service_before_it_starts() -> None:
    result = invoke("run", "--no-http", "--db", f"postgresql://x:pw-9@127.0.0.1:{closed_port()}/x")
    assert result.exit_code == 2
    assert "cannot open the database" in result.stderr and "pw-9" not in result.stderr


def test_jobs_per_source_and_digest_times(tmp_path: Path) -> None:
    config = write_config(tmp_path, routes=DIGEST)
    settings = load_settings(config, overrides={"database_url": f"sqlite:///{tmp_path}/x.db"})
    engine = make_engine(settings.db_url)
    ensure_schema(engine, auto=True)
    now = datetime.now(UTC).replace(microsecond=0)

    async def scheduled() -> tuple[dict[str, datetime], dict[str, object], dict[str, object]]:
        nowhere = [s.with_base_url(f"http://127.0.0.1:{closed_port()}") for s in settings.sources]
        service = Service(settings, Ledger(engine), nowhere)  # never the real site
        service._schedule(now)
        service.scheduler.start(paused=True)
        jobs = {job.id: job.next_run_time for job in service.scheduler.get_jobs()}
        paused = service.status()
        service.scheduler.resume()
        running = service.status()
        service.scheduler.shutdown(wait=False)
        return jobs, paused, running

    try:
        jobs, paused, running = asyncio.run(scheduled())
    finally:
        engine.dispose()
    assert jobs["deep:dhs-oig"] == now  # no baseline yet: at once
    assert jobs["quick:dhs-oig"] == now + timedelta(seconds=600)
    for job_id, (hour, minute) in {
        "digest:morning:08:00": (8, 0),
        "digest:morning:16:30": (16, 30),
    }.items():
        local = jobs[job_id].astimezone(ZoneInfo("America/New_York"))
        assert (local.hour, local.minute) == (hour, minute)
        assert timedelta(0) < jobs[job_id] - now <= timedelta(days=1, hours=1)  # DST
    assert "heartbeat" in jobs
    assert paused["running"] is False and running["running"] is True
    assert {job["id"] for job in running["jobs"]} == set(jobs)  # type: ignore[union-attr]


def test_a_deep_sweep_due_during_a_quick_poll_runs_right_after_it(tmp_path: Path) -> None:
    settings = load_settings(
        write_config(tmp_path), overrides={"database_url": f"sqlite:///{tmp_path}/x.db"}
    )
    engine = make_engine(settings.db_url)
    ensure_schema(engine, auto=True)
    nowhere = [s.with_base_url(f"http://127.0.0.1:{closed_port()}") for s in settings.sources]
    release, calls = threading.Event(), []

    def crawl(source: object, sweep: str, abort: threading.Event) -> None:
        calls.append(sweep)
        release.wait(10)
        raise CrawlAbandoned("a stand-in for the crawl: records nothing")

    async def scenario() -> None:
        service = Service(settings, Ledger(engine), nowhere)
        service._check = crawl  # type: ignore[assignment,method-assign]
        later = datetime.now(UTC) + timedelta(hours=6)
        service.scheduler.add_job(
            service._crawl,
            IntervalTrigger(hours=6),
            args=("dhs-oig", "deep"),
            id="deep:dhs-oig",
            next_run_time=later,
        )
        service.scheduler.start()
        quick = asyncio.create_task(service._crawl("dhs-oig", "quick"))
        await asyncio.sleep(0.2)
        await service._crawl("dhs-oig", "deep")  # the quick poll is running: deferred
        assert calls == ["quick"] and service.deep_waiting == {"dhs-oig"}
        release.set()
        await quick
        for _ in range(50):  # the deferred deep sweep is now due at once
            await asyncio.sleep(0.05)
            if calls == ["quick", "deep"]:
                break
        service.scheduler.shutdown(wait=False)

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()
    assert calls == ["quick", "deep"]


def test_a_crawl_stuck_past_its_limit_fails_healthz() -> None:
    from web.health import scheduler_state

    now = datetime.now(UTC)
    raw = {"running": True, "heartbeat": now, "jobs": [], "overdue": ["dhs-oig"]}
    _, reasons = scheduler_state(raw, now, 120)
    assert reasons == ["the crawl of dhs-oig has run far past crawl.process_timeout"]
    _, fine = scheduler_state({**raw, "overdue": []}, now, 120)
    assert fine == []


def test_a_dead_delivery_loop_stops_the_service_with_its_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(
        write_config(tmp_path),
        overrides={
            "database_url": f"sqlite:///{tmp_path}/x.db",
            "service": {"http_enabled": False, "shutdown_grace": 0},
        },
    )
    engine = make_engine(settings.db_url)
    ensure_schema(engine, auto=True)

    def no_crawl(source: object, sweep: str, abort: threading.Event) -> None:
        raise CrawlAbandoned("not in this test")

    async def broken_loop() -> None:
        raise RuntimeError("a bug in the delivery loop")

    async def scenario() -> None:
        service = Service(settings, Ledger(engine))
        service._check = no_crawl  # type: ignore[assignment,method-assign]
        service._deliver_loop = broken_loop  # type: ignore[method-assign]
        await asyncio.wait_for(service.run(), timeout=20)

    try:
        asyncio.run(scenario())  # returns: the service stopped by itself
    finally:
        engine.dispose()
    assert "oigwatch-delivery stopped unexpectedly" in caplog.text
    assert "a bug in the delivery loop" in caplog.text and "stopped" in caplog.messages[-1]
