"""The crawl child process: ``python -m crawler.child JOB.json RESULT.json [--die-with-parent]``.

Scrapy's reactor cannot be restarted in a long-lived process, and a child bounds memory and can be
killed on timeout; so each crawl runs here and hands its findings back as one JSON file.

With ``--die-with-parent`` (how ``crawler.fetch`` starts it) stdin is a pipe from the parent that
nothing is written to: when it ends, the parent is gone (exited, crashed or SIGKILLed), and the
child removes the job's directory and kills its own process group. Not PR_SET_PDEATHSIG: that fires
when the parent *thread* that started the child ends, and the service starts crawls from worker
threads.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from config.registry import LAYOUTS
from crawler.contract import CrawlJob, CrawlResult, CrawlRules, CrawlStats
from crawler.spiders.listing import Collector, ListingSpider


def spider_for(kind: str) -> type[ListingSpider]:
    """The spider of a page layout: the shared walk (spiders/listing.py) with the layout's parser."""
    layout = LAYOUTS[kind]
    attributes = {"name": kind, "kind": kind, "parse_page": staticmethod(layout.parse_page)}
    attributes["pdf_rechecks"] = layout.pdf_rechecks
    return type(f"{kind.title()}Spider", (ListingSpider,), attributes)


def scrapy_settings(crawl: CrawlRules) -> dict[str, Any]:
    """Polite Scrapy settings from the crawl config."""
    return {
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": False,  # the spider reads robots.txt before anything else (listing.py)
        "DOWNLOAD_DELAY": crawl.delay,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
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
        "LOG_LEVEL": "WARNING",
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


def _progress(done: int, scheduled: int) -> None:
    print(f"progress {done} {scheduled}", flush=True)


def run(job: CrawlJob) -> CrawlResult:
    """Crawl every view of the job's source; return what was seen."""
    started = time.time()
    collector = Collector()
    process = CrawlerProcess(scrapy_settings(job.crawl), install_root_handler=True)
    crawlers = []
    for module in sorted({view.module for view in job.views if view.module}):
        importlib.import_module(module)  # registers its layout (one outside crawler/layouts/)
    for kind in sorted({view.kind for view in job.views}):
        crawler = process.create_crawler(spider_for(kind))
        crawlers.append(crawler)
        process.crawl(crawler, job=job, collector=collector, progress=_progress)
    process.start()
    stats: dict[str, int] = {}
    for crawler in crawlers:
        for key, value in (crawler.stats.get_stats() if crawler.stats else {}).items():
            if isinstance(value, int) and not isinstance(value, bool):
                stats[key] = stats.get(key, 0) + value
    return CrawlResult(
        run_key=job.run_key,
        started_at=started,
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


def die_with_parent(workdir: Path) -> threading.Thread:
    """Watch stdin in a daemon thread: at its end remove ``workdir`` and kill this process group."""

    def watch() -> None:
        try:
            while os.read(0, 4096):
                pass  # nothing is written; read on until the end
        except OSError:
            pass
        shutil.rmtree(workdir, ignore_errors=True)
        os.killpg(0, signal.SIGKILL)

    watcher = threading.Thread(target=watch, name="die-with-parent", daemon=True)
    watcher.start()
    return watcher


def main(argv: list[str]) -> int:
    job_path, result_path = Path(argv[0]), Path(argv[1])
    if "--die-with-parent" in argv[2:]:
        die_with_parent(job_path.parent)
    result = run(CrawlJob.from_json(json.loads(job_path.read_text(encoding="utf-8"))))
    partial = result_path.with_suffix(".partial")
    partial.write_text(json.dumps(result.to_json()), encoding="utf-8")
    os.replace(partial, result_path)
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # the result is on disk: skip the interpreter's slow teardown of Twisted
