"""Key facts on the web side: the JSON API's ``key_facts``, the change list, the feeds over HTTP
and a report's page, on SQLite and PostgreSQL; scraped text escaped."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import httpx
from lxml import etree

from ledger.queries import ReportHistory
from web.shape import report_view

SUMMARY = (
    "We made 10 recommendations to improve E-Verify's accuracy, internal controls, and workload"
    " capabilities. USCIS concurred with all 10 recommendations."
)  # OIG-21-56's real summary, shortened
REVISED = SUMMARY.replace("USCIS concurred with all 10", "USCIS concurred with 9 of the 10")
HOSTILE = "We made 2 recommendations. It concurred with both recommendations."
ATOM = "{http://www.w3.org/2005/Atom}"


def payloads() -> list[dict[str, Any]]:
    change = {"field": "summary", "old": SUMMARY, "new": REVISED}
    return [
        {
            "kind": "new",
            "report_number": "OIG-21-56",
            "title": "E-Verify",
            "components": ["USCIS"],
            "summary": SUMMARY,
        },
        {
            "kind": "revised",
            "report_number": "OIG-21-56",
            "title": "E-Verify",
            "components": ["USCIS"],
            "summary": REVISED,
            "changes": [change],
        },
        {
            "kind": "new",
            "report_number": "OIG-99-01",
            "title": "Hostile",
            "components": ["<script>alert(1)</script>"],
            "summary": HOSTILE,
        },
        {
            "kind": "new",
            "report_number": "OIG-99-02",
            "title": "Silent",
            "components": ["ICE"],
            "summary": "A report about boats.",
        },
    ]


def test_the_api_and_the_feeds_carry_the_key_facts(
    empty_ledger: Any, serve: Any, record_events: Any
) -> None:
    engine, settings = empty_ledger
    new, revised, hostile, silent = record_events(engine, settings, *payloads())
    server = serve(settings, engine)
    events = {e["event_id"]: e for e in httpx.get(server.url + "/api/changes").json()["changes"]}
    assert events[new]["key_facts"] == {
        "recommendations": 10,
        "concurred": 10,
        "response": "USCIS concurred with all",
    }
    assert events[new]["key_facts_changes"] == []
    assert events[revised]["key_facts"]["concurred"] == 9
    assert events[revised]["key_facts_changes"] == [
        {"fact": "concurred", "old": 10, "new": 9},
        {
            "fact": "response",
            "old": "USCIS concurred with all",
            "new": "USCIS concurred with 9 of 10",
        },
    ]
    assert events[silent]["key_facts"] == {"recommendations": None, "concurred": None, "response": None}  # fmt: skip
    assert (
        events[hostile]["key_facts"]["response"] == "<script>alert(1)</script> concurred with all"
    )
    assert events[new]["summary"] == SUMMARY  # the documented fields are unchanged

    feed = httpx.get(server.url + "/feeds/changes.json").json()
    by_id = {item["_oigwatch"]["event_id"]: item for item in feed["items"]}
    assert by_id[new]["_oigwatch"]["key_facts"]["recommendations"] == 10
    assert by_id[new]["content_text"].startswith("10 recommendations · USCIS concurred with all\n")
    assert by_id[revised]["content_text"].startswith(
        "Response: USCIS concurred with all → USCIS concurred with 9 of 10\n"
    )
    atom = httpx.get(server.url + "/feeds/changes.atom")
    assert b"<script>" not in atom.content
    contents = [c.text for c in etree.fromstring(atom.content).iter(ATOM + "content")]
    assert "2 recommendations · <script>alert(1)</script> concurred with all" in "\n".join(contents)


def test_the_change_list_shows_the_facts_escaped(
    empty_ledger: Any, serve: Any, record_events: Any
) -> None:
    engine, settings = empty_ledger
    record_events(engine, settings, *payloads())
    server = serve(settings, engine)
    page = httpx.get(server.url + "/").text
    assert '<p class="facts">USCIS · 10 recommendations · USCIS concurred with all</p>' in page
    assert "<dt>Response</dt>" in page
    assert "USCIS concurred with all → USCIS concurred with 9 of 10" in page
    assert "<script>alert(1)</script>" not in page
    assert html.escape("<script>alert(1)</script>", quote=False) + " concurred with all" in page


def _history(summaries: list[str]) -> ReportHistory:
    seen = datetime(2026, 11, 1, tzinfo=UTC)
    versions = [
        SimpleNamespace(
            seen_at=seen,
            content_hash=f"h{i}",
            data={"title": "E-Verify", "summary": s, "components": ["USCIS"]},
        )
        for i, s in enumerate(summaries)
    ]
    row = SimpleNamespace(
        key="OIG-21-56", report_number="OIG-21-56", title="E-Verify", summary=summaries[-1],
        status="active", issue_date=date(2021, 7, 1), fiscal_year="2021", components=["USCIS"],
        pdf_url=None, detail_url=None, first_seen_at=seen, changed_at=seen, pdf_sha256=None,
        pdf_length=None, pdf_etag=None, pdf_last_modified=None, pdf_checked_at=None,
    )  # fmt: skip
    return ReportHistory("dhs-oig", row, versions)


def test_a_report_page_shows_its_facts_and_the_versions_that_changed_them() -> None:
    view = report_view(_history([SUMMARY, REVISED]))
    assert view["key_facts"] == "10 recommendations · USCIS concurred with 9 of 10"
    newest = view["versions"][0]
    assert [(c["name"], c["body"]) for c in newest["changes"][:1]] == [
        ("Response", "USCIS concurred with all → USCIS concurred with 9 of 10")
    ]
    assert newest["changes"][1]["field"] == "summary"
    assert report_view(_history(["A report about boats."]))["key_facts"] == ""
