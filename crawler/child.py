"""The Scrapy side of a crawl, in whichever process runs it: the service's crawl worker
(``crawler/worker.py``) or the command line's own process (``crawler/fetch.py``).

:func:`start_crawl` starts one job on a reactor that is already running and returns a Deferred of
its :class:`CrawlResult`. Every job gets its own ``CrawlerRunner``, crawlers and ``Collector``, so
nothing one crawl saw or broke reaches the next; a layout module a view names is imported first
(one outside ``crawler/layouts/`` registers itself when imported).

Imported only where a crawl runs: it imports Scrapy and Twisted.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.settings import default_settings
from twisted.internet.defer import Deferred

from config.registry import LAYOUTS
from crawler.contract import CrawlJob, CrawlResult, CrawlRules, CrawlStats
from crawler.spiders.listing import Collector, ListingSpider

REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # the spiders await asyncio
# the delay exactly as configured (Scrapy 2.19 renamed the setting and warns on the old name)
_NO_JITTER = (
    {"DOWNLOAD_DELAY_JITTER": 0.0}
    if hasattr(default_settings, "DOWNLOAD_DELAY_JITTER")
    else {"RANDOMIZE_DOWNLOAD_DELAY": False}
)


def spider_arguments(job: CrawlJob) -> dict[str, Any]:
    """What the one listing spider of a crawl needs of the layouts its views name: each kind's
    parser, and whether one of them makes the deep sweep's PDF re-checks."""
    layouts = [LAYOUTS[kind] for kind in sorted({view.kind for view in job.views})]
    return {
        "parsers": {layout.kind: layout.parse_page for layout in layouts},
        "pdf_rechecks": any(layout.pdf_rechecks for layout in layouts),
    }


def scrapy_settings(crawl: CrawlRules) -> dict[str, Any]:
    """Polite Scrapy settings from the crawl config."""
    return {
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": False,  # the spider reads robots.txt before anything else (listing.py)
        "DOWNLOAD_DELAY": crawl.delay,
        **_NO_JITTER,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        # Bodies are bounded (PDFs by their request's download_maxsize): a bigger body, an endless
        # one or a decompression bomb is refused at the limit, never held whole in memory.
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": crawl.max_page_bytes // 2,
        "RETRY_ENABLED": False,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy parses each callback's source for a `return value` on every response (our
        # spiders have none; tests cover them): ~1 ms a page, most of a 304 page's cost
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "LOG_LEVEL": "WARNING",
        "TWISTED_REACTOR": REACTOR,
        "OIGWATCH_RETRIES": crawl.retries,
        "OIGWATCH_BACKOFF": crawl.backoff,
        "OIGWATCH_MAX_RETRY_AFTER": crawl.max_retry_after,
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.spiders.middleware.HostGuardMiddleware": 90,
            "crawler.spiders.middleware.BackoffRetryMiddleware": 560,
            "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
            "crawler.spiders.middleware.SizeLimitMiddleware": 590,
        },
        "DEFAULT_REQUEST_HEADERS": {"Accept": "text/html,application/pdf;q=0.9,*/*;q=0.5"},
    }


def run_reactor(ready: threading.Event | None = None) -> None:
    """Install the asyncio reactor in this thread and run it until it is stopped (never with
    signal handlers: the process's own handlers decide what Ctrl-C and SIGTERM do). Twisted's
    thread pool (name lookups) gets daemon threads, so a process leaving with the reactor still
    running is not held at exit."""
    from scrapy.utils.log import configure_logging
    from scrapy.utils.reactor import install_reactor

    install_reactor(REACTOR)
    from twisted.internet import reactor as installed

    reactor: Any = installed  # an IReactorCore whose run() takes installSignalHandlers
    configure_logging({"LOG_LEVEL": "WARNING"})
    pool = reactor.getThreadPool()
    pool.threadFactory = _daemon_thread
    if ready is not None:
        reactor.callWhenRunning(ready.set)
    reactor.run(installSignalHandlers=False)


def _daemon_thread(*args: Any, **kwargs: Any) -> threading.Thread:
    return threading.Thread(*args, daemon=True, **kwargs)


class Crawl:
    """One job on the running reactor (make and use it in the reactor's thread)."""

    def __init__(self, job: CrawlJob, progress: Callable[[int, int], None]) -> None:
        self.job, self.started = job, time.time()
        self.collector = Collector()
        for module in sorted({view.module for view in job.views if view.module}):
            importlib.import_module(module)  # registers its layout (one outside crawler/layouts/)
        self.runner = CrawlerRunner(scrapy_settings(job.crawl))
        crawler = self.runner.create_crawler(ListingSpider)
        self.crawlers: list[Crawler] = [crawler]
        arguments = spider_arguments(job)
        self.runner.crawl(
            crawler, job=job, collector=self.collector, progress=progress, **arguments
        )

    def finished(self) -> Deferred[CrawlResult]:
        """Fires with the result when every spider has closed (or with a crawler's failure)."""
        done: Deferred[Any] = self.runner.join()
        return done.addCallback(lambda _: self.result())

    def stop(self) -> None:
        """Close every spider now (timeout, abort, Ctrl-C); what it saw is dropped."""
        self.runner.stop()

    def result(self) -> CrawlResult:
        if self.runner.bootstrap_failed:
            raise RuntimeError("a spider could not start (see the crawl's log)")
        stats: dict[str, int] = {}
        for crawler in self.crawlers:
            for key, value in (crawler.stats.get_stats() if crawler.stats else {}).items():
                if isinstance(value, int) and not isinstance(value, bool):
                    stats[key] = stats.get(key, 0) + value
        collector = self.collector
        return CrawlResult(
            run_key=self.job.run_key,
            started_at=self.started,
            finished_at=time.time(),
            pages=tuple(collector.pages),
            errors=tuple(collector.errors),
            pdfs=collector.pdfs,
            capped=tuple(sorted(collector.capped)),
            page_cache=collector.cache,
            robots=collector.robots,
            stats=CrawlStats(
                requests=stats.get("downloader/request_count", 0),
                bytes=stats.get("downloader/response_bytes", 0),
                retries=stats.get("oigwatch/retries", 0),
                not_modified=stats.get("downloader/response_status_count/304", 0),
            ),
        )
