"""Slack incoming webhooks: one fixed channel, no threads."""

from __future__ import annotations

from typing import Any

from slack_sdk.webhook import WebhookClient

from config.delivery import SlackWebhookTarget
from notifier.transports import Outgoing, Permanent, RateLimited, Transient, secret
from notifier.transports.slack import render


def send(target: SlackWebhookTarget, outgoing: Outgoing, templates: Any) -> dict[str, Any]:
    """Post the message; Slack answers "ok" or a plain-text error."""
    url = secret(target.url_env, f"slack webhook {target.name}")
    client = WebhookClient(
        url,
        timeout=int(max(1, target.timeout)),
        retry_handlers=[],
    )
    message = render(outgoing, templates)
    try:
        response = client.send(
            text=message.text, blocks=message.blocks, unfurl_links=False, unfurl_media=False
        )
    except ValueError as exc:  # a malformed URL: its text would be the secret itself
        raise Permanent(f"slack webhook {target.name}: the webhook URL is malformed") from exc
    except Exception as exc:
        reason = str(exc).replace(url, "<webhook url>")
        raise Transient(f"slack webhook {target.name}: {type(exc).__name__}: {reason}") from exc
    status, body = response.status_code, (response.body or "")[:200]
    if status == 200:
        return {"status": status}
    if status == 429:
        retry = response.headers.get("Retry-After") or response.headers.get("retry-after")
        raise RateLimited(f"slack webhook {target.name}: rate limited", float(retry or 30))
    if status >= 500:
        raise Transient(f"slack webhook {target.name}: HTTP {status} {body}")
    raise Permanent(f"slack webhook {target.name}: HTTP {status} {body}")
