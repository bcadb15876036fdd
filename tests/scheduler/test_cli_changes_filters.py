"""``oigwatch changes`` filters as routes do: --component, --label, --q (the routes' own
matcher), --route NAME (what that route was sent: the outbox's own ``owed``, never a second
routing), with --kind (``pulled`` too), --since, --source and --limit; and each change shows when
it was detected. On SQLite, then PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from config.settings import load_settings
from crawler.events import EventDraft
from crawler.health import Verdict
from ledger.db import ensure_schema, make_engine
from ledger.models import Delivery
from ledger.store import Ledger, RunRecord
from notifier.routes import content_matches, router_for

DETECTED = datetime(2026, 11, 23, 14, 5, 9, tzinfo=UTC)

CONFIG = """
[[targets]]
kind = "console"
name = "{name}"
"""
ROUTES = """
[[routes]]
name = "immigration"
target = "t-immigration"
components = ["ICE", "CBP"]

[[routes]]
name = "revisions"
target = "t-revisions"
kinds = ["revised", "pulled"]
labels = ["revised"]

[[routes]]
name = "contracts"
target = "t-contracts"
keywords = ["contract", "C++"]

[[routes]]
name = "ops"
target = "t-ops"
ops = true
kinds = ["source_unhealthy", "bulk_hold"]

[[routes]]
name = "digest"
target = "t-digest"
mode = "digest"
schedule = "08:00"
timezone = "America/New_York"
"""

EVENTS: list[tuple[str, str | None, dict[str, Any], str]] = [  # kind, number, payload, status
    ("new", "OIG-27-01", {"components": ["ICE"], "title": "ICE Detention Contract Oversight"},
     "published"),
    ("revised", "OIG-26-09", {"components": ["FEMA"], "title": "FEMA Grants (Revised)",
                              "labels": ["revised"], "labels_gained": ["revised"]}, "published"),
    ("removed", "OIG-20-75", {"components": ["CBP"], "title": "CBP Contractors' Vetting",
                              "labels": ["revised"]}, "published"),
    ("new", "OIG-27-02", {"components": ["CBP"], "title": "CBP Aircraft", "summary":
                          "The C++ flight software contract"}, "held"),
    ("new", "OIG-27-03", {"components": ["USCIS"], "title": "Subcontracting at USCIS"},
     "published"),
    ("source_unhealthy", None, {"reason": "HTTP 503 on every page"}, "published"),
]  # fmt: skip


def config_file(tmp_path: Path) -> Path:
    targets = "".join(
        CONFIG.format(name=f"t-{n}") for n in ("immigration", "revisions", "contracts", "ops")
    ) + CONFIG.format(name="t-digest")
    path = tmp_path / "oigwatch.toml"
    path.write_text(targets + ROUTES, encoding="utf-8")
    return path


def record(db_url: str, config: Path) -> list[int]:
    """The events above as one run, their deliveries enqueued by the configured routes."""
    engine = make_engine(db_url)
    ensure_schema(engine)
    ledger = Ledger(engine)
    drafts = [
        EventDraft(kind, f"k-{i}", {"kind": kind, "source": "dhs-oig", "report_number": number,
                                    "changes": [], **payload}, status=status)
        for i, (kind, number, payload, status) in enumerate(EVENTS)
    ]  # fmt: skip
    routes = load_settings(config, environ={}).routes
    ids = ledger.record(
        RunRecord("run-1", ledger.source_id("dhs-oig"), "deep", DETECTED, DETECTED, "healthy",
                  Verdict(True), None, drafts, router=router_for(routes))
    ).event_ids  # fmt: skip
    engine.dispose()
    return ids


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    from cli.main import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


@pytest.fixture
def recorded(db_url: str, tmp_path: Path) -> tuple[str, Path, list[int]]:
    config = config_file(tmp_path)
    return db_url, config, record(db_url, config)


def listed(recorded: tuple[str, Path, list[int]], *args: str) -> list[str | None]:
    db_url, config, _ = recorded
    result = invoke("changes", "--config", str(config), "--db", db_url, "--json", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line)["report_number"] for line in result.stdout.splitlines() if line]


def test_route_dry_run_lists_exactly_what_the_outbox_enqueued_for_that_route(
    recorded: tuple[str, Path, list[int]],
) -> None:
    db_url, _, ids = recorded
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Delivery.event_id, Delivery.route)).all()
    engine.dispose()
    numbers = {event_id: EVENTS[i][1] for i, event_id in enumerate(ids)}
    for route in ("immigration", "revisions", "contracts", "ops", "digest"):
        sent = sorted(numbers[e] or "" for e, r in rows if r == route)
        assert sorted(n or "" for n in listed(recorded, "--route", route)) == sent, route
    assert listed(recorded, "--route", "immigration") == ["OIG-27-01", "OIG-20-75"], "not held"
    assert listed(recorded, "--route", "contracts") == ["OIG-27-01"], "Subcontracting: no"
    assert listed(recorded, "--route", "ops") == [None]


def test_component_label_and_keyword_filters_combine_with_kind(
    recorded: tuple[str, Path, list[int]],
) -> None:
    assert listed(recorded, "--component", "CBP") == ["OIG-20-75", "OIG-27-02"], "held too"
    assert listed(recorded, "--component", "CBP", "--component", "FEMA") == [
        "OIG-26-09", "OIG-20-75", "OIG-27-02"]  # fmt: skip
    assert listed(recorded, "--label", "revised") == ["OIG-26-09", "OIG-20-75"]
    assert listed(recorded, "--label", "revised", "--kind", "pulled") == ["OIG-20-75"]
    assert listed(recorded, "--q", "contract") == ["OIG-27-01", "OIG-27-02"]
    assert listed(recorded, "--q", "c++") == ["OIG-27-02"], "a keyword ending in punctuation"
    assert listed(recorded, "--q", "contract", "--component", "ICE") == ["OIG-27-01"]
    assert listed(recorded, "--q", "contract", "--limit", "1") == ["OIG-27-02"], "the last one"
    assert listed(recorded, "--route", "immigration", "--kind", "pulled") == ["OIG-20-75"]
    assert listed(recorded, "--component", "ICE", "--since", "2026-11-24") == []
    assert listed(recorded, "--component", "ICE", "--source", "other") == []


def test_an_unknown_route_exits_2_naming_the_configured_routes(
    recorded: tuple[str, Path, list[int]],
) -> None:
    db_url, config, _ = recorded
    result = invoke("changes", "--config", str(config), "--db", db_url, "--route", "newsrom")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "Error: unknown route 'newsrom' (configured: immigration, revisions, contracts, ops,"
        " digest)"
    ]


def test_changes_show_when_each_change_was_detected(
    recorded: tuple[str, Path, list[int]],
) -> None:
    db_url, config, _ = recorded
    base = ("changes", "--config", str(config), "--db", db_url, "--component", "ICE")
    text = invoke(*base).stdout
    assert text.splitlines()[:2] == [
        "[New] OIG-27-01 ICE Detention Contract Oversight",
        "  dhs-oig · detected Nov 23, 2026, 9:05 AM EST",  # display_timezone: America/New_York
    ]
    utc = invoke(*base, env={"OIGWATCH_DISPLAY_TIMEZONE": "UTC"}).stdout
    assert utc.splitlines()[1] == "  dhs-oig · detected Nov 23, 2026, 2:05 PM UTC"
    [event] = [json.loads(line) for line in invoke(*base, "--json").stdout.splitlines()]
    assert datetime.fromisoformat(event["detected_at"]) == DETECTED
    assert event["detected_at"].endswith("+00:00") and event["muted"] is None
    nothing = invoke(*base, "--q", "nothing like it")
    assert nothing.exit_code == 0 and "No changes recorded that match." in nothing.stderr


WORD = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.text(max_size=30), word=WORD, after=st.text(max_size=30), query=st.text())
def test_the_keyword_matcher_finds_a_whole_word_and_never_raises(
    before: str, word: str, after: str, query: str
) -> None:
    title = f"{before} {word} {after}"
    assert content_matches({"title": title}, keywords=[word])
    if word.upper().casefold() == word.casefold():  # not so for Turkish dotless ı: I is i
        assert content_matches({"title": title.upper()}, keywords=[word.lower()]), "any case"
    assert not content_matches({"title": f"x{word}x"}, keywords=[word])
    content_matches({"title": title, "summary": after}, keywords=[query])  # any text: no error
