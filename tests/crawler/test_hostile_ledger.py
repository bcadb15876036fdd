"""Hostile scraped text reaches the ledger only through admission, and every run records
(SQLite and PostgreSQL); migration 0003 widens the scraped columns and re-keys number-less reports."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from crawler.admit import admit
from crawler.contract import PageRecord
from crawler.diff import SweepFacts, diff_reports
from crawler.entry import ParsedPage, ReportEntry
from crawler.events import GateFacts, gate_events
from crawler.health import Verdict
from crawler.state import ViewInfo, merge_entries
from ledger.db import _alembic_config, ensure_schema, make_engine
from ledger.models import Report
from ledger.store import Ledger, RunRecord

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
VIEWS = {"audits": ViewInfo(family="audits", rank=0)}
HOSTILE = st.one_of(
    st.text(min_size=0, max_size=300),
    st.text(alphabet="²¹０１２３\u202e\u2066\x00\u0301\ufeff\u200b-OIG ", max_size=40),
    st.text(min_size=180, max_size=400),
    st.sampled_from(["2026²", "２０２６", "\u202e6202", "OIG-1\x004-131", "x" * 150, "FY 2026"]),
)


def page_of(rows: list[dict[str, Any]]) -> PageRecord:
    entries = tuple(ReportEntry.from_json(data) for data in rows)
    return PageRecord(
        "audits", "https://www.oig.dhs.gov/x?page=3", ParsedPage(entries, len(rows), False)
    )


def row(**values: Any) -> dict[str, Any]:
    base = ReportEntry(view="audits", title="A report", report_number="OIG-26-01").to_json()
    return {**base, "issue_date": "2026-01-02", **values}


_runs = itertools.count()


def record_pages(ledger: Ledger, pages: list[PageRecord]) -> RunRecord:
    """Admission, merge, diff, gates and the ledger's transaction, as the spine runs them."""
    admitted = admit(pages)
    source_id = ledger.source_id("dhs-oig")
    seen = merge_entries(admitted.entries, VIEWS, {})
    stored = ledger.stored(source_id, seen)
    diff = diff_reports(stored, seen, SweepFacts(False, protected=admitted.protected))
    run_key = f"run-{next(_runs)}"
    events = gate_events(diff.changes, "dhs-oig", run_key, NOW, GateFacts(baseline=False))
    record = RunRecord(
        run_key, source_id, "quick", NOW, NOW, "healthy", Verdict(True), diff, events
    )
    ledger.record(record)
    return record


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    number=st.one_of(st.none(), HOSTILE),
    title=HOSTILE,
    fiscal_year=st.one_of(st.none(), HOSTILE),
    summary=st.one_of(st.none(), HOSTILE),
    pdf=st.one_of(st.none(), HOSTILE.map(lambda s: "https://www.oig.dhs.gov/f/" + s + ".pdf")),
)
def test_any_odd_row_is_quarantined_or_recorded_and_its_neighbours_always_are(
    ledger: Ledger,
    number: str | None,
    title: str,
    fiscal_year: str | None,
    summary: str | None,
    pdf: str | None,
) -> None:
    odd = row(report_number=number, title=title, fiscal_year=fiscal_year, summary=summary,
              pdf_url=pdf)  # fmt: skip
    neighbour_number = f"OIG-26-{next(_runs) + 100}"
    neighbour = row(report_number=neighbour_number, title="A real new report", fiscal_year="2026")
    admitted = admit([page_of([odd, neighbour])])
    assert len(admitted.entries) + len(admitted.quarantined) == 2
    record_pages(ledger, [page_of([odd, neighbour])])  # never raises
    with ledger.engine.connect() as conn:
        keys = set(conn.scalars(select(Report.key)))
        stored = conn.execute(select(Report.title, Report.report_number)).all()
    assert neighbour_number in keys, "the real report beside the odd row is recorded"
    for title_text, number_text in stored:
        assert "\x00" not in title_text and "\x00" not in (number_text or "")
    assert all(len(key) <= 200 for key in keys)


def test_quarantine_names_page_row_field_and_raw_text() -> None:
    admitted = admit([page_of([row(), row(report_number="OIG-26-02", fiscal_year="2026²")])])
    [odd] = admitted.quarantined
    assert (odd.page, odd.row, odd.field, odd.raw) == (
        "https://www.oig.dhs.gov/x?page=3", 2, "fiscal_year", "2026²")  # fmt: skip
    assert odd.key == "OIG-26-02" and "not a year" in odd.problem
    assert [e.report_number for e in admitted.entries] == ["OIG-26-01"]


def test_a_quarantined_report_is_never_concluded_missing(ledger: Ledger) -> None:
    record_pages(ledger, [page_of([row(), row(report_number="OIG-26-02")])])
    admitted = admit([page_of([row(), row(report_number="OIG-26-02", fiscal_year="２０２６")])])
    source_id = ledger.source_id("dhs-oig")
    seen = merge_entries(admitted.entries, VIEWS, {})
    stored = ledger.stored(source_id, seen, complete=True)
    facts = SweepFacts(True, removal_sweeps=1, protected=admitted.protected)
    assert diff_reports(stored, seen, facts).changes == []


def test_long_values_fit_their_columns(ledger: Ledger) -> None:
    number = "OIG-" + "9" * 96  # 100 characters: admitted, longer than the old VARCHAR(100)
    record_pages(ledger, [page_of([row(report_number=number + "  ", fiscal_year="1" * 20)])])
    with ledger.engine.connect() as conn:
        assert conn.scalar(select(Report.fiscal_year)) == "1" * 20


def test_migrations_0003_0004_rekey_numberless_reports_and_index_pdf_paths(db_url: str) -> None:
    engine = make_engine(db_url)
    config = _alembic_config(engine)
    command.upgrade(config, "0002")
    with engine.begin() as conn:
        conn.execute(
            text("insert into sources (name, healthy, created_at) values ('dhs-oig', true, :now)"),
            {"now": NOW},
        )
        for key, title, issued in (
            ("pdf:/files/a.pdf", "Retaliation ROI (Revised)", date(2025, 3, 4)),
            ("pdf:/files/b.pdf", "Undated ROI", None),
            ("OIG-25-01", "Numbered", date(2025, 1, 1)),
        ):
            conn.execute(
                text(
                    "insert into reports (source_id, key, report_number, title, issue_date,"
                    " pdf_url, components, view_labels, settled, content_hash, status,"
                    " missing_sweeps, first_seen_at, changed_at) values (1, :key, :number,"
                    " :title, :issued, :pdf, '[]', '[]', false, 'h', 'active', 0, :now, :now)"
                ),
                {"key": key, "number": None if key.startswith("pdf:") else key, "title": title,
                 "issued": issued, "pdf": "https://x" + key.removeprefix("pdf:"), "now": NOW},
            )  # fmt: skip
    ensure_schema(engine)
    with engine.connect() as conn:
        keys = {title: key for title, key in conn.execute(select(Report.title, Report.key))}
        paths = dict(conn.execute(select(Report.title, Report.pdf_path)).tuples().all())
    engine.dispose()
    assert paths["Undated ROI"] == "/files/b.pdf", "migration 0004 fills the indexed PDF path"
    entry = ReportEntry("whistleblower", "Retaliation ROI", issue_date=date(2025, 3, 4),
                        pdf_url="https://www.oig.dhs.gov/moved/a.pdf")  # fmt: skip
    [crawled] = merge_entries([entry], {"whistleblower": VIEWS["audits"]}, {})
    assert keys["Retaliation ROI (Revised)"] == crawled, "the key survives a moved link"
    assert keys["Undated ROI"] == "pdf:/files/b.pdf" and keys["Numbered"] == "OIG-25-01"


def test_long_validators_fit_the_page_cache_and_pdf_columns(ledger: Ledger) -> None:
    odd = "Tue, 01 Dec 2026 10:00:00 GMT; " + "x" * 300  # over the old VARCHAR(64)
    source_id = ledger.source_id("dhs-oig")
    url = "https://www.oig.dhs.gov/reports/audits-inspections-and-evaluations"
    page = {"entries": [], "rows_seen": 0, "has_next": False, "problems": []}
    seen = merge_entries(admit([page_of([row()])]).entries, VIEWS, {})
    state = replace(next(iter(seen.values())), pdf_last_modified=odd, pdf_etag=odd)
    diff = diff_reports({}, {state.key: state}, SweepFacts(False))
    record = RunRecord("long-validators", source_id, "quick", NOW, NOW, "healthy", Verdict(True),
                       diff, page_cache={url: {"etag": odd, "last_modified": odd, "page": page}})  # fmt: skip
    ledger.record(record)
    assert ledger.page_cache(source_id)[url].last_modified == odd
    with ledger.engine.connect() as conn:
        assert conn.scalar(select(Report.pdf_last_modified)) == odd
