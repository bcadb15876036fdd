"""The one home of time helpers: naive values are UTC, ISO 8601 in and out, "… UTC" for people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.clock import aware, in_utc, iso, parse_iso, utc_minutes, utcnow

PARIS = timezone(timedelta(hours=2))


def test_now_is_timezone_aware_utc() -> None:
    before = datetime.now(UTC)
    now = utcnow()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)


def test_a_naive_moment_is_utc_and_an_aware_one_keeps_its_offset() -> None:
    assert aware(datetime(2026, 11, 23, 1, 30)) == datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
    paris = datetime(2026, 11, 23, 3, 30, tzinfo=PARIS)
    assert aware(paris) is paris


def test_in_utc_converts_other_offsets() -> None:
    moment = in_utc(datetime(2026, 11, 23, 3, 30, tzinfo=PARIS))
    assert moment.tzinfo is UTC and (moment.hour, moment.minute) == (1, 30)
    assert in_utc(datetime(2026, 11, 23, 1, 30)).tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23T01:30:00", datetime(2026, 11, 23, 1, 30, tzinfo=UTC)),
        ("2026-11-23T01:30:00Z", datetime(2026, 11, 23, 1, 30, tzinfo=UTC)),
        ("2026-11-23", datetime(2026, 11, 23, tzinfo=UTC)),
        ("2026-11-23T03:30:00+02:00", datetime(2026, 11, 23, 3, 30, tzinfo=PARIS)),
    ],
)
def test_parse_iso_reads_dates_and_date_times(text: str, expected: datetime) -> None:
    parsed = parse_iso(text)
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01", "23/11/2026"])
def test_parse_iso_refuses_what_is_not_iso_8601(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso(text)


def test_iso_writes_naive_moments_as_utc_and_none_as_none() -> None:
    assert iso(None) is None
    assert iso(datetime(2026, 11, 23, 1, 30)) == "2026-11-23T01:30:00+00:00"
    assert iso(datetime(2026, 11, 23, 3, 30, tzinfo=PARIS)) == "2026-11-23T03:30:00+02:00"


def test_utc_minutes_is_what_people_read() -> None:
    assert utc_minutes(datetime(2026, 11, 23, 1, 30, 59)) == "2026-11-23 01:30 UTC"
    assert utc_minutes(datetime(2026, 11, 23, 3, 30, tzinfo=PARIS)) == "2026-11-23 01:30 UTC"


def test_no_product_module_keeps_a_copy() -> None:
    """Reading naive moments as UTC, the clock and the "… UTC" format live in crawler/clock.py."""
    root = Path(__file__).resolve().parents[2]
    rooms = ("config", "crawler", "ledger", "notifier", "web", "scheduler", "cli")
    copies = ("replace(tzinfo=", "datetime.now(", "%H:%M UTC")
    found = [
        f"{path.relative_to(root)}: {copy}"
        for room in rooms
        for path in sorted((root / room).rglob("*.py"))
        if path.name != "clock.py" or path.parent.name != "crawler"
        for copy in copies
        if copy in path.read_text(encoding="utf-8")
    ]
    assert found == []
