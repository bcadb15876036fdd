"""The quick poll's probe: a few conditional GETs that tell whether Scrapy is needed at all.

A quick sweep reads the first page of each view. When every one of them is cached and answers
``304 Not Modified`` (or ``200`` with the very bytes it was parsed from), the crawl would learn
nothing the page cache does not hold, so :func:`probe` builds the crawl's result from the cache
instead, with one small httpx client and no Scrapy, reactor or crawl worker. Anything else (a
page not cached or read with other selectors, a changed page, a redirect, an error, a body over
the size cap, a report PDF the crawl would fingerprint, a robots.txt that forbids a page or is
not cached) answers ``None``, and the full crawl runs as before and handles it (retries,
backoff, errors, parsing): the probe never decides anything it is not sure of.

It keeps the crawl's manners: the configured User-Agent, no compression (so the bytes are the
bytes Scrapy reads), the crawl's per-request timeout, one request at a time with the crawl's
delay between them, only the views' own URLs (configured hosts), and robots.txt as cached.
"""

from __future__ import annotations

import functools
import hashlib
import ssl
import threading
import time
from collections.abc import Callable

import certifi
import httpx

from crawler.contract import (
    CachedPage,
    CrawlJob,
    CrawlResult,
    CrawlStats,
    PageRecord,
    ViewPlan,
    page_url,
    read_by,
)
from crawler.normalize import pdf_path

Progress = Callable[[int, int], None]


def probe(
    job: CrawlJob, progress: Progress | None = None, abort: threading.Event | None = None
) -> CrawlResult | None:
    """The quick crawl's result when no first page changed; None when the full crawl must run."""
    plan = _planned(job)
    if plan is None:
        return None
    started, pages, cache, stats = time.time(), [], {}, CrawlStats()
    headers = {"User-Agent": job.crawl.user_agent, "Accept-Encoding": "identity"}
    headers["Accept"] = "text/html,application/pdf;q=0.9,*/*;q=0.5"
    timeout = httpx.Timeout(job.crawl.timeout)
    tls = _tls()
    with httpx.Client(
        headers=headers, timeout=timeout, verify=tls, follow_redirects=False
    ) as client:
        for done, (view, url, cached) in enumerate(plan):
            if abort is not None and abort.is_set():
                return None
            if done and job.crawl.delay:
                time.sleep(job.crawl.delay)
            answer = _ask(client, url, cached, job.crawl.max_page_bytes)
            if answer is None:
                return None
            status, fresh, size = answer
            stats = CrawlStats(
                requests=stats.requests + 1,
                bytes=stats.bytes + size,
                not_modified=stats.not_modified + (status == 304),
            )
            pages.append(PageRecord(view.name, url, cached.page, "", 0, status))
            if fresh is not None and fresh.replaces(cached):
                cache[url] = fresh
            if progress is not None:
                progress(done + 1, len(plan))
    return CrawlResult(
        run_key=job.run_key,
        started_at=started,
        finished_at=time.time(),
        pages=tuple(pages),
        page_cache=cache,
        stats=stats,
    )


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default verification (certifi's roots), built once: loading the roots costs
    ~40 ms of CPU, more than the probe's requests."""
    return ssl.create_default_context(cafile=certifi.where())


def _planned(job: CrawlJob) -> list[tuple[ViewPlan, str, CachedPage]] | None:
    """Each view's first page with its cached read, if the probe can stand in for the crawl."""
    if job.sweep != "quick" or job.robots is None or job.pdf.recheck:
        return None
    robots = _robots(job)
    known = set(job.pdf.known_paths)
    new_pdfs = job.pdf.fetch_new and job.pdf.new_cap > 0
    plan = []
    for view in job.views:
        url = page_url(view.url, "", 0)
        cached = job.page_cache.get(url)
        if cached is None or cached.read_by != read_by(view):
            return None
        if robots is not None and not robots(url):
            return None  # the crawl records it as disallowed
        if new_pdfs and any(
            (path := (pdf_path(entry.pdf_url) or "").lower()) and path not in known
            for entry in cached.page.entries
        ):
            return None  # the crawl would fingerprint a PDF never seen
        plan.append((view, url, cached))
    return plan


def _robots(job: CrawlJob) -> Callable[[str], bool] | None:
    """Whether robots.txt (as cached) lets oigwatch fetch a URL; None: nothing to obey."""
    if not job.crawl.obey_robots or not job.robots:
        return None
    from protego import Protego

    parsed = Protego.parse(job.robots)
    return lambda url: bool(parsed.can_fetch(url, job.crawl.user_agent))


def _ask(
    client: httpx.Client, url: str, cached: CachedPage, limit: int
) -> tuple[int, CachedPage | None, int] | None:
    """One conditional GET: (304, None, size) or (200, the fresh read, size) when the page is
    unchanged; None when it changed, failed, redirected or outgrew the cap."""
    headers = {}
    if cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return 304, None, len(response.read())
            if response.status_code != 200 or not cached.body_sha256:
                return None
            body = bytearray()
            for chunk in response.iter_raw():
                body += chunk
                if len(body) > limit:
                    return None
    except (httpx.HTTPError, OSError):
        return None
    if hashlib.sha256(body).hexdigest() != cached.body_sha256:
        return None
    fresh = CachedPage(
        response.headers.get("ETag"),
        response.headers.get("Last-Modified"),
        cached.page,
        cached.read_by,
        cached.body_sha256,
    )
    return 200, fresh, len(body)
