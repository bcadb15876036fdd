"""A local server speaking the Slack Web API (chat.postMessage, auth.test, conversations.info,
conversations.history, conversations.replies) and an incoming webhook, with queued faults.

::

    with FakeSlack(token="xoxb-test", channels=("C-NEWS", "C-OPS")) as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[])
        WebhookClient(slack.webhook_url).send(text="hi")   # lands in channel "C-WEBHOOK"
        slack.wait_for(2)

Web API answers are HTTP 200 JSON, ``{"ok": false, "error": code}`` on refusal; webhook answers are
plain text, ``ok`` (200) or an error code with a 4xx status (see ``WEBHOOK_STATUS``). See
``slack_payload`` for the message limits. A message's ``ts`` is the time it was accepted by
``clock`` (default ``time.time``; strictly increasing), and the ``metadata`` it was posted with is
kept (``SlackMessage.metadata``, ``.delivery_key``). ``conversations.history`` and
``conversations.replies`` list the accepted messages as Slack does (``slack_history``: newest first,
``oldest``/``latest``/``inclusive``, ``limit``, cursor pages, ``metadata`` only with
``include_all_metadata``); with ``read_history = False`` they answer ``missing_scope`` (needed
``channels:history,groups:history``), as for a bot token with ``chat:write`` only. Faults (``fault(kind=..., method=..., count=1,
channel=None, **params)``; the webhook's method name is ``"webhook"``, ``"*"`` matches any):

================== ======================================== =========================================
kind (params)      WebClient(retry_handlers=[]) raises      WebhookClient(retry_handlers=[]).send
================== ======================================== =========================================
ratelimit          SlackApiError; response.status_code 429, returns status_code 429, body
(retry_after=1)    ["error"] "ratelimited",                 "rate_limited", headers["Retry-After"]
                   headers["Retry-After"] "1" (str(retry_after): seconds, or an HTTP-date string
                   such as "Wed, 02 Dec 2026 03:40:00 GMT", sent as given)
status             SlackApiError; status_code as given,     returns that status_code, body
(status=500,       ["error"] "Received a response in a      "internal error"
body=...)          non-JSON format: internal error"
delay (seconds=1)  TimeoutError ("timed out", a bare        TimeoutError, likewise
                   socket timeout, not URLError) if the
                   client timeout is shorter; the message
                   is still accepted once the delay ends
reset              ConnectionResetError (errno 104; not     ConnectionResetError; nothing
                   wrapped in URLError); nothing recorded   recorded
reset_after_receive ConnectionResetError, yet the message   ConnectionResetError, yet recorded
                   is in ``messages``
error (error=code, SlackApiError; status_code 200 (or       returns status_code from
status=...)        ``status``), ["error"] == code           ``WEBHOOK_STATUS`` (default 400),
                                                            body == code
================== ======================================== =========================================

Faults are taken after the request is read and recorded in ``requests``, before auth and validation.
Beware: the SDKs' default ``retry_handlers`` are ``[ConnectionErrorRetryHandler()]``, one retry on
URLError/ConnectionResetError/RemoteDisconnected, so after ``reset_after_receive`` a default client
posts the message twice. A ``delay`` cut short by ``stop()`` drops the request unrecorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, Self

from support.loopback_http import Exchange, Fault, FaultQueue, Inbox, LoopbackServer
from support.slack_history import HistoryError, history, replies
from support.slack_payload import (
    PayloadError,
    SlackMessage,
    SlackRequest,
    blocks_of,
    check_message,
    message_from,
    metadata_of,
    parse_body,
)

__all__ = ["FakeSlack", "SlackMessage", "SlackRequest"]

WEBHOOK_PATH = "/services/T000/B000/XXXX"
WEBHOOK_CHANNEL = "C-WEBHOOK"
WEBHOOK_STATUS = {
    "no_service": 404,
    "channel_not_found": 404,
    "user_not_found": 404,
    "thread_not_found": 404,
    "invalid_token": 403,
    "action_prohibited": 403,
    "posting_to_general_channel_denied": 403,
    "channel_is_archived": 410,
    "no_active_hooks": 410,
    "team_disabled": 410,
}
FAULT_PARAMS: dict[str, set[str]] = {
    "ratelimit": {"retry_after"},
    "status": {"status", "body"},
    "delay": {"seconds"},
    "reset": set(),
    "reset_after_receive": set(),
    "error": {"error", "status"},
}
HISTORY_SCOPES = "channels:history,groups:history"


class FakeSlack:
    """Slack on 127.0.0.1: Web API under ``api_url``, an incoming webhook at ``webhook_url``."""

    def __init__(
        self,
        token: str = "xoxb-test",
        channels: tuple[str, ...] = ("C-NEWS", "C-OPS"),
        archived: tuple[str, ...] = (),
        clock: Callable[[], float] = time.time,
        read_history: bool = True,
    ) -> None:
        self.token = token
        self.clock = clock  # seconds since the epoch: the ts of the next accepted message
        self.read_history = read_history  # False: conversations.history/replies: missing_scope
        self.channels = frozenset(channels) | frozenset(archived)
        self.archived = frozenset(archived)
        self._server = LoopbackServer(self)
        self._faults = FaultQueue(FAULT_PARAMS)
        self._messages: Inbox[SlackMessage] = Inbox()
        self._requests: Inbox[SlackRequest] = Inbox()
        self._threads: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._last_ts = 0  # microseconds

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    @property
    def api_url(self) -> str:
        return f"{self._server.base_url}/api/"

    @property
    def webhook_url(self) -> str:
        return f"{self._server.base_url}{WEBHOOK_PATH}"

    @property
    def messages(self) -> list[SlackMessage]:
        """Accepted messages, in arrival order (a copy)."""
        return self._messages.snapshot()

    @property
    def requests(self) -> list[SlackRequest]:
        """Every request received, in arrival order (a copy)."""
        return self._requests.snapshot()

    def fault(
        self,
        *,
        kind: str,
        method: str = "chat.postMessage",
        count: int = 1,
        channel: str | None = None,
        **params: Any,
    ) -> None:
        """Queue a fault for ``count`` matching requests (-1: forever)."""
        if kind == "error" and "error" not in params:
            raise TypeError("an 'error' fault needs error=<code>")
        self._faults.add(kind, method, count, channel, params)

    def clear_faults(self) -> None:
        self._faults.clear()

    def wait_for(self, n: int, timeout: float = 5.0) -> list[SlackMessage]:
        """Block until ``n`` messages were accepted; all accepted so far (``TimeoutError`` if not)."""
        return self._messages.wait_for(n, timeout, "Slack messages")

    # -- serving -------------------------------------------------------------------------------

    def respond(self, ex: Exchange) -> None:
        """Route one request."""
        path, _, query = ex.path.partition("?")
        if path.startswith("/api/"):
            self._api(ex, path.removeprefix("/api/"), query)
        elif path.startswith("/services/"):
            self._webhook(ex, path)
        else:
            ex.send(404, b"not found", "text/plain")

    def _record(self, ex: Exchange, method: str, body: dict[str, Any]) -> None:
        self._requests.append(SlackRequest(method, ex.headers, body, ex.received_at, ex.path))

    def _api(self, ex: Exchange, method: str, query: str) -> None:
        try:
            body = parse_body(ex.headers.get("content-type", ""), ex.body, query)
        except PayloadError as err:
            self._record(ex, method, {})
            return _send_json(ex, {"ok": False, "error": err.code})
        self._record(ex, method, body)
        fault = self._faults.take(method, body.get("channel"))
        if fault is not None and self._fault_answered(ex, fault, webhook=False):
            return
        reply = self._call(method, ex, body)
        if fault is not None and fault.kind == "reset_after_receive":
            return ex.reset()
        _send_json(ex, reply)

    def _call(self, method: str, ex: Exchange, body: dict[str, Any]) -> dict[str, Any]:
        denied = self._auth_error(ex, body)
        if denied:
            return {"ok": False, "error": denied}
        if method == "chat.postMessage":
            return self._post(body, "api", body.get("channel"))
        if method == "auth.test":
            return _auth_test()
        if method == "conversations.info":
            return self._conversation(body.get("channel"))
        if method in ("conversations.history", "conversations.replies"):
            return self._history(method, body)
        return {"ok": False, "error": "unknown_method"}

    def _history(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if not self.read_history:
            needed = {"needed": HISTORY_SCOPES, "provided": "chat:write"}
            return {"ok": False, "error": "missing_scope", **needed}
        channel = body.get("channel")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        lister = history if method == "conversations.history" else replies
        try:
            return lister(self.messages, str(channel), body)
        except HistoryError as err:
            return {"ok": False, "error": err.code}

    def _auth_error(self, ex: Exchange, body: dict[str, Any]) -> str | None:
        header = ex.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip() if header else body.get("token")
        if not token:
            return "not_authed"
        return None if token == self.token else "invalid_auth"

    def _conversation(self, channel: Any) -> dict[str, Any]:
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        archived = channel in self.archived
        info = {"id": channel, "name": str(channel).lower(), "is_channel": True}
        return {"ok": True, "channel": {**info, "is_archived": archived, "is_member": True}}

    def _post(self, body: dict[str, Any], via: str, channel: Any) -> dict[str, Any]:
        if via == "api" and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.archived:
            return {"ok": False, "error": "is_archived"}
        try:
            blocks = blocks_of(body.get("blocks"))
            check_message(body.get("text"), blocks)
            if via == "api":
                metadata_of(body.get("metadata"))
        except PayloadError as err:
            return {"ok": False, "error": err.code}
        return self._accept(body, via, str(channel), blocks)

    def _accept(
        self, body: dict[str, Any], via: str, channel: str, blocks: list[Any] | None
    ) -> dict[str, Any]:
        thread_ts = body.get("thread_ts") or None
        with self._lock:
            if thread_ts is not None and (channel, str(thread_ts)) not in self._threads:
                return {"ok": False, "error": "thread_not_found"}
            self._last_ts = max(self._last_ts + 100, round(self.clock() * 1_000_000))
            ts = f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"
            self._threads.add((channel, ts))
            message = message_from(body, via, channel, blocks, ts)
            self._messages.append(message)
        reply: dict[str, Any] = {
            "type": "message",
            "text": message.text,
            "ts": ts,
            "user": "U000",
            "bot_id": "B000",
        }
        if blocks is not None:
            reply["blocks"] = blocks
        if thread_ts is not None:
            reply["thread_ts"] = str(thread_ts)
        return {"ok": True, "channel": channel, "ts": ts, "message": reply}

    def _webhook(self, ex: Exchange, path: str) -> None:
        try:
            body = _webhook_body(ex)
        except PayloadError as err:
            self._record(ex, "webhook", {})
            return _send_text(ex, WEBHOOK_STATUS.get(err.code, 400), err.code)
        self._record(ex, "webhook", body)
        fault = self._faults.take("webhook", WEBHOOK_CHANNEL)
        if fault is not None and self._fault_answered(ex, fault, webhook=True):
            return
        reply: dict[str, Any] = {"ok": False, "error": "no_service"}
        if path == WEBHOOK_PATH:
            reply = self._post(body, "webhook", WEBHOOK_CHANNEL)
        if fault is not None and fault.kind == "reset_after_receive":
            return ex.reset()
        code = "ok" if reply["ok"] else str(reply["error"])
        _send_text(ex, 200 if reply["ok"] else WEBHOOK_STATUS.get(code, 400), code)

    def _fault_answered(self, ex: Exchange, fault: Fault, webhook: bool) -> bool:
        """Act out ``fault``; True if the request is done with (answered or dropped)."""
        p = fault.params
        if fault.kind == "delay":
            if not self._server.sleep(float(p.get("seconds", 1.0))):
                return False
            ex.reset()  # woken by stop(): drop the request
            return True
        if fault.kind == "reset_after_receive":
            return False
        if fault.kind == "reset":
            ex.reset()
        elif fault.kind == "ratelimit":
            retry = {"Retry-After": str(p.get("retry_after", 1))}
            if webhook:
                _send_text(ex, 429, "rate_limited", retry)
            else:
                _send_json(ex, {"ok": False, "error": "ratelimited"}, 429, retry)
        elif fault.kind == "status":
            _send_text(ex, int(p.get("status", 500)), str(p.get("body", "internal error")))
        elif webhook:  # "error"
            _send_text(ex, int(p.get("status", WEBHOOK_STATUS.get(p["error"], 400))), p["error"])
        else:
            _send_json(ex, {"ok": False, "error": p["error"]}, int(p.get("status", 200)))
        return True


def _webhook_body(ex: Exchange) -> dict[str, Any]:
    """A webhook's JSON body (or the ``payload`` form field, which Slack also takes)."""
    try:
        params = parse_body(ex.headers.get("content-type", "application/json"), ex.body)
        if "payload" in params and isinstance(params["payload"], str):
            params = parse_body("application/json", params["payload"].encode())
    except PayloadError:
        raise PayloadError("invalid_payload") from None
    return params


def _auth_test() -> dict[str, Any]:
    team = {"url": "https://oigwatch-test.slack.com/", "team": "oigwatch-test", "team_id": "T000"}
    return {"ok": True, **team, "user": "oigwatch", "user_id": "U000", "bot_id": "B000"}


def _send_json(
    ex: Exchange, payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> None:
    ex.send(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers)


def _send_text(ex: Exchange, status: int, text: str, headers: dict[str, str] | None = None) -> None:
    ex.send(status, text.encode(), "text/plain; charset=utf-8", headers)
