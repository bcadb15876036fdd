"""The crawl contract: every job and result survives its JSON file unchanged, and the page cache an
earlier version wrote still reads (no migration)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from crawler.contract import (
    CachedPage,
    CrawlError,
    CrawlJob,
    CrawlResult,
    CrawlRules,
    CrawlStats,
    PageRecord,
    PdfCheck,
    PdfFingerprint,
    PdfPlan,
    SourcePlan,
    ViewPlan,
    page_from_json,
    page_to_json,
)
from crawler.entry import ParsedPage, ReportEntry
from ledger.models import PageCache
from ledger.store import Ledger

TEXT = st.text(max_size=20)
MAYBE = st.none() | TEXT
NUMBER = st.integers(min_value=-(2**63), max_value=2**63)
SECONDS = st.floats(allow_nan=False, allow_infinity=False)
TEXTS = st.lists(TEXT, max_size=3).map(tuple)

ENTRY = st.builds(
    ReportEntry,
    view=TEXT,
    title=TEXT,
    report_number=MAYBE,
    summary=MAYBE,
    issue_date=st.none() | st.dates(),
    fiscal_year=MAYBE,
    pdf_url=MAYBE,
    components=TEXTS,
    detail_url=MAYBE,
)
PARSED = st.builds(
    ParsedPage,
    entries=st.lists(ENTRY, max_size=2).map(tuple),
    rows_seen=NUMBER,
    has_next=st.booleans(),
    last_page=st.none() | NUMBER,
    problems=TEXTS,
    quarantined=st.lists(st.dictionaries(TEXT, TEXT, max_size=3), max_size=2).map(tuple),
)
CACHED = st.builds(CachedPage, etag=MAYBE, last_modified=MAYBE, page=PARSED)
CACHE = st.dictionaries(TEXT, CACHED, max_size=2)
VIEW = st.builds(
    ViewPlan,
    name=TEXT,
    url=TEXT,
    kind=TEXT,
    family=TEXT,
    rank=NUMBER,
    deep_order=TEXT,
    labels=TEXTS,
    components=TEXTS,
)
RULES = st.builds(
    CrawlRules,
    user_agent=TEXT,
    delay=SECONDS,
    concurrency=NUMBER,
    timeout=SECONDS,
    retries=NUMBER,
    backoff=SECONDS,
    max_retry_after=SECONDS,
    page_cap=NUMBER,
    obey_robots=st.booleans(),
    max_page_bytes=NUMBER,
    max_pdf_bytes=NUMBER,
)
PDF_PLAN = st.builds(
    PdfPlan,
    fetch_new=st.booleans(),
    new_cap=NUMBER,
    known_paths=TEXTS,
    recheck=st.lists(
        st.builds(PdfCheck, url=TEXT, etag=MAYBE, last_modified=MAYBE), max_size=3
    ).map(tuple),
    spool_dir=TEXT,
)
JOBS = st.builds(
    CrawlJob,
    run_key=TEXT,
    sweep=TEXT,
    source=st.builds(SourcePlan, name=TEXT, base_url=TEXT, hosts=TEXTS),
    views=st.lists(VIEW, max_size=3).map(tuple),
    crawl=RULES,
    pdf=PDF_PLAN,
    page_cache=CACHE,
    robots=MAYBE,
)
FINGERPRINT = st.builds(
    PdfFingerprint,
    url=TEXT,
    status=st.sampled_from(["ok", "not_modified", "error"]),
    reason=MAYBE,
    etag=MAYBE,
    last_modified=MAYBE,
    length=st.none() | NUMBER,
    sha256=MAYBE,
    spool_error=MAYBE,
)
PAGE = st.builds(
    PageRecord, view=TEXT, url=TEXT, parsed=PARSED, order=TEXT, number=NUMBER, status=NUMBER
)
RESULTS = st.builds(
    CrawlResult,
    run_key=TEXT,
    started_at=SECONDS,
    finished_at=SECONDS,
    pages=st.lists(PAGE, max_size=2).map(tuple),
    errors=st.lists(st.builds(CrawlError, url=TEXT, view=TEXT, reason=TEXT), max_size=3).map(tuple),
    pdfs=st.dictionaries(TEXT, FINGERPRINT, max_size=3),
    capped=TEXTS,
    page_cache=CACHE,
    robots=st.dictionaries(TEXT, TEXT, max_size=2),
    stats=st.builds(CrawlStats, requests=NUMBER, bytes=NUMBER, retries=NUMBER, not_modified=NUMBER),
)


def through_a_file(data: dict[str, Any]) -> Any:
    """What the other process reads: the JSON text, parsed."""
    return json.loads(json.dumps(data))


@settings(max_examples=100, deadline=None)
@given(job=JOBS)
def test_any_job_survives_the_job_file(job: CrawlJob) -> None:
    assert CrawlJob.from_json(through_a_file(job.to_json())) == job


@settings(max_examples=100, deadline=None)
@given(result=RESULTS)
def test_any_result_survives_the_result_file(result: CrawlResult) -> None:
    assert CrawlResult.from_json(through_a_file(result.to_json())) == result


# What crawler/spiders/listing.py ``page_to_json`` wrote into the page cache before the contract
# (two entries of a saved audits page, the summary shortened; one quarantined row).
OLD_PAGE = json.loads(
    '{"entries": [{"view": "audits:CBP", "title": "Results of an Unannounced Inspection of Baker'
    ' County Sheriff\'s Office in Macclenny, Florida", "report_number": "OIG-24-63", "summary":'
    ' null, "issue_date": "2024-09-20", "fiscal_year": "2024", "pdf_url": "https://www.oig.dhs.gov'
    '/sites/default/files/assets/2024-09/OIG-24-63-Sep24.pdf", "components": ["CBP"],'
    ' "detail_url": null}, {"view": "audits:CBP", "title": "Independent Auditors\' Report on DHS\''
    ' FY 2021 Financial Statements", "report_number": "OIG-22-08", "summary": "KPMG LLP (KPMG),'
    " under contract with the Department of Homeland Security Office of Inspector General,"
    " conducted an integrated audit of DHS\\u2019 fiscal year 2021 consolidated financial"
    ' statements.", "issue_date": "2021-11-15", "fiscal_year": "2022", "pdf_url":'
    ' "https://www.oig.dhs.gov/sites/default/files/assets/2021-11/OIG-22-08-Nov21.pdf",'
    ' "components": ["CBP"], "detail_url": null}], "rows_seen": 12, "has_next": true,'
    ' "last_page": 48, "problems": [], "quarantined": [{"field": "row", "raw": "OIG-24-99 ???",'
    ' "problem": "unreadable: ValueError: x"}]}'
)


def test_the_page_cache_shape_is_unchanged() -> None:
    page = page_from_json(OLD_PAGE)
    assert page.entries[0].issue_date == date(2024, 9, 20) and page.entries[1].components == (
        "CBP",
    )
    assert (page.rows_seen, page.has_next, page.last_page) == (12, True, 48)
    assert page.quarantined == ({"field": "row", "raw": "OIG-24-99 ???",
                                 "problem": "unreadable: ValueError: x"},)  # fmt: skip
    assert json.dumps(page_to_json(page)) == json.dumps(OLD_PAGE), "written back as before"


def test_a_crawl_leaves_the_page_cache_rows_of_before() -> None:
    robots = "https://www.oig.dhs.gov/robots.txt"
    listing = "https://www.oig.dhs.gov/reports/audits-inspections-and-evaluations?page=3"
    cached = CachedPage('"abc"', None, page_from_json(OLD_PAGE))
    result = CrawlResult("k", page_cache={listing: cached}, robots={robots: ""})
    assert json.dumps(result.cache_rows()) == json.dumps({
        robots: {"etag": None, "last_modified": None, "page": {"robots": ""}},
        listing: {"etag": '"abc"', "last_modified": None, "page": OLD_PAGE},
    })  # fmt: skip


def test_a_page_cache_written_by_an_earlier_version_still_reads(ledger: Ledger) -> None:
    source_id = ledger.source_id("dhs-oig")
    listing = "https://www.oig.dhs.gov/reports/audits-inspections-and-evaluations"
    older = {"entries": [], "rows_seen": 0, "has_next": False, "problems": []}  # no last_page yet
    now = datetime(2026, 1, 2, tzinfo=UTC)
    rows = [
        (listing + "?page=3", '"abc"', "Tue, 01 Dec 2026 10:00:00 GMT", OLD_PAGE),
        (listing, None, None, older),
        ("https://www.oig.dhs.gov/robots.txt", None, None, {"robots": "User-agent: *"}),
    ]
    with ledger.engine.begin() as conn:
        conn.execute(
            insert(PageCache),
            [{"source_id": source_id, "url": url, "etag": etag, "last_modified": modified,
              "page": page, "fetched_at": now} for url, etag, modified, page in rows],
        )  # fmt: skip
    cache = ledger.page_cache(source_id)
    assert set(cache) == {listing + "?page=3", listing}, "robots.txt is not a listing page"
    assert cache[listing + "?page=3"] == CachedPage(
        '"abc"', "Tue, 01 Dec 2026 10:00:00 GMT", page_from_json(OLD_PAGE)
    )
    assert cache[listing] == CachedPage(None, None, ParsedPage((), 0, False))
    assert cache[listing + "?page=3"].to_json()["page"] == OLD_PAGE
    assert ledger.robots(source_id, "https://www.oig.dhs.gov/robots.txt", 10**9) == "User-agent: *"


@settings(max_examples=10, deadline=None)
@given(job=JOBS)
def test_a_job_of_an_earlier_version_reads_without_a_spool(job: CrawlJob) -> None:
    """A job file written before the archive (no ``spool_dir``): nothing is spooled."""
    data = through_a_file(job.to_json())
    del data["pdf"]["spool_dir"]
    assert CrawlJob.from_json(data).pdf.spool_dir == ""


def test_a_crawl_fetches_the_base_host_its_other_names_through_it_and_nothing_else() -> None:
    from crawler.contract import guarded_url

    base, aliases = "https://www.oig.dhs.gov", ("oig.dhs.gov",)
    page = "https://www.oig.dhs.gov/reports/x?page=1"
    assert guarded_url(page, base, aliases) == page
    assert (
        guarded_url("http://oig.dhs.gov/a.pdf?q=1", base, aliases)
        == "https://www.oig.dhs.gov/a.pdf?q=1"
    )
    assert (
        guarded_url("http://www.oig.dhs.gov/a.pdf", base, aliases)
        == "https://www.oig.dhs.gov/a.pdf"
    )
    assert guarded_url("https://evil.example/a.pdf", base, aliases) is None
