"""The service's crawl workers: real worker processes against the fixture site. One worker runs
crawl after crawl; a crawl over time, aborted or failing retires it (its whole process group) and
the next crawl gets a fresh one; workers are renewed after N crawls or above a memory limit; they
inherit no secrets. (A worker dying with its SIGKILLed service: tests/e2e/test_orphans.py.)"""

from __future__ import annotations

import os
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.crawl_jobs import children, every_view, gone, job, silent_view
from support.service import wait_until

from crawler.contract import ViewPlan
from crawler.pool import CrawlWorker, WorkerPool
from crawler.worker import Frames, frame
from fixture_site import FixtureSite, build_state


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite(build_state(n_reports=60, seed=5)) as running:
        yield running


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the workers' directories land here
    return tmp_path


@pytest.fixture
def pool(private_tmp: Path) -> Iterator[WorkerPool]:
    workers = WorkerPool()
    yield workers
    workers.close()


def _workers() -> list[int]:
    return children(os.getpid())


def test_one_worker_runs_crawl_after_crawl(site: FixtureSite, pool: WorkerPool) -> None:
    seen: list[tuple[int, int]] = []
    pids = []
    for key in ("one", "two", "three", "four"):
        outcome = pool.run(every_view(site.base_url, key), 60, lambda d, s: seen.append((d, s)))
        assert outcome.failure is None and outcome.result is not None
        assert outcome.result.run_key == key and len(outcome.result.pages) >= 4
        pids.append(pool.pids)
    assert len(set(map(tuple, pids))) == 1 and len(pids[0]) == 1
    assert _workers() == pids[0]
    assert seen and all(done <= scheduled for done, scheduled in seen)  # progress came through


def test_a_crawl_over_time_kills_the_worker_and_the_next_gets_a_new_one(
    site: FixtureSite, pool: WorkerPool, private_tmp: Path
) -> None:
    assert pool.run(every_view(site.base_url), 60).result is not None
    [first] = pool.pids
    with socket.create_server(("127.0.0.1", 0)) as silent:  # connects, never answers
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        outcome = pool.run(job(base, silent_view(base)), 1.5)
    assert outcome.failure == "crawl timed out after 1.5 s and was killed"
    assert time.monotonic() - started < 5
    assert gone(first) and pool.pids == [] and _workers() == []
    assert list(private_tmp.iterdir()) == [], "its directory went with it"
    assert pool.run(every_view(site.base_url), 60).result is not None
    [second] = pool.pids
    assert second != first


def test_an_abandoned_crawl_kills_the_worker(site: FixtureSite, pool: WorkerPool) -> None:
    site.mutate({"op": "http_fault", "match": "/reports/", "kind": "delay", "seconds": 2,
                 "count": -1})  # fmt: skip
    abort = threading.Event()
    threading.Timer(1.5, abort.set).start()
    outcome = pool.run(every_view(site.base_url), 60, abort=abort)
    assert outcome.abandoned and outcome.result is None
    assert pool.pids == [] and _workers() == []


def test_workers_are_renewed_after_n_crawls(site: FixtureSite, private_tmp: Path) -> None:
    pool = WorkerPool(max_crawls=2)
    try:
        assert pool.run(every_view(site.base_url), 60).result is not None
        [first] = pool.pids
        assert pool.run(every_view(site.base_url), 60).result is not None
        assert pool.pids == [] and gone(first)
        assert pool.run(every_view(site.base_url), 60).result is not None
        assert pool.pids not in ([], [first])
    finally:
        pool.close()
    assert _workers() == [] and list(private_tmp.iterdir()) == []


def test_a_worker_above_its_memory_limit_is_renewed(site: FixtureSite, private_tmp: Path) -> None:
    pool = WorkerPool(max_rss=50 * 2**20)  # a worker with Scrapy loaded holds more
    try:
        outcome = pool.run(every_view(site.base_url), 60)
        assert outcome.result is not None  # the crawl itself is kept
        assert pool.pids == [] and _workers() == []
    finally:
        pool.close()
    roomy = WorkerPool(max_rss=2**40)
    try:
        roomy.run(every_view(site.base_url), 60)
        [worker] = roomy.idle
        assert 50 * 2**20 < worker.rss < 2**40 and len(roomy.pids) == 1
    finally:
        roomy.close()


def test_a_failing_crawl_retires_its_worker(site: FixtureSite, pool: WorkerPool) -> None:
    base = site.base_url
    assert pool.run(every_view(base), 60).result is not None
    [first] = pool.pids
    broken = ViewPlan("v", base + "/x", "table", "v", 0, module="no_such_layout_module")
    outcome = pool.run(job(base, broken), 30)
    assert outcome.failure == (
        "crawl failed: ModuleNotFoundError: No module named 'no_such_layout_module'"
    )
    assert pool.pids == [] and gone(first)
    assert pool.run(every_view(base), 60).result is not None


def test_a_worker_that_died_while_idle_is_replaced(site: FixtureSite, pool: WorkerPool) -> None:
    assert pool.run(every_view(site.base_url), 60).result is not None
    [first] = pool.pids
    os.kill(first, signal.SIGKILL)  # the OOM killer, an operator
    wait_until(lambda: pool.idle[0].proc.poll() is not None, 5, "the worker to die")
    assert pool.run(every_view(site.base_url), 60).result is not None
    assert pool.pids not in ([], [first])


def test_a_worker_that_dies_mid_crawl_is_a_failed_crawl(
    site: FixtureSite, pool: WorkerPool
) -> None:
    site.mutate({"op": "http_fault", "match": "/reports/", "kind": "delay", "seconds": 2,
                 "count": -1})  # fmt: skip
    threading.Timer(1.5, lambda: [os.kill(pid, signal.SIGKILL) for pid in _workers()]).start()
    outcome = pool.run(every_view(site.base_url), 60)
    assert outcome.result is None and outcome.failure is not None
    assert outcome.failure.startswith("crawl process failed (exit -9)")
    assert pool.pids == []


def test_a_worker_inherits_no_secrets(
    site: FixtureSite, pool: WorkerPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIGWATCH_SLACK_TOKEN", "xoxb-secret")
    monkeypatch.setenv("OIGWATCH_DATABASE_URL", "postgresql://u:pw@h/db")
    monkeypatch.setenv("PGPASSWORD", "pw")
    monkeypatch.setenv("SOME_API_TOKEN", "t")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "archive-secret")
    monkeypatch.setenv("OIGWATCH_TEST_MARKER_PATH", "kept-out")
    assert pool.run(every_view(site.base_url), 60).result is not None
    [pid] = pool.pids
    names = [
        item.split(b"=", 1)[0].decode()
        for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        if item
    ]
    assert "PATH" in names
    secret = ("OIGWATCH_", "PG", "AWS_")
    assert [n for n in names if n.startswith(secret) or "TOKEN" in n.upper()] == []


def test_closing_the_pool_ends_its_workers(site: FixtureSite, private_tmp: Path) -> None:
    pool = WorkerPool()
    pool.run(every_view(site.base_url), 60)
    [pid] = pool.pids
    pool.close()
    assert gone(pid) and list(private_tmp.iterdir()) == []


def test_a_worker_started_alone_answers_and_ends_with_its_stdin(
    site: FixtureSite, private_tmp: Path
) -> None:
    worker = CrawlWorker()
    try:
        assert worker.crawl(every_view(site.base_url), 60).result is not None
        assert worker.proc.stdin is not None
        worker.proc.stdin.close()  # what the parent's death does to the lifeline
        assert worker.proc.wait(timeout=10) == -signal.SIGKILL  # it ended its own group
        assert not worker.workdir.exists()
    finally:
        worker.close()


messages = st.lists(
    st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=50))),
    max_size=5,
)


@given(messages, st.lists(st.integers(min_value=1, max_value=40), min_size=1))
def test_frames_survive_any_chunking(sent: list[dict[str, object]], cuts: list[int]) -> None:
    stream = b"".join(frame(message) for message in sent)
    frames, received, at, i = Frames(), [], 0, 0
    while at < len(stream):
        size = cuts[i % len(cuts)]
        received += frames.feed(stream[at : at + size])
        at, i = at + size, i + 1
    assert received == sent and not frames.buffer


def test_a_frame_announcing_a_gigabyte_is_refused() -> None:
    with pytest.raises(ValueError):
        Frames().feed(b"\x7f\xff\xff\xff{}")
