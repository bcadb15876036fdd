"""The feeds' validators, without a server: ETag, Last-Modified and conditional GETs
(``web/feeds_http.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from web.feeds_http import feed_etag, last_modified, not_modified

MODIFIED = datetime(2026, 11, 23, 1, 30, 5, tzinfo=UTC)
ETAG = feed_etag("atom", "", 50, "http://127.0.0.1:8080/feeds/changes.atom", "1.0", [3, 2, 1])


def test_last_modified_is_the_newest_detection_in_whole_utc_seconds() -> None:
    events = [
        {"detected_at": "2026-11-23T01:30:05.900000+00:00"},
        {"detected_at": "2026-11-23T03:00:00+02:00"},  # 01:00 UTC: older, for all its hour
        {"detected_at": "not a time"},
        {},
    ]
    assert last_modified(events) == MODIFIED
    assert last_modified([{"detected_at": "2026-11-23T01:30:05"}]) == MODIFIED  # naive: UTC
    assert last_modified([]) is None and last_modified([{"detected_at": "?"}]) is None


def test_the_etag_is_strong_and_changes_with_every_input() -> None:
    assert ETAG.startswith('"') and ETAG.endswith('"') and len(ETAG) == 42
    base = ("atom", "", 50, "http://127.0.0.1:8080/feeds/changes.atom", "1.0", [3, 2, 1])
    others = [
        ("rss", *base[1:]),
        (*base[:1], "kind=new", *base[2:]),
        (*base[:2], 20, *base[3:]),
        (*base[:3], "https://news.example/feeds/changes.atom", *base[4:]),
        (*base[:4], "1.1", base[5]),
        (*base[:5], [4, 3, 2, 1]),
    ]
    assert feed_etag(*base) == ETAG
    assert len({ETAG, *(feed_etag(*other) for other in others)}) == 1 + len(others)


@pytest.mark.parametrize(
    ("header", "expected"),
    [(ETAG, True), (f"W/{ETAG}", True), (f'"other", {ETAG}', True), ("*", True), ('"x"', False)],
)
def test_if_none_match(header: str, expected: bool) -> None:
    assert not_modified({"if-none-match": header}, ETAG, MODIFIED) is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Mon, 23 Nov 2026 01:30:05 GMT", True),
        ("Mon, 23 Nov 2026 02:30:05 +0100", True),
        ("Mon, 23 Nov 2026 01:30:05 -0000", True),
        ("Mon, 23 Nov 2026 01:31:00 GMT", True),
        ("Mon, 23 Nov 2026 01:30:04 GMT", False),
        ("yesterday", False),
        ("", False),
    ],
)
def test_if_modified_since(header: str, expected: bool) -> None:
    assert not_modified({"if-modified-since": header}, ETAG, MODIFIED) is expected


def test_if_none_match_wins_and_nothing_known_is_modified() -> None:
    newer = "Tue, 24 Nov 2026 00:00:00 GMT"
    assert not not_modified({"if-none-match": '"x"', "if-modified-since": newer}, ETAG, MODIFIED)
    assert not not_modified({"if-modified-since": newer}, ETAG, None)
    assert not not_modified({}, ETAG, MODIFIED)
