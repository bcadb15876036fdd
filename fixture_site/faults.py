"""Injected HTTP faults (M12) and mid-crawl drift (M15)."""

from __future__ import annotations

import functools
import hashlib
import struct
import zlib
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
GZIP_BOMB_SIZE = 1_500_000_000  # decompressed bytes of a gzip_bomb without `size`
FILLER_HEAD = b"<!DOCTYPE html>\n<html><head><title>Reports</title></head><body>\n"
BOMB_CHUNK = b"<p>\n" * (1 << 18)  # 1 MiB; a 4-byte period deflates about 1000:1
HTML = (("Content-Type", "text/html; charset=UTF-8"),)
ENDLESS_CHUNK = b"<p>More rows of a listing page that never ends.</p>\n" * 1260  # ~64 kB


@dataclass
class Response:
    """What the server sends; `reset`, `truncate`, `delay` and `endless` (the body, then chunks
    of filler until the client hangs up) are delivery instructions."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    reset: bool = False
    truncate: bool = False
    endless: bool = False


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
    if kind == "gzip_bomb":
        bomb = gzip_bomb(int(fault.size or GZIP_BOMB_SIZE))
        return Response(200, bomb, [*HTML, ("Content-Encoding", "gzip")])
    if kind == "endless":
        return Response(200, FILLER_HEAD, list(HTML), endless=True)
    return None


@functools.lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """A gzip body inflating to exactly `size` bytes of HTML-ish filler; about size / 1000 bytes
    itself, made once per size and process.

    zlib's compressobj deflates a 1 MiB chunk of filler once; the full flush after it resets the
    compressor, so feeding the same chunk again would give the same bytes again: the body is
    those bytes repeated, as if the chunk had been compressed size / 1 MiB times. Only the CRC
    reads every byte (about 0.3 s for 1.5 GB); nothing holds the inflated text.
    """
    head = FILLER_HEAD[:size]
    tail = b"</body></html>\n"[: size - len(head)]
    whole, rest = divmod(size - len(head) - len(tail), len(BOMB_CHUNK))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(BOMB_CHUNK) + deflate.flush(zlib.Z_FULL_FLUSH) if whole else b""
    end = BOMB_CHUNK[:rest] + tail
    last = deflate.compress(end) + deflate.flush()
    crc = zlib.crc32(head)
    for _ in range(whole):
        crc = zlib.crc32(BOMB_CHUNK, crc)
    crc = zlib.crc32(end, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, no name, no mtime, level 9
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return header + first + block * whole + last + trailer


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
