"""A test channel in one file: the pigeon carries each message as JSON, POSTed to its loft.

Importing this module registers the channel (``kind = "pigeon"`` in ``[[targets]]``); nothing
else in oigwatch names it. It shows the whole recipe: the target's model with its own keys, the
renderer (what is sent, built without sending) and the transport (which raises the shared errors
of ``notifier.transports``, so the outbox retries it like any channel).
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.error import HTTPError

from config.delivery import TargetConfig
from config.registry import CHANNELS, Channel
from notifier.transports import Outgoing, Permanent, Transient, Unknown, never_sent


class PigeonTarget(TargetConfig):
    """A pigeon loft: an HTTP address that takes one JSON message per POST."""

    loft: str  # http://host:port/path
    ring: str = ""  # a tag carried on every message
    timeout: float = 5.0


def render(target: PigeonTarget, outgoing: Outgoing, templates: Any) -> bytes:
    """The message: the ring, the delivery key and a few fields of each event."""
    events = [
        {key: event.get(key) for key in ("kind", "source", "report_number", "title")}
        for event in outgoing.events
    ]
    message = {"ring": target.ring, "delivery_key": outgoing.delivery_key, "events": events}
    return json.dumps(message).encode()


def send(target: PigeonTarget, outgoing: Outgoing, templates: Any) -> dict[str, Any]:
    """POST the message; 5xx and a loft out of reach are retried, other refusals are not."""
    request = urllib.request.Request(
        target.loft,
        data=render(target, outgoing, templates),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=target.timeout) as answer:
            return {"status": answer.status, "events": len(outgoing.events)}
    except HTTPError as exc:
        if exc.code >= 500:
            raise Transient(f"pigeon {target.name}: HTTP {exc.code}") from exc
        raise Permanent(f"pigeon {target.name}: HTTP {exc.code}") from exc
    except Exception as exc:
        what = f"pigeon {target.name}: {type(exc).__name__}: {exc}"
        if never_sent(exc):
            raise Transient(what) from exc
        raise Unknown(what) from exc


CHANNEL = CHANNELS.register(Channel("pigeon", PigeonTarget, send, render))
