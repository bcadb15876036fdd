"""The light crawl: listing pages over httpx, so that most sweeps need no Scrapy at all.

A sweep reads listing pages (a quick sweep: each view's first page; a deep sweep: also each
view's walk, page after page as the pagers say, then the PDF re-checks, then page 0 again).
:func:`probe` reads them the way the listing spider would, with one small httpx client and no
Scrapy, reactor or crawl worker: a ``304 Not Modified`` or the very bytes last parsed are
answered from the page cache, any other ``200`` is parsed by the view's layout over the text
Scrapy would decode, and the page cache gains the row the spider would store
(:meth:`CachedPage.replaces`). At the first thing only the full crawl does (an error, which it
retries; a redirect; a body over the size cap, or compressed; a PDF re-check that is not a 304;
a report PDF to fingerprint; a host not configured; robots.txt not cached or forbidding a URL;
a page not declared HTML, or that cannot be parsed, or whose encoding needs guessing) it
answers ``None``, and the full crawl runs as before and does what it always did. Such a run
costs the requests the probe made, twice.

It keeps the crawl's manners: the configured User-Agent, no compression (so the bytes are the
bytes Scrapy reads), the crawl's per-request timeout, only the source's hosts, robots.txt as
cached, and the crawl's pacing: with a delay, one request at a time that far apart; without
one, up to the crawl's concurrency in flight (pages whose URLs are known, such as a walk's pages
up to the last one its pager names, are asked for together).
"""

from __future__ import annotations

import functools
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
)
from crawler.entry import ParsedPage
from crawler.normalize import pdf_path
from crawler.page_read import known_read, read_answer, validators

Progress = Callable[[int, int], None]
Answer = tuple[str, int, bytes, httpx.Headers]  # the URL fetched, its status, body and headers
ViewOrder = tuple[ViewPlan, str]  # a view and the order it is read in
log = logging.getLogger(__name__)


class Unsure(Exception):
    """Something only the full crawl does: it must run."""


class OverTime(Exception):
    """The probe reached the crawl's wall-clock limit: the crawl timed out."""


def probe(
    job: CrawlJob,
    progress: Progress | None = None,
    abort: threading.Event | None = None,
    deadline: float | None = None,
) -> CrawlResult | None:
    """The crawl's result, read without Scrapy; None when the full crawl must run. Raises
    OverTime past ``deadline`` (``time.monotonic()``), as a crawl is stopped past its limit."""
    if job.robots is None:
        return None  # the crawl fetches robots.txt first (and may cache it)
    started = time.time()
    try:
        with _Walk(job, progress, abort, deadline) as walk:
            walk.sweep()
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
    """The listing spider's walk, its pages asked for as the crawl's pacing allows."""

    def __init__(self, job: CrawlJob, progress: Progress | None, abort: threading.Event | None,
                 deadline: float | None = None):  # fmt: skip
        self.job, self.progress, self.abort = job, progress, abort
        self.deadline = float("inf") if deadline is None else deadline
        self.deep = job.sweep == "deep"
        self.robots = _robots(job)
        self.known = set(job.pdf.known_paths)
        self.new_pdfs = job.pdf.fetch_new and job.pdf.new_cap > 0
        self.pages: list[PageRecord] = []
        self.pdfs: dict[str, PdfFingerprint] = {}
        self.cache: dict[str, CachedPage] = {}
        self.capped: set[str] = set()
        self.stats = CrawlStats()
        self.asked = 0  # requests begun
        self.stop = threading.Event()  # one request failed: the others need not finish
        headers = {"User-Agent": job.crawl.user_agent, "Accept-Encoding": "identity"}
        headers["Accept"] = "text/html,application/pdf;q=0.9,*/*;q=0.5"
        self.client = httpx.Client(
            headers=headers, timeout=job.crawl.timeout, verify=_tls(), follow_redirects=False
        )
        paced = job.crawl.delay > 0  # then one at a time, as Scrapy's delay spaces them
        self.width = 1 if paced else max(1, job.crawl.concurrency)

    def __enter__(self) -> _Walk:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()  # requests still in flight (after a Ctrl-C) end at the next one
        self.client.close()

    def sweep(self) -> None:
        """Page 0 of every view (and of its deep order), the walks, the PDF re-checks, and
        page 0 again: the spider's order of business."""
        firsts: list[ViewOrder] = [(view, "") for view in self.job.views]
        if self.deep:
            firsts += [(view, view.deep_order) for view in self.job.views if view.deep_order]
        read = self.read([(view, order, 0) for view, order in firsts])
        if self.deep:
            walks = [
                (w, page) for w, page in zip(firsts, read, strict=True) if w[1] == w[0].deep_order
            ]
            self.walk(walks)
            rechecks = self.job.pdf.recheck
            self.ask_all([(item.url, validators(item.etag, item.last_modified))
                          for item in rechecks], pdf=True)  # fmt: skip
            for item in rechecks:  # each answered 304 (else Unsure): not modified
                self.pdfs[pdf_path(item.url) or item.url] = PdfFingerprint(item.url, "not_modified")
            self.read([(view, "", 0) for view in self.job.views])  # the re-read of page 0

    def walk(self, walks: list[tuple[ViewOrder, ParsedPage]]) -> None:
        """The spider's ``follow``: the pages up to the last one page 0's pager names (within
        the page cap), asked for together, then one more each time a walk's last page offers a
        next one."""
        cap, ends, asked = self.job.crawl.page_cap, {}, []
        for (view, order), first in walks:
            if not first.entries:
                continue
            last = first.last_page if first.last_page is not None else int(first.has_next)
            ends[view.name] = end = min(last, cap - 1)
            if last > end:
                self.capped.add(view.name)
            asked += [(view, order, number) for number in range(1, end + 1)]
        for (view, order, number), parsed in zip(asked, self.read(asked), strict=True):
            while number == ends[view.name] and parsed.entries and parsed.has_next:
                if number + 1 >= cap:
                    self.capped.add(view.name)
                    break
                number = ends[view.name] = number + 1
                [parsed] = self.read([(view, order, number)])

    def read(self, asked: list[tuple[ViewPlan, str, int]]) -> list[ParsedPage]:
        """Listing pages, each read as the spider reads it, in the order asked."""
        urls = [page_url(view.url, order, number) for view, order, number in asked]
        stored = [self.cached(url, view) for url, (view, _, _) in zip(urls, asked, strict=True)]
        answers = self.ask_all([(url, validators(c.etag, c.last_modified) if c else {})
                                for url, c in zip(urls, stored, strict=True)])  # fmt: skip
        return [self.take(view, order, number, url, cached, answer)
                for (view, order, number), url, cached, answer
                in zip(asked, urls, stored, answers, strict=True)]  # fmt: skip

    def cached(self, url: str, view: ViewPlan) -> CachedPage | None:
        return known_read(url, view, self.cache, self.job.page_cache)

    def take(self, view: ViewPlan, order: str, number: int, url: str,
             cached: CachedPage | None, answer: Answer) -> ParsedPage:  # fmt: skip
        """One listing page's answer, as the spider's ``read_page`` takes it: a 304 or the very
        bytes last parsed are the cached entries; any other body is parsed; the page cache
        gains a row when the read teaches it something."""
        target, status, body, headers = answer
        if status == 304:
            if cached is None:
                raise Unsure(f"{url}: HTTP 304 for a page that is not cached")
            parsed = cached.page
        else:
            fresh = read_answer(view, body, headers.get("ETag"), headers.get("Last-Modified"),
                                cached, lambda: parse(view, target, body, _html_type(url, headers)))  # fmt: skip
            if fresh.replaces(self.cache.get(url) or self.job.page_cache.get(url)):
                self.cache[url] = fresh
            parsed = fresh.page
        self.pages.append(PageRecord(view.name, url, parsed, order, number, status))
        self.vouch_pdfs(parsed)
        return parsed

    def vouch_pdfs(self, page: ParsedPage) -> None:
        """The crawl would fingerprint a report PDF it never saw: that is not the probe's."""
        if self.new_pdfs and any(
            (path := (pdf_path(entry.pdf_url) or "").lower()) and path not in self.known
            for entry in page.entries
        ):
            raise Unsure("a new report PDF")

    def ask_all(self, asked: list[tuple[str, dict[str, str]]], pdf: bool = False) -> list[Answer]:
        """Conditional GETs, several in flight when the crawl has no delay; the answers in the
        order asked. The first that cannot be vouched for stops the others."""
        if self.width == 1 or len(asked) < 2:
            answers = [self.ask(url, headers, pdf) for url, headers in asked]
        else:
            answers = _together([functools.partial(self.ask, url, headers, pdf)
                                 for url, headers in asked], self.width, self.stop)  # fmt: skip
        for _, status, body, _ in answers:
            self.count(status, len(body))
        return answers

    def ask(self, url: str, validators: dict[str, str], pdf: bool = False) -> Answer:
        """One conditional GET: a 304, or a 200 and its body. Raises Unsure for anything else
        (an error, a redirect, a body over the cap or compressed although asked not to be, a
        PDF's 200)."""
        if self.stop.is_set() or (self.abort is not None and self.abort.is_set()):
            raise Unsure("stopping")
        if self.width == 1 and self.asked and self.job.crawl.delay:
            time.sleep(min(self.job.crawl.delay, self.left()))
        self.asked += 1
        target = self.fetchable(url)
        body = bytearray()
        timeout = min(self.job.crawl.timeout, self.left())
        try:
            with self.client.stream("GET", target, headers=validators, timeout=timeout) as response:
                status = response.status_code
                if response.headers.get("Content-Encoding", "identity").lower() != "identity":
                    raise Unsure(f"{url}: compressed anyway (the crawl inflates it, bounded)")
                if status == 200 and not pdf:
                    for chunk in response.iter_raw():
                        body += chunk
                        if len(body) > self.job.crawl.max_page_bytes:
                            raise Unsure(f"{url}: over the size cap")
                        self.left()  # a body trickling in past the limit
                else:
                    response.read()
        except (httpx.HTTPError, OSError) as exc:
            self.left()  # a request cut short by the limit: the crawl timed out
            raise Unsure(f"{url}: {exc}") from exc
        if status != 304 and (status != 200 or pdf):
            raise Unsure(f"{url}: HTTP {status}")
        return target, status, bytes(body), response.headers

    def left(self) -> float:
        """Seconds left before the crawl's wall-clock limit; raises OverTime at it."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise OverTime
        return left

    def fetchable(self, url: str) -> str:
        """The URL as the crawl's host guard fetches it: the base host (its other names go
        through it), as robots.txt allows."""
        target = guarded_url(url, self.job.source.base_url, self.job.source.hosts)
        if target is None:
            raise Unsure(f"{url}: host not configured")
        if self.robots is not None and not self.robots(target):
            raise Unsure(f"{target}: forbidden by robots.txt")
        return target

    def count(self, status: int, size: int) -> None:
        stats = self.stats
        self.stats = CrawlStats(
            requests=stats.requests + 1,
            bytes=stats.bytes + size,
            not_modified=stats.not_modified + (status == 304),
        )
        if self.progress is not None:
            self.progress(self.stats.requests, self.stats.requests)


def _together(calls: list[Callable[[], Answer]], width: int, stop: threading.Event) -> list[Answer]:
    """Each call's answer, ``width`` of them running at once in daemon threads (a Ctrl-C in the
    waiting thread is not held up by a request in flight); the first failure, in the order
    asked, is raised, and ``stop`` set so that the calls not yet begun give up."""
    answers: list[Answer | None] = [None] * len(calls)
    failures: dict[int, BaseException] = {}

    def work(first: int) -> None:
        for i in range(first, len(calls), width):
            try:
                answers[i] = calls[i]()
            except BaseException as exc:  # handed to the waiting thread
                failures[i] = exc
                stop.set()
                return

    width = min(width, len(calls))
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(width)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException:
        stop.set()
        raise
    if failures:
        raise failures[min(failures)]
    return [answer for answer in answers if answer is not None]


def _html_type(url: str, headers: httpx.Headers) -> str:
    """The Content-Type of a page the probe may parse: HTML, as the server says (Scrapy reads
    anything else, or a page without one, by its own guess: that is the crawl's)."""
    content_type = str(headers.get("Content-Type", ""))
    if content_type.split(";")[0].strip().lower() not in ("text/html", "application/xhtml+xml"):
        raise Unsure(f"{url}: {content_type or 'no Content-Type'}: not read as HTML here")
    return content_type


def parse(view: ViewPlan, url: str, body: bytes, content_type: str) -> ParsedPage:
    """The page as the spider parses it: its layout's parser over the text Scrapy would decode
    (the encoding the page declares, by BOM, header or meta, else ASCII or UTF-8; a page that
    needs guessing beyond those is left to the crawl). A page its parser cannot read is the
    crawl's to record as failed."""
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
    try:
        page: ParsedPage = parser(text, page_url=url, view=view.name,
                                  components=view.components, **options)  # fmt: skip
    except Exception as exc:
        raise Unsure(f"{url}: page could not be read: {type(exc).__name__}") from exc
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
