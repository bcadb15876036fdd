"""The parent side of a crawl: run the child process with a wall-clock limit, read its findings.

The child never outlives its parent: its stdin is a pipe from here that nothing is written to, so
it ends (EOF) when this process ends, however it ends, even by SIGKILL; the child then removes the
crawl's temporary directory and kills its own process group (``crawler/child.py``). Temporary
directories are named after their owner's pid, so a directory left behind by a dead owner (killed
between the child's end and its own clean-up) is removed by the next crawl.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crawler.contract import CrawlJob, CrawlResult

Progress = Callable[[int, int], None]
TMP_PREFIX = "oigwatch-crawl-"  # + the owner's pid + "-" + tempfile's random part


@dataclass(frozen=True, slots=True)
class CrawlOutcome:
    """The child's findings, or why there are none."""

    result: CrawlResult | None
    failure: str | None = None
    abandoned: bool = False  # stopped on request (service shutdown): record nothing


class CrawlAbandoned(Exception):
    """The crawl was stopped on request before it finished; nothing was recorded."""


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _end(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child's group unless it has exited; then close its pipes (its lifeline too)."""
    if proc.poll() is None:
        _kill_group(proc)
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _follow(
    proc: subprocess.Popen[bytes],
    deadline: float,
    progress: Progress | None,
    abort: threading.Event | None = None,
) -> bool:
    """Relay progress lines until the child exits; False when the deadline passed first or
    ``abort`` was set."""
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    buffer = b""
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or (abort is not None and abort.is_set()):
                return False
            if not selector.select(timeout=min(left, 0.25 if abort else 1.0)):
                if proc.poll() is not None:
                    return True
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                return True
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            if progress and lines:
                fields = lines[-1].split()  # "progress DONE SCHEDULED"; anything else is ignored
                if len(fields) == 3 and fields[1].isdigit() and fields[2].isdigit():
                    progress(int(fields[1]), int(fields[2]))
    except subprocess.TimeoutExpired:
        return False
    finally:
        selector.close()


def child_environment(environ: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """The parent's environment without oigwatch's secrets and database settings: the child
    needs only its job file."""
    return {
        name: value
        for name, value in environ.items()
        if not name.startswith(("OIGWATCH_", "PG")) and "TOKEN" not in name.upper()
    }


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
    """Remove the temporary directories of crawls whose owner process is gone; the removed ones."""
    removed = []
    for directory in Path(root or tempfile.gettempdir()).glob(TMP_PREFIX + "*"):
        owner = _owner(directory)
        if owner is not None and owner != os.getpid() and not _alive(owner):
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
    return removed


def run_crawl(
    job: CrawlJob,
    timeout: float,
    progress: Progress | None = None,
    abort: threading.Event | None = None,
) -> CrawlOutcome:
    """Crawl in a child process group, killed whole if it outlives ``timeout`` seconds or
    ``abort`` is set (then the outcome is ``abandoned``). The child dies with this process."""
    remove_stale_crawl_dirs()
    with tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}-") as tmp:
        job_path, result_path = Path(tmp, "job.json"), Path(tmp, "result.json")
        job_path.write_text(json.dumps(job.to_json()), encoding="utf-8")
        with open(Path(tmp, "stderr.log"), "w+b") as errors:
            argv = [str(job_path), str(result_path), "--die-with-parent"]
            proc = subprocess.Popen(
                [sys.executable, "-m", "crawler.child", *argv],
                stdin=subprocess.PIPE,  # the lifeline: it ends when this process does
                stdout=subprocess.PIPE,
                stderr=errors,
                start_new_session=True,
                env=child_environment(os.environ),
            )
            try:
                finished = _follow(proc, time.monotonic() + timeout, progress, abort)
            finally:  # over time, aborted, Ctrl-C in the CLI, a bug: never leave the crawl running
                _end(proc)
            if not finished:
                if abort is not None and abort.is_set():
                    return CrawlOutcome(None, "crawl abandoned on request", abandoned=True)
                return CrawlOutcome(None, f"crawl timed out after {timeout:g} s and was killed")
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
        if proc.returncode != 0 or not result_path.exists():
            detail = " | ".join(tail) or "no error output"
            return CrawlOutcome(None, f"crawl process failed (exit {proc.returncode}): {detail}")
        return CrawlOutcome(
            CrawlResult.from_json(json.loads(result_path.read_text(encoding="utf-8")))
        )
