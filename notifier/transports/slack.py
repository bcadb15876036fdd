"""Slack through a bot token: chat.postMessage with Block Kit, revisions threaded under the original.

The SDK's own retry handlers are off: retries belong to the outbox.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from config.delivery import SlackTarget
from notifier.render.slack import SlackMessage, slack_digest, slack_message
from notifier.transports import Outgoing, Permanent, RateLimited, Transient, secret

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
    }
)


def render(outgoing: Outgoing, templates: Any) -> SlackMessage:
    """One alert, or one digest of several."""
    if outgoing.is_digest:
        return slack_digest(outgoing.events, templates, outgoing.digest_title)
    return slack_message(outgoing.events[0], templates)


def send(target: SlackTarget, outgoing: Outgoing, templates: Any) -> dict[str, Any]:
    """Post; the reference (channel, ts) lets later revisions reply in the thread."""
    client = WebClient(
        token=secret(target.token_env, f"slack target {target.name}"),
        base_url=target.base_url,
        timeout=int(max(1, target.timeout)),
        retry_handlers=[],
    )
    message = render(outgoing, templates)
    options: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
    if outgoing.thread and outgoing.thread.get("ts") and not outgoing.is_digest:
        options["thread_ts"] = outgoing.thread["ts"]
        options["reply_broadcast"] = target.broadcast_revisions
    try:
        response = client.chat_postMessage(
            channel=target.channel, text=message.text, blocks=message.blocks, **options
        )
    except SlackApiError as exc:
        raise _classify(target, exc) from exc
    except Exception as exc:  # urllib errors, resets, timeouts: the message may have arrived
        raise Transient(f"slack {target.name}: {type(exc).__name__}: {exc}") from exc
    return {"channel": response.get("channel", target.channel), "ts": response.get("ts")}


def _classify(target: SlackTarget, exc: SlackApiError) -> Exception:
    status = exc.response.status_code
    error = str(exc.response.get("error") or f"HTTP {status}")
    if status == 429:
        retry = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
        return RateLimited(f"slack {target.name}: rate limited", float(retry or 30))
    if error in PERMANENT_ERRORS:
        return Permanent(f"slack {target.name}: {error}")
    return Transient(f"slack {target.name}: {error}")
