"""The parent side of a crawl: the child is never left running, and gets no secrets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from config.settings import load_settings
from crawler.check import CheckOptions, crawl_rules
from crawler.contract import CrawlJob, SourcePlan, ViewPlan
from crawler.fetch import child_environment, remove_stale_crawl_dirs, run_crawl
from ledger.db import DatabaseError, make_engine


def _processes_under(directory: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if proc.name.isdigit() and str(directory) in argv:
            found.append(argv)
    return found


def _job(base_url: str, *views: ViewPlan) -> CrawlJob:
    settings = load_settings(environ={})
    source = settings.sources[0].with_base_url(base_url)
    plan = SourcePlan(source.name, source.base_url)
    return CrawlJob("test", "quick", plan, views, crawl_rules(settings.crawl))


def test_an_error_in_the_parent_kills_the_crawl_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the job file lands here

    def progress(done: int, scheduled: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the crawl runs

    view = ViewPlan("v", "http://10.255.255.1:9/x", "table", "v", 0)
    job = _job("http://10.255.255.1:9", view)  # a black hole: the child would wait on its connect
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_crawl(job, 60, progress)
    assert time.monotonic() - started < 30
    assert _processes_under(tmp_path) == []
    assert list(tmp_path.iterdir()) == [], "no temporary files left"


def test_a_timed_out_crawl_leaves_no_process_and_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with socket.create_server(("127.0.0.1", 0)) as silent:  # connects, never answers
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        job = _job(base, ViewPlan("v", base + "/x", "table", "v", 0))
        outcome = run_crawl(job, 1.5)
    assert outcome.failure == "crawl timed out after 1.5 s and was killed"
    assert _processes_under(tmp_path) == [] and list(tmp_path.iterdir()) == []


def test_a_finished_crawl_leaves_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    outcome = run_crawl(_job("http://127.0.0.1:9"), 60)  # no views: the child ends at once
    assert outcome.result is not None and outcome.result.run_key == "test"
    assert list(tmp_path.iterdir()) == []


def test_the_crawl_dir_names_its_owner_and_stale_ones_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = tmp_path / f"oigwatch-crawl-{dead}-k3j2"
    mine = tmp_path / f"oigwatch-crawl-{os.getpid()}-a8d1"  # another crawl of this process
    init = tmp_path / "oigwatch-crawl-1-zz99"  # a live process that is not ours
    older = tmp_path / "oigwatch-crawl-q7x8"  # a name without a pid: not judged
    for directory in (stale, mine, init, older):
        (directory / "deep").mkdir(parents=True)
        (directory / "deep" / "job.json").write_text("{}")
    assert remove_stale_crawl_dirs() == [stale]
    assert sorted(tmp_path.iterdir()) == sorted([mine, init, older])
    (stale / "deep").mkdir(parents=True)
    run_crawl(_job("http://127.0.0.1:9"), 60)  # every crawl sweeps first
    assert sorted(tmp_path.iterdir()) == sorted([mine, init, older])


def test_the_child_gets_no_secrets() -> None:
    environ = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "OIGWATCH_SLACK_TOKEN": "xoxb-1",
        "OIGWATCH_DATABASE_URL": "postgresql://u:pw@h/db",
        "PGPASSWORD": "pw",
        "GITHUB_TOKEN": "t",
    }
    assert child_environment(environ) == {"PATH": "/usr/bin", "HOME": "/root"}


def test_a_bad_database_url_is_named_without_its_password() -> None:
    with pytest.raises(DatabaseError) as error:
        make_engine("postgresql//oigwatch:hunter2@db/oigwatch")  # a missing colon
    assert "hunter2" not in str(error.value) and "postgresql://USER" in str(error.value)


def test_check_options_compare_without_their_abort_switch() -> None:
    import threading

    assert CheckOptions(abort=threading.Event()) == CheckOptions()
