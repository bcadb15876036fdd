"""The end-to-end harness: the real CLI (crawl child processes included) against the fixture site."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from config.settings import DEFAULT_CONFIG
from fixture_site import FixtureSite
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


