"""What changed inside a replaced PDF, end to end (SQLite and PostgreSQL): the real CLI crawls the
fixture site, whose reports serve the 12-page sample report (``set_pdf_document``); a replaced PDF
yields one ``revised`` event whose payload's ``pdf_changes`` names the pages and passages (or says
why it could not), the archive holds both versions and ``pdf_versions`` keeps their text.

Hostile PDFs run under small limits set in the config: each fails only its own extraction, with
its reason, and the run stays healthy."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from support.harness import Oigwatch, write_config
from support.s3_server import running_s3

from archive.store import open_archive
from config.settings import load_settings
from fixture_site import FixtureSite, build_state
from fixture_site.document_ops import document_bytes
from fixture_site.pdf_pages import (
    ADDED_PAGE,
    ADDED_PARAGRAPH,
    NUMBER_AFTER,
    NUMBER_BEFORE,
    NUMBER_PAGE,
)
from ledger.db import normalize_url

LIMITS = "\n[archive]\ntext_seconds = 10\ntext_memory_mb = 384\ntext_max_pages = 100\n"
HOSTILE_REASONS = (
    "a compressed stream in it inflates to more than",  # pypdf's own bound (bomb)
    "has 2,000 pages, more than 100",  # many_pages
    "took longer than 10 s",
    "needed more than 384 MB",
)


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    """A small site (40 reports): every PDF is fetched by the baseline."""
    with FixtureSite(build_state(n_reports=40, seed=5)) as running:
        running.mutate({"op": "tie_shuffle", "mode": "stable"})
        yield running


@pytest.fixture
def ow(site: FixtureSite, db_url: str, tmp_path: Path) -> Oigwatch:
    return Oigwatch(site, db_url, write_config(tmp_path, extra=LIMITS))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def reports(site: FixtureSite, count: int) -> list[str]:
    numbers = [r.report_number for r in site.state.reports if r.report_number and not r.removed]
    return [n for n in numbers if n][:count]


def serve(site: FixtureSite, number: str, document: str) -> None:
    site.mutate({"op": "set_pdf_document", "report_number": number, "document": document})


def versions(db_url: str, number: str) -> list[dict[str, Any]]:
    engine = create_engine(normalize_url(db_url))
    query = text(
        "select v.version, v.sha256, v.stored, v.text_status, v.text_reason, v.pages"
        " from pdf_versions v join reports r on r.id = v.report_id"
        " where r.report_number = :number order by v.version"
    )
    try:
        with engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query, {"number": number})]
    finally:
        engine.dispose()
    for row in rows:  # a JSON column read by plain SQL: text on SQLite
        if isinstance(row["pages"], str):
            row["pages"] = json.loads(row["pages"])
    return rows


def run_outcomes(db_url: str) -> list[str]:
    engine = create_engine(normalize_url(db_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("select outcome from crawl_runs order by id")).scalars())
    finally:
        engine.dispose()


def baseline(ow: Oigwatch, numbers: list[str]) -> None:
    for number in numbers:
        serve(ow.site, number, "original")
    assert ow.crawl("--deep", "--pdf-checks", "all") == []


def revised_by_number(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for event in events:
        assert event["kind"] == "revised", event
        assert event["report_number"] not in found, "one event per report"
        found[event["report_number"]] = event
    return found


def test_a_replaced_pdf_says_which_pages_and_passages_changed(ow: Oigwatch, db_url: str) -> None:
    number_report, paragraph_report, layout_report = reports(ow.site, 3)
    baseline(ow, [number_report, paragraph_report, layout_report])
    original = sha(document_bytes("original"))
    serve(ow.site, number_report, "number")
    serve(ow.site, paragraph_report, "paragraph")
    serve(ow.site, layout_report, "layout")
    events = revised_by_number(ow.crawl("--deep", "--pdf-checks", "all"))
    assert set(events) == {number_report, paragraph_report, layout_report}
    for event in events.values():
        assert [c["field"] for c in event["changes"]] == ["pdf_content"]

    number = events[number_report]["pdf_changes"]
    assert number["status"] == "compared" and number["reason"] is None
    assert number["before"] == {"sha256": original, "pages": 12}
    assert number["after"] == {"sha256": sha(document_bytes("number")), "pages": 12}
    assert number["changed_pages"] == [NUMBER_PAGE]
    assert number["added_pages"] == number["removed_pages"] == [] and number["omitted"] == 0
    assert number["pages_line"] == f"Changed on page {NUMBER_PAGE}"
    [passage] = number["passages"]
    assert passage["page"] == NUMBER_PAGE
    assert NUMBER_BEFORE in passage["before"] and NUMBER_AFTER in passage["after"]
    assert "[-" in passage["redline"] and "{+" in passage["redline"]

    paragraph = events[paragraph_report]["pdf_changes"]
    assert paragraph["status"] == "compared"
    assert paragraph["changed_pages"] == [ADDED_PAGE]
    assert paragraph["pages_line"] == f"Changed on page {ADDED_PAGE}"
    [added] = paragraph["passages"]
    assert added["page"] == ADDED_PAGE and f"{{+{ADDED_PARAGRAPH}+}}" in added["redline"]

    layout = events[layout_report]["pdf_changes"]
    assert layout["status"] == "no_text_change" and layout["reason"] is None
    assert layout["pages_line"] == "" and "passages" not in layout
    assert layout["before"]["sha256"] != layout["after"]["sha256"]

    archive = open_archive(load_settings(ow.config, environ={}))
    for report, document in ((number_report, "number"), (layout_report, "layout")):
        rows = versions(db_url, report)
        assert [(r["version"], r["sha256"], r["stored"]) for r in rows] == [
            (1, original, True),
            (2, sha(document_bytes(document)), True),
        ]
        assert [r["text_status"] for r in rows] == ["ok", "ok"]
        assert len(rows[1]["pages"]) == 12 and all(isinstance(p, str) for p in rows[1]["pages"])
        assert archive.get(rows[0]["sha256"]) == document_bytes("original")
        assert archive.get(rows[1]["sha256"]) == document_bytes(document)
    assert run_outcomes(db_url)[-1] == "healthy"


def test_a_later_revision_reads_the_kept_text_not_the_archive(ow: Oigwatch, db_url: str) -> None:
    [report] = reports(ow.site, 1)
    baseline(ow, [report])
    serve(ow.site, report, "number")
    [first] = ow.crawl("--deep", "--pdf-checks", "all")
    assert first["pdf_changes"]["status"] == "compared"
    archive = open_archive(load_settings(ow.config, environ={}))
    kept = sha(document_bytes("number"))
    archive.fs.rm(archive.path_for(kept))  # the text on its version is all that is left of it
    serve(ow.site, report, "paragraph")
    [second] = ow.crawl("--deep", "--pdf-checks", "all")
    changes = second["pdf_changes"]
    assert changes["status"] == "compared", changes
    assert changes["before"] == {"sha256": kept, "pages": 12}
    assert changes["changed_pages"] == sorted({NUMBER_PAGE, ADDED_PAGE})


def test_an_earlier_version_never_archived_is_not_compared(ow: Oigwatch, db_url: str) -> None:
    [report] = reports(ow.site, 1)
    baseline(ow, [report])
    engine = create_engine(normalize_url(db_url))
    with engine.begin() as conn:  # as in a ledger older than the archive
        conn.execute(text("delete from pdf_versions"))
    engine.dispose()
    archive = open_archive(load_settings(ow.config, environ={}))
    archive.fs.rm(archive.path_for(sha(document_bytes("original"))))
    serve(ow.site, report, "number")
    [event] = ow.crawl("--deep", "--pdf-checks", "all")
    changes = event["pdf_changes"]
    assert changes["status"] == "not_compared"
    assert changes["reason"] == "the earlier version was not archived"
    assert changes["before"]["pages"] is None and changes["after"]["pages"] == 12
    assert changes["pages_line"] == "" and "passages" not in changes


def test_hostile_pdfs_fail_only_their_own_extraction(ow: Oigwatch, db_url: str) -> None:
    bomb, many, loop = reports(ow.site, 3)
    baseline(ow, [bomb, many, loop])
    for report, document in ((bomb, "bomb"), (many, "many_pages"), (loop, "loop")):
        serve(ow.site, report, document)
    started = time.monotonic()
    events = revised_by_number(ow.crawl("--deep", "--pdf-checks", "all"))
    elapsed = time.monotonic() - started
    assert set(events) == {bomb, many, loop}
    assert run_outcomes(db_url)[-1] == "healthy"
    assert elapsed < 3 * 10 + 30, "each extraction within its limit"
    for report in (bomb, many, loop):
        changes = events[report]["pdf_changes"]
        assert changes["status"] == "not_compared"
        assert changes["before"]["pages"] == 12 and changes["after"]["pages"] is None
        rows = versions(db_url, report)
        assert [r["text_status"] for r in rows] == ["ok", "failed"]
        reason = rows[1]["text_reason"]
        assert reason and rows[1]["pages"] is None
        assert changes["reason"] in (
            f"the new version {reason}",
            f"the new version could not be read: {reason}",
        )
        assert changes["reason"].startswith("the new version")
    assert any(m in versions(db_url, bomb)[1]["text_reason"] for m in HOSTILE_REASONS)
    assert versions(db_url, many)[1]["text_reason"] == "has 2,000 pages, more than 100"
    assert events[many]["pdf_changes"]["reason"] == "the new version has 2,000 pages, more than 100"


def test_revisions_held_in_bulk_are_not_read(ow: Oigwatch, db_url: str) -> None:
    first, second = reports(ow.site, 2)
    baseline(ow, [first, second])
    serve(ow.site, first, "number")
    serve(ow.site, second, "paragraph")
    events = ow.crawl("--deep", "--pdf-checks", "all", env={"OIGWATCH_GATES__BULK_THRESHOLD": "1"})
    assert sorted(e["kind"] for e in events) == ["bulk_hold", "revised", "revised"]
    held = [e for e in events if e["kind"] == "revised"]
    for payload in held:
        changes = payload["pdf_changes"]
        assert changes["status"] == "not_compared" and "bulk hold" in changes["reason"]
    for report in (first, second):  # nothing read: neither version has a text
        assert [r["text_status"] for r in versions(db_url, report)] == [None, None]


def test_the_earlier_version_is_read_from_an_s3_archive(
    site: FixtureSite, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive in an S3-compatible store (moto's server): the baseline's PDF leaves the spool
    for the bucket with no text read, so the revision reads the earlier version from the bucket."""
    with running_s3(monkeypatch) as server:
        section = LIMITS + (
            f'url = "s3://{server.bucket()}/oigwatch"\n'
            f'endpoint_url = "{server.endpoint_url}"\ntimeout = 5\n'
        )
        ow = Oigwatch(site, db_url, write_config(tmp_path, extra=section))
        [report] = reports(site, 1)
        baseline(ow, [report])
        [original] = versions(db_url, report)
        assert original["stored"] and original["text_status"] is None, "nothing read yet"
        serve(site, report, "number")
        [event] = ow.crawl("--deep", "--pdf-checks", "all")
        changes = event["pdf_changes"]
        assert changes["status"] == "compared", changes
        assert changes["before"] == {"sha256": sha(document_bytes("original")), "pages": 12}
        assert changes["changed_pages"] == [NUMBER_PAGE]
        assert [v["text_status"] for v in versions(db_url, report)] == ["ok", "ok"]


def test_a_replaced_pdf_whose_highlights_state_other_facts_calls_them_out(
    ow: Oigwatch, db_url: str
) -> None:
    from notifier.render.key_facts import change_lines

    [report] = reports(ow.site, 1)
    serve(ow.site, report, "highlights")
    assert ow.crawl("--deep", "--pdf-checks", "all") == []
    serve(ow.site, report, "highlights_revised")
    [event] = ow.crawl("--deep", "--pdf-checks", "all")
    assert event["pdf_changes"]["changed_pages"] == [1]
    assert event["pdf_key_facts_before"]["recommendations"] == 4
    assert event["pdf_key_facts"]["recommendations"] == 5
    assert "Recommendations: 4 → 5" in change_lines(event)
