"""Routing (pure): which targets an event goes to, and when a digest route sends it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from config.delivery import RouteConfig
from config.vocabulary import OPS_KINDS
from ledger.outbox.planned import Planned

TARGET_KINDS = ("delivery_failed", "delivery_recovered")  # events about a delivery target


def _text(event: Mapping[str, Any]) -> str:
    return f"{event.get('title') or ''}\n{event.get('summary') or ''}"


def content_matches(
    event: Mapping[str, Any],
    *,
    components: Sequence[str] = (),
    labels: Sequence[str] = (),
    keywords: Sequence[str] = (),
    pattern: str = "",
) -> bool:
    """Whether a content event passes these filters (each empty one passes everything): any of
    the components; any of the labels, carried, gained or lost; any keyword as a whole word or
    phrase, case-insensitive, in title or summary (not inside a longer word; a keyword may begin
    or end with punctuation, "C++"); the regular expression on them. Routes and ``oigwatch
    changes --component/--label/--q`` filter with this one matcher."""
    if components and not set(components) & set(event.get("components") or ()):
        return False
    marks = {*(event.get("labels") or ()), *(event.get("labels_gained") or ())}
    marks |= set(event.get("labels_lost") or ())
    if labels and not set(labels) & marks:
        return False
    text = _text(event)
    words = [word.strip() for word in keywords if word.strip()]  # a blank keyword filters nothing
    if words and not any(
        re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) for word in words
    ):
        return False
    return not pattern or re.search(pattern, text) is not None


def matches(route: RouteConfig, event: Mapping[str, Any]) -> bool:
    """Whether the route wants this event; operational events go to ops routes only."""
    kind = event["kind"]
    if (kind in OPS_KINDS) != route.ops or kind not in route.kinds:
        return False
    if route.ops:
        return True
    return content_matches(
        event,
        components=route.components,
        labels=route.labels,
        keywords=route.keywords,
        pattern=route.pattern,
    )


def digest_times(schedule: str) -> list[time]:
    """The times of day of a digest schedule such as "08:00, 16:30" (blanks and repeats
    ignored, as the route's validator allows them), in order."""
    return sorted(
        {time.fromisoformat(part.strip()) for part in schedule.split(",") if part.strip()}
    )


def next_digest(route: RouteConfig, now: datetime) -> datetime:
    """The next scheduled digest time of a route after ``now`` (aware, UTC-comparable)."""
    zone = ZoneInfo(route.timezone)
    local = now.astimezone(zone)
    times = digest_times(route.schedule)
    for day in range(0, 8):
        date = local.date() + timedelta(days=day)
        for moment in times:
            candidate = datetime.combine(date, moment, tzinfo=zone)
            if candidate > local:
                return candidate.astimezone(UTC)  # stored as UTC: SQLite keeps no offsets
    raise ValueError(f"route {route.name!r} has no schedule")


def plan(event: Mapping[str, Any], routes: Sequence[RouteConfig], now: datetime) -> list[Planned]:
    """The deliveries an event owes: one per target, immediate winning over digest."""
    chosen: dict[str, Planned] = {}
    about = event.get("target") if event["kind"] in TARGET_KINDS else None
    for route in routes:
        if not matches(route, event) or route.target == about:  # never tell a target it fails
            continue
        due = now if route.mode == "immediate" else next_digest(route, now)
        planned = Planned(route.name, route.target, route.mode, due)
        current = chosen.get(route.target)
        if current is None or planned.due_at < current.due_at:
            chosen[route.target] = planned
    return list(chosen.values())


def router_for(
    routes: Sequence[RouteConfig],
) -> Callable[[Mapping[str, Any], datetime], list[Planned]]:
    """The router the ledger calls when it records events: ``plan`` bound to these routes."""

    def route(event: Mapping[str, Any], now: datetime) -> list[Planned]:
        return plan(event, routes, now)

    return route
