"""Injected HTTP faults (M12) and mid-crawl drift (M15)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fixture_site.chrome import access_denied_page, not_found_page
from fixture_site.state import Drift, Fault, SiteState

REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    429: "Too Many Requests",
}


@dataclass
class Response:
    """What the server sends; `reset`, `truncate` and `delay` are delivery instructions."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    reset: bool = False
    truncate: bool = False


def fire_drifts(
    state: SiteState, target: str, apply: Callable[[dict[str, Any]], Any]
) -> list[Drift]:
    """Apply every pending drift whose trigger is in `target`; each fires once."""
    fired = []
    for drift in state.drifts:
        if not drift.fired and drift.trigger in target:
            drift.fired = True
            apply(drift.then)
            fired.append(drift)
    return fired


def take_fault(state: SiteState, target: str) -> Fault | None:
    """Count this request against matching faults; return the one that fires, if any."""
    chosen = None
    for fault in state.faults:
        if not fault.applies_to(target):
            continue
        fault.seen += 1
        active = fault.seen > fault.skip and (fault.count < 0 or fault.fired < fault.count)
        if active and chosen is None:
            fault.fired += 1
            chosen = fault
    return chosen


def _html(status: int, text: str, extra: list[tuple[str, str]] | None = None) -> Response:
    headers = [("Content-Type", "text/html; charset=UTF-8"), *(extra or [])]
    return Response(status, text.encode("utf-8"), headers)


def waf_page(host: str, target: str) -> str:
    """An Akamai-style "Access Denied" page with a reference number."""
    digest = hashlib.sha1(target.encode()).hexdigest()
    reference = f"18.{digest[:8]}.{int(digest[8:16], 16) % 10**10}.{digest[16:24]}"
    return (
        "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \n"
        f'You don\'t have permission to access "http://{host}{target}" on this server.<P>\n'
        f"Reference #{reference}\n</BODY>\n</HTML>\n"
    )


def _status_page(status: int) -> str:
    if status == 404:
        return not_found_page()
    if status == 403:
        return access_denied_page()
    reason = REASONS.get(status, "Error")
    return (
        f"<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n"
        f"<body><h1>{reason}</h1><p>The server could not complete your request.</p></body></html>\n"
    )


def fault_response(fault: Fault, host: str, target: str) -> Response | None:
    """The response a firing fault replaces the normal one with (None: serve normally)."""
    kind = fault.kind
    if kind == "status":
        status = int(fault.status or 500)
        extra = [("Retry-After", str(fault.retry_after))] if fault.retry_after is not None else []
        text = waf_page(host, target) if fault.body == "waf" else _status_page(status)
        return _html(status, text, extra)
    if kind in ("redirect", "redirect_loop"):
        location = target if kind == "redirect_loop" else fault.location or _swap_host(host, target)
        status = int(fault.status or 301)
        return _html(status, f'<a href="{location}">Moved</a>', [("Location", location)])
    if kind == "html_at_pdf":
        return _html(200, _status_page(500).replace("Internal Server Error", "Error"))
    if kind == "reset":
        return Response(0, reset=True)
    return None


def _swap_host(host: str, target: str) -> str:
    """www <-> apex for the real hostnames; /user/login otherwise."""
    name = host.split(":", 1)[0].lower()
    if name == "www.oig.dhs.gov":
        return f"https://oig.dhs.gov{target}"
    if name == "oig.dhs.gov":
        return f"https://www.oig.dhs.gov{target}"
    return "/user/login"


def decorate(fault: Fault | None, response: Response) -> Response:
    """Apply delivery-time faults (delay, truncate) to a normal response."""
    if fault is None:
        return response
    if fault.kind == "delay":
        response.delay = float(fault.seconds or 1.0)
    elif fault.kind == "truncate":
        response.truncate = True
    return response
