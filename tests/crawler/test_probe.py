"""The probe reads listing pages without Scrapy: its result is the crawl's own (unchanged, changed
or never-read pages, quick and deep sweeps), and it answers None (the crawl runs) for what only
the crawl does: errors and their retries, redirects, PDFs to fingerprint, robots.txt to fetch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import load_settings
from crawler.check import crawl_rules, expand_views
from crawler.contract import (
    CachedPage,
    CrawlJob,
    CrawlResult,
    PdfCheck,
    PdfPlan,
    SourcePlan,
    ViewPlan,
    page_url,
)
from crawler.fetch import run_crawl
from crawler.normalize import pdf_path
from crawler.probe import probe
from fixture_site import FixtureSite, build_state

AUDITS = "/reports/audits-inspections-and-evaluations"
ALERTS = "/reports/management-alerts"


def _job(base: str, cache: dict[str, CachedPage] | None = None, **changes: object) -> CrawlJob:
    settings = load_settings(environ={})
    views = (
        ViewPlan("audits", base + AUDITS, "table", "audits", 0),
        ViewPlan("alerts", base + ALERTS, "table", "alerts", 0),
    )
    job = CrawlJob(
        "probe", "quick", SourcePlan("dhs-oig", base), views, crawl_rules(settings.crawl),
        page_cache=cache or {}, robots="",
    )  # fmt: skip
    return replace(job, **changes)  # type: ignore[arg-type]


def _crawled(job: CrawlJob) -> CrawlResult:
    outcome = run_crawl(job, 60)
    assert outcome.result is not None, outcome.failure
    return outcome.result


def _cache_of(job: CrawlJob, result: CrawlResult) -> dict[str, CachedPage]:
    return {**job.page_cache, **result.page_cache}


def _same_reading(one: CrawlResult, other: CrawlResult) -> None:
    """The probe and the crawl read the same pages the same way (timings and byte counts aside)."""
    assert [(p.view, p.url, p.parsed, p.order, p.number, p.status) for p in one.pages] == [
        (p.view, p.url, p.parsed, p.order, p.number, p.status) for p in other.pages
    ]
    assert one.page_cache == other.page_cache and one.errors == other.errors == ()
    assert one.pdfs == other.pdfs == {} and one.stats.requests == other.stats.requests
    assert one.stats.not_modified == other.stats.not_modified


@pytest.fixture(params=["etag", "omit"], ids=["validators", "no-validators"])
def site(request: pytest.FixtureRequest) -> Iterator[FixtureSite]:
    with FixtureSite(build_state(n_reports=120, seed=5)) as running:
        running.mutate({"op": "set", "tie_mode": "stable"})
        if request.param == "omit":
            running.mutate({"op": "set", "validators": "omit"})
        yield running


def _warm(site: FixtureSite) -> CrawlJob:
    """A job whose page cache holds what a first crawl read."""
    first = _job(site.base_url)
    return _job(site.base_url, _cache_of(first, _crawled(first)))


def test_unchanged_first_pages_read_as_the_crawl_reads_them(site: FixtureSite) -> None:
    job = _warm(site)
    probed = probe(job)
    assert probed is not None
    _same_reading(probed, _crawled(job))


def test_reshuffled_ties_are_read_without_the_crawl(site: FixtureSite) -> None:
    """The real site orders rows that share a date differently from one request to the next:
    a page whose bytes changed but whose entries did not is parsed by the probe, as the crawl
    would, and stores nothing."""
    job = _warm(site)
    site.mutate({"op": "tie_shuffle", "mode": "shuffle", "seed": 11})
    probed = probe(job)
    assert probed is not None and probed.page_cache == {}
    crawled = _crawled(job)
    assert crawled.page_cache == {}
    read = {page.url: set(page.parsed.entries) for page in crawled.pages}
    assert {page.url: set(page.parsed.entries) for page in probed.pages} == read
    assert read == {url: set(cached.page.entries) for url, cached in job.page_cache.items()}


def test_a_changed_page_is_read_as_the_crawl_reads_it(site: FixtureSite) -> None:
    """A new report on a first page: the probe parses the page and stores its new row, as the
    crawl does; only its new PDF, when the crawl would fingerprint it, is the crawl's."""
    job = _warm(site)
    site.mutate({"op": "add_report"})
    probed = probe(job)
    assert probed is not None and probed.page_cache, "the changed page's new row"
    _same_reading(probed, _crawled(job))
    listed = [e.pdf_url for c in job.page_cache.values() for e in c.page.entries]
    known = tuple(sorted({(pdf_path(url) or "").lower() for url in listed} - {""}))
    fingerprinting = replace(job, pdf=PdfPlan(fetch_new=True, new_cap=5, known_paths=known))
    assert probe(fingerprinting) is None, "the new report's PDF is the crawl's to fingerprint"


def test_pages_never_read_are_read_as_the_crawl_reads_them(site: FixtureSite) -> None:
    """A first page not in the cache, or cached by other selectors, is fetched whole and
    parsed: the same reading, the same rows stored."""
    job = _warm(site)
    some = dict(list(job.page_cache.items())[:1])
    other = {
        url: replace(cached, read_by="other selectors") for url, cached in job.page_cache.items()
    }
    for cache in ({}, some, other):
        unread = replace(job, page_cache=cache)
        probed = probe(unread)
        assert probed is not None
        assert set(probed.page_cache) == set(job.page_cache) - set(some if cache is some else ())
        _same_reading(probed, _crawled(unread))


def test_what_the_probe_cannot_vouch_for_leaves_it_to_the_crawl(site: FixtureSite) -> None:
    job = _warm(site)
    assert probe(replace(job, robots=None)) is None, "robots.txt not cached"
    forbidding = "User-agent: *\nDisallow: /reports/management-alerts\n"
    assert probe(replace(job, robots=forbidding)) is None, "the crawl records it as disallowed"
    unknown = PdfPlan(fetch_new=True, new_cap=5, known_paths=())
    assert probe(replace(job, pdf=unknown)) is None, "the crawl would fingerprint new PDFs"
    if not any(c.etag or c.last_modified for c in job.page_cache.values()):  # 200s: bodies
        rules = replace(job.crawl, max_page_bytes=100)
        assert probe(replace(job, crawl=rules)) is None, "a body over the size cap"


def test_known_pdfs_and_an_abort(site: FixtureSite) -> None:
    job = _warm(site)
    listed = [e.pdf_url for c in job.page_cache.values() for e in c.page.entries]
    known = tuple(sorted({(pdf_path(url) or "").lower() for url in listed} - {""}))
    assert known
    assert probe(replace(job, pdf=PdfPlan(fetch_new=True, new_cap=5, known_paths=known)))
    stop = threading.Event()
    stop.set()
    assert probe(job, abort=stop) is None


# --- any answer: a 304 or a 200 read as the crawl reads it; anything else is the crawl's ---


class _Answer(BaseHTTPRequestHandler):
    status, body, etag, content_type = 200, b"", "", ""

    def do_GET(self) -> None:
        self.send_response(self.status)
        if self.etag:
            self.send_header("ETag", self.etag)
        if self.content_type:
            self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def answering() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=st.sampled_from([200, 200, 304, 201, 204, 301, 404, 500]),
    body=st.binary(max_size=64),
    stored=st.binary(max_size=64),
    content_type=st.sampled_from(["", "text/html; charset=utf-8", "text/html", "text/plain"]),
)
def test_any_answer(
    answering: ThreadingHTTPServer, status: int, body: bytes, stored: bytes, content_type: str
) -> None:
    import hashlib

    from crawler.entry import ParsedPage, ReportEntry

    _Answer.status, _Answer.body = status, (b"" if status in (204, 304) else body)
    _Answer.content_type = content_type
    base = f"http://127.0.0.1:{answering.server_address[1]}"
    page = ParsedPage((ReportEntry("audits", "Held In The Cache", "OIG-99-99"),), 1, False)
    cached = CachedPage(None, None, page, "", hashlib.sha256(stored).hexdigest())
    job = _job(base)
    job = replace(job, views=job.views[:1])
    job = replace(job, page_cache={page_url(job.views[0].url, "", 0): cached})
    result = probe(job)
    if status not in (200, 304):
        assert result is None
    elif status == 304 or body == stored:  # nothing new: the cached entries, nothing stored
        assert result is not None and result.page_cache == {}
        [read] = result.pages
        assert read.parsed == page and read.status == status
    elif not content_type.startswith("text/html"):  # Scrapy guesses how to read it
        assert result is None
    elif result is not None:  # a new body the probe could read: read as the crawl reads it
        _same_reading(result, _crawled(job))


# --- deep sweeps: the walk, the PDF re-checks and the re-read of page 0 ---


def _deep(site: FixtureSite, cache: dict[str, CachedPage], **changes: object) -> CrawlJob:
    settings = load_settings(environ={})
    source = settings.sources[0].with_base_url(site.base_url)
    job = CrawlJob(
        "deep", "deep", SourcePlan(source.name, source.base_url, source.hosts),
        expand_views(source), crawl_rules(settings.crawl), page_cache=cache, robots="",
    )  # fmt: skip
    fast = replace(job.crawl, delay=0.0, concurrency=8)  # the tests' crawl settings, no politeness
    return replace(job, crawl=fast, **changes)  # type: ignore[arg-type]


def _rechecks(job: CrawlJob, count: int = 5) -> tuple[PdfCheck, ...]:
    urls = sorted({e.pdf_url for c in job.page_cache.values() for e in c.page.entries if e.pdf_url})
    return tuple(
        PdfCheck(url, httpx.head(url, timeout=5).headers.get("ETag")) for url in urls[:count]
    )


def _same_walk(one: CrawlResult, other: CrawlResult) -> None:
    """The same pages read the same way, in any order (Scrapy's is its scheduler's)."""

    def pages(result: CrawlResult) -> list[tuple[object, ...]]:
        return sorted((p.view, p.url, p.order, p.number, p.status, repr(p.parsed))
                      for p in result.pages)  # fmt: skip

    assert pages(one) == pages(other)
    assert one.page_cache == other.page_cache and one.errors == other.errors == ()
    assert one.pdfs == other.pdfs and one.capped == other.capped


@pytest.mark.parametrize("pager", ["drupal", "mini", "none"])
def test_an_unchanged_deep_sweep_walks_as_the_crawl_walks(site: FixtureSite, pager: str) -> None:
    site.mutate({"op": "set", "pager": pager})
    first = _deep(site, {})
    job = _deep(site, _cache_of(first, _crawled(first)))
    rechecks = PdfPlan(recheck=_rechecks(job))
    if all(check.etag for check in rechecks.recheck):  # the re-checks can answer 304
        job = replace(job, pdf=rechecks)
    else:
        assert probe(replace(job, pdf=rechecks)) is None, "a PDF sent whole is the crawl's"
    probed = probe(job)
    assert probed is not None
    assert len(probed.pdfs) == len(job.pdf.recheck)
    assert {f.status for f in probed.pdfs.values()} <= {"not_modified"}
    assert len(probed.pages) > len(job.views) + 13, "walked beyond the first pages"
    _same_walk(probed, _crawled(job))


def test_a_capped_deep_sweep_is_capped_alike(site: FixtureSite) -> None:
    first = _deep(site, {})
    job = _deep(site, _cache_of(first, _crawled(first)))
    job = replace(job, crawl=replace(job.crawl, page_cap=2))  # delay 0 as _deep set it
    probed = probe(job)
    assert probed is not None and probed.capped
    _same_walk(probed, _crawled(job))


def test_a_deep_sweep_with_a_changed_page_walks_as_the_crawl_walks(site: FixtureSite) -> None:
    """A report retitled deep in every walk: the probe reads the changed pages as the crawl
    does; a re-checked PDF that changed is the crawl's to fingerprint."""
    first = _deep(site, {})
    job = _deep(site, _cache_of(first, _crawled(first)))
    assert probe(job) is not None
    last = site.state.reports[-1].report_number  # deep in every walk, not on a first page
    site.mutate({"op": "retitle", "report_number": last, "suffix_op": "append_revised"})
    probed = probe(job)
    assert probed is not None and probed.page_cache, "the changed pages' new rows"
    _same_walk(probed, _crawled(job))
    [check] = _rechecks(job, 1)
    site.mutate({"op": "replace_pdf", "report_number": _number_of(site, check.url),
                 "mode": "bytes"})  # fmt: skip
    fresh = _deep(site, _cache_of(job, _crawled(job)), pdf=PdfPlan(recheck=(check,)))
    assert probe(fresh) is None, "a re-checked PDF that changed is the crawl's to fingerprint"


def test_a_first_deep_sweep_walks_as_the_crawl_walks(site: FixtureSite) -> None:
    """No page cached (robots.txt is): every page fetched whole, the same walk and rows."""
    job = _deep(site, {})
    probed = probe(job)
    assert probed is not None and len(probed.page_cache) > len(job.views)
    _same_walk(probed, _crawled(job))


def test_pacing(site: FixtureSite) -> None:
    """With a delay, one request at a time that far apart; without one, several in flight."""
    job = _warm(site)
    paced = replace(job, crawl=replace(job.crawl, delay=0.3, concurrency=8))
    site.clear_log()
    assert probe(paced) is not None
    times = sorted(entry.time for entry in site.log)
    assert len(times) == len(job.views) and min(b - a for a, b in pairwise(times)) >= 0.29
    slow = {"op": "http_fault", "match": "/reports/", "kind": "delay", "seconds": 0.5, "count": -1}
    site.mutate(slow)
    deep = _deep(site, {})
    site.clear_log()
    assert probe(deep) is not None
    times = sorted(entry.time for entry in site.log)
    assert min(b - a for a, b in pairwise(times)) < 0.25, "asked together, not in turn"


def _number_of(site: FixtureSite, pdf_url: str) -> str:
    path = pdf_path(pdf_url) or ""
    [report] = [r for r in site.state.reports if r.pdf_path and path.endswith(r.pdf_path)]
    return report.report_number or ""
