"""The walk every listing spider shares: views, pages, conditional requests, PDF fingerprints."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from protego import Protego
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from twisted.python.failure import Failure

from archive.spool import keep
from crawler.contract import (
    CachedPage,
    CrawlError,
    CrawlJob,
    PageRecord,
    PdfFingerprint,
    ViewPlan,
    page_url,
)
from crawler.entry import ParsedPage, ReportEntry
from crawler.normalize import pdf_path
from crawler.page_read import known_read, read_answer, validators
from crawler.spiders.middleware import NO_RETRY

ROBOTS_PATH = "/robots.txt"
LISTING_STATUSES = [304, 403, 404, 410, 429, 500, 502, 503, 504]
PageParser = Callable[..., ParsedPage]


@dataclass
class Collector:
    """Everything one crawl saw."""

    pages: list[PageRecord] = field(default_factory=list)
    errors: list[CrawlError] = field(default_factory=list)
    pdfs: dict[str, PdfFingerprint] = field(default_factory=dict)  # by PDF path
    capped: set[str] = field(default_factory=set)
    cache: dict[str, CachedPage] = field(default_factory=dict)  # validators seen this run
    robots: dict[str, str] = field(default_factory=dict)  # robots.txt worth keeping, by URL
    responses: int = 0
    scheduled: int = 0


class ListingSpider(Spider):
    """Walks every view of a crawl job, each page read by its view's layout parser (``parsers``
    by kind); ``pdf_rechecks``: this crawl makes the deep sweep's PDF re-checks. One spider per
    crawl: each Scrapy crawler costs a deep copy of the settings, more than a 304 poll itself."""

    name = "listing"

    def __init__(
        self,
        job: CrawlJob,
        collector: Collector,
        progress: Callable[[int, int], None],
        parsers: Mapping[str, PageParser],
        pdf_rechecks: bool = False,
    ):
        super().__init__()
        self.parsers, self.pdf_rechecks = parsers, pdf_rechecks
        self.job = job
        self.collector = collector
        self.progress = progress
        self.base_url = job.source.base_url
        self.host_aliases = frozenset(job.source.hosts)
        self.deep = job.sweep == "deep"
        self.page_cap = job.crawl.page_cap
        self.views = {v.name: v for v in job.views}
        self.walk_end: dict[str, int] = {}
        self.page_cache = job.page_cache
        self.pdf_plan = job.pdf
        self.known_pdfs = set(job.pdf.known_paths)
        self.new_pdfs_left = job.pdf.new_cap
        self.reread = False
        self.robots: Protego | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ListingSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_callback_error, signal=signals.spider_error)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        try:
            self.robots = await self.load_robots()
        except Exception as exc:  # the host cannot be reached at all: do not try every page
            for view in self.views.values():
                self.error(view.url, view.name, f"site unreachable: {_describe(exc)}")
            return
        for view in self.views.values():
            yield self.listing_request(view, "", 0)
            if self.deep and view.deep_order:
                yield self.listing_request(view, view.deep_order, 0)
        if self.deep and self.pdf_rechecks:
            for item in self.pdf_plan.recheck:
                yield self.pdf_request(item.url, item.etag, item.last_modified)

    async def load_robots(self) -> Protego | None:
        """robots.txt, read before any other request; None: nothing to obey. Raises when the
        host cannot be reached twice in a row."""
        cached = self.job.robots  # read by an earlier run, recently enough to reuse
        if cached is not None:
            return Protego.parse(cached) if cached and self.job.crawl.obey_robots else None
        assert self.crawler.engine is not None
        url = self.base_url + "/robots.txt"
        for attempt in range(2):
            request = Request(url, callback=NO_CALLBACK, dont_filter=True, meta={NO_RETRY: True})
            try:
                response = await self.crawler.engine.download_async(request)
                break
            except Exception:
                if attempt:
                    raise
                await asyncio.sleep(self.job.crawl.backoff)
        body = response.body.decode("utf-8", "replace") if response.status == 200 else ""
        if _rememberable_robots(response):
            self.collector.robots[url] = body
        if not self.job.crawl.obey_robots or not body:
            return None
        return Protego.parse(body)

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets oigwatch fetch ``url``."""
        return self.robots is None or self.robots.can_fetch(url, self.job.crawl.user_agent)

    def listing_request(self, view: ViewPlan, order: str, page: int) -> Request:
        """A conditional request for one listing page."""
        url = page_url(view.url, order, page)
        cached = self.cached(url, view)
        headers = validators(cached.etag, cached.last_modified) if cached else {}
        self.collector.scheduled += 1
        meta: dict[str, Any] = {"view": view.name, "order": order, "page": page, "url": url}
        meta["handle_httpstatus_list"] = LISTING_STATUSES
        return Request(
            url,
            headers=headers,
            meta=meta,
            callback=self.on_listing,
            errback=self.on_error,
            dont_filter=True,
            priority=-page,
        )

    def pdf_request(
        self, url: str, etag: str | None = None, modified: str | None = None
    ) -> Request:
        """A (conditional) GET of a report PDF, fingerprinted in :meth:`on_pdf`."""
        headers = validators(etag, modified)
        self.collector.scheduled += 1
        meta: dict[str, Any] = {
            "pdf": url,
            "handle_httpstatus_list": [304, 403, 404, 410, 500, 502, 503, 504],
        }
        meta["download_maxsize"] = self.job.crawl.max_pdf_bytes
        return Request(
            url,
            headers=headers,
            meta=meta,
            callback=self.on_pdf,
            errback=self.on_error,
            priority=-1000,
            dont_filter=True,
        )

    def on_listing(self, response: Response) -> Iterator[Request]:
        """Record one listing page, then follow the walk and fingerprint unseen PDFs. Every page
        has an outcome: a page whose reading raised is a failed page with its reason, never a
        silent gap (Scrapy would only log a callback's exception)."""
        meta = response.meta
        view = self.views[meta["view"]]
        self.tick()
        try:
            parsed = self.read_page(response, view)
            follow = list(self.follow(view, meta["order"], meta["page"], parsed)) if parsed else []
        except Exception as exc:
            self.error(meta["url"], view.name, f"page could not be read: {_describe(exc)}")
            return
        if parsed is None:
            return
        self.collector.pages.append(
            PageRecord(view.name, meta["url"], parsed, meta["order"], meta["page"], response.status)
        )
        yield from follow
        yield from self.new_pdf_requests(parsed.entries)

    def read_page(self, response: Response, view: ViewPlan) -> ParsedPage | None:
        """The parsed page, or None after recording an error. A 304, or a 200 with the bytes the
        page was last parsed from (a site without validators, or ignoring them), is answered
        from the cache without parsing; the page cache gains a row only when it learns
        something (:meth:`CachedPage.replaces`)."""
        url = response.meta["url"]
        cached = self.cached(url, view)
        if response.status == 304:
            if cached:
                return cached.page
            self.error(url, view.name, "HTTP 304 for a page that is not cached")
            return None
        if response.status != 200:
            self.error(url, view.name, f"HTTP {response.status}")
            return None
        options = {"selectors": view.selectors} if view.selectors else {}  # generic layout
        fresh = read_answer(
            view, response.body, _header(response, b"ETag"), _header(response, b"Last-Modified"),
            cached,
            lambda: self.parsers[view.kind](response.text, page_url=response.url, view=view.name,
                                            components=view.components, **options),
            redirected=bool(response.meta.get("redirect_urls")),
        )  # fmt: skip
        if fresh.replaces(self.collector.cache.get(url) or self.page_cache.get(url)):
            self.collector.cache[url] = fresh
        return fresh.page

    def cached(self, url: str, view: ViewPlan) -> CachedPage | None:
        """The page as last read, if it was read the way this view reads it now (a page parsed
        by selectors since changed in the config is read again, not answered from the cache)."""
        return known_read(url, view, self.collector.cache, self.page_cache)

    def follow(
        self, view: ViewPlan, order: str, page: int, parsed: ParsedPage
    ) -> Iterator[Request]:
        """Schedule further pages of the walk: all at once when the pager names the last one."""
        walking = self.deep and order == view.deep_order and not self.reread_request(order, page)
        if not walking or not parsed.entries:
            return
        name = view.name
        if page == 0:
            last = parsed.last_page if parsed.last_page is not None else int(parsed.has_next)
            end = min(last, self.page_cap - 1)
            if last > end:
                self.collector.capped.add(name)
            self.walk_end[name] = end
            for number in range(1, end + 1):
                yield self.listing_request(view, order, number)
        elif page == self.walk_end.get(name) and parsed.has_next:
            if page + 1 >= self.page_cap:
                self.collector.capped.add(name)
                return
            self.walk_end[name] = page + 1
            yield self.listing_request(view, order, page + 1)

    def reread_request(self, order: str, page: int) -> bool:
        """Whether this is the re-read of page 0 at the end of a deep sweep."""
        return self.reread and page == 0 and order == ""

    def new_pdf_requests(self, entries: tuple[ReportEntry, ...]) -> Iterator[Request]:
        """Fingerprint PDFs never seen before, within the per-run cap."""
        if not self.pdf_plan.fetch_new:
            return
        for entry in entries:
            path = (pdf_path(entry.pdf_url) or "").lower()  # known paths are lower-cased
            if not path or path in self.known_pdfs or self.new_pdfs_left <= 0:
                continue
            self.known_pdfs.add(path)
            self.new_pdfs_left -= 1
            assert entry.pdf_url is not None
            yield self.pdf_request(entry.pdf_url)

    def on_pdf(self, response: Response) -> None:
        """Fingerprint a PDF: ETag, Last-Modified, length and sha256 of the bytes; and leave
        the bytes in the job's spool for the archive (a spool that cannot be written is noted
        on the fingerprint, never a failed check)."""
        self.tick()
        url = response.meta["pdf"]
        try:
            record = self.fingerprint(response, url)
        except Exception as exc:  # a PDF that cannot be read is a failed check, not a lost one
            record = PdfFingerprint(url, "error", _describe(exc))
        spool = self.pdf_plan.spool_dir
        if spool and record.status == "ok" and record.sha256:
            try:
                keep(spool, record.sha256, response.body)
            except OSError as exc:  # a full or read-only disk: the archive misses this one
                record = replace(record, spool_error=_describe(exc))
        self.collector.pdfs[pdf_path(url) or url] = record

    @staticmethod
    def fingerprint(response: Response, url: str) -> PdfFingerprint:
        """The check's record: not modified, an error, or the PDF's validators and digest."""
        body = response.body
        if response.status == 304:
            return PdfFingerprint(url, "not_modified")
        if response.status != 200:
            return PdfFingerprint(url, "error", f"HTTP {response.status}")
        if not body.startswith(b"%PDF"):
            return PdfFingerprint(url, "error", "the response is not a PDF")
        return PdfFingerprint(
            url,
            "ok",
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            length=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
        )

    def on_error(self, failure: Failure) -> None:
        """A request failed for good (after retries): a listing error makes the run unhealthy."""
        self.tick()
        request = failure.request  # type: ignore[attr-defined]
        reason = failure.getErrorMessage() or failure.type.__name__  # type: ignore[union-attr]
        if "pdf" in request.meta:
            url = request.meta["pdf"]
            self.collector.pdfs[pdf_path(url) or url] = PdfFingerprint(url, "error", reason)
            return
        self.error(request.meta["url"], request.meta["view"], f"{failure.type.__name__}: {reason}")  # type: ignore[union-attr]

    def on_callback_error(self, failure: Failure, response: Response, spider: Any = None) -> None:
        """The net under every callback: an exception Scrapy would only log fails the page."""
        meta, reason = response.meta, _describe(failure.value or Exception("unknown error"))
        if "pdf" in meta:
            url = meta["pdf"]
            self.collector.pdfs[pdf_path(url) or url] = PdfFingerprint(url, "error", reason)
            return
        url = meta.get("url", response.url)
        self.error(url, meta.get("view", "?"), f"page could not be read: {reason}")

    def error(self, url: str, view: str, reason: str) -> None:
        self.collector.errors.append(CrawlError(url, view, reason))

    def tick(self) -> None:
        self.collector.responses += 1
        self.progress(self.collector.responses, self.collector.scheduled)

    def on_idle(self) -> None:
        """At the end of a deep sweep, read page 0 again: reports published mid-walk are not missed."""
        if not self.deep or self.reread or self.collector.errors:
            return  # an unhealthy sweep gains nothing from a re-read
        self.reread = True
        assert self.crawler.engine is not None
        for view in self.views.values():
            self.crawler.engine.crawl(self.listing_request(view, "", 0))
        raise DontCloseSpider


def _rememberable_robots(response: Response) -> bool:
    """Whether a robots.txt answer may be cached: a real text file, or a plain "none here"
    (404/410). Not a 429 or 5xx (a bad moment), not an HTML page (a login or error page)."""
    if response.status in (404, 410):
        return True
    kind = (_header(response, b"Content-Type") or "").lower()
    return response.status == 200 and "html" not in kind and response.url.endswith(ROBOTS_PATH)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
