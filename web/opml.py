"""The feeds worth subscribing to, as one OPML 2.0 file (pure): every change, then by kind, by
component and by source, each an Atom feed with its page. A reader imports ``/feeds.opml`` once
instead of copying addresses.

OPML 2.0 (http://opml.org/spec2.opml): ``<opml version="2.0">``, a ``head`` with a ``title`` and
``dateCreated`` (RFC 822), a ``body`` of ``outline`` elements; a subscription is an outline with
``type="rss"`` (the spec's word for any feed), ``text``, ``xmlUrl`` and ``htmlUrl``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlencode

from lxml import etree

from config.settings import Settings
from config.vocabulary import CONTENT_KINDS, kind_word
from crawler.clock import utcnow
from crawler.text import clean_text
from web.feeds import feed_title


@dataclass(frozen=True, slots=True)
class Outline:
    """One feed (``query`` set, "" for every change) or a heading over ``children``."""

    text: str
    query: str | None = None
    children: tuple[Outline, ...] = ()


def feed_outlines(settings: Settings, components: Sequence[str]) -> list[Outline]:
    """All changes; one feed per reader-facing kind, per component, and per source (when
    there are several)."""
    site = settings.site_title

    def feed(scope: Sequence[str], items: list[tuple[str, str]], named: str = "") -> Outline:
        return Outline(feed_title(named or site, scope), urlencode(items))

    kinds = tuple(feed([kind_word(k).lower()], [("kind", k)]) for k in CONTENT_KINDS)
    by_component = tuple(feed([c], [("component", c)]) for c in components)
    by_source = tuple(  # one source's feed would be every change again
        feed([], [("source", s.name)], s.display_name or s.name) for s in settings.sources
    )
    if len(by_source) < 2:
        by_source = ()
    outlines = [Outline(feed_title(site), "")]
    for heading, children in (
        ("By kind", kinds),
        ("By component", by_component),
        ("By source", by_source),
    ):
        if children:
            outlines.append(Outline(heading, children=children))
    return outlines


def opml(title: str, base_url: str, outlines: Sequence[Outline], now: datetime | None = None) -> bytes:  # fmt: skip
    """The OPML document: each feed's absolute Atom address (``base_url`` + ``/feeds/``) and
    page; every string cleaned, lxml escapes."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = clean_text(title)
    etree.SubElement(head, "dateCreated").text = format_datetime(now or utcnow())
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")

    def add(parent: etree._Element, item: Outline) -> None:
        if item.query is None:
            node = etree.SubElement(parent, "outline", text=clean_text(item.text))
            for child in item.children:
                add(node, child)
            return
        query = f"?{item.query}" if item.query else ""
        etree.SubElement(
            parent,
            "outline",
            type="rss",
            version="ATOM",
            text=clean_text(item.text),
            title=clean_text(item.text),
            xmlUrl=f"{base_url}/feeds/changes.atom{query}",
            htmlUrl=f"{base_url}/{query}",
        )

    for item in outlines:
        add(body, item)
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")
