"""No orphans: the service's crawl worker dies with the service, even a SIGKILLed one, and leaves
no files; `oigwatch crawl` runs its crawl in its own process, so it has no child to leave."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.crawl_jobs import children, gone
from support.harness import write_config
from support.service import ServiceProcess, wait_until

from fixture_site import FixtureSite

OIGWATCH = Path(sys.executable).parent / "oigwatch"


def _workers(service: ServiceProcess) -> list[int]:
    """The service's crawl workers (a worker's command line names its directory)."""
    return [
        pid
        for pid in children(service.proc.pid)
        if str(service.tmpdir) in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    ]


def test_sigkill_of_the_service_takes_its_crawl_worker_and_its_files(
    site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, service="quick_interval = 0.5\njitter = 0\n")
    site.mutate(
        {"op": "http_fault", "match": "/reports/", "kind": "delay", "seconds": 2, "count": -1}
    )
    db_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    service = ServiceProcess(tmp_path, config, db_url, site.base_url)
    try:
        [worker] = wait_until(lambda: _workers(service), 30, "the crawl worker")
        [workdir] = service.crawl_dirs()
        assert workdir.name.split("-")[2] == str(service.proc.pid)  # named after its owner
        assert os.getpgid(worker) == worker != os.getpgid(service.proc.pid)  # its own group
        service.proc.kill()  # SIGKILL: no finally, no atexit, no signal handler runs in it
        service.proc.wait()
        wait_until(lambda: gone(worker), 5, "the orphaned worker to die")
        assert service.stray_processes() == []
        wait_until(lambda: not service.crawl_dirs(), 5, "its directory to go")
    finally:
        service.kill()


def test_oigwatch_crawl_starts_no_child_and_leaves_nothing_when_killed(
    site: FixtureSite, tmp_path: Path
) -> None:
    private = tmp_path / "tmp"
    private.mkdir()
    config = write_config(tmp_path)
    site.mutate(
        {"op": "http_fault", "match": "/reports/", "kind": "delay", "seconds": 2, "count": -1}
    )
    argv = [str(OIGWATCH), "crawl", "--config", str(config), "--db",
            f"sqlite:///{tmp_path / 'ledger.db'}", "--base-url", site.base_url, "--deep"]  # fmt: skip
    cli = subprocess.Popen(
        argv,
        env={**os.environ, "TMPDIR": str(private)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until(lambda: any(e.path == "/robots.txt" for e in site.app.log), 60, "the crawl")
        time.sleep(0.5)  # listing pages are being fetched
        assert children(cli.pid) == []
        cli.kill()
        cli.wait()
        asked = len(site.app.log)
        time.sleep(2.5)
        assert len(site.app.log) == asked, "nothing crawls on after the command"
        assert list(private.iterdir()) == []
    finally:
        if cli.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(cli.pid, signal.SIGKILL)
            cli.wait()


def test_the_service_polls_through_one_worker(site: FixtureSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, service="quick_interval = 0.5\njitter = 0\n")
    db_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    service = ServiceProcess(tmp_path, config, db_url, site.base_url)
    try:
        seen: set[int] = set()

        def polls() -> bool:
            seen.update(_workers(service))
            return len(service.runs()) >= 4

        wait_until(polls, 90, "four sweeps")
        assert len(seen) == 1, seen  # one worker, crawl after crawl
        assert {run["outcome"] for run in service.runs()} <= {"baseline", "healthy"}
        assert service.stop() == 0
        assert service.stray_processes() == [] and service.crawl_dirs() == []
    finally:
        service.kill()
