"""A broken site is one ops event, never content events, and leaves the ledger untouched."""

from __future__ import annotations

import pytest
from support.harness import Oigwatch, ledger_snapshot

LISTING = "/reports/audits-inspections-and-evaluations"
FAULTS = {
    "503": [
        {
            "op": "http_fault",
            "match": LISTING,
            "kind": "status",
            "status": 503,
            "retry_after": 0,
            "count": -1,
        }
    ],
    "429": [
        {
            "op": "http_fault",
            "match": "/reports/",
            "kind": "status",
            "status": 429,
            "retry_after": 1,
            "count": -1,
        }
    ],
    "timeout": [
        {
            "op": "http_fault",
            "match": "field_dhs_agency_target_id=3",
            "kind": "delay",
            "seconds": 3,
            "count": -1,
        }
    ],
    "reset": [{"op": "http_fault", "match": LISTING, "kind": "reset", "count": -1}],
    "waf": [
        {
            "op": "http_fault",
            "match": "/reports/",
            "kind": "status",
            "status": 403,
            "body": "waf",
            "count": -1,
        }
    ],
    "maintenance": [{"op": "layout", "maintenance": True}],
    "broken_layout": [{"op": "layout", "as_cards": True}],
    "empty_table": [{"op": "layout", "empty_table": True}],
    "login_redirect": [
        {
            "op": "http_fault",
            "match": "/reports/",
            "kind": "redirect",
            "status": 302,
            "location": "/user/login",
            "count": -1,
        }
    ],
}
IMPATIENT = {"OIGWATCH_CRAWL__TIMEOUT": "1", "OIGWATCH_CRAWL__RETRIES": "1"}
REPAIRS = {
    "maintenance": {"op": "layout", "maintenance": False},
    "broken_layout": {"op": "layout", "as_cards": False},
    "empty_table": {"op": "layout", "empty_table": False},
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_outage_is_one_unhealthy_event_then_one_recovery(baselined: Oigwatch, fault: str) -> None:
    site = baselined.site
    before = ledger_snapshot(baselined.db_url)
    added = site.mutate({"op": "add_report"})
    for op in FAULTS[fault]:
        site.mutate(op)
    [unhealthy] = baselined.crawl("--quick", expect=1, env=IMPATIENT)
    assert unhealthy["kind"] == "source_unhealthy" and unhealthy["reason"]
    assert baselined.crawl("--deep", expect=1, env=IMPATIENT) == [], "one event per episode"
    assert ledger_snapshot(baselined.db_url) == before, "an unhealthy run changes nothing"
    site.mutate(REPAIRS.get(fault, {"op": "clear_faults"}))
    events = baselined.crawl("--quick")
    assert [e["kind"] for e in events] == ["new", "source_recovered"]
    assert events[0]["report_number"] == added["report_number"]
    assert baselined.crawl("--deep") == []


def test_transient_errors_are_retried_without_any_event(baselined: Oigwatch) -> None:
    baselined.site.mutate(
        {
            "op": "http_fault",
            "match": LISTING,
            "kind": "status",
            "status": 503,
            "retry_after": 0,
            "count": 2,
        }
    )
    baselined.site.mutate(
        {"op": "http_fault", "match": "/reports/management-alerts", "kind": "truncate", "count": 1}
    )
    assert baselined.crawl("--quick") == []


def test_killed_crawl_is_a_failed_run_and_nothing_half_written(baselined: Oigwatch) -> None:
    before = ledger_snapshot(baselined.db_url)
    baselined.site.mutate({"op": "add_report"})
    baselined.site.mutate(
        {"op": "http_fault", "match": "/reports/", "kind": "delay", "seconds": 2, "count": -1}
    )
    [event] = baselined.crawl("--quick", expect=1, env={"OIGWATCH_CRAWL__PROCESS_TIMEOUT": "1.5"})
    assert event["kind"] == "source_unhealthy" and "timed out" in event["reason"]
    assert ledger_snapshot(baselined.db_url) == before
    sources = baselined.run("sources")
    assert "UNHEALTHY" in sources.stdout and "failed" in sources.stdout


def test_row_count_halving_is_unhealthy(baselined: Oigwatch) -> None:
    for number in [r.report_number for r in baselined.site.state.reports[:200] if r.report_number]:
        baselined.site.mutate({"op": "remove_report", "report_number": number})
    [event] = baselined.crawl("--deep", expect=1)
    assert event["kind"] == "source_unhealthy" and "shrank" in event["reason"]
