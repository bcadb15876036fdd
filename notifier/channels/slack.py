"""The Slack channel, through a bot token: chat.postMessage with Block Kit, revisions threaded under
the original.

The SDK's own retry handlers are off: retries belong to the outbox. Every message carries message
metadata (``event_type`` ``oigwatch_alert``, ``event_payload.delivery_key``), so when an earlier
attempt's outcome is unknown (a timeout, a reset after Slack received it, a killed worker) the
channel's history is read first and a message already there is not posted again.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, field_validator

from config.delivery import TargetConfig, env_name
from config.registry import CHANNELS, Channel
from notifier.render.slack import SlackMessage, slack_digest, slack_message
from notifier.transports import (
    Outgoing,
    Permanent,
    RateLimited,
    Transient,
    Unknown,
    header,
    never_sent,
    retry_after,
    secret,
)

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

log = logging.getLogger("oigwatch.deliver")

PERMANENT_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "missing_scope",
        "no_permission",
        "invalid_blocks",
        "msg_too_long",
        "too_many_attachments",
        "ekm_access_denied",
        "team_access_not_granted",
        "org_login_required",
        "invalid_metadata_format",
        "invalid_metadata_schema",
    }
)
EVENT_TYPE = "oigwatch_alert"
LOOKUP_MARGIN = timedelta(minutes=5)  # clock skew between this host and Slack
LOOKUP_PAGES = 5
LOOKUP_PAGE_SIZE = 200
# a lookup refused for these is tried again later (the attempt stays unknown); refused for any
# other reason (no history scope, the bot not in the channel) the message is posted again
LOOKUP_SERVER_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
HISTORY_SCOPES = "channels:history (groups:history for a private channel)"

_blind: set[tuple[str, str]] = set()  # (target, error) already logged
_blind_lock = threading.Lock()


class SlackTarget(TargetConfig):
    """A Slack channel, through a bot token (chat.postMessage)."""

    channel: str
    token_env: str = "OIGWATCH_SLACK_TOKEN"
    base_url: str = "https://slack.com/api/"
    broadcast_revisions: bool = False  # post revisions in the thread AND in the channel
    timeout: Annotated[float, Field(gt=0)] = 15.0

    _check_env = field_validator("token_env")(env_name)


def render(target: Any, outgoing: Outgoing, templates: Any) -> SlackMessage:
    """One alert, or one digest of several (the incoming-webhook channel posts the same)."""
    if outgoing.is_digest:
        return slack_digest(outgoing.events, templates, outgoing.digest_title)
    return slack_message(outgoing.events[0], templates)


def client_for(target: SlackTarget) -> WebClient:
    """A Web API client for the target (the SDK's retries off)."""
    from slack_sdk import WebClient

    return WebClient(
        token=secret(target.token_env, f"slack target {target.name}"),
        base_url=target.base_url,
        timeout=int(max(1, target.timeout)),
        retry_handlers=[],
    )


def send(target: SlackTarget, outgoing: Outgoing, templates: Any) -> dict[str, Any]:
    """Post; the reference (channel, ts) lets later revisions reply in the thread."""
    from slack_sdk.errors import SlackApiError

    client = client_for(target)
    key = outgoing.delivery_key
    if outgoing.unknown_since is not None and key:
        found = look(client, target, outgoing, key)
        if found is not None:
            return found
    message = render(target, outgoing, templates)
    options: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
    thread_ts = _thread_ts(outgoing)
    if thread_ts:
        options["thread_ts"] = thread_ts
        options["reply_broadcast"] = target.broadcast_revisions
    if key:
        options["metadata"] = {"event_type": EVENT_TYPE, "event_payload": {"delivery_key": key}}
    try:
        response = client.chat_postMessage(
            channel=target.channel, text=message.text, blocks=message.blocks, **options
        )
    except SlackApiError as exc:
        raise _classify(target, exc) from exc
    except Exception as exc:
        what = f"slack {target.name}: {type(exc).__name__}: {exc}"
        if never_sent(exc):
            raise Transient(what) from exc
        raise Unknown(f"{what} (Slack may have received it)") from exc
    return {"channel": response.get("channel", target.channel), "ts": response.get("ts")}


def _thread_ts(outgoing: Outgoing) -> str | None:
    if outgoing.thread and outgoing.thread.get("ts") and not outgoing.is_digest:
        return str(outgoing.thread["ts"])
    return None


def _classify(target: SlackTarget, exc: SlackApiError) -> Exception:
    status = exc.response.status_code
    error = str(exc.response.get("error") or f"HTTP {status}")
    if status == 429:
        wait = retry_after(header(exc.response.headers, "Retry-After"))
        return RateLimited(f"slack {target.name}: rate limited for {wait:.0f} s", wait)
    if error in PERMANENT_ERRORS:
        return Permanent(f"slack {target.name}: {error}")
    return Transient(f"slack {target.name}: {error}")


def look(
    client: WebClient, target: SlackTarget, outgoing: Outgoing, key: str
) -> dict[str, Any] | None:
    """The reference of the message an unknown attempt posted, if Slack has it.

    Reads the channel's history since the attempt began (less a margin for clocks), and the
    thread's replies for a revision, at most LOOKUP_PAGES pages each. Without the history scope
    the answer is None (logged once per target): the message is posted again, as before."""
    from slack_sdk.errors import SlackApiError

    if outgoing.unknown_since is None:
        return None
    oldest = f"{(outgoing.unknown_since - LOOKUP_MARGIN).timestamp():.6f}"
    try:
        ts = _search(client.conversations_history, key, channel=target.channel, oldest=oldest)
        thread_ts = _thread_ts(outgoing)
        if ts is None and thread_ts:
            ts = _in_thread(client, target, thread_ts, oldest, key)
    except SlackApiError as exc:
        status, error = exc.response.status_code, str(exc.response.get("error") or "")
        what = f"slack {target.name}: could not look for the unknown attempt"
        if status == 429:
            wait = retry_after(header(exc.response.headers, "Retry-After"))
            raise RateLimited(f"{what}: rate limited for {wait:.0f} s", wait, unknown=True) from exc
        if status >= 500 or error in LOOKUP_SERVER_ERRORS:
            raise Unknown(f"{what}: {error or f'HTTP {status}'}") from exc
        blind(target, error)
        return None
    except Exception as exc:  # a timeout, a reset: still unknown, ask again later
        raise Unknown(
            f"slack {target.name}: could not look for the unknown attempt: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if ts is None:
        return None
    log.info("slack %s: %s was already posted (ts %s); not posting it again", target.name, key, ts)
    return {"channel": target.channel, "ts": ts, "found": True}


def _in_thread(
    client: WebClient, target: SlackTarget, thread_ts: str, oldest: str, key: str
) -> str | None:
    """The ts of the reply carrying ``key`` in the thread (None if the thread is gone too)."""
    from slack_sdk.errors import SlackApiError

    try:
        return _search(
            client.conversations_replies, key, channel=target.channel, ts=thread_ts, oldest=oldest
        )
    except SlackApiError as exc:
        if exc.response.status_code == 200 and exc.response.get("error") == "thread_not_found":
            return None
        raise


def _search(method: Any, key: str, **args: Any) -> str | None:
    """The ts of the message carrying ``key`` in its metadata, within LOOKUP_PAGES pages."""
    cursor: str | None = None
    for _ in range(LOOKUP_PAGES):
        page = method(limit=LOOKUP_PAGE_SIZE, include_all_metadata=True, cursor=cursor, **args)
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and payload.get("delivery_key") == key:
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            return None
    return None


def blind(target: SlackTarget, error: str) -> None:
    """Say once per target and error that it cannot look before posting again."""
    with _blind_lock:
        if (target.name, error) in _blind:
            return
        _blind.add((target.name, error))
    log.warning(
        "slack %s cannot read the channel's history (%s): after a timeout or a crash a message "
        "may be posted twice; give the bot %s and invite it to the channel",
        target.name, error, HISTORY_SCOPES,
    )  # fmt: skip


def history_problem(target: SlackTarget) -> str | None:
    """Why the target cannot look for unknown attempts (None when it can): for test-route."""
    from slack_sdk.errors import SlackApiError

    try:
        client_for(target).conversations_history(channel=target.channel, limit=1)
    except SlackApiError as exc:
        return str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


CHANNELS.register(Channel("slack", SlackTarget, send, render))
