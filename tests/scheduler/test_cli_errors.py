"""The one mapping of errors to exit codes (cli/common.py ``Commands``): our known errors exit 2 on
one line, Ctrl-C 130 and SIGTERM 143 with "interrupted", anything else keeps exit 1 and its
traceback (a bug must be seen)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from cli.common import Commands, Terminated
from config.settings import ConfigError
from ledger.db import DatabaseError, NoLedger
from notifier.transports import MissingSecret

RAISED: dict[str, BaseException] = {
    "config": ConfigError("invalid configuration (x.toml): crawl.delay: must be >= 0"),
    "database": DatabaseError("database URL: not a database URL;\nuse sqlite:///PATH"),
    "no-ledger": NoLedger("no ledger at x.db; run `oigwatch crawl` first or check --db"),
    "secret": MissingSecret("slack target desk: environment variable OIGWATCH_X is not set"),
    "ctrl-c": KeyboardInterrupt(),
    "sigterm": Terminated(),
    "bug": RuntimeError("a bug"),
}


@click.group(cls=Commands)
def group() -> None:
    pass


@group.command()
@click.argument("name")
def fail(name: str) -> None:
    raise RAISED[name]


@pytest.mark.parametrize("name", ["config", "database", "no-ledger", "secret"])
def test_our_known_errors_exit_2_on_one_line(name: str) -> None:
    result = CliRunner().invoke(group, ["fail", name])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"Error: {' '.join(str(RAISED[name]).split())}"]


@pytest.mark.parametrize(("name", "code"), [("ctrl-c", 130), ("sigterm", 143)])
def test_an_interruption_exits_130_or_143(name: str, code: int) -> None:
    result = CliRunner().invoke(group, ["fail", name])
    assert result.exit_code == code and result.stderr == "interrupted\n"


def test_an_unexpected_error_keeps_exit_1_and_its_traceback() -> None:
    result = CliRunner().invoke(group, ["fail", "bug"])
    assert result.exit_code == 1 and isinstance(result.exception, RuntimeError)
