"""Kind words on the command line and in the config: ``pulled`` is ``removed`` wherever a kind is
named (``changes --kind``, a route's ``kinds``), and an unknown word lists the known ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from config.settings import load_settings
from crawler.clock import utcnow
from crawler.events import EventDraft
from crawler.health import Verdict
from ledger.db import ensure_schema, make_engine
from ledger.store import Ledger, RunRecord
from notifier.routes import router_for

CONFIG = """
[[targets]]
kind = "console"
name = "console"

[[routes]]
name = "pulled-only"
target = "console"
kinds = ["pulled"]
"""


def invoke(*args: str) -> Any:
    from cli.main import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def record(db_url: str, config: Path | None = None) -> None:
    """A new report and a pulled one, recorded as one run (routed by ``config``'s routes)."""
    engine = make_engine(db_url)
    ensure_schema(engine)
    routes = load_settings(config, environ={}).routes if config else ()
    ledger = Ledger(engine)
    now = utcnow()
    drafts = [
        EventDraft(kind, f"k-{kind}", {"kind": kind, "source": "dhs-oig", "report_number": number,
                                       "title": f"Report {number}", "changes": []})
        for kind, number in (("new", "OIG-27-01"), ("removed", "OIG-20-75"))
    ]  # fmt: skip
    ledger.record(
        RunRecord("run-1", ledger.source_id("dhs-oig"), "deep", now, now, "healthy",
                  Verdict(True), None, drafts, router=router_for(routes))
    )  # fmt: skip
    engine.dispose()


def kinds_listed(db_url: str, *args: str) -> list[str]:
    result = invoke("changes", "--db", db_url, "--json", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line)["kind"] for line in result.stdout.splitlines() if line]


def test_changes_kind_pulled_lists_the_removed_events(db_url: str) -> None:
    record(db_url)
    assert kinds_listed(db_url, "--kind", "pulled") == ["removed"], "stored (and JSON) as removed"
    assert kinds_listed(db_url, "--kind", "removed") == ["removed"]
    assert kinds_listed(db_url, "--kind", "pulled", "--kind", "new") == ["new", "removed"]


def test_an_unknown_kind_lists_the_known_words(tmp_path: Path) -> None:
    result = invoke("changes", "--db", f"sqlite:///{tmp_path}/x.db", "--kind", "pulld")
    assert result.exit_code == 2
    assert "'pulld' is not one of" in result.stderr and "'pulled'" in result.stderr


def test_a_route_of_kinds_pulled_delivers_the_removed_events(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "oigwatch.toml"
    config.write_text(CONFIG, encoding="utf-8")
    assert load_settings(config, environ={}).route("pulled-only").kinds == ("removed",)
    record(db_url, config)
    result = invoke("deliver", "--config", str(config), "--db", db_url)
    assert result.exit_code == 0, result.output
    assert "[Pulled] OIG-20-75 Report OIG-20-75" in result.stdout
    assert "OIG-27-01" not in result.stdout, "the new report is not on the route"
