"""The command line as a newcomer meets it: help, wrong flags, bad config, dead servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.loopback_http import closed_port

from cli.main import main
from ledger.db import SCHEMA_HEAD

COMMANDS = [
    "run",
    "crawl",
    "changes",
    "report",
    "sources",
    "demo",
    "db",
    "release",
    "deliver",
    "deliveries",
    "retry",
    "test-route",
    "digest",
]


def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_with_an_example(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout or command == "db"
    docs = (Path(__file__).parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"oigwatch {command}" in docs, f"docs/cli.md does not document `oigwatch {command}`"


def test_wrong_flag_is_a_usage_error() -> None:
    result = invoke("crawl", "--deeep")
    assert result.exit_code == 2 and "No such option" in result.stderr


def test_bad_pdf_checks_value_says_what_to_use() -> None:
    result = invoke("crawl", "--pdf-checks", "some")
    assert result.exit_code == 2 and "'all'" in result.stderr


def test_unknown_config_key_is_named(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[crawl]\ndelay = 1\nconcurency = 4\n", encoding="utf-8")
    result = invoke("crawl", "--config", str(config), "--db", f"sqlite:///{tmp_path}/x.db")
    assert result.exit_code == 2
    assert "crawl.concurency: unknown key" in result.stderr


def test_unknown_environment_key_is_named(tmp_path: Path) -> None:
    result = invoke(
        "sources", "--db", f"sqlite:///{tmp_path}/x.db", env={"OIGWATCH_GATES__REMOVAL_SWEPS": "3"}
    )
    assert result.exit_code == 2 and "gates.removal_sweps: unknown key" in result.stderr


def test_invalid_value_is_named(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        '[[sources]]\nname = "x"\nbase_url = "ftp://x"\nviews = []\n', encoding="utf-8"
    )
    result = invoke("sources", "--config", str(config), "--db", f"sqlite:///{tmp_path}/x.db")
    assert result.exit_code == 2 and "sources[x].base_url" in result.stderr


def test_unknown_source_lists_the_configured_ones(tmp_path: Path) -> None:
    result = invoke("crawl", "--source", "nope", "--db", f"sqlite:///{tmp_path}/x.db")
    assert result.exit_code == 2 and "dhs-oig" in result.stderr


def test_dead_database_server_is_a_clear_error_without_the_password() -> None:
    url = f"postgresql://oigwatch:s3cret-pw@127.0.0.1:{closed_port()}/oigwatch"
    result = invoke("changes", "--db", url)
    assert result.exit_code == 2
    assert "cannot open the database" in result.stderr and "s3cret-pw" not in result.stderr


def test_dead_site_is_an_unhealthy_run_not_a_crash(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    result = invoke(
        "crawl",
        "--quick",
        "--json",
        "--base-url",
        dead,
        "--delay",
        "0",
        "--db",
        f"sqlite:///{tmp_path}/x.db",
        env={"OIGWATCH_CRAWL__RETRIES": "0", "OIGWATCH_CRAWL__TIMEOUT": "2"},
    )
    assert result.exit_code == 1
    [event] = [json.loads(line) for line in result.stdout.splitlines()]
    assert event["kind"] == "source_unhealthy" and "Connection" in event["reason"]
    assert "unhealthy" in result.stderr


def test_empty_ledger_answers_politely(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/x.db"
    assert invoke("db", "upgrade", "--db", db).exit_code == 0  # readers create no ledger
    assert "No changes recorded yet" in invoke("changes", "--db", db).stderr
    assert "No runs yet" in invoke("sources", "--db", db).stdout
    missing = invoke("report", "OIG-99-99", "--db", db)
    assert missing.exit_code == 2 and "no report" in missing.stderr


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/x.db"
    first = invoke("db", "upgrade", "--db", db)
    assert first.exit_code == 0 and "(was empty)" in first.stdout
    second = invoke("db", "upgrade", "--db", db)
    assert second.exit_code == 0 and f"(was {SCHEMA_HEAD})" in second.stdout


def test_cli_reference_is_current() -> None:
    from cli.doc import DOC, render

    current = DOC.read_text(encoding="utf-8")
    assert render(current) == current, "run `python -m cli.doc` to regenerate docs/cli.md"


def test_unresolvable_site_fails_fast_without_trying_every_page(tmp_path: Path) -> None:
    result = invoke("crawl", "--deep", "--json", "--base-url", "http://oigwatch-test.invalid",
                    "--db", f"sqlite:///{tmp_path}/x.db")  # fmt: skip
    assert result.exit_code == 1
    [event] = [json.loads(line) for line in result.stdout.splitlines()]
    assert event["kind"] == "source_unhealthy" and "site unreachable" in event["reason"]


def test_bad_route_and_target_keys_name_the_route_and_target(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        '[[targets]]\nkind = "slack"\nname = "imm"\nchannel = "C1"\ntoken = "xoxb-oops"\n\n'
        '[[routes]]\nname = "immigration-desk"\ntarget = "imm"\nkinds = ["nwe"]\n'
        '[[routes]]\nname = "ops"\ntarget = "slak"\n',
        encoding="utf-8",
    )
    result = invoke("sources", "--config", str(config), "--db", f"sqlite:///{tmp_path}/x.db")
    assert result.exit_code == 2
    assert "targets[imm].token: unknown key" in result.stderr
    assert "routes[immigration-desk].kinds" in result.stderr and "unknown kinds" in result.stderr
    assert "xoxb-oops" not in result.stderr
