"""Generic JSON webhook through httpx, signed with HMAC-SHA256.

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
from typing import Any

import httpx

from config.delivery import WebhookTarget
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

# raised before the request was written: the receiver cannot have acted on it
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    """The signature header value for a body sent at ``timestamp``."""
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def send(target: WebhookTarget, outgoing: Outgoing, templates: Any) -> dict[str, Any]:
    """POST the event (or a list of events for a digest) as JSON."""
    key = secret(target.secret_env, f"webhook {target.name}").encode()
    events = [webhook_payload(event) for event in outgoing.events]
    body = json.dumps(events[0] if len(events) == 1 else {"events": events}).encode()
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
    except NOT_SENT as exc:
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
