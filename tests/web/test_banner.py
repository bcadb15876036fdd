"""The banner atop every page: readers tell a quiet site from a blind monitor. An unhealthy source
("Watching dhs-oig has been failing since …; changes may be missed", with its latest failure's
reason, escaped) and a failing oigwatch (the /healthz reasons) are shown on every page; nothing
is shown while all is well."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from crawler.clock import utcnow
from ledger.models import Report
from ledger.store import Ledger
from web.banner import Banner
from web.shape import age_words, banner_notices, when

HOSTILE = 'HTTP 503 <script>alert(1)</script> & "quotes" at 13 pages'
ESCAPED = "HTTP 503 &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34; at 13 pages"
PAGES = ("/", "/reports/OIG-27-01", "/sources", "/?component=CBP", "/reports/nope", "/?kind=bogus",
         "/no/such/page")  # fmt: skip


def add_report(engine: Engine) -> None:
    """One report row, so that its page exists."""
    now = utcnow()
    with Session(engine) as session:
        session.add(
            Report(
                source_id=Ledger(engine).source_id("dhs-oig"), key="OIG-27-01",
                report_number="OIG-27-01", title="CBP Did Not Track Seized Goods",
                components=["CBP"], content_hash="0" * 64, first_seen_at=now, changed_at=now,
            )
        )  # fmt: skip
        session.commit()


def banner_of(html: str) -> str:
    """The banner's markup ("" when there is none)."""
    if '<section class="banner"' not in html:
        return ""
    return html.split('<section class="banner"', 1)[1].split("</section>", 1)[0]


def test_every_page_shows_the_banner_while_a_source_is_unhealthy(
    empty_ledger: Any, serve: Any, record_events: Any, record_health: Any
) -> None:
    engine, settings = empty_ledger
    add_report(engine)
    record_events(engine, settings, {"kind": "new", "report_number": "OIG-27-01",
                                     "title": "CBP Did Not Track Seized Goods", "components": ["CBP"]})  # fmt: skip
    since = utcnow() - timedelta(hours=3, minutes=5)
    [down] = record_health(engine, settings, HOSTILE, finished=since)
    server = serve(settings, engine)
    expected = f"Watching dhs-oig has been failing since {when(since)} (3 hours); changes may be missed."  # fmt: skip
    for path in PAGES:
        response = httpx.get(server.url + path)
        assert response.status_code in (200, 400, 404), path
        banner = banner_of(response.text)
        assert expected in banner, path
        assert f"Latest failure: {ESCAPED}" in banner, path
        assert "<script" not in response.text.lower(), f"{path}: scraped text is escaped"
        assert " style=" not in response.text, "no inline style (the CSP forbids it)"
        top = response.text.index('<section class="banner"')
        assert response.text.index("</header>") < top < response.text.index("<main>"), path
    listed = httpx.get(server.url + "/").text
    assert f'<article class="change kind-source_unhealthy health" id="event-{down}">' in listed


def test_the_banner_shows_the_latest_failure_and_goes_when_the_source_recovers(
    empty_ledger: Any, serve: Any, record_health: Any
) -> None:
    engine, settings = empty_ledger
    since = utcnow() - timedelta(days=2, hours=1)
    record_health(engine, settings, None, finished=since - timedelta(hours=1))
    record_health(engine, settings, "maintenance page", finished=since)
    record_health(engine, settings, "crawl failed: " + "x" * 500)  # same episode, newer reason
    server = serve(settings, engine)
    banner = banner_of(httpx.get(server.url + "/").text)
    assert f"failing since {when(since)} (2 days)" in banner
    assert "maintenance page" not in banner and "Latest failure: crawl failed: xxx" in banner
    assert len(banner.split("Latest failure: ")[1].split("<")[0]) <= 200, "the reason is cut short"
    record_health(engine, settings, None)
    for path in PAGES:
        assert banner_of(httpx.get(server.url + path).text) == "", path


def test_no_banner_while_everything_is_fine(pages: httpx.Client) -> None:
    for path in ("/", "/reports/OIG-19-11", "/sources", "/reports/nope", "/?kind=bogus"):
        html = pages.get(path).text
        assert 'class="banner"' not in html and "changes may be missed" not in html, path


def test_the_banner_says_when_oigwatch_itself_fails(
    empty_ledger: Any, serve: Any, record_health: Any
) -> None:
    engine, settings = empty_ledger
    record_health(engine, settings, None)
    stopped = {"running": False, "heartbeat": utcnow(), "crawling": [], "jobs": []}
    server = serve(settings, engine, lambda: stopped)
    assert httpx.get(server.url + "/healthz").json()["reasons"] == ["scheduler is not running"]
    for path in ("/", "/sources", "/reports/nope"):
        banner = banner_of(httpx.get(server.url + path).text)
        assert "oigwatch itself is failing: scheduler is not running." in banner, path
        assert "Watching" not in banner, "no source is unhealthy"
    running = {"running": True, "heartbeat": utcnow(), "crawling": [], "jobs": []}
    fine = serve(settings, engine, lambda: running)
    assert banner_of(httpx.get(fine.url + "/").text) == ""


def test_a_broken_health_check_is_a_reason_not_a_broken_page(empty_ledger: Any, serve: Any) -> None:
    engine, settings = empty_ledger

    def broken() -> dict[str, Any]:
        raise RuntimeError("status callback exploded")

    server = serve(settings, engine, broken)
    response = httpx.get(server.url + "/")
    assert response.status_code == 200
    assert "oigwatch itself is failing: scheduler status unavailable." in response.text


def test_the_banner_costs_one_query_per_page(empty_ledger: Any, record_health: Any) -> None:
    engine, settings = empty_ledger
    record_health(engine, settings, "maintenance page")
    banner = Banner(settings, engine, None, ttl=60)
    statements: list[str] = []

    def count(*args: Any) -> None:
        if not args[2].startswith("BEGIN"):  # SQLite's engine opens every session with one
            statements.append(args[2])

    first = banner()  # reads the sources, and runs /healthz's check once
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert banner() == first
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
    assert [n["what"] for n in first] == ["source"]


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(-5, "less than a minute"), (59, "less than a minute"), (60, "1 minute"),
     (59 * 60, "59 minutes"), (3 * 3600 + 300, "3 hours"), (3600, "1 hour"),
     (47 * 3600, "47 hours"), (49 * 3600, "2 days")],
)  # fmt: skip
def test_age_words(seconds: float, words: str) -> None:
    assert age_words(seconds) == words


def test_banner_notices_are_plain_text_in_order() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    notices = banner_notices(
        [
            {"source": "dhs-oig", "unhealthy_since": "2026-11-23T09:00:00+00:00", "reason": "a\x01b"},
            {"source": "other\u202e", "unhealthy_since": None, "reason": None},
        ],
        ["database cannot be written"],
        now,
    )  # fmt: skip
    assert notices == [
        {
            "what": "source",
            "text": "Watching dhs-oig has been failing since Nov 23, 2026, 4:00 AM EST (3 hours); "
            "changes may be missed.",
            "reason": "ab",
        },
        {"what": "source", "text": "Watching other is failing; changes may be missed.", "reason": ""},
        {"what": "self", "text": "oigwatch itself is failing: database cannot be written.", "reason": ""},
    ]  # fmt: skip
    assert banner_notices([], [], now) == []
