"""The HTML pages over a ledger the real CLI filled: changes with redlines, a report's versions with
their diffs and PDF fingerprints, the sources; hostile text escaped; security headers everywhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from crawler.clock import utcnow
from crawler.health import Verdict
from ledger.models import Report
from ledger.store import Ledger, RunRecord

NEW_SUMMARY = "CBP did not collect $4.3 billion in delinquent debt owed by importers."  # conftest
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class Page(HTMLParser):
    """What a page is made of: element ids in order, links, tags, and the text of del/ins."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.deleted: list[str] = []
        self.inserted: list[str] = []
        self._open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        self.attributes.update(values)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.hrefs.append(str(values["href"]))
        if tag in ("del", "ins"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("del", "ins") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            (self.deleted if self._open[-1] == "del" else self.inserted).append(data)


def article_ids(html: str) -> list[int]:
    return [int(i.split("-")[1]) for i in Page(html).ids if i.startswith("event-")]


def test_changes_page_lists_changes_newest_first_with_redlines(pages: httpx.Client, sqlite_ledger: Any) -> None:  # fmt: skip
    response = pages.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    ids = [e["event_id"] for e in sqlite_ledger.newest_first]
    assert article_ids(response.text) == ids
    page = Page(response.text)
    assert "(Revised)" in page.inserted, "the title gained (Revised)"
    # the summary was rewritten ("CBP has a statutory ..." -> "CBP did not collect ..."): more than
    # half of its words changed, so it reads as the old text struck, then the new one, not a jumble
    assert [d for d in page.deleted if d.startswith("CBP has a statutory")]
    assert NEW_SUMMARY in page.inserted and "now:" in response.text
    assert {"/reports/OIG-19-11", "/reports/OIG-27-02", "/reports/OIG-20-75"} <= set(page.hrefs)
    assert "No longer listed anywhere on the site" in response.text


def test_changes_page_filters_and_pages(pages: httpx.Client, sqlite_ledger: Any) -> None:
    events = sqlite_ledger.events
    assert article_ids(pages.get("/?component=ICE").text) == [events["new"]["event_id"]]
    assert article_ids(pages.get("/?kind=removed").text) == [events["removed"]["event_id"]]
    older = pages.get(f"/?before={events['revised']['event_id']}").text
    assert article_ids(older) == [events["new"]["event_id"]]
    filtered = pages.get("/?component=ICE&kind=revised")
    assert article_ids(filtered.text) == [] and "No changes match." in filtered.text
    assert 'href="/feeds/changes.atom?component=ICE&amp;kind=revised"' in filtered.text


def test_the_keyword_box_searches_and_keeps_the_other_filters(
    pages: httpx.Client, sqlite_ledger: Any
) -> None:
    """The page's search form sends ``q`` (the routes' matcher) with the chosen filters."""
    events = sqlite_ledger.events
    word = events["revised"]["title"].split()[0]  # a word of one report's title
    page = pages.get("/", params=[("kind", "revised"), ("q", word)]).text
    assert article_ids(page) == [events["revised"]["event_id"]]
    form = page.split('<form class="search"', 1)[1].split("</form>", 1)[0]
    assert 'action="/" method="get"' in form and 'name="q"' in form
    assert f'value="{word}"' in form and '<input type="hidden" name="kind" value="revised">' in form
    assert article_ids(pages.get("/", params={"q": "zzznotaword"}).text) == []
    hostile = pages.get("/", params={"q": '"><script>x</script>'}).text
    assert "<script>x" not in hostile and "&#34;&gt;&lt;script&gt;" in hostile


def test_older_link_pages_through_more_than_a_page(empty_ledger: Any, serve: Any, record_events: Any) -> None:  # fmt: skip
    engine, settings = empty_ledger
    made = record_events(
        engine,
        settings,
        *({"kind": "new", "title": f"R{i}", "components": ["TSA"]} for i in range(53)),
    )
    server = serve(settings, engine)
    first = httpx.get(server.url + "/?component=TSA").text
    assert article_ids(first) == sorted(made, reverse=True)[:50]
    [older] = [h for h in Page(first).hrefs if "before=" in h]
    assert older == f"/?component=TSA&before={sorted(made, reverse=True)[49]}"
    rest = httpx.get(server.url + older).text
    assert article_ids(rest) == sorted(made, reverse=True)[50:]
    assert not [h for h in Page(rest).hrefs if "before=" in h]


def test_report_page_shows_every_version_with_diffs_and_fingerprints(pages: httpx.Client, sqlite_ledger: Any) -> None:  # fmt: skip
    response = pages.get("/reports/OIG-19-11")
    assert response.status_code == 200
    page = Page(response.text)
    assert [i for i in page.ids if i.startswith("version-")] == ["version-2", "version-1"]
    assert "(Revised)" in page.inserted and NEW_SUMMARY in page.inserted
    assert any(d.startswith("CBP has a statutory") for d in page.deleted)
    with Session(sqlite_ledger.engine) as session:
        report = session.scalars(select(Report).where(Report.key == "OIG-19-11")).one()
        sha, length, etag = report.pdf_sha256, report.pdf_length, report.pdf_etag
        pdf = report.pdf_url
    assert sha and response.text.count(sha) == 3, "current PDF and both versions"
    assert f"{length:,} bytes" in response.text
    assert etag.replace('"', "&#34;") in response.text  # an ETag is quoted; escaped in HTML
    assert page.hrefs.count(pdf) == 3
    assert "Labels" in response.text and "added Revised" in response.text
    assert "Alerts about this report" in response.text


def test_pulled_report_page_says_so(pages: httpx.Client) -> None:
    response = pages.get("/reports/OIG-20-75")
    assert response.status_code == 200 and "Pulled" in response.text
    assert "No longer listed anywhere on the site" in response.text


def test_unknown_report_is_a_404_page(pages: httpx.Client) -> None:
    response = pages.get("/reports/OIG-99-99")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "Not found" in response.text and "OIG-99-99" in response.text
    assert pages.get("/no/such/page").status_code == 404


def test_sources_page_shows_health_and_runs(pages: httpx.Client) -> None:
    response = pages.get("/sources")
    assert response.status_code == 200
    assert "dhs-oig" in response.text and "Healthy" in response.text
    # times in the readers' zone (display_timezone, default America/New_York)
    assert re.search(
        r"last healthy run [A-Z][a-z]{2} \d{1,2}, 20\d\d, \d{1,2}:\d\d [AP]M E[SD]T", response.text
    )
    runs = re.findall(r"<tr class=\"(ok|bad)\"><td>#(\d+)</td>", response.text)
    assert [int(n) for _, n in runs] == [6, 5, 4, 3, 2], "the five latest runs, newest first"
    assert {status for status, _ in runs} == {"ok"}


def test_sources_page_shows_an_unhealthy_source_and_the_scheduler(
    empty_ledger: Any, serve: Any
) -> None:
    engine, settings = empty_ledger
    ledger = Ledger(engine)
    now = utcnow()
    verdict = Verdict(False, ("maintenance page <b>",))
    ledger.record(RunRecord("r-1", ledger.source_id("dhs-oig"), "quick", now, now, "unhealthy", verdict))  # fmt: skip
    job = {"id": "dhs-oig:quick", "next_run": "2026-11-23T10:00:00+00:00"}
    status = {"running": True, "heartbeat": now, "crawling": [], "jobs": [job]}
    server = serve(settings, engine, lambda: status)
    html = httpx.get(server.url + "/sources").text
    assert "Unhealthy since" in html and "maintenance page &lt;b&gt;" in html
    assert '<tr class="bad">' in html and "<b>" not in html
    assert "Scheduler" in html and "dhs-oig:quick" in html and "Nov 23, 2026, 5:00 AM EST" in html


def test_hostile_text_is_escaped_on_every_page(pages: httpx.Client) -> None:
    for path in ("/", "/reports/OIG-27-03", "/?component=CBP"):
        html = pages.get(path).text
        assert "<script" not in html.lower(), path
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;" in html, path
        assert "\x01" not in html, "control characters are removed"
    page = Page(pages.get("/reports/OIG-27-03").text)
    assert "script" not in page.tags


def test_non_http_links_never_become_links(empty_ledger: Any, serve: Any, record_events: Any) -> None:  # fmt: skip
    engine, settings = empty_ledger
    record_events(engine, settings, {
        "kind": "new", "report_number": "OIG-27-66", "report_key": None, "title": "Sneaky",
        "components": ["CBP"], "url": "javascript:alert(1)", "detail_url": "data:text/html,<b>x</b>",
    })  # fmt: skip
    server = serve(settings, engine)
    html = httpx.get(server.url + "/").text
    assert "Sneaky" in html
    assert not [h for h in Page(html).hrefs if not h.startswith(("/", "http://", "https://"))]
    assert "javascript:" not in html
    feed = httpx.get(server.url + "/feeds/changes.atom").text
    assert "javascript:" not in feed and "data:text" not in feed
    [event] = httpx.get(server.url + "/api/changes").json()["changes"]
    assert event["url"] is None and event["detail_url"] is None


@pytest.mark.parametrize(
    "path",
    ["/", "/reports/OIG-19-11", "/sources", "/reports/nope", "/feeds/changes.atom", "/api/changes",
     "/healthz", "/static/style.css", "/?kind=bogus"],
)  # fmt: skip
def test_security_headers_on_every_response(pages: httpx.Client, path: str) -> None:
    headers = pages.get(path).headers
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"


def test_pages_need_no_script_and_no_inline_style(pages: httpx.Client) -> None:
    for path in ("/", "/reports/OIG-19-11", "/sources", "/reports/nope"):
        html = pages.get(path).text
        page = Page(html)
        assert not {"script", "style", "iframe"} & page.tags, path
        forms = re.findall(r"<form [^>]*>", html)  # the keyword box only: a GET to the page itself
        assert forms == (
            ['<form class="search" action="/" method="get" role="search">'] if path == "/" else []
        ), path
        assert "style" not in page.attributes, "inline styles would break under the CSP"
    css = pages.get("/static/style.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8" and "del.rl-del" in css.text


def test_bad_parameter_is_a_400_page(pages: httpx.Client) -> None:
    response = pages.get("/?kind=bogus")
    assert response.status_code == 400 and "unknown kind &#39;bogus&#39;" in response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_read_only(pages: httpx.Client) -> None:
    for path in ("/", "/reports/OIG-19-11", "/api/changes", "/healthz"):
        assert pages.post(path).status_code == 405
        assert pages.delete(path).status_code == 405
    head = pages.head("/")
    assert head.status_code == 200 and head.content == b""


def test_unreadable_database_is_a_503_page(sqlite_ledger: Any, serve: Any, tmp_path: Path) -> None:
    no_schema = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    server = serve(sqlite_ledger.settings, no_schema)
    response = httpx.get(server.url + "/")
    assert response.status_code == 503 and "ledger cannot be read" in response.text
    assert httpx.get(server.url + "/api/changes").status_code == 503
    no_schema.dispose()
