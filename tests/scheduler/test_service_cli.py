"""`oigwatch run` as a newcomer meets it: a taken port, a bad flag, a bad key, a dead database;
and the jobs the service schedules (in-process, the scheduler paused)."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from support.harness import write_config

from config.settings import load_settings
from crawler.ledger.db import ensure_schema, make_engine
from crawler.ledger.store import Ledger
from scheduler.cli import main
from scheduler.service import Service

DIGEST = """
[[routes]]
name = "morning"
target = "console"
mode = "digest"
schedule = "08:00,16:30"
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
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = invoke("run", "--no-http", "--db", f"postgresql://x:pw-9@127.0.0.1:{port}/x")
    assert result.exit_code == 2
    assert "cannot open the database" in result.stderr and "pw-9" not in result.stderr


def test_jobs_per_source_and_digest_times(tmp_path: Path) -> None:
    config = write_config(tmp_path, routes=DIGEST)
    settings = load_settings(config, overrides={"database_url": f"sqlite:///{tmp_path}/x.db"})
    engine = make_engine(settings.db_url)
    ensure_schema(engine, auto=True)
    now = datetime.now(UTC).replace(microsecond=0)

    async def scheduled() -> tuple[dict[str, datetime], dict[str, object], dict[str, object]]:
        service = Service(settings, Ledger(engine))
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
        assert timedelta(0) < jobs[job_id] - now <= timedelta(days=1)
    assert "heartbeat" in jobs
    assert paused["running"] is False and running["running"] is True
    assert {job["id"] for job in running["jobs"]} == set(jobs)  # type: ignore[union-attr]
