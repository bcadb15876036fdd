"""The end-to-end harness: the real CLI (crawl child processes included) against the fixture site."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from cli.main import main
from config.settings import DEFAULT_CONFIG
from fixture_site import FixtureSite
from ledger.db import normalize_url

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

    def run(self, *args: str, env: dict[str, str] | None = None) -> Any:
        """Run a command; the click Result (exit_code, stdout, stderr)."""
        argv = [args[0], "--config", str(self.config), "--db", self.db_url, *args[1:]]
        return CliRunner().invoke(main, argv, catch_exceptions=False, env=env)

    def crawl(
        self, *args: str, expect: int = 0, env: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """``oigwatch crawl --json`` against the site; its events, after checking the exit code."""
        result = self.run("crawl", "--base-url", self.site.base_url, "--json", *args, env=env)
        assert result.exit_code == expect, result.stdout + result.stderr
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    def deliveries(self) -> list[dict[str, Any]]:
        """``oigwatch deliveries --json``: every delivery, newest first."""
        result = self.run("deliveries", "--json")
        assert result.exit_code == 0, result.stdout + result.stderr
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    def changes(self, *args: str) -> list[dict[str, Any]]:
        result = self.run("changes", "--json", *args)
        assert result.exit_code == 0, result.stdout + result.stderr
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


NEWSROOM_SLACK = """
[[targets]]
kind = "slack"
name = "newsroom"
channel = "C-NEWS"
base_url = "{api}"
timeout = 10

[[routes]]
name = "newsroom"
target = "newsroom"
"""  # a Slack channel for every event: format with the FakeSlack's api_url


def write_config(directory: Path, extra: str = "", routes: str = "", service: str = "") -> Path:
    """The shipped config with fast crawl settings for loopback tests (plus targets and routes;
    ``service`` replaces the shipped [service] section's keys), its data directory
    ``directory``."""
    shipped = DEFAULT_CONFIG.read_text(encoding="utf-8")
    # the data directory (PDF archive and spool) is the test's own, never the working folder
    shipped = shipped.replace('data_dir = "data"', f"data_dir = {json.dumps(str(directory))}", 1)
    head, _, rest = shipped.partition("[crawl]")
    rest = rest[rest.index("[gates]") :]
    if service:
        rest = rest[: rest.index("[service]")] + "[service]\n" + service
    path = directory / "oigwatch.toml"
    path.write_text(head + TEST_CRAWL + extra + "\n" + rest + "\n" + routes, encoding="utf-8")
    return path


def ledger_snapshot(db_url: str) -> dict[str, Any]:
    """Everything a run may change about reports: rows, versions, page cache."""
    engine = create_engine(normalize_url(db_url))
    try:
        with engine.connect() as conn:
            reports = conn.execute(
                text(
                    "select key, content_hash, status, missing_sweeps, pdf_sha256, pdf_checked_at"
                    " from reports order by key"
                )
            ).all()
            versions = conn.execute(text("select count(*) from report_versions")).scalar()
            cache = conn.execute(text("select url, etag from page_cache order by url")).all()
        return {"reports": reports, "versions": versions, "page_cache": cache}
    finally:
        engine.dispose()
