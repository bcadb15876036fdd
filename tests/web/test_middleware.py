"""The web side's ASGI middleware on its own (``web/middleware.py``): security headers added to
every HTTP response without doubling the app's own, HEAD answered by the GET handler, bodiless."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.middleware import SECURITY_HEADERS, HeadAsGet, SecurityHeaders

Sent = list[Message]


def app_answering(
    headers: list[tuple[bytes, bytes]], chunks: list[bytes], seen: list[Scope]
) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i, chunk in enumerate(chunks):
            await send(
                {"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1}
            )

    return app


def call(app: Any, scope: dict[str, Any]) -> Sent:
    sent: Sent = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_every_security_header_is_added_once() -> None:
    own = [(b"content-type", b"text/html"), (b"x-frame-options", b"SAMEORIGIN")]
    sent = call(
        SecurityHeaders(app_answering(own, [b"<p>hi</p>"], [])), {"type": "http", "method": "GET"}
    )
    headers = sent[0]["headers"]
    names = [name for name, _ in headers]
    assert len(names) == len(set(names)) == len(SECURITY_HEADERS) + 1
    assert (b"x-frame-options", b"SAMEORIGIN") in headers  # the app's own value is kept
    assert (b"x-content-type-options", b"nosniff") in headers
    assert sent[1] == {"type": "http.response.body", "body": b"<p>hi</p>", "more_body": False}


def test_other_protocols_pass_untouched() -> None:
    seen: list[Scope] = []
    sent = call(SecurityHeaders(app_answering([], [b"x"], seen)), {"type": "websocket"})
    assert sent[0]["headers"] == [] and seen == [{"type": "websocket"}]


def test_head_runs_the_get_handler_and_sends_its_headers_without_a_body() -> None:
    seen: list[Scope] = []
    headers = [(b"content-length", b"6")]
    app = HeadAsGet(app_answering(headers, [b"abc", b"def"], seen))
    sent = call(app, {"type": "http", "method": "HEAD", "path": "/"})
    assert seen[0]["method"] == "GET" and seen[0]["path"] == "/"
    assert sent == [
        {"type": "http.response.start", "status": 200, "headers": headers},
        {"type": "http.response.body", "body": b"", "more_body": False},
    ]


def test_get_is_answered_as_it_is() -> None:
    seen: list[Scope] = []
    sent = call(HeadAsGet(app_answering([], [b"abc"], seen)), {"type": "http", "method": "GET"})
    assert seen[0]["method"] == "GET" and sent[-1]["body"] == b"abc"
