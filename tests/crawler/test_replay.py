"""What a crawl read, as one digest, and when a quick poll only repeats the latest run (pure)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from config.settings import load_settings
from crawler.check import crawl_rules
from crawler.contract import (
    CachedPage,
    CrawlError,
    CrawlJob,
    CrawlResult,
    PageRecord,
    PdfFingerprint,
    SourcePlan,
)
from crawler.entry import ParsedPage, ReportEntry
from crawler.replay import nothing_new, reading

PAGE = ParsedPage((ReportEntry("audits", "A Report", "OIG-26-01"),), 1, False)
URLS = ("https://example.test/a", "https://example.test/b")


def _crawl(digests: tuple[str, ...] = ("a" * 64, "b" * 64)) -> tuple[CrawlJob, CrawlResult]:
    cache = {
        url: CachedPage('"e"', None, PAGE, "", d) for url, d in zip(URLS, digests, strict=True)
    }
    job = CrawlJob("r", "quick", SourcePlan("s", "https://example.test"), (),
                   crawl_rules(load_settings(environ={}).crawl), page_cache=cache)  # fmt: skip
    pages = tuple(PageRecord("audits", url, PAGE, status=304) for url in URLS)
    return job, CrawlResult("r", pages=pages)


def test_a_reading_names_the_rows_read_in_any_order() -> None:
    job, result = _crawl()
    read = reading(job, result)
    assert read is not None and len(read) == 64
    assert reading(job, replace(result, pages=result.pages[::-1])) == read
    other_job, _ = _crawl(("a" * 64, "c" * 64))
    assert reading(other_job, result) != read, "other bytes on one page"
    fresh = {URLS[1]: CachedPage(None, None, PAGE, "", "d" * 64)}
    assert reading(job, replace(result, page_cache=fresh)) != read, "the row the crawl wrote"
    reread = {u: replace(c, read_by="selectors") for u, c in job.page_cache.items()}
    assert reading(replace(job, page_cache=reread), result) != read, "read another way"


def test_no_reading_when_the_crawl_saw_more_than_pages() -> None:
    job, result = _crawl()
    assert (
        reading(job, replace(result, errors=(CrawlError(URLS[0], "audits", "HTTP 503"),))) is None
    )
    pdfs = {"/x.pdf": PdfFingerprint("https://example.test/x.pdf", "ok", sha256="f" * 64)}
    assert reading(job, replace(result, pdfs=pdfs)) is None
    assert reading(job, replace(result, pages=())) is None
    assert reading(replace(job, page_cache={}), result) is None, "a page without a row"


def test_rows_without_a_digest_are_named_by_their_entries() -> None:
    job, result = _crawl(("", ""))
    read = reading(job, result)
    assert read is not None
    other = ParsedPage((ReportEntry("audits", "Another Report", "OIG-26-02"),), 1, False)
    changed = {URLS[0]: CachedPage(None, None, other, "", "")}
    assert reading(job, replace(result, page_cache=changed)) != read


LATEST = st.none() | st.fixed_dictionaries(
    {
        "sweep": st.sampled_from(["quick", "deep"]),
        "outcome": st.sampled_from(["healthy", "baseline", "unhealthy", "failed"]),
        "stats": st.fixed_dictionaries({}, optional={"reading": st.sampled_from(["r1", "r2"])}),
    }
)


@given(LATEST, st.sampled_from(["quick", "deep"]), st.none() | st.sampled_from(["r1", "r2"]))
def test_only_a_quick_poll_repeating_a_healthy_quick_run_skips_the_diff(
    latest: dict[str, Any] | None, sweep: str, read: str | None
) -> None:
    expected = (
        latest is not None
        and sweep == "quick"
        and read is not None
        and latest["sweep"] == "quick"
        and latest["outcome"] == "healthy"
        and latest["stats"].get("reading") == read
    )
    assert nothing_new(latest, sweep, read) == expected
