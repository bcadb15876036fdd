"""FakeSlack's conversations.history / conversations.replies and message metadata, through the real
slack_sdk WebClient."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from support.fake_slack import FakeSlack

TOKEN = "xoxb-test"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    seconds = itertools.count(1_800_000_000)
    with FakeSlack(token=TOKEN, clock=lambda: float(next(seconds))) as server:
        yield server


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.api_url, retry_handlers=[], timeout=2)


def post(client: WebClient, text: str, **options: object) -> str:
    return str(client.chat_postMessage(channel="C-NEWS", text=text, **options)["ts"])  # type: ignore[arg-type]


def meta(key: str) -> dict[str, object]:
    return {"event_type": "oigwatch_alert", "event_payload": {"delivery_key": key}}


def test_ts_follow_the_clock_and_metadata_is_kept(slack: FakeSlack, client: WebClient) -> None:
    first = post(client, "one", metadata=meta("oigwatch-1"))
    second = post(client, "two")
    assert (first, second) == ("1800000000.000000", "1800000001.000000")
    one, two = slack.messages
    assert one.metadata == meta("oigwatch-1") and one.delivery_key == "oigwatch-1"
    assert two.metadata is None and two.delivery_key is None


def test_metadata_must_have_a_type_and_a_payload(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        post(client, "x", metadata={"event_type": "oigwatch_alert"})
    assert info.value.response["error"] == "invalid_metadata_schema"


def test_history_is_newest_first_without_thread_replies(
    slack: FakeSlack, client: WebClient
) -> None:
    parent = post(client, "parent", metadata=meta("oigwatch-1"))
    post(client, "quiet reply", thread_ts=parent)
    post(client, "loud reply", thread_ts=parent, reply_broadcast=True)
    post(client, "later")
    answer = client.conversations_history(channel="C-NEWS")
    assert [m["text"] for m in answer["messages"]] == ["later", "loud reply", "parent"]
    assert answer["messages"][1]["subtype"] == "thread_broadcast"
    assert answer["messages"][2]["reply_count"] == 2
    assert "metadata" not in answer["messages"][2], "metadata only with include_all_metadata"
    full = client.conversations_history(channel="C-NEWS", include_all_metadata=True)
    assert full["messages"][2]["metadata"] == meta("oigwatch-1")
    assert answer["has_more"] is False


def test_history_window_and_pages(client: WebClient) -> None:
    stamps = [post(client, f"m{i}") for i in range(7)]
    window = client.conversations_history(channel="C-NEWS", oldest=stamps[1], latest=stamps[5])
    assert [m["text"] for m in window["messages"]] == ["m4", "m3", "m2"], "bounds are exclusive"
    both = client.conversations_history(
        channel="C-NEWS", oldest=stamps[1], latest=stamps[5], inclusive=True
    )
    assert [m["text"] for m in both["messages"]] == ["m5", "m4", "m3", "m2", "m1"]
    seen, cursor, pages = [], None, 0
    while True:
        page = client.conversations_history(channel="C-NEWS", limit=3, cursor=cursor)
        seen += [m["text"] for m in page["messages"]]
        pages += 1
        if not page["has_more"]:
            break
        cursor = page["response_metadata"]["next_cursor"]
    assert seen == [f"m{i}" for i in reversed(range(7))] and pages == 3
    with pytest.raises(SlackApiError) as info:
        client.conversations_history(channel="C-NEWS", cursor="bm9wZQ==")
    assert info.value.response["error"] == "invalid_cursor"


def test_replies_list_the_parent_then_the_thread_oldest_first(client: WebClient) -> None:
    parent = post(client, "parent")
    for i in range(3):
        post(client, f"r{i}", thread_ts=parent, metadata=meta(f"oigwatch-{i}"))
    post(client, "elsewhere")
    answer = client.conversations_replies(channel="C-NEWS", ts=parent, include_all_metadata=True)
    assert [m["text"] for m in answer["messages"]] == ["parent", "r0", "r1", "r2"]
    assert answer["messages"][3]["metadata"] == meta("oigwatch-2")
    first = client.conversations_replies(channel="C-NEWS", ts=parent, limit=2)
    rest = client.conversations_replies(
        channel="C-NEWS", ts=parent, limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in first["messages"] + rest["messages"]] == [
        "parent", "r0", "r1", "r2",
    ]  # fmt: skip
    with pytest.raises(SlackApiError) as info:
        client.conversations_replies(channel="C-NEWS", ts="1.000001")
    assert info.value.response["error"] == "thread_not_found"


def test_without_the_history_scope_reads_are_refused(slack: FakeSlack, client: WebClient) -> None:
    post(client, "x")
    slack.read_history = False
    for call in (client.conversations_history, client.conversations_replies):
        with pytest.raises(SlackApiError) as info:
            call(channel="C-NEWS", ts=slack.messages[0].ts)
        assert info.value.response["error"] == "missing_scope"
        assert "channels:history" in info.value.response["needed"]
    assert post(client, "posting still works")


def test_ratelimit_retry_after_may_be_an_http_date(slack: FakeSlack, client: WebClient) -> None:
    slack.fault(kind="ratelimit", retry_after="Wed, 02 Dec 2026 03:40:00 GMT")
    with pytest.raises(SlackApiError) as info:
        post(client, "x")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "Wed, 02 Dec 2026 03:40:00 GMT"
