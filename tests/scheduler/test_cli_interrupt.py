"""Ctrl-C or SIGTERM during `oigwatch crawl` (issue #11, observation 5): the real command in a
process of its own against a slow fixture site; it says so, exits 130 (143 for SIGTERM), records
no run and leaves no crawl child behind."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
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


def _children_in(directory: Path) -> list[int]:
    """Live processes whose command line names ``directory`` (a crawl child names its job)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().decode(errors="replace")
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
    private = tmp_path / "tmp"  # the crawl's TMPDIR: only this test's crawl child names it
    private.mkdir()
    config = write_config(tmp_path)
    argv = [str(OIGWATCH), "crawl", "--config", str(config), "--db", db_url,
            "--base-url", slow_site.base_url, "--deep"]  # fmt: skip
    cli = subprocess.Popen(
        argv,
        env={**os.environ, "TMPDIR": str(private)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
    )
    try:
        [child] = wait_until(lambda: _children_in(private), 60, "the crawl child")
        cli.send_signal(signum)  # to the command only, as a terminal's Ctrl-C reaches it
        _out, err = cli.communicate(timeout=30)
        assert cli.returncode == code, err
        assert err.strip().splitlines()[-1] == "interrupted; nothing recorded", err
        assert "Traceback" not in err and "Aborted" not in err
        wait_until(lambda: _gone(child), 5, "the crawl child to be gone")
        assert _children_in(private) == []
        assert _runs(db_url) == 0
        sources = CliRunner().invoke(main, ["sources", "--config", str(config), "--db", db_url])
        assert sources.exit_code == 0, sources.stderr
        assert "no run recorded yet" in sources.stdout and "healthy" not in sources.stdout
    finally:
        for pid in _children_in(private):
            with contextlib.suppress(OSError):
                os.killpg(os.getpgid(pid), signal.SIGKILL)
        if cli.poll() is None:
            cli.kill()
            cli.wait()
