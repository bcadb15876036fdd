"""A moment as the command line prints it for people (JSON keeps ISO 8601 UTC as stored)."""

from __future__ import annotations

from datetime import datetime

from crawler.clock import in_utc, parse_iso


def shown(moment: datetime | str | None) -> str:
    """UTC, ISO 8601 with "Z" ("2026-11-23T09:00:00Z"); "unknown" for none. The one place
    `changes`, `mute` and `report`'s mute line format a moment for people."""
    if moment is None or moment == "":
        return "unknown"
    value = parse_iso(moment) if isinstance(moment, str) else moment
    return in_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
