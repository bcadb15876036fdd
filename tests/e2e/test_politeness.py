"""Polite and safe by default: robots.txt, User-Agent, conditional requests, only configured hosts."""

from __future__ import annotations

from support.harness import Oigwatch

from fixture_site import FixtureSite, build_state
from notifier.console import render_text


def test_robots_txt_is_obeyed(oigwatch: Oigwatch) -> None:
    oigwatch.site.mutate({"op": "set", "robots_txt": "User-agent: *\nDisallow: /reports/\n"})
    [event] = oigwatch.crawl("--deep", expect=1)
    assert event["kind"] == "source_unhealthy" and "robots.txt" in event["reason"]
    assert not [e for e in oigwatch.site.log if e.path.startswith("/reports/")]


def test_a_robots_txt_answered_429_is_not_remembered(oigwatch: Oigwatch) -> None:
    site = oigwatch.site
    site.mutate({"op": "http_fault", "match": "/robots.txt", "kind": "status", "status": 429})
    oigwatch.crawl("--deep")  # no robots.txt this time: nothing to obey, nothing to remember
    site.mutate({"op": "set", "robots_txt": "User-agent: *\nDisallow: /reports/\n"})
    [event] = oigwatch.crawl("--quick", expect=1)
    assert event["kind"] == "source_unhealthy" and "robots.txt" in event["reason"]


def test_a_robots_txt_is_remembered_for_its_own_address_only(oigwatch: Oigwatch) -> None:
    oigwatch.crawl("--deep")
    with FixtureSite(build_state(n_reports=50, seed=3)) as elsewhere:
        elsewhere.mutate({"op": "set", "robots_txt": "User-agent: *\nDisallow: /reports/\n"})
        result = oigwatch.run("crawl", "--quick", "--json", "--base-url", elsewhere.base_url)
        assert result.exit_code == 1
        assert [e.path for e in elsewhere.log][:1] == ["/robots.txt"]
        assert not [e for e in elsewhere.log if e.path.startswith("/reports/")]


def test_requests_identify_oigwatch(oigwatch: Oigwatch) -> None:
    oigwatch.crawl("--quick")
    agents = {e.headers.get("User-Agent") or e.headers.get("user-agent") for e in oigwatch.site.log}
    assert len(agents) == 1 and agents.pop().startswith("oigwatch/")


def test_unchanged_pages_are_conditional_and_not_parsed_again(baselined: Oigwatch) -> None:
    baselined.site.clear_log()
    assert baselined.crawl("--quick") == []
    listing = [e for e in baselined.site.log if e.path.startswith("/reports/")]
    assert len(listing) == 13, "one request per view"
    assert all(e.status == 304 for e in listing)
    assert len(baselined.site.log) == 13, "robots.txt read by the baseline is reused"


def test_robots_txt_is_read_again_once_its_cache_expires(oigwatch: Oigwatch) -> None:
    robots = "User-agent: *\nDisallow: /reports/\n"
    oigwatch.crawl("--deep")
    oigwatch.site.mutate({"op": "set", "robots_txt": robots})
    assert oigwatch.crawl("--quick") == []  # within the day: the old robots.txt still applies
    stale = {"OIGWATCH_CRAWL__ROBOTS_CACHE": "0"}
    [event] = oigwatch.crawl("--quick", expect=1, env=stale)
    assert event["kind"] == "source_unhealthy" and "robots.txt" in event["reason"]


def test_redirect_to_another_host_is_refused(oigwatch: Oigwatch) -> None:
    with FixtureSite(build_state(n_reports=50, seed=2)) as elsewhere:
        oigwatch.site.mutate(
            {
                "op": "http_fault",
                "match": "/reports/management-alerts",
                "kind": "redirect",
                "status": 302,
                "count": -1,
                "location": elsewhere.base_url + "/reports/management-alerts",
            }
        )
        [event] = oigwatch.crawl("--quick", expect=1)
        assert event["kind"] == "source_unhealthy" and "not configured" in event["reason"]
        assert elsewhere.log == [], "the other host was never contacted"


def test_pdf_links_on_other_hosts_are_not_fetched(baselined: Oigwatch) -> None:
    with FixtureSite(build_state(n_reports=50, seed=2)) as elsewhere:
        pdf = elsewhere.base_url + "/sites/default/files/evil.pdf"
        baselined.site.mutate({"op": "add_report", "pdf_path": pdf})
        [event] = baselined.crawl("--quick")
        assert event["kind"] == "new" and event["url"] == pdf
        assert elsewhere.log == []


def test_hostile_titles_cannot_drive_the_terminal() -> None:
    event = {
        "kind": "new",
        "report_number": "OIG-26-01",
        "title": "Report \x1b[2J\x1b]0;pwned\x07",
        "summary": "x\x1b[31m",
        "components": ["CBP"],
        "labels": [],
        "changes": [],
    }
    assert "\x1b" not in render_text(event) and "\x07" not in render_text(event)
