"""Feeds parse cleanly with feedparser, one entry per event, newest first, filtered like routes."""

from __future__ import annotations

import json

import feedparser
import pytest

from notifier.feeds import FeedFilter, atom_feed, json_feed, rss_feed

URL = "http://127.0.0.1:8080/feeds/changes.atom"


def event(
    event_id: int, kind: str = "new", components: tuple[str, ...] = ("CBP",), **extra: object
) -> dict:
    return {
        "event_id": event_id,
        "kind": kind,
        "report_number": f"OIG-27-{event_id:02d}",
        "title": f"Report {event_id}",
        "summary": "Summary.",
        "components": list(components),
        "labels": [],
        "labels_gained": [],
        "labels_lost": [],
        "changes": [],
        "url": f"https://www.oig.dhs.gov/x/{event_id}.pdf",
        "detected_at": f"2026-11-2{event_id % 10}T09:00:00+00:00",
        **extra,
    }


EVENTS = [
    event(1),
    event(
        2,
        "revised",
        ("ICE",),
        labels=["revised"],
        labels_gained=["revised"],
        changes=[{"field": "title", "old": "Report 2", "new": "Report 2 (Revised)"}],
    ),
    event(3, components=("FEMA",)),
]


@pytest.mark.parametrize("render", [atom_feed, rss_feed])
def test_xml_feeds_parse_without_errors_newest_first(render) -> None:  # type: ignore[no-untyped-def]
    parsed = feedparser.parse(render(EVENTS, URL))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.id for e in parsed.entries] == [f"urn:oigwatch:event:{i}" for i in (3, 2, 1)]
    assert parsed.entries[1].title == "Revised: OIG-27-02 Report 2"
    assert "title: Report 2 → Report 2 (Revised)" in parsed.entries[1].summary


@pytest.mark.parametrize(
    ("keep", "ids"),
    [
        (FeedFilter(components=("CBP",)), ["1"]),
        (FeedFilter(kinds=("revised",)), ["2"]),
        (FeedFilter(labels=("revised",)), ["2"]),
        (FeedFilter(components=("ICE", "FEMA")), ["3", "2"]),
    ],
)
def test_feeds_filter_like_routes(keep: FeedFilter, ids: list[str]) -> None:
    parsed = feedparser.parse(atom_feed(EVENTS, URL, keep))
    assert [e.id.rsplit(":", 1)[1] for e in parsed.entries] == ids


def test_hostile_title_does_not_break_any_feed() -> None:
    hostile = event(
        9,
        title="<script>alert(1)</script> ]]> &amp; \x00\x0b\x1b[31m \ufffe <!channel>",
        summary="A\x01B & <b>bold</b>",
    )
    for render in (atom_feed, rss_feed):
        parsed = feedparser.parse(render([hostile], URL))
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert "<script>" in parsed.entries[0].title  # text, escaped in the XML, never markup
    document = json.loads(json_feed([hostile], URL))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert "\x00" not in document["items"][0]["title"]


def test_json_feed_items_are_newest_first_with_stable_ids() -> None:
    document = json.loads(json_feed(EVENTS, URL))
    assert [item["id"] for item in document["items"]] == [
        f"urn:oigwatch:event:{i}" for i in (3, 2, 1)
    ]
    assert document["items"][1]["_oigwatch"]["kind"] == "revised"
