"""Bounded work: a decompression bomb or an endless body fails the run plainly, records nothing."""

from __future__ import annotations

import time

from support.harness import Oigwatch, ledger_snapshot

MGMT = "/reports/management-alerts"
SMALL = {"OIGWATCH_CRAWL__MAX_PAGE_BYTES": "1000000"}


def test_a_bomb_and_an_endless_body_are_one_unhealthy_event(baselined: Oigwatch) -> None:
    site = baselined.site
    before = ledger_snapshot(baselined.db_url)
    added = site.mutate({"op": "add_report"})  # news that an unhealthy run must not record
    ice = "field_dhs_agency_target_id=3"
    site.mutate(
        {"op": "http_fault", "match": ice, "kind": "gzip_bomb", "size": 20_000_000, "count": -1}
    )
    site.mutate({"op": "http_fault", "match": MGMT, "kind": "endless", "count": -1})
    [event] = baselined.crawl("--quick", expect=1, env=SMALL)
    assert event["kind"] == "source_unhealthy"
    assert "response larger than 1000000 bytes (decompressed) refused at " in event["reason"]
    assert "response larger than 1000000 bytes refused at " in event["reason"]
    assert ice in event["reason"] and MGMT in event["reason"]
    assert ledger_snapshot(baselined.db_url) == before
    site.mutate({"op": "clear_faults"})
    events = baselined.crawl("--quick", env=SMALL)
    assert [e["kind"] for e in events] == ["new", "source_recovered"]
    assert events[0]["report_number"] == added["report_number"]


def test_gigabyte_bombs_at_the_default_limit(baselined: Oigwatch) -> None:
    site = baselined.site
    before = ledger_snapshot(baselined.db_url)
    site.mutate({"op": "http_fault", "match": "/reports/", "kind": "gzip_bomb", "count": -1})
    started = time.monotonic()
    [event] = baselined.crawl("--deep", expect=1)  # every page 0 of 13 views: 1.5 GB each
    assert time.monotonic() - started < 30
    assert event["kind"] == "source_unhealthy"
    assert event["reason"].startswith(
        "ResponseTooLarge: response larger than 5000000 bytes (decompressed) refused at 26 pages"
    )
    assert ledger_snapshot(baselined.db_url) == before
