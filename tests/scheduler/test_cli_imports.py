"""Lazy imports (issue #12): `oigwatch --help` and a command's own help import only click and
light modules; `changes`, `sources` and `report` never import the crawler's, the service's or the
channels' libraries. Each command runs in a fresh interpreter, which then lists what it imported:
a top-level import of one of them anywhere on the path fails here."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from support.harness import write_config

from cli.main import COMMANDS, main
from ledger.db import ensure_schema, make_engine
from ledger.outbox import EventRow, insert_events
from ledger.store import Ledger

REPO = Path(__file__).resolve().parents[2]
NEVER = {"scrapy", "twisted", "apscheduler", "uvicorn", "fastapi", "starlette", "slack_sdk",
         "httpx", "feedgen", "jinja2", "alembic", "lxml", "parsel"}  # fmt: skip
HEAVY = {"sqlalchemy", "pydantic", "psycopg"}  # what --help never needs
PROBE = """
import json, sys
from cli.main import main
try:
    main(sys.argv[1:], prog_name="oigwatch")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def modules(*argv: str) -> tuple[int, str, set[str]]:
    """Run ``oigwatch ARGV`` in a fresh interpreter: its exit code, its output and every module
    it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], done.stdout, set(report["modules"])


def imported(*argv: str) -> tuple[int, set[str]]:
    """Run ``oigwatch ARGV`` in a fresh interpreter: its exit code and the top-level packages
    it imported."""
    code, _, names = modules(*argv)
    return code, {name.split(".")[0] for name in names}


def test_help_imports_only_click_and_light_modules() -> None:
    code, packages = imported("--help")
    assert code == 0
    assert not packages & (NEVER | HEAVY), packages & (NEVER | HEAVY)
    assert not packages & {"ledger", "notifier", "scheduler", "web"}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_commands_help_is_light(name: str) -> None:
    code, packages = imported(name, "--help")
    assert code == 0
    assert not packages & (NEVER | HEAVY), packages & (NEVER | HEAVY)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A config and an empty ledger."""
    tmp = tmp_path_factory.mktemp("imports")
    config, db = str(write_config(tmp)), f"sqlite:///{tmp}/ledger.db"
    engine = make_engine(db)
    ensure_schema(engine)
    engine.dispose()
    return config, db


@pytest.mark.parametrize(
    "argv", [["changes"], ["changes", "--json", "--all"], ["sources"], ["report", "OIG-14-131"]]
)
def test_reading_commands_never_import_the_crawler_service_or_channels(
    ledger: tuple[str, str], argv: list[str]
) -> None:
    config, db = ledger
    code, packages = imported(*argv, "--config", config, "--db", db)
    assert code in (0, 2)  # the report is not in this ledger: exit 2, after opening it
    assert {"sqlalchemy", "pydantic", "ledger"} <= packages  # the probe sees what ran
    assert not packages & NEVER, packages & NEVER


def test_listing_changes_imports_only_the_renderer_parts_its_events_need(
    ledger: tuple[str, str], tmp_path: Path
) -> None:
    """A plain new report is printed without the bulk hold's renderer, the PDF redline's, or the
    transports the console channel sends through (issue #12: `changes` starts fast)."""
    config, _ = ledger
    db = f"sqlite:///{tmp_path}/one.db"
    engine = make_engine(db)
    try:
        ensure_schema(engine)
        event = EventRow(dedupe_key="one", source_id=Ledger(engine).source_id("dhs-oig"),
                         run_id=None, report_id=None, kind="new", status="published",
                         detected_at=datetime(2026, 11, 16, 9, tzinfo=UTC),
                         payload={"report_number": "OIG-26-01", "title": "A new report"})  # fmt: skip
        with engine.begin() as conn:
            insert_events(conn, [event])
    finally:
        engine.dispose()
    code, out, names = modules("changes", "--config", config, "--db", db)
    assert code == 0 and "[New] OIG-26-01 A new report" in out
    assert "notifier.console" in names  # the probe sees what ran
    lazy = {"notifier.render.bulk", "notifier.render.pdf_changes", "documents.changes",
            "notifier.transports"}  # fmt: skip
    assert not names & lazy, names & lazy


def test_the_group_lists_every_command_with_its_own_summary() -> None:
    """The summaries in cli/main.py are each command's first help paragraph, and `--help`
    lists the same text a group holding every loaded command lists."""
    loaded = click.Group("oigwatch", help=main.help)
    for name in sorted(COMMANDS):
        command = main.get_command(click.Context(main), name)
        assert command is not None and command.help is not None
        first = command.help.split("\n\n")[0]
        assert " ".join(first.split()) == COMMANDS[name][1], name
        loaded.add_command(command)
    lazy = click.Context(main, info_name="oigwatch")
    eager = click.Context(loaded, info_name="oigwatch")
    listing = lazy.get_help().partition("Commands:")[2]
    assert listing and listing == eager.get_help().partition("Commands:")[2]
    assert set(COMMANDS) == set(main.list_commands(lazy))
