"""Health sees what stops oigwatch from seeing or telling: a ledger that refuses writes, a deleted
ledger file, sweeps failing in a row, a source crawled twice at once (issue 8, observations 2, 6, 7;
the real service and CLI, SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from support.harness import Oigwatch, ledger_snapshot, write_config
from support.service import ServiceProcess, wait_until

from fixture_site import FixtureSite
from ledger.db import normalize_url

FAST = "jitter = 0\ndeliver_poll = 1\nquick_interval = 1.5\ndeep_interval = 3600\n"


@pytest.fixture
def services() -> Iterator[list[ServiceProcess]]:
    started: list[ServiceProcess] = []
    yield started
    for service in started:
        service.kill()


def serve(services: list[ServiceProcess], oigwatch: Oigwatch, tmp_path: Path) -> ServiceProcess:
    config = write_config(tmp_path, service=FAST)
    service = ServiceProcess(tmp_path, config, oigwatch.db_url, oigwatch.site.base_url, http=True)
    services.append(service)
    return service


def healthz(service: ServiceProcess) -> httpx.Response:
    return httpx.get(f"{service.url}/healthz", timeout=10)


def failing_with(service: ServiceProcess, words: str) -> str | None:
    """The /healthz reasons once it fails with ``words`` in them."""
    answer = healthz(service)
    reasons = " | ".join(answer.json()["reasons"])
    return reasons if answer.status_code == 503 and words in reasons else None


def refuse_writes(db_url: str, refuse: bool) -> None:
    """The database itself refuses new crawl runs (a trigger), or accepts them again."""
    engine = create_engine(normalize_url(db_url))
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("drop trigger if exists refuse"))
            if refuse:
                conn.execute(text("create trigger refuse before insert on crawl_runs begin"
                                  " select raise(abort, 'the disk is read-only'); end"))  # fmt: skip
        else:
            conn.execute(text("drop trigger if exists refuse on crawl_runs"))
            conn.execute(text("create or replace function refuse() returns trigger as $$ begin"
                              " raise exception 'the disk is read-only'; end $$ language plpgsql"))  # fmt: skip
            if refuse:
                conn.execute(text("create trigger refuse before insert on crawl_runs"
                                  " for each row execute function refuse()"))  # fmt: skip
    engine.dispose()


def test_a_ledger_that_refuses_writes_fails_healthz_within_one_poll_then_recovers(
    baselined: Oigwatch, services: list[ServiceProcess], tmp_path: Path
) -> None:
    service = serve(services, baselined, tmp_path)
    wait_until(lambda: healthz(service).status_code == 200, 30, "ok at first")
    refuse_writes(baselined.db_url, True)
    reasons = wait_until(lambda: failing_with(service, "left no record"), 20, "/healthz failing")
    assert "the disk is read-only" in reasons and "dhs-oig" in reasons
    added = baselined.site.mutate({"op": "add_report"})
    refuse_writes(baselined.db_url, False)
    wait_until(lambda: healthz(service).status_code == 200, 20, "/healthz ok again")
    wait_until(lambda: added["report_number"] in str(baselined.changes()), 20, "the new report")


def test_a_deleted_sqlite_ledger_fails_healthz_and_is_never_written_blind(
    site: FixtureSite, services: list[ServiceProcess], tmp_path: Path
) -> None:
    # a ledger file is SQLite's: this one test has no PostgreSQL twin
    oigwatch = Oigwatch(site, f"sqlite:///{tmp_path / 'ledger.db'}", write_config(tmp_path))
    service = serve(services, oigwatch, tmp_path)
    wait_until(lambda: len(service.runs()) >= 2, 60, "a baseline and a quick poll")
    path = Path(oigwatch.db_url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    reasons = wait_until(lambda: failing_with(service, "was deleted"), 10, "/healthz failing")
    assert str(path) in reasons
    wait_until(lambda: "left no record" in healthz(service).text, 10, "sweeps refused")
    assert service.stop() == 0
    assert not path.exists(), "nothing was written into a ghost, nor a new empty ledger made"


def test_sweeps_failing_in_a_row_fail_healthz_and_the_pages_say_so(
    baselined: Oigwatch, services: list[ServiceProcess], tmp_path: Path
) -> None:
    baselined.site.mutate({"op": "http_fault", "match": "/reports/", "kind": "status",
                           "status": 503, "retry_after": 0, "count": -1})  # fmt: skip
    service = serve(services, baselined, tmp_path)
    reasons = wait_until(lambda: failing_with(service, "sweeps failed"), 60, "/healthz failing")
    assert "HTTP 503" in reasons
    page = httpx.get(f"{service.url}/", timeout=10).text
    assert "has been failing since" in page and "changes may be missed" in page
    baselined.site.mutate({"op": "clear_faults"})
    wait_until(lambda: healthz(service).status_code == 200, 30, "/healthz ok again")


def test_an_odd_row_never_blocks_recording_under_the_service(
    baselined: Oigwatch, services: list[ServiceProcess], tmp_path: Path
) -> None:
    number = sorted(r.report_number for r in baselined.site.state.reports if r.report_number)[-1]
    baselined.site.mutate({"op": "set_cell_text", "report_number": number, "column": "fy",
                           "text": "2026²"})  # fmt: skip
    added = baselined.site.mutate({"op": "add_report"})
    service = serve(services, baselined, tmp_path)
    wait_until(lambda: added["report_number"] in str(baselined.changes()), 30, "the new report")
    assert healthz(service).status_code == 200
    assert {run["outcome"] for run in service.runs()[1:]} == {"healthy"}


def test_a_second_crawl_of_a_source_exits_with_one_line_naming_the_first(
    baselined: Oigwatch, tmp_path: Path
) -> None:
    baselined.site.mutate({"op": "http_fault", "match": "/reports/", "kind": "delay",
                           "seconds": 0.4, "count": -1})  # fmt: skip
    baselined.site.clear_log()
    first = subprocess.Popen(
        [sys.executable, "-m", "cli", "crawl", "--config", str(baselined.config), "--db",
         baselined.db_url, "--base-url", baselined.site.base_url, "--deep", "--no-deliver"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ},
    )  # fmt: skip
    try:
        wait_until(lambda: any("/reports/" in e.path for e in baselined.site.log), 30, "crawling")
        before = ledger_snapshot(baselined.db_url)
        second = baselined.run(
            "crawl", "--base-url", baselined.site.base_url, "--quick",
            env={"OIGWATCH_CRAWL__LOCK_WAIT": "0.5"},
        )  # fmt: skip
        assert second.exit_code == 1
        assert f"dhs-oig is being crawled by oigwatch pid {first.pid}" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1, second.stderr
        assert "Traceback" not in second.stderr
        assert ledger_snapshot(baselined.db_url) == before
    finally:
        _, errors = first.communicate(timeout=120)
    assert first.returncode == 0, errors.decode()


def test_overlapping_crawls_wait_for_each_other_and_never_collide(baselined: Oigwatch) -> None:
    for _ in range(3):
        baselined.site.mutate({"op": "add_report"})
    argv = [sys.executable, "-m", "cli", "crawl", "--config", str(baselined.config), "--db",
            baselined.db_url, "--base-url", baselined.site.base_url, "--quick", "--json",
            "--no-deliver"]  # fmt: skip
    env = {**os.environ, "OIGWATCH_CRAWL__LOCK_WAIT": "60"}
    crawls = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
              for _ in range(3)]  # fmt: skip
    outputs = [crawl.communicate(timeout=180) for crawl in crawls]
    assert [crawl.returncode for crawl in crawls] == [0, 0, 0], [e.decode() for _, e in outputs]
    events = [line for out, _ in outputs for line in out.decode().splitlines() if line.strip()]
    assert len(events) == 3, "each new report announced once, by whichever crawl came first"
