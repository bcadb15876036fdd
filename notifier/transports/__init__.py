"""Transports: one module per channel kind, each ``send(target, message) -> reference``.

Every transport raises the same three errors, so the outbox decides retries in one place:
:class:`Transient` (retry with backoff), :class:`RateLimited` (pause this target for ``retry_after``
seconds) and :class:`Permanent` (stop: revoked token, unknown channel, refused address...).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


class DeliveryError(Exception):
    """A send that did not succeed."""


class Transient(DeliveryError):
    """Worth retrying later (5xx, timeout, connection reset, mail server down)."""


class RateLimited(Transient):
    """The service asked us to slow down: pause this target only."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Permanent(DeliveryError):
    """Retrying cannot help until someone fixes the configuration or the address."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What to send: the events (one, or a digest of several) and threading context."""

    events: list[dict[str, Any]]
    thread: dict[str, Any] | None = None  # the reference of the report's original alert
    digest_title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_digest(self) -> bool:
        """More than one event in one message."""
        return len(self.events) > 1


def secret(name: str, what: str) -> str:
    """A secret from the environment; Permanent (naming the variable, never a value) if unset."""
    value = os.environ.get(name, "")
    if not name or not value:
        raise Permanent(f"{what}: environment variable {name or '(unnamed)'} is not set")
    return value
