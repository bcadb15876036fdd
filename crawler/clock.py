"""Moments in time: now, naive values read as UTC, ISO 8601 in and out, "… UTC" for people."""

from __future__ import annotations

from datetime import UTC, datetime


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
