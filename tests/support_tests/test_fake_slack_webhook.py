"""FakeSlack's incoming webhook against the real slack_sdk WebhookClient."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.webhook import WebhookClient
from support.fake_slack import WEBHOOK_CHANNEL, FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def hook(slack: FakeSlack) -> WebhookClient:
    return WebhookClient(slack.webhook_url, retry_handlers=[], timeout=2)


def test_webhook_post_lands_in_the_webhook_channel(slack: FakeSlack, hook: WebhookClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*new*"}}]
    response = hook.send(text="new report", blocks=blocks, unfurl_links=False)
    assert (response.status_code, response.body) == (200, "ok")
    (msg,) = slack.wait_for(1)
    assert (msg.channel, msg.via, msg.text, msg.blocks) == (
        WEBHOOK_CHANNEL,
        "webhook",
        "new report",
        blocks,
    )
    assert msg.unfurl_links is False
    assert slack.requests[0].method == "webhook"


def test_webhook_errors_are_plain_text_4xx(slack: FakeSlack, hook: WebhookClient) -> None:
    too_many = [{"type": "divider"}] * 51
    assert (hook.send(blocks=too_many).status_code, hook.send(blocks=too_many).body) == (
        400,
        "invalid_blocks",
    )
    assert (hook.send(text="").status_code, hook.send(text="").body) == (400, "no_text")
    wrong = WebhookClient(slack.webhook_url.replace("XXXX", "YYYY"), retry_handlers=[])
    assert (wrong.send(text="x").status_code, wrong.send(text="x").body) == (404, "no_service")
    assert slack.messages == []


@pytest.mark.parametrize(
    ("params", "status", "body"),
    [
        ({"kind": "error", "error": "channel_is_archived"}, 410, "channel_is_archived"),
        ({"kind": "error", "error": "no_service"}, 404, "no_service"),
        ({"kind": "error", "error": "invalid_blocks"}, 400, "invalid_blocks"),
        ({"kind": "status", "status": 500}, 500, "internal error"),
        ({"kind": "ratelimit", "retry_after": 4}, 429, "rate_limited"),
    ],
)
def test_webhook_faults_are_returned_not_raised(
    slack: FakeSlack, hook: WebhookClient, params: dict[str, Any], status: int, body: str
) -> None:
    slack.fault(method="webhook", **params)
    response = hook.send(text="x")
    assert (response.status_code, response.body) == (status, body)
    if status == 429:
        assert response.headers["Retry-After"] == "4"
    assert slack.messages == []


def test_webhook_resets_raise_connection_reset_error(slack: FakeSlack, hook: WebhookClient) -> None:
    slack.fault(method="webhook", kind="reset")
    with pytest.raises(ConnectionResetError):
        hook.send(text="lost")
    slack.fault(method="webhook", kind="reset_after_receive")
    with pytest.raises(ConnectionResetError):
        hook.send(text="kept")
    assert [m.text for m in slack.messages] == ["kept"]


def test_webhook_delay_past_the_timeout_raises_timeout_error(slack: FakeSlack) -> None:
    timeout: Any = 0.1  # the SDK annotates int; urllib takes any float
    impatient = WebhookClient(slack.webhook_url, retry_handlers=[], timeout=timeout)
    slack.fault(method="webhook", kind="delay", seconds=0.3)
    with pytest.raises(TimeoutError):
        impatient.send(text="slow")
    assert [m.text for m in slack.wait_for(1)] == ["slow"]


def test_api_faults_do_not_touch_the_webhook(slack: FakeSlack, hook: WebhookClient) -> None:
    slack.fault(kind="status", count=-1)
    assert hook.send(text="x").status_code == 200
