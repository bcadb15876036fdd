"""`oigwatch changes` lists the last 100 changes by default (a line on stderr says there are
older ones); --limit N the last N, --all every one. Oldest first in each case."""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.harness import write_config

from cli.changes import DEFAULT_LIMIT
from cli.main import main
from ledger.db import ensure_schema, make_engine
from ledger.outbox import EventRow, insert_events
from ledger.store import Ledger

EVENTS = DEFAULT_LIMIT + 5


@pytest.fixture
def ledger(db_url: str, tmp_path: Path) -> tuple[str, str]:
    engine = make_engine(db_url)
    try:
        ensure_schema(engine)
        source_id = Ledger(engine).source_id("dhs-oig")
        start = datetime(2026, 11, 16, 9, tzinfo=UTC)
        rows = [
            EventRow(dedupe_key=f"limit:{n}", source_id=source_id, run_id=None, report_id=None,
                     kind="source_unhealthy", status="published",
                     detected_at=start + timedelta(minutes=n), payload={"reason": f"n{n}"})
            for n in range(EVENTS)
        ]  # fmt: skip
        with engine.begin() as conn:
            insert_events(conn, rows)
    finally:
        engine.dispose()
    return str(write_config(tmp_path)), db_url


def changes(ledger: tuple[str, str], *args: str) -> Any:
    config, db = ledger
    argv = ["changes", "--json", "--config", config, "--db", db, *args]
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def reasons(result: Any) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [json.loads(line)["reason"] for line in result.stdout.splitlines()]


def test_by_default_the_last_hundred_oldest_first_and_a_word_about_the_rest(
    ledger: tuple[str, str],
) -> None:
    result = changes(ledger)
    assert reasons(result) == [f"n{n}" for n in range(EVENTS - DEFAULT_LIMIT, EVENTS)]
    assert "the last 100 changes; older ones with --limit N or --all" in result.stderr


def test_all_lists_every_change_and_limit_the_last_n(ledger: tuple[str, str]) -> None:
    everything = changes(ledger, "--all")
    assert reasons(everything) == [f"n{n}" for n in range(EVENTS)]
    assert not everything.stderr
    three = changes(ledger, "--limit", "3")
    assert reasons(three) == [f"n{n}" for n in range(EVENTS - 3, EVENTS)]
    assert not three.stderr  # the user chose the cut


def test_no_word_when_nothing_was_left_out(ledger: tuple[str, str]) -> None:
    result = changes(ledger, "--kind", "source_unhealthy", "--limit", str(EVENTS))
    assert len(reasons(result)) == EVENTS and not result.stderr


def test_limit_and_all_together_is_a_usage_error(ledger: tuple[str, str]) -> None:
    result = changes(ledger, "--all", "--limit", "3")
    assert result.exit_code == 2 and "choose one" in result.stderr


def test_the_collector_pauses_while_changes_runs_and_resumes_after(
    ledger: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A brief command: no garbage collection while it imports, queries and prints (issue #12:
    the collector's sweeps of the import-time heap were a fifth of its start-up), and the
    collector is on again when it returns."""
    import ledger.change_list as change_list

    listed, seen = change_list.changes, []

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return listed(*args, **kwargs)

    monkeypatch.setattr(change_list, "changes", spy)
    assert gc.isenabled()
    assert len(reasons(changes(ledger))) == DEFAULT_LIMIT
    assert seen == [False]
    assert gc.isenabled()
