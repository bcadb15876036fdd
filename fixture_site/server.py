"""The HTTP server: ThreadingHTTPServer, HTTP/1.1 keep-alive, in a daemon thread."""

from __future__ import annotations

import contextlib
import email.utils
import socket
import struct
import threading
import time
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from fixture_site.app import App, RequestLogEntry
from fixture_site.faults import ENDLESS_CHUNK, Response
from fixture_site.seed import build_state
from fixture_site.state import SiteState


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Client disconnects and injected resets are routine here: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log (the app keeps its own)."""

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items()}
        try:
            response = self.server.app.handle(self.command, self.path, headers, body)
        except Exception:  # a fixture bug: answer 500 with the traceback, keep serving
            trace = traceback.format_exc().encode("utf-8")
            response = Response(500, trace, [("Content-Type", "text/plain; charset=UTF-8")])
        if response.delay:
            time.sleep(response.delay)
        if response.reset:
            self._reset()
            return
        self._write(response)

    def _reset(self) -> None:
        """Close with RST and no response (SO_LINGER 0)."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.rfile.close()

    def _write(self, response: Response) -> None:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        lines = [f"HTTP/1.1 {response.status} {reason}"]
        lines.append(f"Date: {email.utils.formatdate(usegmt=True)}")
        lines.append("Server: Apache")
        lines += [f"{name}: {value}" for name, value in response.headers]
        if response.endless:  # no length: chunks until the client hangs up
            lines.append("Transfer-Encoding: chunked")
        elif response.status != 304:
            lines.append(f"Content-Length: {len(response.body)}")
        if response.truncate or response.endless:
            self.close_connection = True
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        body = b"" if self.command == "HEAD" or response.status == 304 else response.body
        if response.truncate:
            body = body[: len(body) // 2]
        if response.endless and self.command != "HEAD":
            self._endless(head, body)
            return
        self.wfile.write(head + body)

    def _endless(self, head: bytes, body: bytes) -> None:
        """The head, the body as one chunk, then chunks of filler until the client hangs up (or
        the site stops, which shuts its connections down)."""
        filler = b"%x\r\n%s\r\n" % (len(ENDLESS_CHUNK), ENDLESS_CHUNK)
        with contextlib.suppress(OSError):
            self.wfile.write(head + b"%x\r\n%s\r\n" % (len(body), body) if body else head)
            while True:
                self.wfile.write(filler)


class FixtureSite:
    """A local imitation of www.oig.dhs.gov; use as a context manager or start()/stop()."""

    def __init__(self, state: SiteState | None = None, host: str = "127.0.0.1", port: int = 0):
        self.app = App(state if state is not None else build_state())
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FixtureSite:
        """Bind and serve in a daemon thread."""
        if self._server is None:
            self._server = _Server(self._address, self.app)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name="fixture-site",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with server.connections_lock:
            for conn in list(server.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FixtureSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._server is None:
            raise RuntimeError("fixture site is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://{self._address[0]}:{self.port}"

    @property
    def state(self) -> SiteState:
        """The current state."""
        return self.app.state

    @state.setter
    def state(self, state: SiteState) -> None:
        self.app.replace_state(state)

    def mutate(self, op: dict[str, Any] | list[dict[str, Any]]) -> Any:
        """Apply a mutation op (or a list of ops); returns what was done."""
        return self.app.mutate(op)

    @property
    def log(self) -> list[RequestLogEntry]:
        """Requests served so far (control requests excluded)."""
        return self.app.log

    def clear_log(self) -> None:
        """Empty the request log."""
        self.app.clear_log()
