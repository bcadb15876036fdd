"""`python -m fixture_site`: serve in a child process, mutate over HTTP, save state on exit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner

from fixture_site.__main__ import cli
from tests.fixture_site.fsite_helpers import AUDITS, keys

ROOT = Path(__file__).resolve().parents[2]


def test_serve_mutate_and_stop(tmp_path: Path) -> None:
    saved = tmp_path / "state.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "fixture_site", "serve", "--reports", "120"]
    child = subprocess.Popen(
        [*command, "--save-state", str(saved)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        assert line.startswith("fixture site listening on http://127.0.0.1:")
        base = line.rsplit(" ", 1)[1]
        assert len(keys(httpx.get(base + AUDITS).text)) == 50
        op = json.dumps({"op": "add_report", "report_number": "OIG-27-50"})
        result = CliRunner().invoke(cli, ["mutate", base, op])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["report_number"] == "OIG-27-50"
        assert keys(httpx.get(base + AUDITS).text)[0] == "OIG-27-50"
    finally:
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=10) == 0
    reports = json.loads(saved.read_text(encoding="utf-8"))["reports"]
    assert reports[-1]["report_number"] == "OIG-27-50"


def test_build_state_command_and_help(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    result = CliRunner().invoke(cli, ["build-state", "--reports", "30", str(out)])
    assert result.exit_code == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["reports"]) == 30
    help_text = CliRunner().invoke(cli, ["--help"]).output
    assert "serve" in help_text and "mutate" in help_text
