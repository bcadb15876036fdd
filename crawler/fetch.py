"""Run a crawl and wait for its findings, within a wall-clock limit.

Two ways, one interface (``run_crawl(job, timeout, progress, abort) -> CrawlOutcome``):

- :func:`run_crawl` (the command line, tests): Scrapy in this very process. Its reactor runs in a
  daemon thread started by the first crawl and reused by the next ones, since a Twisted reactor
  cannot be restarted; the caller's thread waits, relays progress and owns the deadline. A crawl
  over time, aborted or interrupted (Ctrl-C raises in the caller's thread: the reactor installs
  no signal handlers) is stopped and its findings dropped.
- ``crawler.pool.WorkerPool.run`` (the service): a long-lived worker process per concurrent crawl
  (``crawler/worker.py``), killed whole and replaced on timeout.

Scrapy and Twisted are imported only when a crawl runs.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from crawler.contract import CrawlJob, CrawlResult

if TYPE_CHECKING:
    from crawler.child import Crawl

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class CrawlOutcome:
    """The crawl's findings, or why there are none."""

    result: CrawlResult | None
    failure: str | None = None
    abandoned: bool = False  # stopped on request (service shutdown): record nothing
    over_time: bool = False  # stopped at its wall-clock limit


class CrawlAbandoned(Exception):
    """The crawl was stopped on request before it finished; nothing was recorded."""


class Runner(Protocol):
    """How a check has its crawl run (:func:`run_crawl`, or a worker pool's ``run``)."""

    def __call__(
        self,
        job: CrawlJob,
        timeout: float,
        progress: Progress | None = None,
        abort: threading.Event | None = None,
    ) -> CrawlOutcome: ...


def timed_out(timeout: float) -> CrawlOutcome:
    return CrawlOutcome(None, f"crawl timed out after {timeout:g} s and was killed", over_time=True)


ABANDONED = CrawlOutcome(None, "crawl abandoned on request", abandoned=True)


def child_environment(environ: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """The parent's environment without oigwatch's secrets, database settings and object
    store credentials (``AWS_*``: the archive's): a crawl process needs only its jobs."""
    return {
        name: value
        for name, value in environ.items()
        if not name.startswith(("OIGWATCH_", "PG", "AWS_")) and "TOKEN" not in name.upper()
    }


_reactor_lock = threading.Lock()
_reactor_thread: threading.Thread | None = None


def _reactor() -> Any:
    """The running reactor of this process (started in a daemon thread on first use)."""
    global _reactor_thread
    from crawler.child import run_reactor

    with _reactor_lock:
        if _reactor_thread is None:
            ready = threading.Event()
            thread = threading.Thread(
                target=run_reactor, args=(ready,), name="oigwatch-reactor", daemon=True
            )
            thread.start()
            if not ready.wait(60):
                raise RuntimeError("the crawl reactor did not start")
            _reactor_thread = thread
    from twisted.internet import reactor

    return reactor


def fetch(
    job: CrawlJob,
    timeout: float,
    progress: Progress | None = None,
    abort: threading.Event | None = None,
    runner: Runner | None = None,
) -> CrawlOutcome:
    """The probe's result (listing pages read without Scrapy: ``crawler/probe.py``), else the
    crawl: Scrapy in this process (:func:`run_crawl`), or ``runner`` (the service's worker).
    ``timeout`` bounds both together."""
    from crawler.probe import OverTime, probe

    deadline = time.monotonic() + timeout
    try:
        if (result := probe(job, progress, abort, deadline)) is not None:
            return CrawlOutcome(result)
    except OverTime:
        return timed_out(timeout)
    left = deadline - time.monotonic()
    if left <= 0:
        return timed_out(timeout)
    outcome = (runner or run_crawl)(job, left, progress, abort)
    return timed_out(timeout) if outcome.over_time else outcome  # named by the check's limit


def run_crawl(
    job: CrawlJob,
    timeout: float,
    progress: Progress | None = None,
    abort: threading.Event | None = None,
) -> CrawlOutcome:
    """Crawl in this process; stop the crawl if it outlives ``timeout`` seconds or ``abort`` is
    set (then the outcome is ``abandoned``), or when the waiting thread is interrupted."""
    reactor = _reactor()
    deadline = time.monotonic() + timeout
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    running: list[Crawl] = []

    def begin() -> None:  # in the reactor's thread
        from crawler.child import Crawl

        try:
            crawl = Crawl(job, lambda done, scheduled: events.put(("progress", (done, scheduled))))
        except Exception as exc:
            events.put(("failed", exc))
            return
        running.append(crawl)
        crawl.finished().addCallbacks(
            lambda result: events.put(("result", result)),
            lambda failure: events.put(("failed", failure.value)),
        )

    def stop() -> None:  # in the reactor's thread
        for crawl in running:
            crawl.stop()

    reactor.callFromThread(begin)
    answered = False
    try:
        while not (abort is not None and abort.is_set()):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                kind, value = events.get(timeout=min(left, 0.25))
            except queue.Empty:
                continue
            if kind == "progress":
                if progress is not None:
                    progress(*value)
                continue
            answered = True
            if kind == "result":
                return CrawlOutcome(value)
            return CrawlOutcome(None, f"crawl failed: {type(value).__name__}: {value}"[:500])
    finally:  # over time, aborted, Ctrl-C, a bug: never leave the crawl running
        if not answered:
            reactor.callFromThread(stop)
    return ABANDONED if abort is not None and abort.is_set() else timed_out(timeout)
