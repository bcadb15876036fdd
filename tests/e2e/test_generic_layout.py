"""Another Inspector General's listing, configured purely in TOML: the generic layout reads the
fixture site's Department of Examples OIG (Drupal 7 ``views-row`` blocks, numbers inside text,
dates "November 3, 2026", a three-page pager) through the real CLI, crawl child included, on
SQLite and PostgreSQL. New, revised and pulled reports are detected, and every output calls the
source by its display name: the console, Slack, the feeds and the pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
from support.fake_slack import FakeSlack
from support.harness import TEST_CRAWL, Oigwatch
from support.web_server import WebServer

from config.settings import load_settings
from fixture_site import FixtureSite, build_state
from ledger.db import make_engine
from web.app import create_app

NAME = "Department of Examples OIG"
CONFIG = (
    TEST_CRAWL
    + r"""
[[sources]]
name = "example-oig"
display_name = "Department of Examples OIG"
base_url = "https://oig.example.gov"

  [[sources.views]]
  name = "reports"
  kind = "generic"
  path = "/example-oig/reports"

    [sources.views.selectors]
    row = "div.view-content > div.views-row"
    title = "div.views-field-title a"
    link = "div.views-field-title a"
    pdf = "div.views-field-field-report-file a"
    report_number = "div.views-field-field-report-number"
    report_number_pattern = 'OIG-\d{2}-\d{2,3}'
    date = "span.date-display-single"
    date_format = "%B %d, %Y"
    summary = "div.views-field-body .field-content"
    components = "div.views-field-field-office a"
    next_page = "ul.pager li.pager-next a"
    last_page = "ul.pager li.pager-last a"

[[targets]]
kind = "slack"
name = "desk"
channel = "C-DESK"
base_url = "{api}"

[[routes]]
name = "desk"
target = "desk"

[[targets]]
kind = "console"
name = "terminal"

[[routes]]
name = "terminal"
target = "terminal"
"""
)


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    monkeypatch.setenv("OIGWATCH_SLACK_TOKEN", "xoxb-test")
    with FakeSlack(token="xoxb-test", channels=("C-DESK",)) as fake:
        yield fake


@pytest.fixture
def examples(db_url: str, tmp_path: Path, slack: FakeSlack) -> Iterator[Oigwatch]:
    config = tmp_path / "example-oig.toml"
    config.write_text(CONFIG.replace("{api}", slack.api_url), encoding="utf-8")
    with FixtureSite(build_state(n_reports=20, seed=3)) as site:
        yield Oigwatch(site, db_url, config)


def test_another_listing_by_selectors_end_to_end(examples: Oigwatch, slack: FakeSlack) -> None:
    assert examples.crawl("--deep") == [], "the baseline is silent"
    listing = [entry.path for entry in examples.site.log if "/example-oig/reports" in entry.path]
    assert {"/example-oig/reports?page=1", "/example-oig/reports?page=2"} <= set(listing)
    sources = examples.run("sources")
    assert sources.stdout.startswith(f"{NAME} (example-oig): healthy; 24 reports"), sources.stdout

    added = examples.site.mutate(
        {
            "op": "example_add_report",
            "title": "Audit of the Department of Examples’ Wildfire Grant Payments",
            "summary": "Payments of $3.1 million lacked approved budgets.",
            "offices": ["Office of Audits", "Office of Investigations"],
            "issue_date": "2026-11-19",
        }
    )
    [new] = examples.crawl("--quick")
    assert (new["kind"], new["report_number"]) == ("new", added["report_number"])
    assert new["title"] == "Audit of the Department of Examples’ Wildfire Grant Payments"
    assert new["summary"] == "Payments of $3.1 million lacked approved budgets."
    assert new["issue_date"] == "2026-11-19"
    assert new["components"] == ["Office of Audits", "Office of Investigations"]
    assert new["url"].endswith("/example-oig/sites/default/files/reports/2026-11/OIG-27-04.pdf")

    number = "OIG-26-07"  # a baseline report on page 1: only a deep sweep reads it
    examples.site.mutate({"op": "example_retitle", "report_number": number,
                          "suffix_op": "append_revised"})  # fmt: skip
    examples.site.mutate(
        {"op": "example_edit_summary", "report_number": number, "summary": "Rated effective."}
    )
    [revised] = examples.crawl("--deep")
    assert (revised["kind"], revised["report_number"]) == ("revised", number)
    assert revised["labels_gained"] == ["revised"]
    assert {change["field"] for change in revised["changes"]} >= {"title", "summary"}

    examples.site.mutate({"op": "example_remove_report", "report_number": "OIG-26-02"})
    assert examples.crawl("--deep") == [], "one sweep without it is not yet a removal"
    printed = examples.run("crawl", "--base-url", examples.site.base_url, "--deep")
    assert printed.exit_code == 0, printed.stdout + printed.stderr
    assert printed.stdout.startswith(f"{NAME} · [Pulled] OIG-26-02 "), printed.stdout
    [pulled] = examples.changes("--kind", "removed")
    assert pulled["report_number"] == "OIG-26-02"
    listed = examples.run("changes", "--kind", "pulled").stdout
    assert listed.splitlines()[1].startswith(f"  {NAME} · detected "), listed
    sources = examples.run("sources")
    assert sources.stdout.startswith(f"{NAME} (example-oig): healthy; 24 reports"), (
        sources.stdout
    )  # 25 less the pulled one

    messages = slack.wait_for(3)
    assert [m.text.split(":")[0] for m in messages] == ["New", "Revised", "Pulled"]
    for message in messages:  # the links line names the source: "PDF · … · Department of …"
        assert message.blocks[-1]["elements"][0]["text"].endswith(" · " + NAME), message.blocks
        assert "DHS" not in json.dumps(message.blocks)

    settings = load_settings(examples.config, environ={})
    engine = make_engine(examples.db_url)
    try:
        with WebServer(create_app(settings, engine)) as web:
            atom = feedparser.parse(httpx.get(web.url + "/feeds/changes.atom").content)
            assert NAME in atom.feed.title and not atom.bozo
            assert any(added["report_number"] in entry.title for entry in atom.entries)
            rss = feedparser.parse(httpx.get(web.url + "/feeds/changes.rss").content)
            assert NAME in rss.feed.title
            feed_json = httpx.get(web.url + "/feeds/changes.json").json()
            assert NAME in feed_json["title"]
            for path in ("/", f"/reports/{added['report_number']}", "/sources"):
                page = httpx.get(web.url + path)
                assert page.status_code == 200 and NAME in page.text, path
                assert "DHS OIG" not in page.text, path
    finally:
        engine.dispose()


def test_a_changed_date_format_makes_the_run_unhealthy_not_a_flood(examples: Oigwatch) -> None:
    """The site starts writing dates another way: every row is quarantined, the run is unhealthy,
    and nothing is announced or taken away."""
    assert examples.crawl("--deep") == []
    examples.site.mutate({"op": "example_set", "date_style": "short"})  # "Nov. 3, 2026"
    result = examples.run("crawl", "--base-url", examples.site.base_url, "--json", "--deep")
    assert result.exit_code == 1, result.stdout + result.stderr
    [unhealthy] = [json.loads(line) for line in result.stdout.splitlines()]
    assert unhealthy["kind"] == "source_unhealthy"
    assert unhealthy["reason"].startswith("no report rows in any view")
    assert " rows quarantined (kept out of the diff)" in result.stderr
    assert "issue_date 'Nov. 3, 2026': not a date in the format '%B %d, %Y'" in result.stderr
    sources = examples.run("sources")
    assert sources.stdout.startswith(f"{NAME} (example-oig): UNHEALTHY since ")
    assert "; 24 reports;" in sources.stdout.splitlines()[0]


def test_changed_selectors_read_an_unchanged_page_again(examples: Oigwatch) -> None:
    """An operator fixes a selector: the site answers 304 for the unchanged page, yet the page is
    read again with the new selectors (the cache keeps what parsed each page), not reused."""
    config = examples.config.read_text(encoding="utf-8")
    examples.config.write_text(
        config.replace('summary = "div.views-field-body .field-content"', 'summary = "div.gone"'),
        encoding="utf-8",
    )
    assert examples.crawl("--deep") == []
    assert examples.crawl("--quick") == []
    assert [e.status for e in examples.site.log if e.path == "/example-oig/reports"][-1] == 304
    examples.config.write_text(config, encoding="utf-8")
    events = examples.crawl("--quick")
    assert [e.status for e in examples.site.log if e.path == "/example-oig/reports"][-1] == 200
    assert {e["kind"] for e in events} == {"revised"} and len(events) == 8  # two have none
    assert all([c["field"] for c in e["changes"]] == ["summary"] for e in events)
