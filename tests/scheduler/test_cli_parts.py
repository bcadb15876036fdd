"""The command line's shared parts on their own (``cli/common.py``, ``cli/read.py``,
``cli/deliver.py``, ``cli/__main__.py``): settings and the ledger with usage errors that say what
to fix, cleaned output, the report's version lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from cli.common import EXIT_USAGE, UsageFailure, echo_json, emit, open_ledger, settings_from
from cli.deliver import console_targets
from cli.read import _version_changes

ROOT = Path(__file__).resolve().parents[2]
TWO_CONSOLES = """
[[targets]]
kind = "console"
name = "desk"

[[targets]]
kind = "console"
name = "night"
"""


def test_settings_take_the_db_option_and_a_bad_config_is_a_usage_error(tmp_path: Path) -> None:
    settings = settings_from(None, f"sqlite:///{tmp_path}/x.db", service={"http_port": None})
    assert settings.db_url == f"sqlite:///{tmp_path}/x.db"
    bad = tmp_path / "bad.toml"
    bad.write_text("[crawl]\nno_such_key = 1\n")
    with pytest.raises(UsageFailure) as failure:
        settings_from(str(bad), None)
    assert failure.value.exit_code == EXIT_USAGE == 2 and "no_such_key" in failure.value.message


def test_the_ledger_is_created_on_first_use_by_a_writer_only(tmp_path: Path) -> None:
    settings = settings_from(None, f"sqlite:///{tmp_path}/new.db")
    with pytest.raises(UsageFailure, match="no ledger at"), open_ledger(settings):
        pytest.fail("a reader opened a ledger that is not there")
    assert list(tmp_path.iterdir()) == []
    with open_ledger(settings, create=True) as ledger:
        assert "change_events" in inspect(ledger.engine).get_table_names()
    with open_ledger(settings) as ledger:
        assert "change_events" in inspect(ledger.engine).get_table_names()


def test_an_unopenable_ledger_says_what_to_check(tmp_path: Path) -> None:
    (tmp_path / "x.db").mkdir()  # a directory where the file should be
    settings = settings_from(None, f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(UsageFailure) as failure, open_ledger(settings, create=True):
        pytest.fail("opened")
    assert failure.value.message.startswith(f"cannot open the database sqlite:///{tmp_path}")
    assert "check --db / OIGWATCH_DATABASE_URL" in failure.value.message
    with pytest.raises(UsageFailure) as failure, open_ledger(settings):
        pytest.fail("opened")
    assert failure.value.message == f"{tmp_path}/x.db is a folder, not a ledger file; check --db"


def test_json_and_text_output_are_cleaned(capsys: pytest.CaptureFixture[str]) -> None:
    event = {"kind": "new", "source": "dhs-oig", "title": "Red\x1b[31m \u202eflag", "changes": []}
    echo_json(event)
    emit(event, as_json=True)
    first, second = capsys.readouterr().out.splitlines()
    assert first == second and json.loads(first)["title"] == "Red[31m flag"
    emit(event, as_json=False)
    text = capsys.readouterr().out
    assert "Red[31m flag" in text and "\x1b" not in text and "\u202e" not in text


def test_a_reports_version_lines_redline_texts_and_arrow_values() -> None:
    old = {"report_number": "OIG-27-01", "title": "ICE Did Not Track", "fiscal_year": "2026",
           "components": ["ICE"], "url": "ignored"}  # fmt: skip
    new = {**old, "title": "ICE Did Not Fully Track", "fiscal_year": "2027", "url": "other"}
    assert _version_changes(old, new) == [
        "    Title: ICE Did Not {+Fully +}Track",
        "    Fiscal year: 2026 → 2027",
    ]
    assert _version_changes(old, old) == []


def test_console_targets_are_named(tmp_path: Path) -> None:
    config = tmp_path / "oigwatch.toml"
    config.write_text(TWO_CONSOLES)
    assert console_targets(settings_from(str(config), None)) == ["desk", "night"]


def test_python_dash_m_cli_runs_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--help"], cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: ") and "crawl" in done.stdout
