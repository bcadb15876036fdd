"""The generic JSON webhook channel (httpx), signed with HMAC-SHA256.

Headers: ``X-Oigwatch-Timestamp`` (unix seconds), ``X-Oigwatch-Signature: sha256=<hex>`` where the
hex is HMAC-SHA256(secret, timestamp + "." + body), and ``Idempotency-Key: oigwatch-<delivery id>``
(also sent as ``X-Oigwatch-Delivery``), the same on every attempt of a delivery: receivers should
ignore a key they have already seen, since an attempt whose answer was lost is sent again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Annotated, Any

from pydantic import Field, field_validator

from config.delivery import TargetConfig, env_name
from config.registry import CHANNELS, Channel
from notifier.render.webhook import webhook_payload
from notifier.transports import (
    Outgoing,
    Permanent,
    RateLimited,
    Transient,
    Unknown,
    retry_after,
    secret,
)


class WebhookTarget(TargetConfig):
    """A generic JSON webhook, signed with HMAC-SHA256."""

    url: str
    secret_env: str = "OIGWATCH_WEBHOOK_SECRET"
    timeout: Annotated[float, Field(gt=0)] = 15.0

    _check_env = field_validator("secret_env")(env_name)


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    """The signature header value for a body sent at ``timestamp``."""
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def render(target: WebhookTarget, outgoing: Outgoing, templates: Any) -> bytes:
    """The JSON body: the event, or ``{"events": [...]}`` for a digest."""
    events = [webhook_payload(event) for event in outgoing.events]
    return json.dumps(events[0] if len(events) == 1 else {"events": events}).encode()


def send(target: WebhookTarget, outgoing: Outgoing, templates: Any) -> dict[str, Any]:
    """POST the event (or a list of events for a digest) as JSON."""
    import httpx

    # raised before the request was written: the receiver cannot have acted on it
    not_sent = (
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.PoolTimeout,
        httpx.UnsupportedProtocol,
    )
    key = secret(target.secret_env, f"webhook {target.name}").encode()
    body = render(target, outgoing, templates)
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Oigwatch-Timestamp": stamp,
        "X-Oigwatch-Signature": signature(key, stamp, body),
        "X-Oigwatch-Delivery": outgoing.delivery_key,
        "User-Agent": "oigwatch-webhook/0.1",
    }
    if outgoing.delivery_key:
        headers["Idempotency-Key"] = outgoing.delivery_key
    try:
        response = httpx.post(target.url, content=body, headers=headers, timeout=target.timeout)
    except not_sent as exc:
        raise Transient(f"webhook {target.name}: {type(exc).__name__}: {exc}") from exc
    except httpx.HTTPError as exc:  # a read timeout, a reset: the receiver may have it
        raise Unknown(
            f"webhook {target.name}: {type(exc).__name__}: {exc} (the receiver may have it)"
        ) from exc
    status = response.status_code
    if status == 429:
        wait = retry_after(response.headers.get("Retry-After"))
        raise RateLimited(f"webhook {target.name}: 429, retry in {wait:.0f} s", wait)
    if status >= 500 or status == 408:
        raise Transient(f"webhook {target.name}: HTTP {status}")
    if status >= 400:
        raise Permanent(f"webhook {target.name}: HTTP {status} {response.text[:200]}")
    return {"status": status}


CHANNELS.register(Channel("webhook", WebhookTarget, send, render))
