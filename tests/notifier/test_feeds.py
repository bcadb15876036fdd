"""Feeds parse cleanly with feedparser, one entry per event, newest first, filtered like routes."""

from __future__ import annotations

import html
import json
from collections.abc import Callable

import feedparser
import pytest

from web.feeds import HEALTH_KINDS, FeedFilter, FeedHead, atom_feed, json_feed, rss_feed, rss_html

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
    assert "Title: Report 2{+ (Revised)+}" in parsed.entries[1].summary


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


def feedgen_reference(events: list[dict], url: str, kind: str) -> bytes:
    """The feed as feedgen writes it when it writes every entry itself (the renderers' contract)."""
    from feedgen.feed import FeedGenerator

    from crawler.text import clean_text
    from web.feeds import _entries, _header, rss_html

    entries = _entries(events, FeedFilter())
    feed: FeedGenerator = _header(entries, url, FeedHead())
    for item in entries:
        entry = feed.add_entry(order="append")
        entry.id(item.id)
        entry.title(item.title)
        entry.description(rss_html(item.text) if kind == "rss" else item.text)
        entry.updated(item.when)
        entry.published(item.when)
        if item.event.get("url"):
            entry.link(href=clean_text(item.event["url"]))
        for component in item.event.get("components") or ():
            entry.category(term=clean_text(component))
    return feed.atom_str(pretty=True) if kind == "atom" else feed.rss_str(pretty=True)


VARIED = [
    *EVENTS,
    event(4, "removed", components=(), url=None, detected_at="2026-11-24T09:00:00-05:00"),
    event(5, "restored", ("USCIS", "ICE"), summary="Réexamen — “quoted” \u0085 é\x07"),
    event(6, "revised", changes=[{"field": "pdf_content", "old": "ab12", "new": None}]),
    {
        "event_id": 7,
        "kind": "source_unhealthy",
        "source": "dhs-oig",
        "reason": "HTTP 503 at 13 pages",
        "detected_at": "2026-11-25T00:00:00",
    },
    event(8, title="<b>x</b> &amp; \x00\x1b ]]>", summary="A\x01B\ufffe", detected_at=None),
]


@pytest.mark.parametrize(("render", "kind"), [(atom_feed, "atom"), (rss_feed, "rss")])
def test_xml_feeds_are_byte_for_byte_what_feedgen_writes(
    render: Callable[[list[dict], str], bytes], kind: str
) -> None:
    assert render(VARIED, URL) == feedgen_reference(VARIED, URL, kind)
    assert render([], URL) == feedgen_reference([], URL, kind)
    parsed = feedparser.parse(render(VARIED, URL))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == len(VARIED)


HEALTH = [
    event(1),
    {
        "event_id": 2,
        "kind": "source_unhealthy",
        "source": "dhs-oig",
        "reason": "HTTP 503 <script>alert(1)</script> & ]]> at 13 pages",
        "changes": [],
        "detected_at": "2026-11-23T09:00:00+00:00",
    },
    {
        "event_id": 3,
        "kind": "source_recovered",
        "source": "dhs-oig",
        "changes": [],
        "detected_at": "2026-11-23T12:30:00+00:00",
    },
]
UNHEALTHY_TEXT = (
    "Since 2026-11-23 09:00 UTC, oigwatch cannot read the report listings of dhs-oig: reports "
    "published, revised or pulled meanwhile may be missed until it recovers. Another entry will "
    "say when it does.\nReason: HTTP 503 <script>alert(1)</script> & ]]> at 13 pages"
)


def test_health_episodes_are_entries_readers_understand() -> None:
    expected = [
        ("urn:oigwatch:event:3", "Watching dhs-oig has recovered"),
        ("urn:oigwatch:event:2", "Watching dhs-oig is failing; changes may be missed"),
        ("urn:oigwatch:event:1", "New: OIG-27-01 Report 1"),
    ]
    for render in (atom_feed, rss_feed):
        body = render(HEALTH, URL)
        assert b"<script>" not in body, "text, escaped in the XML"
        parsed = feedparser.parse(body)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert [(e.id, e.title) for e in parsed.entries] == expected
        text = parsed.entries[1].summary
        if render is rss_feed:  # a description is HTML: the text escaped, so it shows as text
            assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;" in text
            text = html.unescape(text.replace("<br />", ""))
        assert text == UNHEALTHY_TEXT
        assert "reads the report listings of dhs-oig again" in parsed.entries[0].summary
    items = json.loads(json_feed(HEALTH, URL))["items"]
    assert [(item["id"], item["title"]) for item in items] == expected
    assert items[1]["content_text"] == UNHEALTHY_TEXT
    assert items[0]["content_text"].startswith("Since 2026-11-23 12:30 UTC, oigwatch reads")


@pytest.mark.parametrize(
    ("keep", "ids"),
    [
        (FeedFilter(components=("ICE",), always=HEALTH_KINDS), ["3", "2"]),
        (FeedFilter(labels=("revised",), always=HEALTH_KINDS), ["3", "2"]),
        (FeedFilter(components=("CBP",), always=HEALTH_KINDS), ["3", "2", "1"]),
        (FeedFilter(kinds=("new",), components=("CBP",), always=HEALTH_KINDS), ["1"]),
        (FeedFilter(components=("CBP",)), ["1"]),  # as routes filter: no health kinds
    ],
)
def test_health_episodes_pass_component_and_label_filters_not_kind(
    keep: FeedFilter, ids: list[str]
) -> None:
    parsed = feedparser.parse(atom_feed(HEALTH, URL, keep))
    assert [e.id.rsplit(":", 1)[1] for e in parsed.entries] == ids


def test_rss_descriptions_are_escaped_html_with_line_breaks() -> None:
    assert rss_html("a <b> & c\nline two") == "a &lt;b&gt; &amp; c<br>\nline two"
    hostile = event(9, summary="<b>bold</b> & <img src=x onerror=alert(1)>")
    [entry] = feedparser.parse(rss_feed([hostile], URL)).entries
    assert "<b>" not in entry.summary and "<img" not in entry.summary
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in entry.summary
