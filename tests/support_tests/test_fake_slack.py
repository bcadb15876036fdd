"""FakeSlack against the real slack_sdk WebClient."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from support.fake_slack import FakeSlack

TOKEN = "xoxb-test"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fixed = lambda: 1_700_000_000.0001  # noqa: E731  (ts are never earlier than the last + 100 us)
    with FakeSlack(
        token=TOKEN, channels=("C-NEWS", "C-OPS"), archived=("C-OLD",), clock=fixed
    ) as server:
        yield server


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.api_url, retry_handlers=[], timeout=2)


def error_of(client: WebClient, **kwargs: object) -> str:
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(**kwargs)  # type: ignore[arg-type]
    assert info.value.response.status_code == 200
    return str(info.value.response["error"])


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_post_message_is_recorded_with_its_options(slack: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "New"}}, section("*x*")]
    reply = client.chat_postMessage(
        channel="C-NEWS", text="new report", blocks=blocks, unfurl_links=False, unfurl_media=False
    )
    assert reply["ok"] is True and reply["channel"] == "C-NEWS"
    (msg,) = slack.wait_for(1)
    assert (msg.channel, msg.text, msg.blocks, msg.via) == ("C-NEWS", "new report", blocks, "api")
    assert (msg.unfurl_links, msg.unfurl_media, msg.thread_ts, msg.reply_broadcast) == (
        False,
        False,
        None,
        False,
    )
    assert msg.ts == reply["ts"] == reply["message"]["ts"] == "1700000000.000100"


def test_threaded_reply_with_broadcast(slack: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C-NEWS", text="parent")["ts"]
    reply = client.chat_postMessage(
        channel="C-NEWS", text="child", thread_ts=parent, reply_broadcast=True
    )
    assert reply["message"]["thread_ts"] == parent
    first, second = slack.messages
    assert (second.thread_ts, second.reply_broadcast) == (parent, True)
    assert float(first.ts) < float(second.ts) and first.received_at <= second.received_at


def test_thread_ts_must_be_an_earlier_message_in_that_channel(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C-NEWS", text="parent")["ts"]
    assert error_of(client, channel="C-OPS", text="x", thread_ts=parent) == "thread_not_found"
    assert error_of(client, channel="C-NEWS", text="x", thread_ts="1.000001") == "thread_not_found"


def test_auth_and_channel_errors(slack: FakeSlack) -> None:
    wrong = WebClient(token="xoxb-wrong", base_url=slack.api_url, retry_handlers=[])
    none = WebClient(base_url=slack.api_url, retry_handlers=[])
    good = WebClient(token=TOKEN, base_url=slack.api_url, retry_handlers=[])
    assert error_of(wrong, channel="C-NEWS", text="x") == "invalid_auth"
    assert error_of(none, channel="C-NEWS", text="x") == "not_authed"
    assert error_of(good, channel="C-NOPE", text="x") == "channel_not_found"
    assert error_of(good, channel="C-OLD", text="x") == "is_archived"
    assert slack.messages == [] and len(slack.requests) == 4


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
def test_slack_limits(client: WebClient) -> None:
    assert (
        error_of(client, channel="C-NEWS", text="t", blocks=[section("x")] * 51) == "invalid_blocks"
    )
    assert (
        error_of(client, channel="C-NEWS", text="t", blocks=[section("x" * 3001)])
        == "invalid_blocks"
    )
    assert error_of(client, channel="C-NEWS", text="x" * 40_001) == "msg_too_long"
    assert error_of(client, channel="C-NEWS", text="") == "no_text"
    assert client.chat_postMessage(channel="C-NEWS", text="t", blocks=[section("x" * 3000)] * 50)[
        "ok"
    ]
    assert client.chat_postMessage(channel="C-NEWS", text="x" * 40_000)["ok"]


def test_form_encoded_post_with_blocks_as_json_string(slack: FakeSlack, client: WebClient) -> None:
    blocks = [section("form")]
    params = {"channel": "C-OPS", "text": "t", "blocks": json.dumps(blocks), "unfurl_links": "0"}
    assert client.api_call("chat.postMessage", params=params)["ok"]
    (msg,) = slack.messages
    assert (msg.blocks, msg.unfurl_links, msg.unfurl_media) == (blocks, False, None)
    assert slack.requests[0].headers["content-type"] == "application/x-www-form-urlencoded"


def test_auth_test_and_conversations_info(slack: FakeSlack, client: WebClient) -> None:
    assert client.auth_test()["team_id"] == "T000"
    assert client.conversations_info(channel="C-OPS")["channel"]["is_archived"] is False
    assert client.conversations_info(channel="C-OLD")["channel"]["is_archived"] is True
    with pytest.raises(SlackApiError) as info:
        client.conversations_info(channel="C-NOPE")
    assert info.value.response["error"] == "channel_not_found"
    assert [r.method for r in slack.requests] == ["auth.test", *["conversations.info"] * 3]
    assert slack.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_requests_record_everything_in_order(slack: FakeSlack, client: WebClient) -> None:
    before = time.monotonic()
    client.chat_postMessage(channel="C-NEWS", text="one")
    error_of(client, channel="C-NOPE", text="two")
    first, second = slack.requests
    assert (first.method, first.body["text"], second.body["channel"]) == (
        "chat.postMessage",
        "one",
        "C-NOPE",
    )
    assert before <= first.received_at <= second.received_at
