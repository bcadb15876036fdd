"""The Slack incoming-webhook channel: one fixed channel, no threads.

A webhook cannot be asked what it received: after an unknown attempt (a timeout, a reset after
Slack read the message, a killed worker) the message is posted again, so one duplicate is possible
per unknown attempt. Use a bot token target (``kind = "slack"``) where that matters.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from config.delivery import TargetConfig, env_name
from config.registry import CHANNELS, Channel
from notifier.channels.slack import render
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


class SlackWebhookTarget(TargetConfig):
    """A Slack incoming webhook (one fixed channel, no threads)."""

    url_env: str = "OIGWATCH_SLACK_WEBHOOK_URL"
    timeout: Annotated[float, Field(gt=0)] = 15.0

    _check_env = field_validator("url_env")(env_name)


def send(target: SlackWebhookTarget, outgoing: Outgoing, templates: Any) -> dict[str, Any]:
    """Post the message; Slack answers "ok" or a plain-text error."""
    from slack_sdk.webhook import WebhookClient

    url = secret(target.url_env, f"slack webhook {target.name}")
    client = WebhookClient(
        url,
        timeout=int(max(1, target.timeout)),
        retry_handlers=[],
    )
    message = render(target, outgoing, templates)
    try:
        response = client.send(
            text=message.text, blocks=message.blocks, unfurl_links=False, unfurl_media=False
        )
    except ValueError as exc:  # a malformed URL: its text would be the secret itself
        raise Permanent(f"slack webhook {target.name}: the webhook URL is malformed") from exc
    except Exception as exc:
        reason = str(exc).replace(url, "<webhook url>")
        what = f"slack webhook {target.name}: {type(exc).__name__}: {reason}"
        if never_sent(exc):
            raise Transient(what) from exc
        raise Unknown(f"{what} (Slack may have received it)") from exc
    status, body = response.status_code, (response.body or "")[:200]
    if status == 200:
        return {"status": status}
    if status == 429:
        wait = retry_after(header(response.headers, "Retry-After"))
        raise RateLimited(f"slack webhook {target.name}: rate limited for {wait:.0f} s", wait)
    if status >= 500:
        raise Transient(f"slack webhook {target.name}: HTTP {status} {body}")
    raise Permanent(f"slack webhook {target.name}: HTTP {status} {body}")


CHANNELS.register(Channel("slack_webhook", SlackWebhookTarget, send, render))
