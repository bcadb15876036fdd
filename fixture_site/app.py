"""The fixture application: state + lock + request log; turns requests into Responses."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from fixture_site.faults import Response, decorate, fault_response, fire_drifts, take_fault
from fixture_site.mutations import MutationError, apply_op
from fixture_site.routes import Index, html, route
from fixture_site.state import SiteState

CONTROL_PREFIX = "/__fixture/"
PDF_CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class RequestLogEntry:
    """One served request (control requests are not logged)."""

    method: str
    path: str
    status: int
    headers: dict[str, str]
    time: float = 0.0


def _json(status: int, payload: Any) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json")])


class App:
    """Thread-safe holder of the site state; `handle` serves one request."""

    def __init__(self, state: SiteState) -> None:
        self._lock = threading.RLock()
        self._state = state
        self._revision = 0
        self._index: Index | None = None
        self._index_revision = -1
        self._counter = 0
        self._log: list[RequestLogEntry] = []
        self._pdf_cache: dict[tuple[object, ...], bytes] = {}

    @property
    def state(self) -> SiteState:
        """The live state object (mutate it only through `mutate`)."""
        with self._lock:
            return self._state

    def replace_state(self, state: SiteState) -> None:
        """Swap in a whole new state."""
        with self._lock:
            self._state = state
            self._revision += 1
            self._pdf_cache.clear()

    def mutate(self, ops: dict[str, Any] | list[dict[str, Any]]) -> Any:
        """Apply one op (returns its result dict) or a list of ops (returns a list)."""
        with self._lock:
            self._revision += 1
            if isinstance(ops, list):
                return [apply_op(self._state, op) for op in ops]
            return apply_op(self._state, ops)

    @property
    def log(self) -> list[RequestLogEntry]:
        """A copy of the request log."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        """Forget logged requests."""
        with self._lock:
            self._log.clear()

    def _current_index(self) -> Index:
        if self._index is None or self._index_revision != self._revision:
            self._index = Index.build(self._state)
            self._index_revision = self._revision
        if len(self._pdf_cache) > PDF_CACHE_LIMIT:
            self._pdf_cache.clear()
        return self._index

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        """Serve one request: drifts, faults, then the route."""
        path = unquote(target.split("?", 1)[0])
        if path.startswith(CONTROL_PREFIX):
            return self._control(method, path, body)
        query = target.split("?", 1)[1] if "?" in target else ""
        lower = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self._counter += 1
            if fire_drifts(self._state, target, lambda op: apply_op(self._state, op)):
                self._revision += 1
            fault = take_fault(self._state, target)
            response = fault_response(fault, lower.get("host", ""), target) if fault else None
            if response is None:
                response = decorate(fault, self._site(method, path, query, lower))
            self._log.append(RequestLogEntry(method, target, response.status, headers, time.time()))
        return response

    def _site(self, method: str, path: str, query: str, headers: dict[str, str]) -> Response:
        if method not in ("GET", "HEAD"):
            response = html(self._state, 405, "<p>Method not allowed</p>")
            response.headers.append(("Allow", "GET, HEAD"))
            return response
        index = self._current_index()
        return route(self._state, index, path, query, headers, self._counter, self._pdf_cache)

    def _control(self, method: str, path: str, body: bytes) -> Response:
        name = path.removeprefix(CONTROL_PREFIX).rstrip("/")
        try:
            if method == "GET" and name == "state":
                return _json(200, self.state.to_json())
            if method == "POST" and name == "state":
                self.replace_state(SiteState.from_json(json.loads(body)))
                return _json(200, {"ok": True})
            if method == "POST" and name == "mutate":
                return _json(200, self.mutate(json.loads(body)))
            if method == "GET" and name == "log":
                return _json(200, [dataclasses.asdict(e) for e in self.log])
            if (method == "POST" and name == "log/clear") or (method == "DELETE" and name == "log"):
                self.clear_log()
                return _json(200, {"ok": True})
        except (MutationError, ValueError, KeyError, TypeError) as exc:
            return _json(400, {"error": str(exc)})
        return _json(404, {"error": f"unknown control endpoint {method} {path}"})
