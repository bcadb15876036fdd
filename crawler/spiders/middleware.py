"""Downloader middlewares: only configured hosts, retries with backoff that honour Retry-After, and
bodies bounded in size (a refusal that says what happened)."""

from __future__ import annotations

import asyncio
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from twisted.internet.defer import CancelledError

from crawler.contract import TOO_LARGE, guarded_url

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
        target = guarded_url(request.url, spider.base_url, spider.host_aliases)
        if target is None:
            host = urlsplit(request.url).hostname
            raise IgnoreRequest(f"host {host} is not configured for this source")
        if target != request.url:
            return request.replace(url=target)  # it comes back through here
        if not spider.allowed(request.url):
            raise IgnoreRequest("Forbidden by robots.txt")
        return None


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


class ResponseTooLarge(IgnoreRequest):
    """A body over the size limit (``DOWNLOAD_MAXSIZE``, or the request's ``download_maxsize``),
    compressed or not: refused, never retried (the same URL would send the same body)."""


class SizeLimitMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (bounded by the size limit, as Scrapy does) in place of
    ``HttpCompressionMiddleware``, and refusals of over-size bodies named plainly.

    Scrapy refuses an over-size body in three ways: a decompression that grows past the limit
    (``IgnoreRequest`` with a long message naming byte counts), a ``Content-Length`` above it
    (``DownloadCancelledError`` "Expected to receive N bytes ...") and a body that streams past
    it, chunked or endless (a cancelled download: ``DownloadCancelledError`` with no message).
    Each becomes one :class:`ResponseTooLarge` whose text is the same for every page of a run,
    so the health gate groups them into one reason.
    """

    def limit(self, request: Request) -> int:
        """The size limit of this request."""
        return int(request.meta.get("download_maxsize") or self._max_size)

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:  # its only refusal: the decompressed body grew past the limit
            raise ResponseTooLarge(
                f"{TOO_LARGE} {self.limit(request)} bytes (decompressed) refused"
            ) from exc

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, DownloadCancelledError | CancelledError):
            return None
        declared = "Expected to receive" in str(exception)  # Content-Length above the limit
        how = " (declared length)" if declared else ""
        raise ResponseTooLarge(
            f"{TOO_LARGE} {self.limit(request)} bytes{how} refused"
        ) from exception
