"""What changed inside a replaced PDF on the web side, on SQLite and PostgreSQL: the JSON API's
``pdf_changes`` (validated; a malformed stored object is null, never a 500), the JSON Feed and
Atom entries, the change list (the pages line) and a report's page (every passage by page,
links to both archived versions); scraped text escaped."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import httpx
from lxml import etree
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from config.settings import ArchiveConfig
from ledger.models import ChangeEvent, Report, Source

OLD, NEW = "ab" * 32, "cd" * 32
ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<script>alert(1)</script> & <!channel>"
NUMBER = {
    "page": 12,
    "before": "CBP did not collect $4.3 billion in delinquent debt",
    "after": "CBP did not collect $5.1 billion in delinquent debt",
    "redline": "CBP did not collect [-$4.3-]{+$5.1+} billion in delinquent debt",
    "size": 2,
}
ADDED = {
    "page": 3,
    "before": "findings. Appendix",
    "after": f"findings. We also found {HOSTILE} here. Appendix",
    "redline": f"findings. {{+We also found {HOSTILE} here.+}} Appendix",
    "size": 9,
}
SMALL = {"page": 12, "before": "a b", "after": "a c", "redline": "a [-b-]{+c+}", "size": 1}
COMPARED = {
    "status": "compared",
    "reason": None,
    "before": {"sha256": OLD, "pages": 40},
    "after": {"sha256": NEW, "pages": 41},
    "pages_line": "whatever was stored",
    "changed_pages": [3, 12],
    "added_pages": [41],
    "removed_pages": [],
    "passages": [ADDED, NUMBER, SMALL],
    "omitted": 0,
}
SCAN = {
    "status": "not_compared",
    "reason": "the new version has no text layer (a scan)",
    "before": {"sha256": OLD, "pages": 40},
    "after": {"sha256": NEW, "pages": None},
    "pages_line": "",
}


def revision(number: str, pdf_changes: Any = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "kind": "revised",
        "report_number": number,
        "report_key": number,
        "title": "CBP Debt Collection",
        "components": ["CBP"],
        "summary": "CBP did not collect delinquent debt.",
        "changes": [{"field": "pdf_content", "old": OLD, "new": NEW}],
    }
    if pdf_changes is not None:
        payload["pdf_changes"] = pdf_changes
    return payload


def attach_report(engine: Engine, number: str, event_ids: list[int]) -> None:
    """A report row for ``number`` and the events made its own (a crawl records both)."""
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        source = session.scalars(select(Source.id).where(Source.name == "dhs-oig")).one()
        report = Report(
            source_id=source, key=number, report_number=number, title="CBP Debt Collection",
            content_hash="0" * 64, first_seen_at=now, changed_at=now, pdf_sha256=NEW,
        )  # fmt: skip
        session.add(report)
        session.flush()
        session.execute(
            update(ChangeEvent).where(ChangeEvent.id.in_(event_ids)).values(report_id=report.id)
        )


def test_the_api_and_the_json_feed_carry_the_validated_object(
    empty_ledger: Any, serve: Any, record_events: Any
) -> None:
    engine, settings = empty_ledger
    malformed = {**COMPARED, "passages": [{"page": "three"}]}
    ids = record_events(
        engine,
        settings,
        revision("OIG-21-56", COMPARED),
        revision("OIG-21-57", SCAN),
        revision("OIG-21-58", malformed),
        revision("OIG-21-59"),
    )
    server = serve(settings, engine)
    answer = httpx.get(server.url + "/api/changes")
    assert answer.status_code == 200
    events = {e["event_id"]: e for e in answer.json()["changes"]}
    found = events[ids[0]]["pdf_changes"]
    assert found["pages_line"] == "Changed on pages 3 and 12; page 41 added", "recomputed"
    assert found["before"] == {"sha256": OLD, "pages": 40}
    assert found["passages"] == [ADDED, NUMBER, SMALL] and found["omitted"] == 0
    assert events[ids[1]]["pdf_changes"] == {**SCAN, "changed_pages": [], "added_pages": [], "removed_pages": [], "passages": [], "omitted": 0}  # fmt: skip
    assert events[ids[2]]["pdf_changes"] is None, "malformed: dropped, not a 500"
    assert events[ids[3]]["pdf_changes"] is None

    feed = httpx.get(server.url + "/feeds/changes.json").json()
    items = {item["_oigwatch"]["event_id"]: item for item in feed["items"]}
    assert items[ids[0]]["_oigwatch"]["pdf_changes"]["passages"][0]["page"] == 3
    assert items[ids[2]]["_oigwatch"]["pdf_changes"] is None
    assert "pdf_changes" not in items[ids[3]]["_oigwatch"], "old events as they were"
    text = items[ids[0]]["content_text"]
    assert "Inside the PDF: Changed on pages 3 and 12; page 41 added\n" in text
    assert f"Page 3: findings. {{+We also found {HOSTILE} here.+}} Appendix" in text
    assert "could not be compared: the new version has no text layer" in items[ids[1]]["content_text"]  # fmt: skip

    atom = httpx.get(server.url + "/feeds/changes.atom")
    assert b"<script>" not in atom.content
    contents = [c.text or "" for c in etree.fromstring(atom.content).iter(ATOM + "content")]
    assert any("Page 12: CBP did not collect [-$4.3-]{+$5.1+}" in c for c in contents)


def test_a_report_page_shows_every_passage_by_page_with_both_archived_versions(
    empty_ledger: Any, serve: Any, record_events: Any
) -> None:
    engine, settings = empty_ledger
    ids = record_events(engine, settings, revision("OIG-21-56", COMPARED))
    attach_report(engine, "OIG-21-56", ids)
    server = serve(settings, engine)
    page = httpx.get(server.url + "/reports/OIG-21-56")
    assert page.status_code == 200
    text = page.text
    assert "<strong>Inside the PDF:</strong> Changed on pages 3 and 12; page 41 added" in text
    assert text.index('<h4 class="pdf-page">Page 3</h4>') < text.index(
        '<h4 class="pdf-page">Page 12</h4>'
    )
    assert text.count('<li class="redline" dir="auto">') == 3, "every passage"
    assert '<del class="rl-del">$4.3</del> <ins class="rl-ins">$5.1</ins>' in text
    assert "<script>" not in text and html.escape(HOSTILE, quote=False) in text
    assert f'<a href="/archive/{OLD}.pdf" type="application/pdf">earlier version</a> (40 pages)' in text  # fmt: skip
    assert f'<a href="/archive/{NEW}.pdf" type="application/pdf">this version</a> (41 pages)' in text  # fmt: skip

    listing = httpx.get(server.url + "/").text
    assert "<strong>Inside the PDF:</strong> Changed on pages 3 and 12; page 41 added" in listing
    assert "rl-del" not in listing.split("Inside the PDF")[1], "the list names pages only"


def test_a_page_says_the_other_statuses_and_drops_a_malformed_object(
    empty_ledger: Any, serve: Any, record_events: Any
) -> None:
    engine, settings = empty_ledger
    layout = {**SCAN, "status": "no_text_change", "reason": None}
    ids = record_events(
        engine,
        settings,
        revision("OIG-21-56", SCAN),
        revision("OIG-21-56", layout),
        revision("OIG-21-56", {"status": "compared", "before": "x"}),
    )
    attach_report(engine, "OIG-21-56", ids)
    server = serve(settings, engine)
    page = httpx.get(server.url + "/reports/OIG-21-56")
    assert page.status_code == 200
    assert (
        '<p class="pdf-line">The PDF was replaced; its text could not be compared: the new version'
        " has no text layer (a scan)</p>" in page.text
    )
    assert "The PDF was replaced; its text did not change (layout only)" in page.text
    assert page.text.count('class="pdf-changes"') == 2


def test_no_archive_links_when_the_archive_is_disabled(
    empty_ledger: Any, serve: Any, record_events: Any
) -> None:
    engine, settings = empty_ledger
    ids = record_events(engine, settings, revision("OIG-21-56", COMPARED))
    attach_report(engine, "OIG-21-56", ids)
    disabled = settings.model_copy(update={"archive": ArchiveConfig(enabled=False)})
    page = httpx.get(serve(disabled, engine).url + "/reports/OIG-21-56").text
    assert "Changed on pages 3 and 12" in page and page.count('<li class="redline"') == 3
    assert "/archive/" not in page and "Archived copies" not in page
