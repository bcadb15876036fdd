"""The crawl's own summary on stderr is reader text too: a dead site reads in plain words."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from click.testing import CliRunner
from support.harness import write_config

from cli.main import main


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_dead_site_is_summarised_in_plain_words(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    base = f"http://127.0.0.1:{closed_port()}"
    args = ["crawl", "--quick", "--config", str(config), "--db", f"sqlite:///{tmp_path}/l.db"]
    result = CliRunner().invoke(main, [*args, "--base-url", base])
    assert result.exit_code == 1, result.output
    summary, reason = result.stderr.splitlines()[:2]
    assert summary == "dhs-oig: quick sweep unhealthy, 0 pages, 0 listing rows, 1 event"
    assert reason.startswith("  reason: site unreachable: connection refused (13 pages, e.g. ")
    assert not re.search(r"[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Exception)\b|Errno|111:", reason)
