"""Feeds of change events (pure): Atom and RSS 2.0 through feedgen, JSON Feed 1.1 as plain JSON.

One entry per event with a stable id (``urn:oigwatch:event:<id>``), so a revision is a new entry;
newest first; filterable like routes. XML control characters are removed from every string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedgen.feed import FeedGenerator

from crawler.ledger.rows import aware
from notifier.console import HEADLINES
from notifier.render.common import trim

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
SUMMARY_LIMIT = 1500


def xml_safe(text: Any) -> str:
    """Text with the characters XML 1.0 forbids removed."""
    return _XML_ILLEGAL.sub("", "" if text is None else str(text))


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """The same filters as routes: any of these components, kinds and labels (empty: all)."""

    components: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    def __call__(self, event: Mapping[str, Any]) -> bool:
        if self.kinds and event.get("kind") not in self.kinds:
            return False
        if self.components and not set(self.components) & set(event.get("components") or ()):
            return False
        marks = {*(event.get("labels") or ()), *(event.get("labels_gained") or ())}
        marks |= set(event.get("labels_lost") or ())
        return not self.labels or bool(set(self.labels) & marks)


def entry_title(event: Mapping[str, Any]) -> str:
    """ "Revised: OIG-24-01 CBP Did Not ..." (ops events: their kind and source)."""
    word = HEADLINES.get(event.get("kind", ""), str(event.get("kind")))
    number = event.get("report_number") or ""
    title = event.get("title") or event.get("source") or ""
    return xml_safe(" ".join(part for part in (f"{word}:", number, title) if part))


def entry_text(event: Mapping[str, Any]) -> str:
    """The entry's plain-text body: what changed, then the summary."""
    lines = []
    for change in event.get("changes") or ():
        lines.append(f"{change['field']}: {change.get('old')} → {change.get('new')}")
    gained, lost = event.get("labels_gained") or (), event.get("labels_lost") or ()
    lines += [f"gained label {label}" for label in gained] + [
        f"lost label {label}" for label in lost
    ]
    if event.get("summary"):
        lines.append(trim(event["summary"], SUMMARY_LIMIT))
    if event.get("reason"):
        lines.append(str(event["reason"]))
    return xml_safe("\n".join(lines))


def _when(event: Mapping[str, Any]) -> datetime:
    stamp = event.get("detected_at")
    moment = datetime.fromisoformat(stamp) if stamp else datetime(1970, 1, 1, tzinfo=UTC)
    return aware(moment)


def _newest_first(events: Iterable[Mapping[str, Any]], keep: FeedFilter) -> list[Mapping[str, Any]]:
    chosen = [event for event in events if keep(event)]
    return sorted(chosen, key=lambda e: (_when(e), e.get("event_id", 0)), reverse=True)


def _generator(events: Sequence[Mapping[str, Any]], self_url: str, title: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(f"urn:oigwatch:feed:{xml_safe(title)}")
    feed.title(xml_safe(title))
    feed.link(href=self_url, rel="self")
    feed.link(href=self_url.rsplit("/feeds/", 1)[0] + "/", rel="alternate")
    feed.description("Changes to DHS OIG reports detected by oigwatch")
    feed.language("en")
    feed.updated(_when(events[0]) if events else datetime(1970, 1, 1, tzinfo=UTC))
    for event in reversed(events):  # feedgen prepends: add oldest first for newest-first output
        entry = feed.add_entry()
        entry.id(f"urn:oigwatch:event:{event.get('event_id')}")
        entry.guid(f"urn:oigwatch:event:{event.get('event_id')}", permalink=False)
        entry.title(entry_title(event))
        entry.description(entry_text(event) or entry_title(event))
        entry.updated(_when(event))
        entry.published(_when(event))
        if event.get("url"):
            entry.link(href=xml_safe(event["url"]))
        for component in event.get("components") or ():
            entry.category(term=xml_safe(component))
    return feed


def atom_feed(
    events: Iterable[Mapping[str, Any]],
    self_url: str,
    keep: FeedFilter = FeedFilter(),
    title: str = "DHS OIG report changes",
) -> bytes:
    """Atom 1.0, newest first."""
    return _generator(_newest_first(events, keep), self_url, title).atom_str(pretty=True)


def rss_feed(
    events: Iterable[Mapping[str, Any]],
    self_url: str,
    keep: FeedFilter = FeedFilter(),
    title: str = "DHS OIG report changes",
) -> bytes:
    """RSS 2.0, newest first."""
    return _generator(_newest_first(events, keep), self_url, title).rss_str(pretty=True)


def json_feed(
    events: Iterable[Mapping[str, Any]],
    self_url: str,
    keep: FeedFilter = FeedFilter(),
    title: str = "DHS OIG report changes",
) -> bytes:
    """JSON Feed 1.1, newest first; each item carries the event under ``_oigwatch``."""
    items = [
        {
            "id": f"urn:oigwatch:event:{event.get('event_id')}",
            "title": entry_title(event),
            "content_text": entry_text(event) or entry_title(event),
            "url": event.get("url"),
            "date_published": _when(event).isoformat(),
            "tags": list(event.get("components") or ()) + list(event.get("labels") or ()),
            "_oigwatch": dict(event),
        }
        for event in _newest_first(events, keep)
    ]
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "feed_url": self_url,
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False).encode()
