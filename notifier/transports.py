"""What every channel's transport shares: the message to send (:class:`Outgoing`), secrets, and the
errors. Each channel (``notifier/channels/``) has a ``send(target, outgoing, templates) -> reference``.

Every transport raises the same errors, so the outbox decides retries in one place:
:class:`Transient` (retry with backoff), :class:`Unknown` (a Transient whose message may have been
received: a timeout, a connection reset after the request went out), :class:`RateLimited` (pause
this target for ``retry_after`` seconds) and :class:`Permanent` (stop: revoked token, unknown
channel, refused address...). An error whose ``unknown`` is true leaves the attempt unknown in the
ledger, and the next attempt is told so (``Outgoing.unknown_since``) to look before sending again.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.error import URLError

from crawler.clock import aware

RETRY_AFTER_DEFAULT = 30.0  # seconds, when a 429 names no (readable) Retry-After
RETRY_AFTER_MAX = 86_400.0  # a Retry-After further away than a day is taken as a day


class DeliveryError(Exception):
    """A send that did not succeed."""

    unknown: bool = False  # the message may have been received all the same


class Transient(DeliveryError):
    """Worth retrying later (5xx, timeout, connection reset, mail server down)."""


class Unknown(Transient):
    """The request went out and no answer came (a timeout, a reset): it may have been received."""

    unknown = True


class RateLimited(Transient):
    """The service asked us to slow down: pause this target only."""

    def __init__(self, message: str, retry_after: float, *, unknown: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.unknown = unknown  # a lookup of an unknown attempt was refused: it stays unknown


class Permanent(DeliveryError):
    """Retrying cannot help until someone fixes the configuration or the address."""


class MissingSecret(Permanent):
    """The environment variable a target names for its secret is not set (a config error)."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What to send: the events (one, or a digest of several) and threading context."""

    events: list[dict[str, Any]]
    thread: dict[str, Any] | None = None  # the reference of the report's original alert
    digest_title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # an earlier attempt of this message started then and its outcome is unknown: look first
    unknown_since: datetime | None = None

    @property
    def is_digest(self) -> bool:
        """More than one event in one message."""
        return len(self.events) > 1

    @property
    def delivery_key(self) -> str:
        """``oigwatch-<first delivery id>``, the same on every attempt ("" outside the outbox)."""
        return str(self.extra.get("delivery_key") or "")


def secret(name: str, what: str) -> str:
    """A secret from the environment; MissingSecret (naming the variable, never a value) if unset."""
    value = os.environ.get(name, "")
    if not name or not value:
        raise MissingSecret(f"{what}: environment variable {name or '(unnamed)'} is not set")
    return value


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """A response header, whatever the case of its name (a list of values: the first)."""
    for key, value in (headers or {}).items():
        if str(key).lower() == name.lower():
            if isinstance(value, list | tuple):
                value = value[0] if value else None
            return None if value is None else str(value)
    return None


def retry_after(value: str | None, *, now: float | None = None) -> float:
    """Seconds to wait from a ``Retry-After`` value: delay-seconds or an HTTP-date (RFC 9110
    10.2.3), at least 1 and at most a day; 30 when absent or unreadable."""
    text = (value or "").strip()
    if not text:
        return RETRY_AFTER_DEFAULT
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return RETRY_AFTER_DEFAULT
        seconds = aware(moment).timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return RETRY_AFTER_DEFAULT
    return min(max(seconds, 1.0), RETRY_AFTER_MAX)


def never_sent(exc: BaseException) -> bool:
    """Whether a urllib request that raised ``exc`` surely never reached the server.

    urllib wraps what fails while connecting or writing the request (refused, DNS, TLS, a connect
    timeout) in ``URLError``; a timeout, reset or hang-up while waiting for the answer comes bare,
    and then the server may have acted on the request."""
    return isinstance(exc, URLError | ValueError)
