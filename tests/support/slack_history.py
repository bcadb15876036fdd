"""conversations.history and conversations.replies over the messages a FakeSlack accepted.

As Slack answers them: ``conversations.history`` lists a channel's messages newest first, without
thread replies (except those also sent to the channel, subtype ``thread_broadcast``);
``conversations.replies`` lists a thread, the parent first, then its replies oldest first. Both take
``oldest`` and ``latest`` (exclusive unless ``inclusive``), ``limit`` (default 100 for history,
1000 for replies, at most 999/1000) and an opaque ``cursor`` (``response_metadata.next_cursor``
while ``has_more``). A message's ``metadata`` is listed only with ``include_all_metadata``.
Errors: ``invalid_ts_oldest`` / ``invalid_ts_latest``, ``invalid_cursor``, ``invalid_limit``,
``thread_not_found`` (replies of a ts that is no message in that channel).
"""

from __future__ import annotations

import base64
from decimal import Decimal, InvalidOperation
from typing import Any

from support.slack_payload import SlackMessage, as_bool


class HistoryError(Exception):
    """A request Slack would refuse; ``code`` is Slack's error string."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def micros(ts: Any, error: str = "invalid_ts") -> int:
    """A Slack timestamp ("1700000000.000100") as whole microseconds."""
    try:
        value = Decimal(str(ts).strip())
    except InvalidOperation:
        raise HistoryError(error) from None
    if not value.is_finite() or value < 0:
        raise HistoryError(error)
    return int(value * 1_000_000)


def history(messages: list[SlackMessage], channel: str, body: dict[str, Any]) -> dict[str, Any]:
    """The answer to conversations.history for ``channel`` (messages in arrival order)."""
    shown = [m for m in messages if m.channel == channel and m.via == "api" and _in_channel(m)]
    shown = _window(shown, body)
    shown.sort(key=lambda m: micros(m.ts), reverse=True)
    limit = _limit(body, default=100, most=999)
    start = _cursor(body)
    if start is not None:
        shown = [m for m in shown if micros(m.ts) <= start]
    return _page(shown, limit, body, messages)


def replies(messages: list[SlackMessage], channel: str, body: dict[str, Any]) -> dict[str, Any]:
    """The answer to conversations.replies for the thread of ``body["ts"]`` in ``channel``."""
    ts = body.get("ts")
    if not ts:
        raise HistoryError("invalid_arguments")
    here = [m for m in messages if m.channel == channel and m.via == "api"]
    parent = next((m for m in here if micros(m.ts) == micros(ts, "thread_not_found")), None)
    if parent is None or parent.thread_ts is not None:
        raise HistoryError("thread_not_found")
    thread = _window([m for m in here if m.thread_ts == parent.ts], body)
    thread.sort(key=lambda m: micros(m.ts))
    limit = _limit(body, default=1000, most=1000)
    start = _cursor(body)  # the parent heads the first page only
    later = [m for m in thread if start is None or micros(m.ts) >= start]
    thread = [parent, *later] if start is None else later
    return _page(thread, limit, body, messages)


def _in_channel(message: SlackMessage) -> bool:
    return message.thread_ts is None or message.reply_broadcast


def _window(found: list[SlackMessage], body: dict[str, Any]) -> list[SlackMessage]:
    oldest = micros(body.get("oldest") or 0, "invalid_ts_oldest")
    latest = body.get("latest")
    newest = micros(latest, "invalid_ts_latest") if latest else None
    inclusive = bool(as_bool(body.get("inclusive")))

    def inside(message: SlackMessage) -> bool:
        at = micros(message.ts)
        after = at >= oldest if inclusive else at > oldest
        before = newest is None or (at <= newest if inclusive else at < newest)
        return after and before

    return [m for m in found if inside(m)]


def _limit(body: dict[str, Any], default: int, most: int) -> int:
    raw = body.get("limit")
    if raw in (None, ""):
        return default
    try:
        limit = int(str(raw))
    except ValueError:
        raise HistoryError("invalid_limit") from None
    if limit < 0:
        raise HistoryError("invalid_limit")
    return min(limit or default, most)


def _cursor(body: dict[str, Any]) -> int | None:
    raw = body.get("cursor")
    if not raw:
        return None
    try:
        kind, _, value = base64.b64decode(str(raw), validate=True).decode().partition(":")
    except ValueError:
        raise HistoryError("invalid_cursor") from None
    if kind != "next_ts" or not value.isdigit():
        raise HistoryError("invalid_cursor")
    return int(value)


def _page(
    found: list[SlackMessage], limit: int, body: dict[str, Any], everything: list[SlackMessage]
) -> dict[str, Any]:
    page, rest = found[:limit], found[limit:]
    metadata = bool(as_bool(body.get("include_all_metadata")))
    answer: dict[str, Any] = {
        "ok": True,
        "messages": [listed(m, metadata, everything) for m in page],
        "has_more": bool(rest),
    }
    if rest:
        cursor = base64.b64encode(f"next_ts:{micros(rest[0].ts)}".encode()).decode()
        answer["response_metadata"] = {"next_cursor": cursor}
    return answer


def listed(message: SlackMessage, metadata: bool, everything: list[SlackMessage]) -> dict[str, Any]:
    """A message as conversations.history lists it."""
    item: dict[str, Any] = {
        "type": "message",
        "user": "U000",
        "bot_id": "B000",
        "text": message.text,
        "ts": message.ts,
    }
    if message.blocks is not None:
        item["blocks"] = message.blocks
    if message.thread_ts is not None:
        item["thread_ts"] = message.thread_ts
        if message.reply_broadcast:
            item["subtype"] = "thread_broadcast"
    else:
        count = sum(1 for m in everything if m.channel == message.channel
                    and m.thread_ts == message.ts)  # fmt: skip
        if count:
            item.update(thread_ts=message.ts, reply_count=count)
    if metadata and message.metadata is not None:
        item["metadata"] = message.metadata
    return item
