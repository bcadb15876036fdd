"""Slack request bodies (JSON or form-encoded), checks against Slack's limits, and the records kept.

Limits enforced, with the error code Slack gives: more than 50 blocks, a section ``text`` over 3,000
characters, more than 10 section ``fields`` or one over 2,000, a header over 150 characters, a block
that is not an object with a ``type``: ``invalid_blocks``; ``blocks`` that is not a JSON array:
``invalid_blocks_format``; ``text`` over 40,000 characters: ``msg_too_long``; neither text nor
blocks: ``no_text``; ``metadata`` that is not a JSON object: ``invalid_metadata_format``, one
without a string ``event_type`` and an object ``event_payload``: ``invalid_metadata_schema``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_TEXT = 40_000


class PayloadError(Exception):
    """A body Slack would refuse; ``code`` is Slack's error string."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_body(content_type: str, body: bytes, query: str = "") -> dict[str, Any]:
    """The request's parameters: a JSON object, or form fields (plus any query string)."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            parsed = json.loads(body or b"{}")
        except ValueError:
            raise PayloadError("invalid_json") from None
        if not isinstance(parsed, dict):
            raise PayloadError("invalid_json")
        params.update(parsed)
    elif body:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def as_bool(value: Any) -> bool | None:
    """A Slack boolean argument (JSON true/false or form "true"/"1"/"false"/"0"); None if absent."""
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes")


def blocks_of(value: Any) -> list[Any] | None:
    """The ``blocks`` argument as a list (form mode sends a JSON string); None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise PayloadError("invalid_blocks_format") from None
    if not isinstance(value, list):
        raise PayloadError("invalid_blocks_format")
    return value


def metadata_of(value: Any) -> dict[str, Any] | None:
    """The ``metadata`` argument (form mode sends a JSON string), checked; None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise PayloadError("invalid_metadata_format") from None
    if not isinstance(value, dict):
        raise PayloadError("invalid_metadata_format")
    if not isinstance(value.get("event_type"), str) or not value["event_type"]:
        raise PayloadError("invalid_metadata_schema")
    if not isinstance(value.get("event_payload"), dict):
        raise PayloadError("invalid_metadata_schema")
    return {"event_type": value["event_type"], "event_payload": value["event_payload"]}


def check_message(text: Any, blocks: list[Any] | None) -> None:
    """Raise ``PayloadError`` where Slack would refuse this text and these blocks."""
    if not text and not blocks:
        raise PayloadError("no_text")
    if text is not None and not isinstance(text, str):
        raise PayloadError("invalid_arguments")
    if text and len(text) > MAX_TEXT:
        raise PayloadError("msg_too_long")
    if blocks is not None:
        _check_blocks(blocks)


def _check_blocks(blocks: list[Any]) -> None:
    if len(blocks) > MAX_BLOCKS:
        raise PayloadError("invalid_blocks")
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise PayloadError("invalid_blocks")
        if block["type"] == "section":
            _check_section(block)
        elif block["type"] == "header" and len(_text_of(block.get("text"))) > MAX_HEADER_TEXT:
            raise PayloadError("invalid_blocks")


def _check_section(block: dict[str, Any]) -> None:
    fields = block.get("fields") or []
    if "text" not in block and not fields:
        raise PayloadError("invalid_blocks")
    if len(_text_of(block.get("text"))) > MAX_SECTION_TEXT:
        raise PayloadError("invalid_blocks")
    if len(fields) > MAX_SECTION_FIELDS:
        raise PayloadError("invalid_blocks")
    if any(len(_text_of(f)) > MAX_FIELD_TEXT for f in fields):
        raise PayloadError("invalid_blocks")


def _text_of(obj: Any) -> str:
    """The ``text`` of a text object (``{"type": "mrkdwn", "text": ...}``); "" if absent."""
    if isinstance(obj, dict):
        return str(obj.get("text") or "")
    return ""


@dataclass(frozen=True)
class SlackMessage:
    """A message Slack accepted."""

    channel: str
    text: str
    blocks: list[Any] | None
    thread_ts: str | None
    reply_broadcast: bool
    unfurl_links: bool | None
    unfurl_media: bool | None
    ts: str
    received_at: float
    via: str  # "api" or "webhook"
    payload: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    metadata: dict[str, Any] | None = None  # {"event_type": ..., "event_payload": {...}}

    @property
    def delivery_key(self) -> str | None:
        """``metadata.event_payload.delivery_key`` (oigwatch's), if any."""
        key = ((self.metadata or {}).get("event_payload") or {}).get("delivery_key")
        return None if key is None else str(key)


@dataclass(frozen=True)
class SlackRequest:
    """A request as received, accepted or not; ``headers`` have lower-case names."""

    method: str  # "chat.postMessage", ..., or "webhook"
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float
    path: str = ""


def message_from(
    body: dict[str, Any], via: str, channel: str, blocks: list[Any] | None, ts: str
) -> SlackMessage:
    """The record of an accepted message (``payload``: the whole request body)."""
    thread_ts = body.get("thread_ts") or None
    return SlackMessage(
        channel=channel,
        text=str(body.get("text") or ""),
        blocks=blocks,
        thread_ts=None if thread_ts is None else str(thread_ts),
        reply_broadcast=bool(as_bool(body.get("reply_broadcast"))),
        unfurl_links=as_bool(body.get("unfurl_links")),
        unfurl_media=as_bool(body.get("unfurl_media")),
        ts=ts,
        received_at=time.monotonic(),
        via=via,
        payload=dict(body),
        metadata=metadata_of(body.get("metadata")) if via == "api" else None,
    )
