"""WebhookReceiver against httpx."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from support.webhook_receiver import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookReceiver,
    signature,
    signed_headers,
)

SECRET = b"s3cret"
BODY = json.dumps({"event": "new", "report": "OIG-24-01"}).encode()


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret=SECRET) as receiver:
        yield receiver


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=2) as c:
        yield c


def send(
    client: httpx.Client,
    hook: WebhookReceiver,
    timestamp: int | None = None,
    delivery: str | None = None,
) -> httpx.Response:
    headers = signed_headers(SECRET, BODY, timestamp=timestamp, delivery=delivery)
    return client.post(hook.url, content=BODY, headers=headers)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    # Known answer: printf '1700000000.{}' | openssl dgst -sha256 -hmac s3cret
    assert signature(SECRET, "1700000000", b"{}") == (
        "sha256=97926816e98fbb41ccb1673225ff29a2f35369099990e1b1561651e7bd097ebf"
    )


def test_a_signed_delivery_is_recorded(hook: WebhookReceiver, client: httpx.Client) -> None:
    response = send(client, hook, delivery="d-1")
    assert (response.status_code, response.json()) == (200, {"ok": True})
    (got,) = hook.wait_for(1)
    assert (got.body, got.payload, got.delivery_id) == (BODY, json.loads(BODY), "d-1")
    assert got.headers[TIMESTAMP_HEADER.lower()].isdigit()
    assert hook.rejected == []


@pytest.mark.parametrize(
    ("headers", "reason"),
    [  # signed when the test runs, not when it is collected (a slow suite would make it stale)
        (lambda: {}, "missing signature"),
        (lambda: {SIGNATURE_HEADER: "sha256=00", TIMESTAMP_HEADER: "now"}, "invalid timestamp"),
        (lambda: signed_headers(b"other", BODY), "invalid signature"),
        (lambda: signed_headers(SECRET, b"{}"), "invalid signature"),
    ],
)
def test_bad_signatures_are_401(
    hook: WebhookReceiver,
    client: httpx.Client,
    headers: Callable[[], dict[str, str]],
    reason: str,
) -> None:
    response = client.post(hook.url, content=BODY, headers=headers())
    assert (response.status_code, response.text) == (401, reason)
    (rejection,) = hook.rejected
    assert (rejection.reason, rejection.body) == (reason, BODY)
    assert hook.deliveries == []


@pytest.mark.parametrize("offset", [-302, 302])
def test_stale_timestamps_are_401(hook: WebhookReceiver, client: httpx.Client, offset: int) -> None:
    response = send(client, hook, timestamp=int(time.time()) + offset)
    assert (response.status_code, response.text) == (401, "stale timestamp")
    assert [r.reason for r in hook.rejected] == ["stale timestamp"]


def test_a_timestamp_within_tolerance_is_fine(hook: WebhookReceiver, client: httpx.Client) -> None:
    assert send(client, hook, timestamp=int(time.time()) - 290).status_code == 200


def test_non_json_and_wrong_path(hook: WebhookReceiver, client: httpx.Client) -> None:
    response = client.post(hook.url, content=b"nope", headers=signed_headers(SECRET, b"nope"))
    assert (response.status_code, response.text) == (400, "invalid json")
    other = hook.url.replace("/hook", "/other")
    assert client.post(other, content=BODY, headers=signed_headers(SECRET, BODY)).status_code == 404
    assert [r.status for r in hook.rejected] == [400, 404]


def test_status_fault(hook: WebhookReceiver, client: httpx.Client) -> None:
    hook.fault(kind="status", status=503, retry_after=2)
    response = send(client, hook)
    assert (response.status_code, response.text) == (503, "internal error")
    assert response.headers["Retry-After"] == "2"
    assert send(client, hook).status_code == 200
    assert len(hook.deliveries) == 1


def test_delay_fault_times_out_yet_delivers(hook: WebhookReceiver) -> None:
    hook.fault(kind="delay", seconds=0.3)
    with httpx.Client(timeout=0.1) as impatient, pytest.raises(httpx.ReadTimeout):
        send(impatient, hook)
    assert len(hook.wait_for(1)) == 1


def test_reset_fault_is_a_read_error(hook: WebhookReceiver, client: httpx.Client) -> None:
    hook.fault(kind="reset")
    with pytest.raises(httpx.ReadError):
        send(client, hook)
    assert hook.deliveries == []


def test_reset_after_receive_delivers_but_is_a_read_error(
    hook: WebhookReceiver, client: httpx.Client
) -> None:
    hook.fault(kind="reset_after_receive")
    with pytest.raises(httpx.ReadError):
        send(client, hook, delivery="d-7")
    assert send(client, hook, delivery="d-7").status_code == 200  # a retry, same key
    assert [d.delivery_id for d in hook.wait_for(2)] == ["d-7", "d-7"]


def test_forever_faults_until_cleared(hook: WebhookReceiver, client: httpx.Client) -> None:
    hook.fault(kind="status", status=500, count=-1)
    assert [send(client, hook).status_code for _ in range(3)] == [500, 500, 500]
    hook.clear_faults()
    assert send(client, hook).status_code == 200


def test_wait_for_times_out(hook: WebhookReceiver) -> None:
    with pytest.raises(TimeoutError):
        hook.wait_for(1, timeout=0.05)
