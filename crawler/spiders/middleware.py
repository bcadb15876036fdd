"""Downloader middlewares: only configured hosts, and retries with backoff that honour Retry-After."""

from __future__ import annotations

import asyncio
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
NOT_BEFORE = "oigwatch_not_before"
ATTEMPT = "oigwatch_attempt"
NO_RETRY = "oigwatch_no_retry"


def retry_after_seconds(value: bytes | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or HTTP date), None if absent."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class HostGuardMiddleware:
    """Fetch only the source's host, as robots.txt allows; its other names go through the base URL."""

    def __init__(self, crawler: Crawler) -> None:
        self.spider: Spider | None = None
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> Request | None:
        spider: Any = self.crawler.spider
        base = urlsplit(spider.base_url)
        parts = urlsplit(request.url)
        if parts.netloc == base.netloc and parts.scheme == base.scheme:
            if not spider.allowed(request.url):
                raise IgnoreRequest("Forbidden by robots.txt")
            return None
        if parts.hostname in spider.host_aliases or parts.netloc == base.netloc:
            return request.replace(url=urlunsplit((base.scheme, base.netloc, *parts[2:])))
        raise IgnoreRequest(f"host {parts.hostname} is not configured for this source")


class BackoffRetryMiddleware:
    """Retry 429/5xx and network errors with exponential backoff and jitter, honouring Retry-After."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.retries = settings.getint("OIGWATCH_RETRIES", 3)
        self.backoff = settings.getfloat("OIGWATCH_BACKOFF", 2.0)
        self.max_retry_after = settings.getfloat("OIGWATCH_MAX_RETRY_AFTER", 120.0)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        wait = request.meta.get(NOT_BEFORE, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in RETRY_STATUSES:
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None and asked > self.max_retry_after:
            return response
        return self._again(request, f"HTTP {response.status}", asked) or response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if isinstance(exception, IgnoreRequest):
            return None
        return self._again(request, type(exception).__name__, None)

    def _again(self, request: Request, reason: str, asked: float | None) -> Request | None:
        attempt = request.meta.get(ATTEMPT, 0) + 1
        if attempt > self.retries or request.meta.get(NO_RETRY):
            return None
        delay = asked if asked is not None else self.backoff * 2 ** (attempt - 1)
        delay *= 1 + random.uniform(0, 0.25) if asked is None else 1
        if self.crawler.stats:
            self.crawler.stats.inc_value("oigwatch/retries")
        retry = request.replace(dont_filter=True)
        retry.meta[ATTEMPT] = attempt
        retry.meta[NOT_BEFORE] = time.monotonic() + delay
        retry.meta.setdefault("oigwatch_retry_reasons", []).append(reason)
        return retry
