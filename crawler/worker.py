"""The service's crawl worker: ``python -m crawler.worker DIR``, one long-lived process that keeps
Scrapy's reactor running and crawls job after job, so a poll pays no interpreter start or imports.

It speaks in frames (:func:`frame`: a 4-byte big-endian length, then UTF-8 JSON): the parent
writes ``{"job": CrawlJob}`` on stdin; the worker answers on stdout with ``{"progress": [done,
scheduled]}`` lines and then one ``{"result": CrawlResult, "rss": bytes}`` or ``{"failed": text,
"rss": bytes}``, and waits for the next job. One crawl at a time. Anything else the crawl prints
goes to stderr (DIR/stderr.log, read by the parent when a crawl fails), never into the frames.

Stdin is also the lifeline: at its end the parent has gone (exited, crashed or SIGKILLed) or
retired this worker, and the worker removes DIR and kills its own process group. Not
PR_SET_PDEATHSIG: that fires when the parent *thread* that started the worker ends, and the
service starts crawls from worker threads. The parent's side is ``crawler/pool.py``.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import shutil
import signal
import struct
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME = 1 << 30  # a job or result larger than 1 GiB is a broken stream, not a crawl


def frame(message: dict[str, Any]) -> bytes:
    """One message as bytes on the pipe."""
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(body)) + body


class Frames:
    """Messages out of a byte stream read in arbitrary chunks."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        self.buffer += chunk
        messages = []
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            if size > MAX_FRAME:
                raise ValueError(f"a frame of {size} bytes")
            if len(self.buffer) < HEADER.size + size:
                break
            body = bytes(self.buffer[HEADER.size : HEADER.size + size])
            del self.buffer[: HEADER.size + size]
            messages.append(json.loads(body))
        return messages


def resident_bytes() -> int:
    """This process's resident memory now (its peak where /proc is missing)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Worker:
    """The worker's side: jobs from the stdin thread, crawls on the reactor, frames out."""

    def __init__(self, out: int) -> None:
        self.out = out
        self.lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        data = frame(message)
        with self.lock:
            while data:
                data = data[os.write(self.out, data) :]

    def start(self, job_json: dict[str, Any]) -> None:
        """Begin one crawl (in the reactor's thread)."""
        from crawler.child import Crawl
        from crawler.contract import CrawlJob

        def progress(done: int, scheduled: int) -> None:
            self.send({"progress": [done, scheduled]})

        try:
            crawl = Crawl(CrawlJob.from_json(job_json), progress)
        except Exception as exc:
            self.failed(exc)
            return
        crawl.finished().addCallbacks(self.finished, lambda failure: self.failed(failure.value))

    def finished(self, result: Any) -> None:
        try:
            message = {"result": result.to_json()}
        except Exception as exc:  # a value that cannot be written as JSON: a failed crawl
            self.failed(exc)
            return
        settle_heap()
        self.send({**message, "rss": resident_bytes()})

    def failed(self, exc: BaseException) -> None:
        traceback.print_exception(exc, file=sys.stderr)
        sys.stderr.flush()
        settle_heap()
        self.send({"failed": f"{type(exc).__name__}: {exc}"[:500], "rss": resident_bytes()})


def settle_heap() -> None:
    """Collect the crawl's garbage; after the first crawl, move what survives (modules, Scrapy's
    classes, the layouts) out of the collector's reach with ``gc.freeze``, so each later crawl's
    full collection scans only that crawl's objects (~1 ms, not ~30 ms over the whole heap)."""
    gc.collect()
    if not gc.get_freeze_count():
        gc.freeze()


def read_jobs(worker: Worker, workdir: Path) -> None:
    """Hand each job on stdin to the reactor; at the end of stdin, end this process group."""
    from twisted.internet import reactor

    frames = Frames()
    try:
        while chunk := os.read(0, 1 << 20):
            for message in frames.feed(chunk):
                reactor.callFromThread(worker.start, message["job"])
    except (OSError, ValueError):
        pass
    shutil.rmtree(workdir, ignore_errors=True)
    os.killpg(0, signal.SIGKILL)


def main(argv: list[str]) -> None:
    workdir = Path(argv[0])
    out = os.dup(1)  # the frames' own descriptor ...
    os.dup2(2, 1)  # ... and whatever a crawl prints goes to the log
    worker = Worker(out)
    from config.registry import LAYOUTS
    from crawler.child import run_reactor

    LAYOUTS.discover()  # the layouts (and lxml) load now, not in the first crawl
    import lxml.html  # noqa: F401

    ready = threading.Event()

    def jobs() -> None:
        ready.wait()
        read_jobs(worker, workdir)

    threading.Thread(target=jobs, name="jobs", daemon=True).start()
    run_reactor(ready)


if __name__ == "__main__":
    main(sys.argv[1:])
