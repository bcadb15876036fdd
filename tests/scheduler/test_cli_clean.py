"""Console output and ``--json`` lines of the command line carry no bidi override or isolate, NUL
or terminal escape from ledger rows stored before admission cleaned text (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from support.old_rows import NUMBER, SHOWN, UNSAFE, strings, write_hostile_rows

from cli.main import main
from ledger.db import ensure_schema, make_engine


@pytest.fixture
def hostile_db(db_url: str) -> Iterator[str]:
    engine = make_engine(db_url)
    ensure_schema(engine)
    write_hostile_rows(engine)
    engine.dispose()
    yield db_url


def run(db_url: str, *args: str, stdout_only: bool = False) -> str:
    result = CliRunner().invoke(main, [*args, "--db", db_url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout if stdout_only else result.stdout + result.stderr


@pytest.mark.parametrize(
    "args", [("changes",), ("report", NUMBER), ("sources",)], ids=lambda a: " ".join(a)
)
def test_console_output_is_clean(hostile_db: str, args: tuple[str, ...]) -> None:
    output = run(hostile_db, *args)
    assert not UNSAFE.search(output.replace("\n", "")), UNSAFE.findall(output)
    assert SHOWN in output


def test_changes_console_shows_every_field_cleaned(hostile_db: str) -> None:
    output = run(hostile_db, "changes")
    assert f"[New] {NUMBER}{SHOWN} ICE {SHOWN} Transfers" in output
    assert f"CBP, {SHOWN}" in output and f"labels: {SHOWN}" in output
    assert f"[Source unhealthy] dhs-oig: HTTP 503 {SHOWN}" in output


@pytest.mark.parametrize(
    "args", [("changes", "--json"), ("report", NUMBER, "--json"), ("sources", "--json")],
    ids=lambda a: " ".join(a),
)  # fmt: skip
def test_json_output_is_clean(hostile_db: str, args: tuple[str, ...]) -> None:
    output = run(hostile_db, *args, stdout_only=True)
    documents = (
        [json.loads(output)]
        if args[0] == "sources"
        else [json.loads(line) for line in output.splitlines() if line]
    )
    texts = [text for document in documents for text in strings(document)]
    assert texts and any(SHOWN in text for text in texts)
    for text in texts:
        assert not UNSAFE.search(text), repr(text)
