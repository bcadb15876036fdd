"""The crawl's own summary on stderr is reader text too: a dead site reads in plain words."""

from __future__ import annotations

import gc
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
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


def test_the_collector_pauses_while_crawl_starts_up_and_runs_for_the_crawl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #12: no garbage collection while `crawl` starts up (the collector's sweeps of the
    import-time heap cost a tenth of a quick poll), the collector on for the crawl itself (a
    long sweep makes garbage), and on when the command returns."""
    import cli.crawl
    import crawler.check

    seen: list[tuple[str, bool]] = []

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def called(*args: Any, **kwargs: Any) -> Any:
            seen.append((name, gc.isenabled()))
            return real(*args, **kwargs)

        return called

    monkeypatch.setattr(cli.crawl, "settings_from", spy("start-up", cli.crawl.settings_from))
    monkeypatch.setattr(crawler.check, "check_source", spy("crawl", crawler.check.check_source))
    config = write_config(tmp_path)
    base = f"http://127.0.0.1:{closed_port()}"
    args = ["crawl", "--quick", "--config", str(config), "--db", f"sqlite:///{tmp_path}/l.db"]
    assert gc.isenabled()
    result = CliRunner().invoke(main, [*args, "--base-url", base])
    assert result.exit_code == 1, result.output
    assert seen == [("start-up", False), ("crawl", True)]
    assert gc.isenabled()
