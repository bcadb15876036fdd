"""The recipes of docs/architecture.md, end to end: a channel and a page layout, each one file in
tests/recipes/ that registers itself when imported, used by a real crawl and a real delivery."""

from __future__ import annotations

import html
import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner
from support.harness import TEST_CRAWL, Oigwatch, write_config
from support.loopback_http import Exchange, LoopbackServer

from cli.main import main
from config.registry import CHANNELS, LAYOUTS

TESTS = Path(__file__).resolve().parents[1]

ROUTE = """
[[targets]]
kind = "pigeon"
name = "coop"
loft = "{loft}"
ring = "desk-7"

[[routes]]
name = "pigeon-post"
target = "coop"
components = ["ICE"]
"""

DL_SOURCE = """
[[sources]]
name = "dl-site"
base_url = "{base}"

  [[sources.views]]
  name = "reports"
  kind = "dl"
  path = "/reports"
"""


def fresh_import(name: str) -> ModuleType:
    """Import ``name`` anew, so that its registration runs in this test."""
    sys.modules.pop(name, None)
    return importlib.import_module(name)


class Loft:
    """Where the pigeon lands: every JSON body POSTed, in order."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def respond(self, exchange: Exchange) -> None:
        self.messages.append(json.loads(exchange.body))
        exchange.send(200, b"{}")


@pytest.fixture
def pigeon() -> Iterator[ModuleType]:
    module = fresh_import("recipes.pigeon_channel")
    yield module
    del CHANNELS["pigeon"]


@pytest.fixture
def loft() -> Iterator[tuple[Loft, str]]:
    app = Loft()
    server = LoopbackServer(app)
    server.start()
    yield app, server.base_url + "/loft"
    server.stop()


def test_a_channel_is_one_file(
    pigeon: ModuleType, loft: tuple[Loft, str], oigwatch: Oigwatch, tmp_path: Path
) -> None:
    assert CHANNELS["pigeon"] is pigeon.CHANNEL and "pigeon" in CHANNELS.kinds()
    landed, address = loft
    oigwatch.config = write_config(tmp_path, routes=ROUTE.format(loft=address))
    assert oigwatch.crawl("--deep") == []
    added = oigwatch.site.mutate({"op": "add_report", "components": ["ICE"]})
    oigwatch.site.mutate({"op": "add_report", "components": ["FEMA"]})  # not on the route
    assert len(oigwatch.crawl("--quick")) == 2
    [message] = landed.messages
    assert message["ring"] == "desk-7" and message["delivery_key"].startswith("oigwatch-")
    assert [(e["kind"], e["report_number"]) for e in message["events"]] == [
        ("new", added["report_number"])
    ]
    number = added["report_number"]
    oigwatch.site.mutate({"op": "retitle", "report_number": number, "suffix_op": "append_revised"})
    oigwatch.crawl("--quick")
    [_, revision] = landed.messages
    assert [(e["kind"], e["report_number"]) for e in revision["events"]] == [("revised", number)]
    rows = [row for row in oigwatch.deliveries() if row["target"] == "coop"]
    assert [row["status"] for row in rows] == ["sent", "sent"]
    assert rows[0]["external_ref"] == {"status": 200, "events": 1}
    sample = oigwatch.run("test-route", "pigeon-post")
    assert sample.exit_code == 0, sample.output
    assert "sent to pigeon target coop" in sample.stdout and len(landed.messages) == 3


def test_an_unknown_channel_is_refused_naming_the_registered_ones(
    pigeon: ModuleType, tmp_path: Path
) -> None:
    config = write_config(tmp_path, routes=ROUTE.format(loft="x").replace('"pigeon"', '"dove"'))
    result = CliRunner().invoke(main, ["sources", "--config", str(config)])
    assert result.exit_code == 2
    assert "Input tag 'dove' found using 'kind'" in result.stderr
    assert "'console', 'slack', 'slack_webhook', 'email', 'webhook', 'pigeon'" in result.stderr


class DlSite:
    """A site listing its reports as one ``<dl>``: /reports, the PDFs, and no robots.txt."""

    def __init__(self) -> None:
        self.reports = [
            {"number": f"OIG-30-0{n}", "title": f"Report {n}", "summary": f"Finding {n}."}
            for n in (1, 2, 3)
        ]

    def listing(self) -> str:
        items = "".join(
            f'<dt><a href="/files/{r["number"]}.pdf">{html.escape(r["title"])}</a></dt>'
            f'<dd class="number">{r["number"]}</dd>'
            f'<dd class="date"><time datetime="2030-01-15">01/15/2030</time></dd>'
            f'<dd class="summary">{html.escape(r["summary"])}</dd>'
            for r in self.reports
        )
        return f'<html><body><h1>Reports</h1><dl class="reports">{items}</dl></body></html>'

    def respond(self, exchange: Exchange) -> None:
        path = exchange.path.split("?")[0]
        if path == "/reports":
            exchange.send(200, self.listing().encode(), "text/html; charset=utf-8")
        elif path.startswith("/files/") and path.endswith(".pdf"):
            exchange.send(200, b"%PDF-1.4 " + path.encode(), "application/pdf")
        else:
            exchange.send(404, b"not here", "text/plain")


@pytest.fixture
def dl_layout(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    # the crawl child imports the layout by its module name: tests/ goes on its PYTHONPATH
    path = [str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path))
    module = fresh_import("recipes.dl_layout")
    yield module
    del LAYOUTS["dl"]


def test_a_page_layout_is_one_file(dl_layout: ModuleType, db_url: str, tmp_path: Path) -> None:
    assert LAYOUTS["dl"] is dl_layout.LAYOUT and LAYOUTS["dl"].module == "recipes.dl_layout"
    site = DlSite()
    server = LoopbackServer(site)
    server.start()
    config = tmp_path / "dl.toml"
    config.write_text(TEST_CRAWL + DL_SOURCE.format(base=server.base_url), encoding="utf-8")

    def crawl(*args: str) -> list[dict[str, Any]]:
        argv = ["crawl", "--config", str(config), "--db", db_url, "--json", *args]
        result = CliRunner().invoke(main, argv, catch_exceptions=False)
        assert result.exit_code == 0, result.stdout + result.stderr
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    try:
        assert crawl("--deep") == [], "the baseline is silent"
        site.reports.append({"number": "OIG-30-04", "title": "Report 4", "summary": "New."})
        [new] = crawl("--quick")
        assert (new["kind"], new["report_number"], new["title"]) == ("new", "OIG-30-04", "Report 4")
        assert new["summary"] == "New." and new["url"] == server.base_url + "/files/OIG-30-04.pdf"
        assert new["issue_date"] == "2030-01-15"
        site.reports[0]["summary"] = "Finding 1, corrected."
        [revised] = crawl("--quick")
        assert (revised["kind"], revised["report_number"]) == ("revised", "OIG-30-01")
        assert {"field": "summary", "old": "Finding 1.", "new": "Finding 1, corrected."} in (
            revised["changes"]
        )
        del site.reports[1]
        assert crawl("--deep") == [], "one sweep without it is not yet a removal"
        [removed] = crawl("--deep")
        assert (removed["kind"], removed["report_number"]) == ("removed", "OIG-30-02")
    finally:
        server.stop()
