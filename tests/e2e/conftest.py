"""End-to-end harness: the real CLI (crawl child processes included) against the fixture site."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from config.settings import DEFAULT_CONFIG
from fixture_site import FixtureSite, build_state
from scheduler.cli import main

TEST_CRAWL = """
[crawl]
delay = 0.0
concurrency = 8
timeout = 3.0
retries = 2
backoff = 0.1
max_retry_after = 5.0
process_timeout = 90.0
"""


@dataclass
class Oigwatch:
    """Runs ``oigwatch`` commands against one fixture site and one ledger."""

    site: FixtureSite
    db_url: str
    config: Path

    def run(self, *args: str) -> Any:
        """Run a command; the click Result (exit_code, stdout, stderr)."""
        argv = [args[0], "--config", str(self.config), "--db", self.db_url, *args[1:]]
        return CliRunner().invoke(main, argv, catch_exceptions=False)

    def crawl(self, *args: str, expect: int = 0) -> list[dict[str, Any]]:
        """``oigwatch crawl --json`` against the site; its events, after checking the exit code."""
        result = self.run("crawl", "--base-url", self.site.base_url, "--json", *args)
        assert result.exit_code == expect, result.stdout + result.stderr
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    def changes(self, *args: str) -> list[dict[str, Any]]:
        result = self.run("changes", "--json", *args)
        assert result.exit_code == 0, result.stdout + result.stderr
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def write_config(directory: Path, extra: str = "") -> Path:
    """The shipped config with fast crawl settings for loopback tests."""
    shipped = DEFAULT_CONFIG.read_text(encoding="utf-8")
    head, _, rest = shipped.partition("[crawl]")
    rest = rest[rest.index("[gates]") :]
    path = directory / "oigwatch.toml"
    path.write_text(head + TEST_CRAWL + extra + "\n" + rest, encoding="utf-8")
    return path


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    """A fixture site of 300 reports with stable tie order (tests switch shuffling on)."""
    with FixtureSite(build_state(n_reports=300, seed=11)) as running:
        running.mutate({"op": "tie_shuffle", "mode": "stable"})
        yield running


@pytest.fixture
def oigwatch(site: FixtureSite, db_url: str, tmp_path: Path) -> Oigwatch:
    return Oigwatch(site, db_url, write_config(tmp_path))


@pytest.fixture
def baselined(oigwatch: Oigwatch) -> Oigwatch:
    """A ledger holding a silent baseline of the site, every PDF fingerprinted."""
    assert oigwatch.crawl("--deep", "--pdf-checks", "all") == []
    return oigwatch
