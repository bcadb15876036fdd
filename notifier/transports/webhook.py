"""Generic JSON webhook through httpx, signed with HMAC-SHA256.

Headers: ``X-Oigwatch-Timestamp`` (unix seconds), ``X-Oigwatch-Signature: sha256=<hex>`` where the
hex is HMAC-SHA256(secret, timestamp + "." + body), and ``X-Oigwatch-Delivery`` (an idempotency key:
receivers should ignore a delivery id they have already seen).
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
from notifier.transports import Outgoing, Permanent, RateLimited, Transient, secret


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
        "X-Oigwatch-Delivery": str(outgoing.extra.get("delivery_key", "")),
        "User-Agent": "oigwatch-webhook/0.1",
    }
    try:
        response = httpx.post(target.url, content=body, headers=headers, timeout=target.timeout)
    except httpx.HTTPError as exc:
        raise Transient(f"webhook {target.name}: {type(exc).__name__}: {exc}") from exc
    status = response.status_code
    if status == 429:
        raise RateLimited(f"webhook {target.name}: 429", _retry_after(response))
    if status >= 500 or status == 408:
        raise Transient(f"webhook {target.name}: HTTP {status}")
    if status >= 400:
        raise Permanent(f"webhook {target.name}: HTTP {status} {response.text[:200]}")
    return {"status": status}


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.replace(".", "", 1).isdigit() else 30.0
