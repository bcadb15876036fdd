"""A crawl in the caller's own process (the command line): no child, a wall-clock limit, stopped
when the waiting thread is interrupted; and what a crawl process may inherit."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from support.crawl_jobs import children, every_view, job, silent_view

from crawler.check import CheckOptions
from crawler.contract import ViewPlan
from crawler.fetch import child_environment, run_crawl
from fixture_site import FixtureSite, build_state
from ledger.db import DatabaseError, make_engine


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite(build_state(n_reports=60, seed=5)) as running:
        yield running


def _requests(site: FixtureSite) -> int:
    return len(site.app.log)


def test_crawls_run_in_this_process_one_after_another(site: FixtureSite) -> None:
    seen: list[tuple[int, int]] = []
    during: list[list[int]] = []

    def progress(done: int, scheduled: int) -> None:
        seen.append((done, scheduled))
        during.append(children(os.getpid()))

    for key in ("one", "two", "three"):
        outcome = run_crawl(every_view(site.base_url, key), 60, progress)
        assert outcome.failure is None and outcome.result is not None
        assert outcome.result.run_key == key and len(outcome.result.pages) >= 4
    assert seen and all(d <= s for d, s in seen)
    assert during and all(kids == [] for kids in during), "no crawl child"


def test_a_crawl_over_its_time_limit_is_stopped_and_the_next_one_works(
    site: FixtureSite,
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # connects, never answers
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        outcome = run_crawl(job(base, silent_view(base)), 1.5)
    assert outcome.failure == "crawl timed out after 1.5 s and was killed"
    assert outcome.result is None and not outcome.abandoned
    assert time.monotonic() - started < 5
    assert run_crawl(every_view(site.base_url), 60).result is not None


def test_an_interrupted_wait_stops_the_crawl(site: FixtureSite) -> None:
    site.mutate({"op": "http_fault", "match": "/reports/", "kind": "delay", "seconds": 0.3,
                 "count": -1})  # fmt: skip

    def progress(done: int, scheduled: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the crawl runs

    deep = every_view(site.base_url)
    with pytest.raises(KeyboardInterrupt):
        run_crawl(deep, 60, progress)
    time.sleep(1.0)  # the stop reaches the reactor; a request in flight may still finish
    settled = _requests(site)
    time.sleep(1.5)
    assert _requests(site) == settled, "the interrupted crawl went on fetching"


def test_an_aborted_crawl_is_abandoned_and_stopped(site: FixtureSite) -> None:
    site.mutate({"op": "http_fault", "match": "/reports/", "kind": "delay", "seconds": 1,
                 "count": -1})  # fmt: skip
    abort = threading.Event()
    threading.Timer(0.8, abort.set).start()
    started = time.monotonic()
    outcome = run_crawl(every_view(site.base_url), 60, abort=abort)
    assert outcome.abandoned and outcome.result is None
    assert time.monotonic() - started < 3


def test_a_failing_crawl_does_not_reach_the_next(site: FixtureSite) -> None:
    base = site.base_url
    broken = ViewPlan("v", base + "/x", "table", "v", 0, module="no_such_layout_module")
    outcome = run_crawl(job(base, broken), 30)
    assert outcome.result is None
    assert outcome.failure == (
        "crawl failed: ModuleNotFoundError: No module named 'no_such_layout_module'"
    )
    assert run_crawl(every_view(base), 60).result is not None


def test_a_job_without_views_ends_at_once() -> None:
    outcome = run_crawl(job("http://127.0.0.1:9"), 60)
    assert outcome.result is not None and outcome.result.run_key == "test"


def test_a_crawl_process_gets_no_secrets() -> None:
    environ = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "OIGWATCH_SLACK_TOKEN": "xoxb-1",
        "OIGWATCH_DATABASE_URL": "postgresql://u:pw@h/db",
        "PGPASSWORD": "pw",
        "GITHUB_TOKEN": "t",
        "AWS_ACCESS_KEY_ID": "AKIA...",
        "AWS_SECRET_ACCESS_KEY": "archive-secret",
        "AWS_SESSION_TOKEN": "s",
    }
    assert child_environment(environ) == {"PATH": "/usr/bin", "HOME": "/root"}


def test_a_bad_database_url_is_named_without_its_password() -> None:
    with pytest.raises(DatabaseError) as error:
        make_engine("postgresql//oigwatch:hunter2@db/oigwatch")  # a missing colon
    assert "hunter2" not in str(error.value) and "postgresql://USER" in str(error.value)


def test_check_options_compare_without_their_abort_switch_and_runner() -> None:
    assert CheckOptions(abort=threading.Event(), runner=run_crawl) == CheckOptions()


def test_the_time_limit_bounds_the_probe_and_the_crawl_together(site: FixtureSite) -> None:
    """The listing pages are read without Scrapy (the probe), under the same wall-clock limit as
    a crawl: pages that trickle in past it end the check as a timed-out crawl, at the limit, not
    a limit later (and not handed to a crawl with a fresh one)."""
    from dataclasses import replace

    from crawler.fetch import fetch

    site.mutate({"op": "http_fault", "match": "/reports/", "kind": "delay", "seconds": 1.0,
                 "count": -1})  # fmt: skip
    slow = replace(every_view(site.base_url), robots="")  # robots.txt known: the probe reads
    started = time.monotonic()
    outcome = fetch(slow, 1.5)
    assert outcome.failure == "crawl timed out after 1.5 s and was killed"
    assert outcome.result is None and not outcome.abandoned
    assert time.monotonic() - started < 3.5
    site.mutate({"op": "clear_faults"})
    read = fetch(slow, 60)
    assert read.result is not None and read.result.pages, "the next check reads the pages"
