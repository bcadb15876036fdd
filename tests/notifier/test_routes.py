"""Routing (pure): components, kinds, labels, keywords, patterns, ops isolation, digest times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from config.delivery import RouteConfig
from notifier.routes import matches, next_digest, plan

EVENT = {
    "kind": "revised",
    "components": ["ICE"],
    "labels": ["revised"],
    "labels_gained": ["revised"],
    "labels_lost": [],
    "title": "ICE Detention Oversight (Revised)",
    "summary": "Deaths in custody",
}


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ({"components": ["ICE", "CBP"]}, True),
        ({"components": ["FEMA"]}, False),
        ({"kinds": ["new"]}, False),
        ({"labels": ["revised"]}, True),
        ({"labels": ["redacted"]}, False),
        ({"keywords": ["custody"]}, True),
        ({"keywords": ["cust"]}, False),
        ({"pattern": r"Detention\s+Oversight"}, True),
        ({"pattern": r"^FEMA"}, False),
    ],
)
def test_content_route_filters(route: dict, expected: bool) -> None:
    assert matches(RouteConfig(name="r", target="t", **route), EVENT) is expected


def test_ops_events_never_reach_newsroom_routes() -> None:
    ops_event = {"kind": "source_unhealthy", "reason": "HTTP 503"}
    assert not matches(RouteConfig(name="news", target="t"), ops_event)
    assert matches(
        RouteConfig(name="ops", target="t", ops=True, kinds=("source_unhealthy",)), ops_event
    )
    assert not matches(
        RouteConfig(name="ops", target="t", ops=True, kinds=("source_unhealthy",)), EVENT
    )


def test_one_delivery_per_target_and_immediate_wins() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    routes = [
        RouteConfig(name="a", target="t", mode="digest", schedule="08:00"),
        RouteConfig(name="b", target="t"),
        RouteConfig(name="c", target="u"),
    ]
    planned = plan(EVENT, routes, now)
    assert sorted((p.target, p.route, p.due_at) for p in planned) == [
        ("t", "b", now),
        ("u", "c", now),
    ]


def test_next_digest_is_in_the_route_time_zone_and_returned_in_utc() -> None:
    route = RouteConfig(
        name="d", target="t", mode="digest", schedule="08:00,16:00", timezone="America/New_York"
    )
    assert next_digest(route, datetime(2026, 11, 23, 12, 0, tzinfo=UTC)) == datetime(
        2026, 11, 23, 13, 0, tzinfo=UTC
    )
    assert next_digest(route, datetime(2026, 11, 23, 22, 0, tzinfo=UTC)) == datetime(
        2026, 11, 24, 13, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"kinds": ["source_unhealthy"]}, "belong on a route with ops = true"),
        ({"kinds": ["nwe"]}, "unknown kinds"),
        ({"labels": ["revized"]}, "unknown labels"),
        ({"pattern": "("}, "not a regular expression"),
        ({"mode": "digest"}, "needs a schedule"),
        ({"mode": "digest", "schedule": "8am"}, "is not HH:MM"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ],
)
def test_bad_routes_are_refused_with_the_reason(route: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RouteConfig(name="r", target="t", **route)
