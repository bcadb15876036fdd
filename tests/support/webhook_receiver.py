"""A JSON webhook receiver on 127.0.0.1 that checks oigwatch's HMAC-SHA256 signature.

The signature scheme (what oigwatch must send with ``POST <url>`` and a JSON body)::

    X-Oigwatch-Timestamp: <unix time in whole seconds, decimal, e.g. 1700000000>
    X-Oigwatch-Signature: sha256=<lower-case hex HMAC-SHA256(secret, timestamp + "." + raw body)>
    X-Oigwatch-Delivery:  <delivery id, the same on every retry: the idempotency key>

``timestamp`` is the header's exact text, ``.`` is one byte, the raw body is the bytes sent (no
re-serialising). The receiver answers ``200 {"ok": true}`` and records a ``Delivery`` when the
signature verifies (``hmac.compare_digest``) and the timestamp is within ``tolerance`` (300 s) of its
clock; otherwise ``401`` (text ``missing signature`` / ``invalid timestamp`` / ``stale timestamp``
/ ``invalid signature``) and a ``Rejection``. A verified body that is not JSON is ``400 invalid
json``; another path is ``404``. ``signed_headers()`` builds the headers for tests.

Faults (``fault(kind=..., count=1, **params)``, checked before the signature), as httpx sees them:
``status`` (``status``=500, ``body``="internal error", ``retry_after``: adds ``Retry-After``) is a
response with that status, nothing recorded; ``delay`` (``seconds``=1) answers late (a shorter client
timeout raises ``httpx.ReadTimeout``), then records the delivery anyway; ``reset`` drops the
connection with a TCP RST, nothing recorded; ``reset_after_receive`` records a valid delivery, then
drops the connection. httpx raises ``httpx.ReadError`` ("[Errno 104] Connection reset by peer")
for both resets. A ``delay`` cut short by ``stop()`` drops the request unrecorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from support.loopback_http import Exchange, FaultQueue, Inbox, LoopbackServer

SIGNATURE_HEADER = "X-Oigwatch-Signature"
TIMESTAMP_HEADER = "X-Oigwatch-Timestamp"
DELIVERY_HEADER = "X-Oigwatch-Delivery"
TOLERANCE = 300.0
FAULT_PARAMS = {
    "status": {"status", "body", "retry_after"},
    "delay": {"seconds"},
    "reset": set(),
    "reset_after_receive": set(),
}


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Oigwatch-Signature`` value for this timestamp (header text) and raw body."""
    mac = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signed_headers(
    secret: bytes, body: bytes, timestamp: int | None = None, delivery: str | None = None
) -> dict[str, str]:
    """Headers that sign ``body`` (now, unless ``timestamp`` is given)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: signature(secret, stamp, body),
    }
    if delivery is not None:
        headers[DELIVERY_HEADER] = delivery
    return headers


@dataclass(frozen=True)
class Delivery:
    """A request whose signature verified; ``headers`` have lower-case names."""

    headers: dict[str, str]
    body: bytes
    payload: Any
    received_at: float

    @property
    def delivery_id(self) -> str | None:
        return self.headers.get(DELIVERY_HEADER.lower())


@dataclass(frozen=True)
class Rejection:
    """A request refused: ``reason`` is the response text, ``status`` its code."""

    headers: dict[str, str]
    body: bytes
    reason: str
    status: int
    received_at: float


class WebhookReceiver:
    """Receives signed JSON webhooks at ``url``."""

    def __init__(
        self,
        secret: bytes,
        path: str = "/hook",
        tolerance: float = TOLERANCE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.secret = secret
        self.path = path
        self.tolerance = tolerance
        self.clock = clock
        self._server = LoopbackServer(self)
        self._faults = FaultQueue(FAULT_PARAMS)
        self._deliveries: Inbox[Delivery] = Inbox()
        self._rejected: Inbox[Rejection] = Inbox()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return f"{self._server.base_url}{self.path}"

    @property
    def deliveries(self) -> list[Delivery]:
        """Verified deliveries in arrival order (a copy)."""
        return self._deliveries.snapshot()

    @property
    def rejected(self) -> list[Rejection]:
        """Refused requests in arrival order (a copy)."""
        return self._rejected.snapshot()

    def fault(self, *, kind: str, count: int = 1, **params: Any) -> None:
        """Queue a fault for the next ``count`` requests (-1: forever)."""
        self._faults.add(kind, "*", count, None, params)

    def clear_faults(self) -> None:
        self._faults.clear()

    def wait_for(self, n: int, timeout: float = 5.0) -> list[Delivery]:
        """Block until ``n`` deliveries verified; all so far (``TimeoutError`` if not in time)."""
        return self._deliveries.wait_for(n, timeout, "webhook deliveries")

    def respond(self, ex: Exchange) -> None:
        """Act out a fault, or verify and record the request."""
        fault = self._faults.take("*")
        kind = fault.kind if fault is not None else None
        seconds = float(fault.params.get("seconds", 1.0)) if fault is not None else 0.0
        if kind == "delay" and self._server.sleep(seconds):
            return ex.reset()  # woken by stop()
        if kind == "reset":
            return ex.reset()
        if fault is not None and kind == "status":
            return _status_fault(ex, fault.params)
        status, text = self._verify(ex)
        if status != 200:
            self._rejected.append(Rejection(ex.headers, ex.body, text, status, ex.received_at))
        if kind == "reset_after_receive":
            return ex.reset()
        ex.send(status, text.encode(), _content_type(status))

    def _verify(self, ex: Exchange) -> tuple[int, str]:
        """(status, response text); records the delivery when it verifies."""
        if ex.path.partition("?")[0] != self.path:
            return 404, "not found"
        if ex.verb != "POST":
            return 405, "method not allowed"
        problem = self._signature_problem(ex)
        if problem is not None:
            return 401, problem
        try:
            payload = json.loads(ex.body)
        except ValueError:
            return 400, "invalid json"
        self._deliveries.append(Delivery(ex.headers, ex.body, payload, ex.received_at))
        return 200, '{"ok": true}'

    def _signature_problem(self, ex: Exchange) -> str | None:
        stamp = ex.headers.get(TIMESTAMP_HEADER.lower())
        sent = ex.headers.get(SIGNATURE_HEADER.lower())
        if not stamp or not sent:
            return "missing signature"
        if not stamp.isdigit():
            return "invalid timestamp"
        if abs(self.clock() - int(stamp)) > self.tolerance:
            return "stale timestamp"
        expected = signature(self.secret, stamp, ex.body)
        if not hmac.compare_digest(expected.encode(), sent.strip().encode()):
            return "invalid signature"
        return None


def _status_fault(ex: Exchange, params: dict[str, Any]) -> None:
    headers = {"Retry-After": str(params["retry_after"])} if "retry_after" in params else None
    body = str(params.get("body", "internal error")).encode()
    ex.send(int(params.get("status", 500)), body, "text/plain; charset=utf-8", headers)


def _content_type(status: int) -> str:
    return "application/json" if status == 200 else "text/plain; charset=utf-8"
