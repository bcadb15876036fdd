"""The service's side of its crawl workers (``crawler/worker.py``): a small pool, one worker per
crawl running at the same time, each reused crawl after crawl.

A worker is retired (its process group killed, its directory removed) when a crawl outlives its
limit or is abandoned, when a crawl fails inside it (a spider's failure never reaches the next
crawl), after ``max_crawls`` crawls, or when its resident memory after a crawl exceeds
``max_rss``; the next crawl starts a fresh one. The service crawls each source one at a time, so
the pool holds at most one worker per source crawling at once (usually one in all), and a quick
poll of one source never waits behind another source's deep sweep.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from crawler.contract import CrawlJob, CrawlResult
from crawler.fetch import ABANDONED, CrawlOutcome, Progress, child_environment, timed_out
from crawler.worker import Frames, frame

log = logging.getLogger(__name__)
TMP_PREFIX = "oigwatch-crawl-"  # + the owner's pid + "-" + tempfile's random part


class CrawlWorker:
    """One worker process, in its own process group, with its directory (its log)."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-"))
        self.log = open(self.workdir / "stderr.log", "w+b")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.worker", str(self.workdir)],
            stdin=subprocess.PIPE,  # the jobs, and the lifeline: it ends when this process does
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
            env=child_environment(os.environ),
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        os.set_blocking(self.proc.stdin.fileno(), False)
        self.frames = Frames()
        self.crawls = 0
        self.rss = 0
        self.usable = True

    @property
    def pid(self) -> int:
        return self.proc.pid

    def crawl(
        self,
        job: CrawlJob,
        timeout: float,
        progress: Progress | None = None,
        abort: threading.Event | None = None,
    ) -> CrawlOutcome:
        """One crawl; a worker over time, aborted, failing or gone is left unusable."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        pending = frame({"job": job.to_json()})
        self.crawls += 1
        self.usable = False  # until the worker answers
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        selector.register(self.proc.stdin, selectors.EVENT_WRITE)
        try:
            while not (abort is not None and abort.is_set()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return timed_out(timeout)
                for key, _ in selector.select(timeout=min(left, 0.25)):
                    if key.fileobj is self.proc.stdin:
                        pending = pending[self._write(pending) :]
                        if not pending:
                            selector.unregister(self.proc.stdin)
                        continue
                    chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
                    if not chunk:
                        return self.ended()
                    for message in self.frames.feed(chunk):
                        if "progress" in message:
                            if progress is not None:
                                progress(*message["progress"])
                            continue
                        self.rss = int(message.get("rss", 0))
                        if "failed" in message:
                            return CrawlOutcome(None, f"crawl failed: {message['failed']}")
                        self.usable = True
                        return CrawlOutcome(CrawlResult.from_json(message["result"]))
            return ABANDONED
        except (BrokenPipeError, ValueError) as exc:  # the worker died, or wrote nonsense
            return self.ended(str(exc))
        finally:
            selector.close()

    def _write(self, data: bytes) -> int:
        assert self.proc.stdin is not None
        try:
            return os.write(self.proc.stdin.fileno(), data[: 1 << 16])
        except BlockingIOError:
            return 0

    def ended(self, why: str = "") -> CrawlOutcome:
        """The worker is gone: its exit status and the last lines of its log say why."""
        self.kill()
        self.log.seek(0)
        tail = self.log.read().decode("utf-8", "replace").strip().splitlines()[-3:]
        detail = " | ".join(tail) or why or "no error output"
        return CrawlOutcome(None, f"crawl process failed (exit {self.proc.returncode}): {detail}")

    def kill(self) -> None:
        """Kill the worker's process group unless it has exited; then close its pipes."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def close(self) -> None:
        self.kill()
        self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


class WorkerPool:
    """Crawl workers for the service: ``run`` has the ``crawler.fetch.run_crawl`` interface."""

    def __init__(self, max_crawls: int = 200, max_rss: int = 300 * 2**20) -> None:
        self.max_crawls, self.max_rss = max_crawls, max_rss
        self.idle: list[CrawlWorker] = []
        self.lock = threading.Lock()
        self.closed = False
        remove_stale_crawl_dirs()

    def run(
        self,
        job: CrawlJob,
        timeout: float,
        progress: Progress | None = None,
        abort: threading.Event | None = None,
    ) -> CrawlOutcome:
        """Crawl in an idle worker (or a new one); kill it whole if it outlives ``timeout``
        seconds or ``abort`` is set (then the outcome is ``abandoned``)."""
        worker = self._take()
        try:
            outcome = worker.crawl(job, timeout, progress, abort)
        except BaseException:  # Ctrl-C, a bug in a progress callback: never leave it running
            worker.close()
            raise
        self._give_back(worker)
        return outcome

    def _take(self) -> CrawlWorker:
        """An idle worker still alive, else a new one."""
        while True:
            with self.lock:
                worker = self.idle.pop() if self.idle else None
            if worker is None:
                return CrawlWorker()
            if worker.proc.poll() is None:
                return worker
            log.warning("crawl worker %d had exited (%s)", worker.pid, worker.proc.returncode)
            worker.close()

    def _give_back(self, worker: CrawlWorker) -> None:
        reason = None
        if not worker.usable:
            reason = "its crawl did not finish"
        elif worker.crawls >= self.max_crawls:
            reason = f"after {worker.crawls} crawls"
        elif worker.rss > self.max_rss:
            reason = f"at {worker.rss / 2**20:.0f} MB resident"
        with self.lock:
            if reason is None and not self.closed:
                self.idle.append(worker)
                return
        if reason:
            log.info("crawl worker %d retired %s", worker.pid, reason)
        worker.close()

    @property
    def pids(self) -> list[int]:
        """The idle workers' process ids."""
        with self.lock:
            return [worker.pid for worker in self.idle]

    def close(self) -> None:
        """Retire the idle workers; a busy one is retired when its crawl ends."""
        with self.lock:
            self.closed = True
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.close()


def _owner(directory: Path) -> int | None:
    """The pid in a crawl directory's name (None: not one of ours, or an older name)."""
    pid = directory.name.removeprefix(TMP_PREFIX).split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_crawl_dirs(root: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove the directories of crawl workers whose owner process is gone; the removed ones."""
    removed = []
    for directory in Path(root or tempfile.gettempdir()).glob(TMP_PREFIX + "*"):
        owner = _owner(directory)
        if owner is not None and owner != os.getpid() and not _alive(owner):
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
    return removed
