"""Feeds of change events (pure): Atom and RSS 2.0 (feedgen's head, entries written with lxml
exactly as feedgen writes them, but ~3x faster), JSON Feed 1.1 as plain JSON.

One entry per event with a stable id (``urn:oigwatch:event:<id>``), so a revision is a new entry;
newest first; filterable like routes (``notifier.routes.content_matches``, the one matcher). A feed
is named by its ``FeedHead``: its own absolute address is its id (an IRI, distinct per filter),
its title says the filter ("DHS OIG: revised, ICE"), its author is the watched site. Every string is cleaned by ``crawler.text.clean_text``
(controls, bidi overrides and isolates, and whatever XML 1.0 forbids); lxml and feedgen escape.
Health episodes (``source_unhealthy``, ``source_recovered``) are entries for readers too: "Watching
dhs-oig is failing; changes may be missed", then "Watching dhs-oig has recovered".
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote, urlsplit

from feedgen.feed import FeedGenerator
from lxml import etree

from config.vocabulary import HEALTH_KINDS, KIND_WORDS
from crawler.clock import local_minutes, parse_iso, utc_minutes
from crawler.text import clean_json, clean_text
from notifier.render.common import trim
from notifier.render.key_facts import change_lines, headline_facts
from notifier.render.pdf_changes import text_lines as pdf_lines
from notifier.render.words import change_line, label_words, plain_reason
from notifier.routes import content_matches

SUMMARY_LIMIT = 1500
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# An http(s) address of URI characters only, escapes well formed: already an IRI as it is.
_PLAIN_HTTP = re.compile(
    r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*(?:%[0-9A-Fa-f]{2}[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*)*\Z"
)
_ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """The same filters as routes: any of these kinds, components, labels and keywords (each
    empty: all), matched by routes' own matcher (``notifier.routes.content_matches``).

    Events of the ``always`` kinds pass the component, label and keyword filters (not the kind
    filter): a monitor that cannot read the site is blind for every component and label."""

    components: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    always: tuple[str, ...] = ()

    def __call__(self, event: Mapping[str, Any]) -> bool:
        if self.kinds and event.get("kind") not in self.kinds:
            return False
        if event.get("kind") in self.always:
            return True
        return content_matches(
            event, components=self.components, labels=self.labels, keywords=self.keywords
        )


@dataclass(frozen=True, slots=True)
class FeedHead:
    """What a feed is, beyond its entries: whose changes (``site``, a display name or
    ``Settings.site_title``), which of them (``scope``, the filters in a reader's words), the
    author's address (the watched site's, or oigwatch's pages) and the page listing the same
    changes (``home``; default: the root beside ``/feeds/``)."""

    site: str = "oigwatch"
    scope: tuple[str, ...] = ()
    author_url: str = ""
    home: str = ""


def health_title(event: Mapping[str, Any]) -> str:
    """ "Watching dhs-oig is failing; changes may be missed" / "Watching dhs-oig has recovered"."""
    source = " ".join(clean_text(event.get("source")).split()) or "the site"
    if event.get("kind") == "source_recovered":
        return f"Watching {source} has recovered"
    return f"Watching {source} is failing; changes may be missed"


def health_text(event: Mapping[str, Any], where: tzinfo | None = None) -> str:
    """A health episode's plain-text body: since when (UTC; a page: its readers' zone
    ``where``), what it means, and the reason in plain words."""
    source = " ".join(clean_text(event.get("source")).split()) or "the site"
    since = utc_minutes(_when(event)) if where is None else local_minutes(_when(event), where)
    if event.get("kind") == "source_recovered":
        return (
            f"Since {since}, oigwatch reads the report listings of {source} again. Changes made "
            "while it was failing are reported as they are found; a change made and undone in "
            "that time cannot be seen."
        )
    lines = [
        f"Since {since}, oigwatch cannot read the report listings of {source}: reports published, "
        "revised or pulled meanwhile may be missed until it recovers. Another entry will say when "
        "it does."
    ]
    if event.get("reason"):
        lines.append(f"Reason: {trim(plain_reason(event['reason']), SUMMARY_LIMIT)}")
    return "\n".join(lines)


def entry_title(event: Mapping[str, Any]) -> str:
    """ "Revised: OIG-24-01 CBP Did Not ..." (health episodes: ``health_title``; other ops events:
    their kind and source)."""
    if event.get("kind") in HEALTH_KINDS:
        return health_title(event)
    word = KIND_WORDS.get(event.get("kind", ""), str(event.get("kind")))
    number = event.get("report_number") or ""
    title = event.get("title") or event.get("source") or ""
    return clean_text(" ".join(part for part in (f"{word}:", number, title) if part))


def entry_text(event: Mapping[str, Any]) -> str:
    """The entry's plain-text body: a new report's key facts, what changed (key facts first),
    then the summary (health: ``health_text``)."""
    if event.get("kind") in HEALTH_KINDS:
        return health_text(event)
    lines = [line for line in (headline_facts(event),) if line] + change_lines(event)
    lines += [change_line(c) for c in event.get("changes") or () if isinstance(c, dict)]
    lines += [f"gained label {label}" for label in label_words(event.get("labels_gained"))]
    lines += [f"lost label {label}" for label in label_words(event.get("labels_lost"))]
    lines += pdf_lines(event)  # what changed inside a replaced PDF
    if isinstance(event.get("summary"), str) and event["summary"].strip():
        lines.append(trim(event["summary"], SUMMARY_LIMIT))
    if event.get("reason"):
        lines.append(plain_reason(event["reason"]))
    return clean_text("\n".join(lines))


def _when(event: Mapping[str, Any]) -> datetime:
    stamp = event.get("detected_at")
    return parse_iso(stamp) if stamp else datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _Entry:
    """One event as every format shows it, computed once (titles, text and dates are not cheap)."""

    event: Mapping[str, Any]
    when: datetime
    id: str
    title: str
    text: str


def _entries(events: Iterable[Mapping[str, Any]], keep: FeedFilter) -> list[_Entry]:
    """The kept events, newest first (ties: the higher event id first)."""
    dated = [(_when(event), event) for event in events if keep(event)]
    dated.sort(key=lambda pair: (pair[0], pair[1].get("event_id", 0)), reverse=True)
    entries = []
    for when, event in dated:
        title = entry_title(event)
        entries.append(
            _Entry(
                event=event,
                when=when,
                id=f"urn:oigwatch:event:{clean_text(event.get('event_id'))}",
                title=title,
                text=entry_text(event) or title,
            )
        )
    return entries


def _words(text: str) -> str:
    return " ".join(clean_text(text).split())


def feed_title(site: str, scope: Sequence[str] = ()) -> str:
    """ "DHS OIG report changes", or with filters "DHS OIG: revised, ICE": the title of a feed of
    ``site``'s changes (its display name, or ``Settings.site_title``)."""
    if not scope:
        return _words(f"{site} report changes")
    return _words(f"{site}: {', '.join(scope)}")


def iri(url: str) -> str:
    """An address as an IRI an ``id`` may hold: spaces, controls and other characters a URI
    may not carry percent-encoded (escapes already there are kept)."""
    text = _LONE_PERCENT.sub("%25", clean_text(url).strip())
    return quote(text, safe=":/?#[]@!$&'()*+,;=%~")


def link(value: Any) -> str | None:
    """An ``http(s)`` address as an IRI, or None: another scheme (``javascript:``) or no
    address is not linked."""
    text = clean_text(value).strip() if isinstance(value, str) else ""
    if _PLAIN_HTTP.match(text):  # the usual case, ~10x faster than parsing and quoting
        return text
    try:
        scheme = urlsplit(text).scheme
    except ValueError:  # "http://[" and the like
        return None
    return iri(text) if scheme in ("http", "https") else None


def home_of(self_url: str, head: FeedHead) -> str:
    """The page of the feed's changes: ``head.home``, or the root beside ``/feeds/``."""
    return head.home or self_url.rsplit("/feeds/", 1)[0] + "/"


def _header(entries: Sequence[_Entry], self_url: str, head: FeedHead) -> FeedGenerator:
    """The feed's own elements (id, author, links, title, dates, generator), written by
    feedgen. The id is the feed's own address, so each filter has its own."""
    feed = FeedGenerator()
    home = home_of(self_url, head)
    feed.id(iri(self_url))
    feed.title(feed_title(head.site, head.scope))
    author = {"name": _words(head.site) or "oigwatch", "uri": link(head.author_url) or iri(home)}
    feed.author(author)
    feed.link(href=iri(self_url), rel="self")
    feed.link(href=iri(home), rel="alternate")
    feed.description(_words(f"Changes to {head.site} reports detected by oigwatch"))
    feed.language("en")
    feed.updated(entries[0].when if entries else datetime(1970, 1, 1, tzinfo=UTC))
    return feed


# The entries are written straight into the tree feedgen made, element for element as feedgen's
# own FeedEntry writes them (tests/notifier/test_feeds.py compares the two): feedgen's per-entry
# objects, checks and locale switching cost three quarters of the time of a 10,000-entry feed.


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def _atom_entry(feed: etree._Element, item: _Entry) -> None:
    entry = etree.SubElement(feed, _ATOM + "entry")
    etree.SubElement(entry, _ATOM + "id").text = item.id
    etree.SubElement(entry, _ATOM + "title").text = item.title
    stamp = item.when.isoformat()
    etree.SubElement(entry, _ATOM + "updated").text = stamp
    etree.SubElement(entry, _ATOM + "content").text = item.text
    if href := link(item.event.get("url")):
        etree.SubElement(entry, _ATOM + "link", href=href)  # rel: alternate
    for component in item.event.get("components") or ():
        etree.SubElement(entry, _ATOM + "category", term=clean_text(component))
    etree.SubElement(entry, _ATOM + "published").text = stamp


def rss_html(text: str) -> str:
    """Plain text as the HTML an RSS 2.0 ``description`` holds (readers render it as HTML), so
    "<script>" in scraped text is shown, not run or dropped; lines become ``<br>``."""
    return "<br>\n".join(html.escape(line, quote=False) for line in text.split("\n"))


def _rss_item(channel: etree._Element, item: _Entry) -> None:
    entry = etree.SubElement(channel, "item")
    etree.SubElement(entry, "title").text = item.title
    if href := link(item.event.get("url")):
        etree.SubElement(entry, "link").text = href
    etree.SubElement(entry, "description").text = rss_html(item.text)
    etree.SubElement(entry, "guid", isPermaLink="false").text = item.id
    for component in item.event.get("components") or ():
        etree.SubElement(entry, "category").text = clean_text(component)
    etree.SubElement(entry, "pubDate").text = format_datetime(item.when)  # RFC 2822, any locale


def atom_feed(
    events: Iterable[Mapping[str, Any]],
    self_url: str,
    keep: FeedFilter = FeedFilter(),
    head: FeedHead = FeedHead(),
) -> bytes:
    """Atom 1.0, newest first."""
    entries = _entries(events, keep)
    feed = etree.fromstring(_header(entries, self_url, head).atom_str())
    for item in entries:
        _atom_entry(feed, item)
    return _serialize(feed)


def rss_feed(
    events: Iterable[Mapping[str, Any]],
    self_url: str,
    keep: FeedFilter = FeedFilter(),
    head: FeedHead = FeedHead(),
) -> bytes:
    """RSS 2.0, newest first."""
    entries = _entries(events, keep)
    rss = etree.fromstring(_header(entries, self_url, head).rss_str())
    channel = rss.find("channel")
    assert channel is not None  # feedgen always writes one
    for item in entries:
        _rss_item(channel, item)
    return _serialize(rss)


def json_feed(
    events: Iterable[Mapping[str, Any]],
    self_url: str,
    keep: FeedFilter = FeedFilter(),
    head: FeedHead = FeedHead(),
) -> bytes:
    """JSON Feed 1.1, newest first; each item carries the event under ``_oigwatch``."""
    items = []
    for item in _entries(events, keep):
        tags = [*(item.event.get("components") or ()), *(item.event.get("labels") or ())]
        entry: dict[str, Any] = {"id": item.id, "title": item.title, "content_text": item.text}
        if href := link(item.event.get("url")):  # a string or absent: JSON Feed has no null url
            entry["url"] = href
        entry["date_published"] = item.when.isoformat()
        entry["tags"] = [str(tag) for tag in tags]
        entry["_oigwatch"] = dict(item.event)
        items.append(entry)
    home = home_of(self_url, head)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed_title(head.site, head.scope),
        "home_page_url": iri(home),
        "feed_url": iri(self_url),
        "description": _words(f"Changes to {head.site} reports detected by oigwatch"),
        "authors": [
            {"name": _words(head.site) or "oigwatch", "url": link(head.author_url) or iri(home)}
        ],
        "language": "en",
        "items": items,
    }
    return clean_json(document).encode()  # every string of it cleaned, the event's too
