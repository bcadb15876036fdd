"""`oigwatch run` as a real process (its own session, its own TMPDIR) for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from ledger.db import normalize_url

SERVING = re.compile(r"feeds, pages and /healthz on (http://\S+)")


def wait_until(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "it") -> Any:
    """Poll ``predicate`` until it is truthy; its value (AssertionError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def crawl_runs(db_url: str) -> list[dict[str, Any]]:
    """The ledger's crawl runs, oldest first."""
    engine = create_engine(normalize_url(db_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("select id, sweep, outcome, reason from crawl_runs order by id")
            )
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class ServiceProcess:
    """One ``python -m cli run`` against a fixture site and a ledger."""

    def __init__(
        self,
        workdir: Path,
        config: Path,
        db_url: str,
        base_url: str,
        *,
        http: bool = False,
        env: dict[str, str] | None = None,
    ) -> None:
        self.workdir, self.db_url = workdir, db_url
        self.tmpdir = workdir / "tmp"  # the crawls' temporary files land here
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / f"service-{time.monotonic_ns()}.log"
        argv = [sys.executable, "-m", "cli", "run", "--config", str(config)]
        argv += ["--db", db_url, "--base-url", base_url]
        argv += ["--port", "0"] if http else ["--no-http"]
        environment = {**os.environ, "TMPDIR": str(self.tmpdir), **(env or {})}
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(lambda: self._alive() and "service started" in self.log, 30, "the start")
        found = SERVING.search(self.log)
        self.url: str | None = found.group(1) if found else None

    def _alive(self) -> bool:
        assert self.proc.poll() is None, f"the service exited early:\n{self.log}"
        return True

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def runs(self) -> list[dict[str, Any]]:
        """The ledger's crawl runs, oldest first."""
        return crawl_runs(self.db_url)

    def crawl_dirs(self) -> list[Path]:
        """Temporary directories of crawls (present while a crawl child runs)."""
        return sorted(self.tmpdir.glob("oigwatch-crawl-*"))

    def stray_processes(self) -> list[str]:
        """Command lines of processes still using this service's TMPDIR (crawl children)."""
        found = []
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit() and str(self.tmpdir) in (argv := _cmdline(proc)):
                found.append(argv)
        return found

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> int:
        """Send ``sig`` and wait for the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        """Tear down whatever is left (test cleanup), crawl children in their own groups too."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit() and str(self.tmpdir) in _cmdline(proc):
                with contextlib.suppress(OSError):
                    os.killpg(os.getpgid(int(proc.name)), signal.SIGKILL)
        self._log.close()
