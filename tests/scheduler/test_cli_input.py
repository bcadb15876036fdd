"""Input is checked before any work: one line on stderr, exit 2, nothing recorded or created.

Issue #11, observations 1-4 and 9: URL schemes, database URLs (password never echoed), read-only
commands that create nothing, a config without sources, conflicting flags, test-route without
its secret, a missing $OIGWATCH_CONFIG, an immediate route's `digest --now`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect
from support.harness import write_config

from cli.main import main
from ledger.db import normalize_url


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def one_line_error(result: Result, code: int = 2) -> str:
    """The one stderr line of a refused command (no traceback), after checking its exit code."""
    assert result.exit_code == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def created(root: Path) -> list[Path]:
    return sorted(root.rglob("*"))


# 1. URL schemes: http and https, with a host


BAD_BASE_URLS = [
    ("ftp://127.0.0.1:8765", "ftp"),
    ("127.0.0.1:8765", "http://127.0.0.1:8765"),
    ("localhost:8765", "http://localhost:8765"),
    ("http://", "host"),
    ("http://[::1", "https://"),
    ("http://127.0.0.1:notaport", "https://"),
    ("file:///etc/passwd", "file"),
]


@pytest.mark.parametrize(("url", "named"), BAD_BASE_URLS)
@pytest.mark.parametrize("command", ["crawl", "run"])
def test_a_base_url_flag_that_is_not_http_is_refused_before_any_work(
    tmp_path: Path, command: str, url: str, named: str
) -> None:
    db = tmp_path / "data" / "ledger.db"
    result = invoke(command, "--base-url", url, "--db", f"sqlite:///{db}")
    line = one_line_error(result)
    assert "--base-url" in line and named in line and "http" in line
    assert created(tmp_path) == []  # no ledger, no run row, no source_unhealthy event


@pytest.mark.parametrize(("url", "named"), BAD_BASE_URLS)
def test_a_configured_base_url_that_is_not_http_is_refused(
    tmp_path: Path, url: str, named: str
) -> None:
    config = tmp_path / "oigwatch.toml"
    config.write_text(
        f'[[sources]]\nname = "x"\nbase_url = "{url}"\n'
        '[[sources.views]]\nname = "all"\npath = "/reports"\n',
        encoding="utf-8",
    )
    db = tmp_path / "data" / "ledger.db"
    line = one_line_error(invoke("crawl", "--config", str(config), "--db", f"sqlite:///{db}"))
    assert "sources[x].base_url" in line and named in line
    assert not db.parent.exists()


def test_a_public_url_that_is_not_http_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, service='public_url = "news.example.org/oig"\n')
    line = one_line_error(invoke("run", "--config", str(config), "--db", "sqlite://"))
    assert "service.public_url" in line and "http://news.example.org/oig" in line


# 2. Database URLs: SQLite or PostgreSQL, one line, the password never echoed


BAD_DB_URLS = [
    ("mysql://x@y/z", "SQLite and PostgreSQL"),
    ("mysql+pymysql://oig:hunter2@db/oig", "SQLite and PostgreSQL"),
    (":notaport", "sqlite:///"),
    ("[::1", "sqlite:///"),
    ("postgresql://oig:pw@[::1/oig", "sqlite:///"),
    ("postgresql://oig:hunter2@127.0.0.1:notaport/oig", "port"),
    ("postgresql://oig:hunt@er2@127.0.0.1/oig", "%40"),
    ("postgresql://oig:hunt@er2@127.0.0.1:5432/oig", "%40"),
    ("postgresql+psycopg2://oig:hunter2@127.0.0.1/oig", "postgresql://"),
    ("sqlite://somehost/x.db", "sqlite:///"),
]


@pytest.mark.parametrize(("url", "fix"), BAD_DB_URLS)
@pytest.mark.parametrize("command", ["sources", "crawl", "changes", "deliveries", "db upgrade"])
def test_a_bad_database_url_is_one_line_naming_the_fix(
    tmp_path: Path, command: str, url: str, fix: str
) -> None:
    line = one_line_error(invoke(*command.split(), "--db", url))
    assert "--db" in line and fix in line
    for secret in ("hunter2", "er2", "hunt"):
        assert secret not in line


@pytest.mark.parametrize(("url", "fix"), BAD_DB_URLS[:4])
def test_a_bad_database_url_from_the_environment_or_the_config_is_refused_too(
    tmp_path: Path, url: str, fix: str
) -> None:
    line = one_line_error(invoke("sources", env={"OIGWATCH_DATABASE_URL": url}))
    assert "database_url" in line and fix in line
    config = write_config(tmp_path)
    config.write_text(f"database_url = {url!r}\n" + config.read_text(encoding="utf-8"))
    line = one_line_error(invoke("sources", "--config", str(config)))
    assert "database_url" in line and fix in line


# 3. Read-only commands never create anything


READERS = [
    ("sources",),
    ("changes",),
    ("report", "OIG-14-131"),
    ("deliveries",),
    ("deliver",),
    ("retry", "1"),
    ("release", "1"),
]


@pytest.mark.parametrize("args", READERS, ids=lambda args: args[0])
def test_a_reader_on_a_missing_sqlite_ledger_creates_nothing(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    db = tmp_path / "nonexistent" / "dir" / "x.db"
    line = one_line_error(invoke(*args, "--db", f"sqlite:///{db}"))
    assert line == f"Error: no ledger at {db}; run `oigwatch crawl` first or check --db"
    assert created(tmp_path) == []


def test_a_reader_on_an_sqlite_file_that_is_not_a_ledger_leaves_it_alone(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    line = one_line_error(invoke("sources", "--db", f"sqlite:///{empty}"))
    assert f"{empty} holds no oigwatch ledger" in line and "check --db" in line
    assert empty.read_bytes() == b"" and created(tmp_path) == [empty]
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n", encoding="utf-8")
    line = one_line_error(invoke("changes", "--db", f"sqlite:///{text}"))
    assert "notes.txt" in line and "check --db" in line
    assert text.read_text(encoding="utf-8") == "not a database\n"
    assert created(tmp_path) == [empty, text]


@pytest.mark.postgres
def test_a_reader_on_an_empty_postgresql_database_creates_no_table(postgres_url: str) -> None:
    line = one_line_error(invoke("sources", "--db", postgres_url))
    assert "holds no oigwatch ledger" in line and "oigwatch crawl" in line
    engine = create_engine(normalize_url(postgres_url))
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_readers_read_a_ledger_that_exists(db_url: str) -> None:
    assert invoke("db", "upgrade", "--db", db_url).exit_code == 0
    result = invoke("sources", "--db", db_url)
    assert result.exit_code == 0 and "No runs yet" in result.stdout
    assert "No changes recorded yet" in invoke("changes", "--db", db_url).stderr


# 4. A config without sources


@pytest.mark.parametrize("command", ["crawl", "run", "sources"])
def test_a_config_without_sources_is_refused(tmp_path: Path, command: str) -> None:
    config = tmp_path / "oigwatch.toml"
    config.write_text("[crawl]\ndelay = 2\n", encoding="utf-8")
    db = tmp_path / "data" / "x.db"
    line = one_line_error(invoke(command, "--config", str(config), "--db", f"sqlite:///{db}"))
    assert str(config) in line and "[[sources]]" in line
    assert not db.parent.exists()


def test_a_crawl_with_every_source_disabled_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('name = "dhs-oig"', 'name = "dhs-oig"\nenabled = false', 1))
    db = tmp_path / "data" / "x.db"
    line = one_line_error(invoke("crawl", "--config", str(config), "--db", f"sqlite:///{db}"))
    assert "enabled" in line and "dhs-oig" in line
    assert not db.parent.exists()


# 9. The smaller ones


def test_quick_and_deep_together_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    result = invoke("crawl", "--quick", "--deep", "--db", f"sqlite:///{db}")
    assert result.exit_code == 2 and "--quick" in result.stderr and "--deep" in result.stderr
    assert "Traceback" not in result.stderr and not db.exists()


def test_a_missing_config_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    line = one_line_error(invoke("sources", env={"OIGWATCH_CONFIG": str(missing)}))
    assert "$OIGWATCH_CONFIG" in line and str(missing) in line
    line = one_line_error(invoke("sources", "--config", str(missing)))
    assert "--config" in line and str(missing) in line and "OIGWATCH_CONFIG" not in line


SLACK = """
[[targets]]
kind = "slack"
name = "desk"
channel = "C1"
token_env = "OIGWATCH_TEST_NO_SUCH_TOKEN"

[[routes]]
name = "desk"
target = "desk"
"""


def test_test_route_without_its_token_is_a_config_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, routes=SLACK)
    result = invoke("test-route", "desk", "--config", str(config), "--db", "sqlite://")
    line = one_line_error(result)
    assert "OIGWATCH_TEST_NO_SUCH_TOKEN" in line and "is not set" in line


def test_digest_now_on_an_immediate_route_says_so(tmp_path: Path) -> None:
    config = write_config(tmp_path, routes=SLACK)
    db = tmp_path / "x.db"
    result = invoke("digest", "desk", "--now", "--config", str(config), "--db", f"sqlite:///{db}")
    line = one_line_error(result, code=0)
    assert "route desk is immediate" in line and "nothing is held for a digest" in line
    assert "pending alerts" not in result.stderr and not db.exists()
