"""Faults that test a client's limits: a gzip bomb and an endless body (read in bounded prefixes)."""

from __future__ import annotations

import time
import zlib

import httpx
import pytest

from fixture_site import FixtureSite, MutationError
from fixture_site.faults import gzip_bomb
from tests.fixture_site.fsite_helpers import AUDITS, MGMT_ALERTS, get

PREFIX = 2_000_000  # bytes a test reads of a body that is far larger


def _fault(site: FixtureSite, **fields: object) -> None:
    site.mutate({"op": "http_fault", **fields})


def test_gzip_bomb_inflates_to_its_size_and_is_small_on_the_wire(site: FixtureSite) -> None:
    size = 50_000_000
    _fault(site, match=AUDITS, kind="gzip_bomb", size=size)
    with httpx.Client(base_url=site.base_url, timeout=5) as client:
        with client.stream("GET", AUDITS) as response:
            assert response.status_code == 200
            assert response.headers["content-encoding"] == "gzip"
            assert response.headers["content-type"].startswith("text/html")
            wire = b"".join(response.iter_raw())  # the bytes on the wire, not inflated
        assert int(response.headers["content-length"]) == len(wire) < size // 500
        inflate = zlib.decompressobj(wbits=31)  # gzip, CRC checked at the end
        total, head = 0, b""
        data = inflate.decompress(wire, 1 << 20)
        while data:
            head = head or data[:200]
            total += len(data)
            data = inflate.decompress(inflate.unconsumed_tail, 1 << 20)
        assert inflate.eof and total == size
        assert head.startswith(b"<!DOCTYPE html>") and b"<p>" in head
        assert get(client, AUDITS).status_code == 200, "count 1: the next request is normal"


def test_gzip_bomb_reads_as_html_filler_through_a_decoding_client(site: FixtureSite) -> None:
    _fault(site, match=AUDITS, kind="gzip_bomb", size=30_000_000)
    seen = 0
    with (
        httpx.Client(base_url=site.base_url, timeout=5) as client,
        client.stream("GET", AUDITS) as response,
    ):
        for piece in response.iter_bytes():  # decoded by httpx
            seen += len(piece)
            if seen >= PREFIX:
                break
    assert seen >= PREFIX


def test_the_default_bomb_is_one_and_a_half_gigabytes_in_one_and_a_half_megabytes() -> None:
    started = time.monotonic()
    body = gzip_bomb(1_500_000_000)
    assert 1_000_000 < len(body) < 2_000_000
    assert int.from_bytes(body[-4:], "little") == 1_500_000_000 % 2**32  # gzip's ISIZE
    assert gzip_bomb(1_500_000_000) is body, "made once per process"
    assert time.monotonic() - started < 10


def test_endless_body_streams_until_the_client_hangs_up(site: FixtureSite) -> None:
    _fault(site, match=MGMT_ALERTS, kind="endless", count=-1)
    with httpx.Client(base_url=site.base_url, timeout=5) as client:
        for _ in range(2):
            with client.stream("GET", MGMT_ALERTS) as response:
                assert response.status_code == 200
                assert response.headers["transfer-encoding"] == "chunked"
                assert "content-length" not in response.headers
                seen, first = 0, b""
                for piece in response.iter_raw():
                    first = first or piece
                    seen += len(piece)
                    if seen >= PREFIX:
                        break
            assert seen >= PREFIX and first.startswith(b"<!DOCTYPE html>")
        assert get(client, AUDITS).status_code == 200, "the site serves on after hang-ups"
    assert [e.status for e in site.log] == [200, 200, 200]


def test_a_bad_bomb_size_is_refused(site: FixtureSite) -> None:
    for size in (0, -5, "big", True):
        with pytest.raises(MutationError):
            _fault(site, match=AUDITS, kind="gzip_bomb", size=size)
