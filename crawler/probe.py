"""The probe: conditional GETs that tell whether Scrapy is needed at all.

A sweep whose every page is cached and answers ``304 Not Modified`` (or ``200`` with the very
bytes it was parsed from), and whose every PDF re-check answers 304, would learn nothing the page
cache does not hold. :func:`probe` walks it the way the listing spider would (a quick sweep: each
view's first page; a deep sweep: also each view's walk, page after page as the cached pagers
say, then the PDF re-checks, then page 0 again) and builds the crawl's result from the cache,
with one small httpx client and no Scrapy, reactor or crawl worker. At the first thing it cannot
vouch for (a page not cached or read with other selectors, a changed page, a redirect, an error,
a body over the size cap, a PDF that is not a 304, a report PDF the crawl would fingerprint, a
host not configured, robots.txt not cached or forbidding a URL) it answers ``None``, and the
full crawl runs as before and does what it always did (retries, backoff, errors, parsing).

It keeps the crawl's manners: the configured User-Agent, no compression (so the bytes are the
bytes Scrapy reads), the crawl's per-request timeout, one request at a time with the crawl's
delay between requests, only the source's hosts, and robots.txt as cached. A changed site costs
the requests the probe made before it stopped, twice.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import logging
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
    PdfFingerprint,
    ViewPlan,
    guarded_url,
    page_url,
    read_by,
)
from crawler.entry import ParsedPage
from crawler.normalize import pdf_path

Progress = Callable[[int, int], None]
log = logging.getLogger(__name__)


class Unsure(Exception):
    """Something the probe cannot vouch for: the crawl must run."""


def probe(
    job: CrawlJob, progress: Progress | None = None, abort: threading.Event | None = None
) -> CrawlResult | None:
    """The crawl's result when nothing changed; None when the full crawl must run."""
    if job.robots is None:
        return None  # the crawl fetches robots.txt first (and may cache it)
    started = time.time()
    try:
        with _Walk(job, progress, abort) as walk:
            for view in job.views:
                walk.view(view)
            for item in job.pdf.recheck if job.sweep == "deep" else ():
                walk.pdf(item.url, item.etag, item.last_modified)
            for view in job.views if job.sweep == "deep" else ():
                walk.page(view, "", 0)  # the deep sweep's re-read of page 0
    except Unsure as exc:
        log.debug("probe of %s: the crawl runs (%s)", job.source.name, exc)
        return None
    return CrawlResult(
        run_key=job.run_key,
        started_at=started,
        finished_at=time.time(),
        pages=tuple(walk.pages),
        pdfs=walk.pdfs,
        capped=tuple(sorted(walk.capped)),
        page_cache=walk.cache,
        stats=walk.stats,
    )


class _Walk:
    """The listing spider's walk over cached pages, one conditional request at a time."""

    def __init__(self, job: CrawlJob, progress: Progress | None, abort: threading.Event | None):
        self.job, self.progress, self.abort = job, progress, abort
        self.robots = _robots(job)
        self.known = set(job.pdf.known_paths)
        self.new_pdfs = job.pdf.fetch_new and job.pdf.new_cap > 0
        self.pages: list[PageRecord] = []
        self.pdfs: dict[str, PdfFingerprint] = {}
        self.cache: dict[str, CachedPage] = {}
        self.capped: set[str] = set()
        self.stats = CrawlStats()
        headers = {"User-Agent": job.crawl.user_agent, "Accept-Encoding": "identity"}
        headers["Accept"] = "text/html,application/pdf;q=0.9,*/*;q=0.5"
        self.client = httpx.Client(
            headers=headers, timeout=job.crawl.timeout, verify=_tls(), follow_redirects=False
        )

    def __enter__(self) -> _Walk:
        return self

    def __exit__(self, *_: object) -> None:
        self.client.close()

    def view(self, view: ViewPlan) -> None:
        """Page 0 in the site's order; in a deep sweep, the walk in the view's own order."""
        self.page(view, "", 0, walk=self.job.sweep == "deep" and view.deep_order == "")
        if self.job.sweep == "deep" and view.deep_order:
            self.page(view, view.deep_order, 0, walk=True)

    def page(self, view: ViewPlan, order: str, number: int, walk: bool = False) -> ParsedPage:
        """Read one page from the cache if the site vouches for it; walking from page 0, then
        the pages after it."""
        url = page_url(view.url, order, number)
        cached = self.cache.get(url) or self.job.page_cache.get(url)
        if cached is None or cached.read_by != read_by(view):
            raise Unsure(f"{url}: not cached")
        target, status, body, headers = self.ask(url, cached)
        parsed, fresh = cached.page, None
        if status == 200:
            parsed, fresh = self.reread(view, target, cached, body, headers)
        self.pages.append(PageRecord(view.name, url, parsed, order, number, status))
        if fresh is not None:
            self.cache[url] = fresh
        self.vouch_pdfs(parsed)
        if walk and parsed.entries:
            self.follow(view, order, parsed)
        return parsed

    def reread(
        self, view: ViewPlan, url: str, cached: CachedPage, body: bytes, headers: httpx.Headers
    ) -> tuple[ParsedPage, CachedPage | None]:
        """A 200, as the spider reads it: the cached entries if the bytes are those they were
        parsed from, else a parse; the page and the row to store. A page holding other entries
        than the cached ones (not merely reordered, as the site's unstable ties do) is new:
        the crawl's to read."""
        digest = hashlib.sha256(body).hexdigest()
        etag, modified = headers.get("ETag"), headers.get("Last-Modified")
        if digest == cached.body_sha256:
            fresh = CachedPage(etag, modified, cached.page, cached.read_by, digest)
            return cached.page, fresh if fresh.replaces(cached) else None
        parsed = parse(view, url, body, headers.get("Content-Type", ""))
        if CachedPage(etag, modified, parsed, read_by(view), digest).replaces(cached):
            raise Unsure(f"{url}: its entries changed")
        return parsed, None

    def follow(self, view: ViewPlan, order: str, first: ParsedPage) -> None:
        """The spider's ``follow``: the pages up to the last one page 0's pager names (within
        the page cap), and one more each time the last page read offers a next one."""
        cap = self.job.crawl.page_cap
        last = first.last_page if first.last_page is not None else int(first.has_next)
        end = min(last, cap - 1)
        if last > end:
            self.capped.add(view.name)
        number = 1
        while number <= end:
            parsed = self.page(view, order, number)
            if number == end and parsed.entries and parsed.has_next:
                if number + 1 >= cap:
                    self.capped.add(view.name)
                else:
                    end += 1
            number += 1

    def vouch_pdfs(self, page: ParsedPage) -> None:
        """The crawl would fingerprint a report PDF it never saw: that is not the probe's."""
        if self.new_pdfs and any(
            (path := (pdf_path(entry.pdf_url) or "").lower()) and path not in self.known
            for entry in page.entries
        ):
            raise Unsure("a new report PDF")

    def pdf(self, url: str, etag: str | None, modified: str | None) -> None:
        """A PDF re-check: a 304 is "not modified"; anything else is the crawl's to fingerprint."""
        self.ask(url, CachedPage(etag, modified, _NO_PAGE), pdf=True)  # a 304, or Unsure
        self.pdfs[pdf_path(url) or url] = PdfFingerprint(url, "not_modified")

    def ask(
        self, url: str, cached: CachedPage, pdf: bool = False
    ) -> tuple[str, int, bytes, httpx.Headers]:
        """One conditional GET: the URL fetched, a 304 or a 200, its body and headers. Raises
        Unsure for anything else (an error, a redirect, a body over the cap, a PDF's 200)."""
        if self.abort is not None and self.abort.is_set():
            raise Unsure("stopping")
        if self.stats.requests and self.job.crawl.delay:
            time.sleep(self.job.crawl.delay)
        target = self.fetchable(url)
        headers = {}
        if cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        body = bytearray()
        try:
            with self.client.stream("GET", target, headers=headers) as response:
                status = response.status_code
                if status == 200 and not pdf:
                    for chunk in response.iter_raw():
                        body += chunk
                        if len(body) > self.job.crawl.max_page_bytes:
                            raise Unsure(f"{url}: over the size cap")
                else:
                    response.read()
        except (httpx.HTTPError, OSError) as exc:
            raise Unsure(f"{url}: {exc}") from exc
        self.count(status, len(body))
        if status != 304 and (status != 200 or pdf):
            raise Unsure(f"{url}: HTTP {status}")
        return target, status, bytes(body), response.headers

    def fetchable(self, url: str) -> str:
        """The URL as the crawl's host guard fetches it: the base host (its other names go
        through it), as robots.txt allows."""
        target = guarded_url(url, self.job.source.base_url, self.job.source.hosts)
        if target is None:
            raise Unsure(f"{url}: host not configured")
        url = target
        if self.robots is not None and not self.robots(url):
            raise Unsure(f"{url}: forbidden by robots.txt")
        return url

    def count(self, status: int, size: int) -> None:
        stats = self.stats
        self.stats = CrawlStats(
            requests=stats.requests + 1,
            bytes=stats.bytes + size,
            not_modified=stats.not_modified + (status == 304),
        )
        if self.progress is not None:
            self.progress(self.stats.requests, self.stats.requests)


_NO_PAGE = ParsedPage((), 0, False)  # what a PDF re-check's stand-in row holds


def parse(view: ViewPlan, url: str, body: bytes, content_type: str) -> ParsedPage:
    """The page as the spider parses it: its layout's parser over the text Scrapy would decode
    (the encoding the page declares, by BOM, header or meta, else ASCII or UTF-8; a page that
    needs guessing beyond those is left to the crawl)."""
    from w3lib.encoding import html_to_unicode, resolve_encoding

    from config.registry import LAYOUTS

    def detect(text: bytes) -> str | None:
        for encoding in ("ascii", "utf-8"):
            try:
                text.decode(encoding)
            except UnicodeError:
                continue
            return resolve_encoding(encoding)
        raise Unsure(f"{url}: an undeclared encoding")

    _, text = html_to_unicode(content_type, body, default_encoding="ascii", auto_detect_fun=detect)
    if view.module:
        importlib.import_module(view.module)  # registers its layout (one outside crawler/layouts/)
    options = {"selectors": view.selectors} if view.selectors else {}
    parser = LAYOUTS[view.kind].parse_page
    page: ParsedPage = parser(text, page_url=url, view=view.name, components=view.components,
                              **options)  # fmt: skip
    return page


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default verification (certifi's roots), built once: loading the roots costs
    ~40 ms of CPU, more than the probe's requests."""
    return ssl.create_default_context(cafile=certifi.where())


def _robots(job: CrawlJob) -> Callable[[str], bool] | None:
    """Whether robots.txt (as cached) lets oigwatch fetch a URL; None: nothing to obey."""
    if not job.crawl.obey_robots or not job.robots:
        return None
    from protego import Protego

    parsed = Protego.parse(job.robots)
    return lambda url: bool(parsed.can_fetch(url, job.crawl.user_agent))
