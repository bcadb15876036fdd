"""No orphans: a crawl child dies with its parent, even a SIGKILLed one, and leaves no files."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from support.harness import write_config
from support.service import wait_until

from fixture_site import FixtureSite

OIGWATCH = Path(sys.executable).parent / "oigwatch"


def _processes_using(directory: Path) -> list[int]:
    """Live processes whose command line names ``directory`` (a crawl child names its job file)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().decode(errors="replace")  # empty for a zombie
        except OSError:
            continue
        if proc.name.isdigit() and str(directory) in argv:
            found.append(int(proc.name))
    return found


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")  # dead, waiting for init to reap it


def test_sigkill_of_oigwatch_crawl_takes_the_child_and_its_files(
    site: FixtureSite, tmp_path: Path
) -> None:
    private = tmp_path / "tmp"  # the crawl's TMPDIR: only this test's crawl dirs are in it
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
        [child] = wait_until(lambda: _processes_using(private), 30, "the crawl child")
        assert [d.name.split("-")[2] for d in private.glob("oigwatch-crawl-*")] == [str(cli.pid)]
        cli.kill()  # SIGKILL: no finally, no atexit, no signal handler runs in the parent
        cli.wait()
        wait_until(lambda: _gone(child), 5, "the orphaned child to die")
        assert _processes_using(private) == []
        wait_until(lambda: not list(private.glob("oigwatch-crawl-*")), 5, "its temp dir to go")
        assert list(private.iterdir()) == []
    finally:
        for pid in _processes_using(private):
            with contextlib.suppress(OSError):
                os.killpg(os.getpgid(pid), signal.SIGKILL)
        if cli.poll() is None:
            cli.kill()
            cli.wait()
