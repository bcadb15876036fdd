"""Moments in time: now, naive values read as UTC, ISO 8601 in and out (machines), and the
newsroom's local time for people ("Dec 2, 2026, 9:14 AM EST")."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Now, timezone-aware (the clock tests may replace)."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone; a naive one is UTC (SQLite hands back naive values, stored as
    UTC, and an RFC 5322 date's "-0000" means UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def in_utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive one is UTC already)."""
    return aware(moment).astimezone(UTC)


def parse_iso(text: str) -> datetime:
    """An ISO 8601 date or date-time, timezone-aware (no offset: UTC); ValueError if it is not one."""
    return aware(datetime.fromisoformat(text))


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 (a naive moment is UTC), or None."""
    return None if moment is None else aware(moment).isoformat()


def utc_minutes(moment: datetime) -> str:
    """``moment`` as people read it: "2026-11-23 01:30 UTC" (a naive one is UTC)."""
    return in_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


DISPLAY_ZONE = "America/New_York"  # the newsroom's zone unless ``display_timezone`` says another
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def zone(name: str = DISPLAY_ZONE) -> ZoneInfo:
    """The time zone called ``name`` (ZoneInfoNotFoundError or ValueError if there is none)."""
    return ZoneInfo(name)


def local_minutes(moment: datetime, where: tzinfo | None = None) -> str:
    """``moment`` as a reader reads it, in the newsroom's zone: "Dec 2, 2026, 9:14 AM EST"
    (a naive moment is UTC; month names are English whatever the locale)."""
    local = aware(moment).astimezone(where or zone())
    hour = local.hour % 12 or 12
    noon = "AM" if local.hour < 12 else "PM"
    name = local.tzname() or "UTC"
    return f"{_MONTHS[local.month - 1]} {local.day}, {local.year}, {hour}:{local.minute:02d} {noon} {name}"  # fmt: skip


def local_text(value: datetime | str | None, where: tzinfo | None = None) -> str:
    """A moment, or its ISO 8601 text, as ``local_minutes`` writes it; "" for none, and text that
    is no ISO 8601 moment as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return local_minutes(value, where)
    try:
        return local_minutes(parse_iso(value.strip()), where)
    except ValueError:
        return value
