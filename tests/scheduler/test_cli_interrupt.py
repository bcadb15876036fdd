"""Ctrl-C or SIGTERM during `oigwatch crawl` (issue #11, observation 5): the real command in a
process of its own against a slow fixture site; it says so, exits 130 (143 for SIGTERM) and records
no run. The crawl runs in the command's own process (issue #12): no child is ever started."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from support.harness import write_config
from support.service import wait_until

from cli.main import main
from fixture_site import FixtureSite, build_state
from ledger.db import normalize_url

OIGWATCH = Path(sys.executable).parent / "oigwatch"


@pytest.fixture
def slow_site() -> Iterator[FixtureSite]:
    with FixtureSite(build_state(n_reports=60, seed=11)) as site:
        site.mutate(
            {"op": "http_fault", "match": "/reports/", "kind": "delay", "seconds": 3, "count": -1}
        )
        yield site


def _children(pid: int) -> list[int]:
    """The live child processes of ``pid``."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _crawling(site: FixtureSite) -> bool:
    """The crawl has begun: robots.txt was asked for (the listing pages are held 3 s each)."""
    return any(entry.path == "/robots.txt" for entry in site.app.log)


def _runs(db_url: str) -> int:
    engine = create_engine(normalize_url(db_url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("select count(*) from crawl_runs")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["sigint", "sigterm"]
)
def test_an_interrupted_crawl_records_nothing_and_leaves_no_child(
    slow_site: FixtureSite, db_url: str, tmp_path: Path, signum: int, code: int
) -> None:
    config = write_config(tmp_path)
    argv = [str(OIGWATCH), "crawl", "--config", str(config), "--db", db_url,
            "--base-url", slow_site.base_url, "--deep"]  # fmt: skip
    cli = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
    )
    try:
        wait_until(lambda: _crawling(slow_site), 60, "the crawl")
        time.sleep(0.5)  # a listing page is being fetched
        assert _children(cli.pid) == [], "the crawl runs in the command's own process"
        cli.send_signal(signum)  # to the command only, as a terminal's Ctrl-C reaches it
        _out, err = cli.communicate(timeout=30)
        assert cli.returncode == code, err
        assert err.strip().splitlines()[-1] == "interrupted; nothing recorded", err
        assert "Traceback" not in err and "Aborted" not in err
        assert _runs(db_url) == 0
        sources = CliRunner().invoke(main, ["sources", "--config", str(config), "--db", db_url])
        assert sources.exit_code == 0, sources.stderr
        assert "no run recorded yet" in sources.stdout and "healthy" not in sources.stdout
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
