"""A moment as the command line prints it for people (JSON keeps ISO 8601 UTC as stored)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from crawler.clock import local_text


def shown(moment: datetime | str | None, where: tzinfo | None) -> str:
    """In the readers' zone ``where`` (``display_timezone``): "Dec 2, 2026, 9:14 AM EST";
    "unknown" for none. The one place `changes`, `mute`, `report` and `sources` format a moment
    for people (their --json keeps ISO 8601 UTC)."""
    return local_text(moment, where) or "unknown"
