"""Ledger rows holding bidi overrides and isolates, NUL and terminal escapes (stored before admission
cleaned text) reach no page, feed or API answer: every output cleans with ``crawler.text``
(SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import feedparser
import httpx
from lxml import etree
from support.old_rows import NUMBER, SHOWN, UNSAFE, strings, write_hostile_rows

PAGES = ("/", "/?component=CBP", f"/reports/{NUMBER}", "/sources")
FEEDS = ("atom", "rss", "json")


def served(empty_ledger: Any, serve: Any) -> str:
    engine, settings = empty_ledger
    write_hostile_rows(engine)
    return str(serve(settings, engine).url)


def assert_clean(text: str, where: str) -> None:
    assert not UNSAFE.search(text.replace("\n", "")), (where, UNSAFE.findall(text))


def test_pages_show_old_rows_cleaned(empty_ledger: Any, serve: Any) -> None:
    url = served(empty_ledger, serve)
    for path in PAGES:
        response = httpx.get(url + path)
        assert response.status_code == 200, path
        assert_clean(response.text, path)
    changes, report, sources = (httpx.get(url + p).text for p in ("/", PAGES[2], "/sources"))
    assert f"ICE {SHOWN} Transfers" in changes and f"We found {SHOWN} gaps." in changes
    assert f"HTTP 503 {SHOWN}" in changes, "the banner's reason, and the health card"
    assert f"{NUMBER}{SHOWN}" in report and f'"{SHOWN}"' in report.replace("&#34;", '"')
    assert f"HTTP 503 {SHOWN}" in sources


def test_feeds_carry_old_rows_cleaned(empty_ledger: Any, serve: Any) -> None:
    url = served(empty_ledger, serve)
    for fmt in FEEDS:
        response = httpx.get(
            f"{url}/feeds/changes.{fmt}?kind=new&kind=revised&kind=source_unhealthy"
        )
        assert response.status_code == 200, fmt
        if fmt == "json":
            document = response.json()
            texts = strings(document)
            events = [item["_oigwatch"] for item in document["items"]]
            assert [e["kind"] for e in events] == ["source_unhealthy", "revised", "new"]
            assert events[1]["title"] == f"ICE {SHOWN} Transfers"
            assert events[1]["changes"][2]["new"] == ["CBP", SHOWN]
        else:
            etree.fromstring(response.content)
            texts = [response.text]
            parsed = feedparser.parse(response.content)
            assert not parsed.bozo, parsed.get("bozo_exception")
            assert any(SHOWN in entry.title for entry in parsed.entries)
        for text in texts:
            assert_clean(text, fmt)


def test_api_answers_old_rows_cleaned(empty_ledger: Any, serve: Any) -> None:
    url = served(empty_ledger, serve)
    changes = httpx.get(url + "/api/changes?kind=new&kind=revised&kind=source_unhealthy").json()
    reports = httpx.get(f"{url}/api/reports/{NUMBER}").json()
    for document in (changes, reports):
        for text in strings(document):
            assert_clean(text, text)
    revised = next(e for e in changes["changes"] if e["kind"] == "revised")
    assert revised["title"] == f"ICE {SHOWN} Transfers" and revised["components"] == ["CBP", SHOWN]
    assert revised["changes"][1] == {"field": "fiscal_year", "old": SHOWN, "new": "2027" + SHOWN}
    [report] = reports["reports"]
    assert report["report_number"] == NUMBER + SHOWN and report["pdf"]["etag"] == f'"{SHOWN}"'
    assert [v["labels"] for v in report["versions"]] == [[], [SHOWN]]
    assert report["versions"][1]["changes"][0]["old"] == f"ICE {SHOWN} Moves"
