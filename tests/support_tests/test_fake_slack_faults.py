"""FakeSlack's faults as the real slack_sdk WebClient sees them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from support.fake_slack import FakeSlack

TOKEN = "xoxb-test"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as server:
        yield server


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.api_url, retry_handlers=[], timeout=2)


def post(client: WebClient, text: str = "hi", channel: str = "C-NEWS") -> str:
    return str(client.chat_postMessage(channel=channel, text=text)["ts"])


def test_ratelimit_is_a_429_slack_api_error_with_retry_after(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.fault(kind="ratelimit", retry_after=7)
    with pytest.raises(SlackApiError) as info:
        post(client)
    response = info.value.response
    assert (response.status_code, response["error"]) == (429, "ratelimited")
    assert response.headers["Retry-After"] == "7"
    post(client)  # the fault is used up
    assert [m.text for m in slack.messages] == ["hi"]


def test_status_is_a_slack_api_error_with_a_non_json_note(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.fault(kind="status", status=503)
    with pytest.raises(SlackApiError) as info:
        post(client)
    assert info.value.response.status_code == 503
    assert info.value.response["error"].startswith("Received a response in a non-JSON format")
    assert slack.messages == []


def test_error_is_ok_false_with_http_200(slack: FakeSlack, client: WebClient) -> None:
    slack.fault(kind="error", error="token_revoked")
    with pytest.raises(SlackApiError) as info:
        post(client)
    assert (info.value.response.status_code, info.value.response["error"]) == (200, "token_revoked")


def test_delay_past_the_client_timeout_is_a_timeout_error_yet_slack_posts(
    slack: FakeSlack,
) -> None:
    timeout: Any = 0.1  # the SDK annotates int; urllib takes any float
    impatient = WebClient(token=TOKEN, base_url=slack.api_url, retry_handlers=[], timeout=timeout)
    slack.fault(kind="delay", seconds=0.3)
    with pytest.raises(TimeoutError):
        post(impatient)
    assert [m.text for m in slack.wait_for(1)] == ["hi"]


def test_reset_is_connection_reset_error_and_nothing_posted(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.fault(kind="reset")
    with pytest.raises(ConnectionResetError):
        post(client)
    assert slack.messages == [] and len(slack.requests) == 1


def test_reset_after_receive_posts_but_the_client_sees_a_reset(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.fault(kind="reset_after_receive")
    with pytest.raises(ConnectionResetError):
        post(client, "once")
    assert [m.text for m in slack.messages] == ["once"]


def test_the_sdks_default_retry_duplicates_a_reset_after_receive(slack: FakeSlack) -> None:
    """WebClient's default retry_handlers are [ConnectionErrorRetryHandler()]: one retry."""
    quick = FixedValueRetryIntervalCalculator(fixed_internal=0.01)
    retry = ConnectionErrorRetryHandler(interval_calculator=quick)
    default = WebClient(token=TOKEN, base_url=slack.api_url, retry_handlers=[retry])
    slack.fault(kind="reset_after_receive")
    post(default, "dup")
    assert [m.text for m in slack.messages] == ["dup", "dup"]


def test_fault_limited_to_a_channel_and_count(slack: FakeSlack, client: WebClient) -> None:
    slack.fault(kind="error", error="not_in_channel", channel="C-OPS", count=2)
    post(client, channel="C-NEWS")
    for _ in range(2):
        with pytest.raises(SlackApiError):
            post(client, channel="C-OPS")
    post(client, channel="C-OPS")
    assert [m.channel for m in slack.messages] == ["C-NEWS", "C-OPS"]


def test_forever_until_cleared(slack: FakeSlack, client: WebClient) -> None:
    slack.fault(kind="status", status=502, count=-1)
    for _ in range(3):
        with pytest.raises(SlackApiError):
            post(client)
    slack.clear_faults()
    post(client)
    assert len(slack.messages) == 1


def test_fault_for_another_method_leaves_posts_alone(slack: FakeSlack, client: WebClient) -> None:
    slack.fault(kind="error", method="auth.test", error="account_inactive")
    post(client)
    with pytest.raises(SlackApiError) as info:
        client.auth_test()
    assert info.value.response["error"] == "account_inactive"


def test_bad_fault_arguments_are_refused(slack: FakeSlack) -> None:
    with pytest.raises(ValueError):
        slack.fault(kind="explode")
    with pytest.raises(TypeError):
        slack.fault(kind="delay", secs=1)
    with pytest.raises(TypeError):
        slack.fault(kind="error")


def test_wait_for_times_out(slack: FakeSlack) -> None:
    with pytest.raises(TimeoutError):
        slack.wait_for(1, timeout=0.05)
