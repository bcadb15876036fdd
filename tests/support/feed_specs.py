"""Feeds checked against their specifications, for tests: Atom by the RELAX NG schema of RFC 4287
(``schemas/atom.rng``) plus the RFC's rules a schema cannot say, RSS 2.0 by its required elements
and RFC 822 dates, JSON Feed 1.1 by ``schemas/jsonfeed-1.1.json``, OPML 2.0 by its structure.
Each ``check_*`` raises AssertionError naming what is wrong, and returns the parsed document."""

from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import jsonschema
from lxml import etree

SCHEMAS = Path(__file__).resolve().parent / "schemas"
ATOM = "{http://www.w3.org/2005/Atom}"
# An IRI (RFC 3987) as far as a reader needs: a scheme, then no space, control, or character that
# no IRI may hold ("<>\"{}|\\^`"), and every "%" starting an escape.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_NOT_IRI = re.compile(r"[\s\x00-\x1f\x7f-\x9f<>\"{}|\\^`]|%(?![0-9A-Fa-f]{2})")
# RFC 822 (as RSS 2.0 says, with four-digit years as everyone writes them): "Fri, 20 Nov 2026
# 09:00:00 +0000"
RFC822 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} ([+-]\d{4}|GMT|UT)"
)


def is_iri(value: str) -> bool:
    return bool(_SCHEME.match(value)) and not _NOT_IRI.search(value)


@cache
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "atom.rng")))


@cache
def json_feed_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / "jsonfeed-1.1.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check_feedparser(body: bytes, version: str) -> Any:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    return parsed


def check_atom(body: bytes) -> etree._Element:
    """Valid by RFC 4287's schema, with the RFC's own rules: an author (on the feed, here),
    IRI ids, at most one alternate link per type and hreflang, each entry a content or an
    alternate link."""
    root = etree.fromstring(body)
    schema = atom_schema()
    assert schema.validate(root), str(schema.error_log)
    assert root.find(f"{ATOM}author/{ATOM}name") is not None or all(
        entry.find(f"{ATOM}author") is not None for entry in root.iter(f"{ATOM}entry")
    ), "RFC 4287 4.1.1: atom:feed must have an atom:author unless every entry has one"
    for node in root.iter(f"{ATOM}id"):
        assert is_iri(node.text or ""), f"not an IRI: {node.text!r}"
    for scope in [root, *root.iter(f"{ATOM}entry")]:
        alternates = [
            (link.get("type"), link.get("hreflang"))
            for link in scope.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternates) == len(set(alternates)), "two alternate links of one type"
    for entry in root.iter(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}content") is not None or any(
            link.get("rel", "alternate") == "alternate" for link in entry.findall(f"{ATOM}link")
        ), "RFC 4287 4.1.1: an entry needs content or an alternate link"
    check_feedparser(body, "atom10")
    return root


def check_rss(body: bytes) -> etree._Element:
    """RSS 2.0: ``rss version="2.0"``, one channel with title, link and description; each item
    a title or a description, a guid, an RFC 822 pubDate; text that parses back as written."""
    root = etree.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    [channel] = root.findall("channel")
    for name in ("title", "link", "description"):
        node = channel.find(name)
        assert node is not None and (node.text or "").strip(), f"channel {name} missing"
    assert urlsplit(channel.findtext("link") or "").scheme in ("http", "https")
    for when in channel.findall("lastBuildDate") + channel.findall("pubDate"):
        assert RFC822.fullmatch(when.text or ""), when.text
    for item in channel.findall("item"):
        assert item.find("title") is not None or item.find("description") is not None
        guid = item.find("guid")
        assert guid is not None and (guid.text or "").strip()
        if guid.get("isPermaLink", "true") == "true":
            assert urlsplit(guid.text or "").scheme in ("http", "https")
        stamp = item.findtext("pubDate") or ""
        assert RFC822.fullmatch(stamp), f"pubDate not RFC 822: {stamp!r}"
        parsedate_to_datetime(stamp)
    check_feedparser(body, "rss20")
    return root


def check_json_feed(body: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(body)
    errors = sorted(json_feed_validator().iter_errors(document), key=str)
    assert not errors, "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    return document


def check_feed(body: bytes, fmt: str) -> Any:
    return {"atom": check_atom, "rss": check_rss, "json": check_json_feed}[fmt](body)


def feed_identity(body: bytes, fmt: str) -> tuple[str, str]:
    """A feed's (id, title): Atom's id, RSS's self link, JSON Feed's feed_url."""
    if fmt == "json":
        document = json.loads(body)
        return document["feed_url"], document["title"]
    root = etree.fromstring(body)
    if fmt == "atom":
        return root.findtext(f"{ATOM}id") or "", root.findtext(f"{ATOM}title") or ""
    channel = root.find("channel")
    assert channel is not None
    self_link = channel.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None
    return self_link.get("href") or "", channel.findtext("title") or ""


def check_opml(body: bytes) -> list[etree._Element]:
    """OPML 2.0: version, a head with a title, a body of outlines each with ``text``; returns the
    subscription outlines (those with ``xmlUrl``), each ``type="rss"`` with absolute URLs."""
    root = etree.fromstring(body)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert (root.findtext("head/title") or "").strip()
    created = root.findtext("head/dateCreated")
    assert created is None or RFC822.fullmatch(created), created
    body_node = root.find("body")
    assert body_node is not None and len(body_node)
    feeds = []
    for outline in body_node.iter("outline"):
        assert (outline.get("text") or "").strip(), "an outline without text"
        if outline.get("xmlUrl") is not None:
            assert outline.get("type") == "rss"
            for attribute in ("xmlUrl", "htmlUrl"):
                parts = urlsplit(outline.get(attribute) or "")
                assert parts.scheme in ("http", "https") and parts.netloc, outline.attrib
            feeds.append(outline)
    return feeds
