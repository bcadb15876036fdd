"""A threaded HTTP/1.1 server on 127.0.0.1 (port chosen by the OS) and the fault queue the fakes share.

An application implements ``respond(exchange)``; an ``Exchange`` is one request with its body already
read. ``Exchange.reset()`` drops the connection with a TCP RST (``SO_LINGER`` 0) and no response.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Application(Protocol):
    """What a ``LoopbackServer`` calls for each request."""

    def respond(self, exchange: Exchange) -> None: ...


@dataclass
class Exchange:
    """One request (body read) and the means to answer it, or to drop the connection."""

    handler: _Handler
    verb: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float = field(default_factory=time.monotonic)

    def send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json; charset=utf-8",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer with ``status`` and ``body`` (Content-Length set, connection kept alive)."""
        h = self.handler
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)

    def reset(self) -> None:
        """Close the connection abruptly (TCP RST), without a response."""
        sock = self.handler.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.handler.close_connection = True
        sock.close()  # the descriptor closes (with RST) once the handler drops its reader


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms stalls

    def _exchange(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.app.respond(Exchange(self, self.command, self.path, headers, body))

    do_GET = do_POST = do_PUT = do_DELETE = _exchange

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: Application, port: int) -> None:
        self.app = app
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.lock:
            self.open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, resets) are expected here; stay quiet."""

    def drop_connections(self) -> None:
        with self.lock:
            conns, self.open = list(self.open), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class LoopbackServer:
    """Runs an ``Application`` on a background thread; ``base_url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self, app: Application) -> None:
        self._app = app
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen (on the previous port after a ``stop()``, else on one the OS picks)."""
        self.stopping.clear()
        self._server = _Server(self._app, self.port)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening, wake delayed handlers and drop open connections."""
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.drop_connections()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    def sleep(self, seconds: float) -> bool:
        """Sleep, but wake early when the server stops; True if woken that way."""
        return self.stopping.wait(seconds)


@dataclass
class Fault:
    """A queued misbehaviour: ``kind`` on requests to ``target`` (``"*"``: any), ``count`` times."""

    kind: str
    target: str
    count: int
    channel: str | None
    params: dict[str, Any]

    def matches(self, target: str, channel: str | None) -> bool:
        return self.target in ("*", target) and self.channel in (None, channel)


class FaultQueue:
    """Faults in the order queued; the first that matches a request is used (``count=-1``: forever)."""

    def __init__(self, allowed: Mapping[str, Iterable[str]]) -> None:
        self._allowed = {kind: frozenset(names) for kind, names in allowed.items()}
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self, kind: str, target: str, count: int, channel: str | None, params: dict[str, Any]
    ) -> None:
        """Queue a fault, rejecting unknown kinds and parameters."""
        if kind not in self._allowed:
            raise ValueError(f"unknown fault kind {kind!r}; one of {sorted(self._allowed)}")
        unknown = set(params) - self._allowed[kind]
        if unknown:
            raise TypeError(f"fault {kind!r} takes {sorted(self._allowed[kind])}, not {unknown}")
        if count == 0 or count < -1:
            raise ValueError("count is a positive number, or -1 for forever")
        with self._lock:
            self._faults.append(Fault(kind, target, count, channel, params))

    def take(self, target: str, channel: str | None = None) -> Fault | None:
        """The first matching fault, used up once."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(target, channel):
                    if fault.count > 0:
                        fault.count -= 1
                        if fault.count == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


class Inbox(Generic[T]):
    """A thread-safe list that tests can wait on."""

    def __init__(self) -> None:
        self._items: list[T] = []
        self._cond = threading.Condition()

    def append(self, item: T) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def snapshot(self) -> list[T]:
        with self._cond:
            return list(self._items)

    def wait_for(self, n: int, timeout: float, what: str) -> list[T]:
        """All items once there are at least ``n``; ``TimeoutError`` if that takes over ``timeout`` s."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._items) >= n, timeout):
                raise TimeoutError(f"expected {n} {what} within {timeout}s, got {len(self._items)}")
            return list(self._items)
