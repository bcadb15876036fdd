"""The web side's words: ``?kind=pulled`` is ``?kind=removed`` on pages, feeds and the API, and
pages and feeds are titled by the sources' display names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from support.harness import write_config

from config.settings import load_settings
from web.feeds import HEALTH_KINDS

FORMATS = ("atom", "rss", "json")


def feed_ids(response: httpx.Response, fmt: str) -> list[str]:
    assert response.status_code == 200, response.text
    if fmt == "json":
        return [item["id"] for item in response.json()["items"]]
    return [entry.id for entry in feedparser.parse(response.content).entries]


@pytest.mark.parametrize("fmt", FORMATS)
def test_feeds_take_pulled_for_removed(web: httpx.Client, ledger: Any, fmt: str) -> None:
    removed = f"urn:oigwatch:event:{ledger.events['removed']['event_id']}"
    pulled = web.get(f"/feeds/changes.{fmt}?kind=pulled")
    assert feed_ids(pulled, fmt) == [removed]
    assert feed_ids(web.get(f"/feeds/changes.{fmt}?kind=Pulled"), fmt) == [removed]
    canonical = web.get(f"/feeds/changes.{fmt}?kind=removed")
    assert pulled.headers["etag"] == canonical.headers["etag"], "one filter, one feed"
    if fmt == "json":
        assert pulled.json()["feed_url"].endswith("/feeds/changes.json?kind=removed")


def test_api_takes_pulled_for_removed(web: httpx.Client, ledger: Any) -> None:
    response = web.get("/api/changes?kind=pulled")
    assert response.status_code == 200, response.text
    changes = response.json()["changes"]
    assert [c["event_id"] for c in changes] == [ledger.events["removed"]["event_id"]]
    assert [c["kind"] for c in changes] == ["removed"], "the JSON kind stays removed"
    both = web.get("/api/changes?kind=pulled&kind=removed").json()["changes"]
    assert [c["event_id"] for c in both] == [ledger.events["removed"]["event_id"]]


def test_changes_page_takes_pulled_for_removed(pages: httpx.Client, sqlite_ledger: Any) -> None:
    html = pages.get("/?kind=pulled").text
    assert f'id="event-{sqlite_ledger.events["removed"]["event_id"]}"' in html
    assert f'id="event-{sqlite_ledger.events["new"]["event_id"]}"' not in html
    assert 'class="chip chosen" href="/?kind=removed">Pulled</a>' in html
    assert 'href="/feeds/changes.atom?kind=removed"' in html


def test_an_unknown_kind_names_the_known_words_and_the_alias(web: httpx.Client) -> None:
    response = web.get("/api/changes?kind=pulld")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "unknown kind 'pulld'" in detail and "pulled (= removed)" in detail


def test_pages_and_feeds_are_titled_by_the_display_name(
    empty_ledger: Any, serve: Any, record_events: Any, tmp_path: Path
) -> None:
    engine, shipped = empty_ledger
    config = write_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    assert 'display_name = "DHS OIG"' in text
    config.write_text(text.replace('display_name = "DHS OIG"', 'display_name = "Example IG"'))
    settings = load_settings(config, environ={})
    assert settings.site_title == "Example IG" and shipped.site_title == "DHS OIG"
    record_events(engine, settings, {"kind": "new", "report_number": "OIG-27-01", "title": "T"})
    record_events(engine, settings, {"kind": HEALTH_KINDS[0], "reason": "HTTP 503"})
    server = serve(settings, engine)
    page = httpx.get(server.url + "/").text
    assert "<h1>Recent changes to Example IG reports</h1>" in page
    assert 'title="Example IG report changes (Atom)"' in page
    atom = httpx.get(server.url + "/feeds/changes.atom").content
    parsed = feedparser.parse(atom)
    assert parsed.feed.title == "Example IG report changes"
    assert "Changes to Example IG reports" in atom.decode()
    rss = httpx.get(server.url + "/feeds/changes.rss").content.decode()
    document = json.loads(httpx.get(server.url + "/feeds/changes.json").content)
    assert document["title"] == "Example IG report changes"
    schema = httpx.get(server.url + "/openapi.json").json()
    assert schema["info"]["description"].startswith("Changes to Example IG reports")
    for body in (page, atom.decode(), rss, json.dumps(document), json.dumps(schema)):
        assert "DHS OIG" not in body
