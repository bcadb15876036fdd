"""Hostile scraped text, in every field, through every renderer: safe, and within limits.

Slack, email, the console and the feeds all clean with ``crawler.text.clean_text``: no control
character, bidi override or isolate, lone surrogate or XML-forbidden character reaches them."""

from __future__ import annotations

import email
import json
import re
from collections.abc import Callable
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

import pytest
from lxml import etree
from support.slack_payload import check_message

from notifier.console import render_text
from notifier.render.common import load_templates, safe_url
from notifier.render.email import DEL, INS, EmailContent, email_digest, email_message
from notifier.render.slack import SlackMessage, slack_digest, slack_message, slack_url
from web.feeds import atom_feed, json_feed, rss_feed

TEMPLATES = load_templates(names={"dhs-oig": "DHS OIG"})  # the shipped display name
HOSTILE = {
    "channel": "<!channel> read this",
    "here": "<!here|here> now",
    "mentions": "ping <@U123> and <#C123> and <!subteam^S1>",
    "link": "<https://evil.example|click> me",
    "amp": "AT&T & Johnson &amp; &lt;b&gt;",
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "controls": "a\x00b\x01c\x07d\x08e\x0bf\x0cg\x1bh\x1fi\x7fj\x80k\x85l\x9fm\u202en\u2066o",
    "bidi": "\u202eevil\u202c \u2066x\u2069 \u202a\u202b\u202d\u2067\u2068 nul\x00 \x1b[31mred",
    "terminal": "\x1b[2J\x1b]0;pwned\x07 OIG\x9b-1\r overwritten",
    "xml": "a\ud800b\udfffc\ufffed\uffffe",
    "crlf": "Title\r\nBcc: victim@example.org",
    "separators": "line\u2028sep\u2029para\rcr",
    "markers": "*bold* _italic_ ~strike~ `code` ```block``` > quote",
    "emoji": "🚨 ICE 🇺🇸 report :rotating_light: 👩🏽‍⚖️",
    "rtl": "تقرير المفتش العام عن الهجرة עברית",
    "long_words": "Title " * 900,
    "long_word": "x" * 10_000,
    "javascript": "javascript:alert(1)",
}
CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
SLACK_LINK = re.compile(r"<(https?://[^\s<>|]+)\|([^<>]*)>")
HTML_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "body",
    "p",
    "h1",
    "h2",
    "a",
    "strong",
    "br",
    "ul",
    "li",
    "span",
    "del",
    "ins",
    "code",
    "div",
}
HTML_ATTRS = {"lang", "charset", "name", "content", "style", "dir", "href"}


def base(**fields: Any) -> dict[str, Any]:
    """A `revised` event in the docs/cli.md shape, with ``fields`` overriding it."""
    event: dict[str, Any] = {
        "event_id": 7,
        "kind": "revised",
        "source": "dhs-oig",
        "status": "published",
        "report_number": "OIG-24-01",
        "title": "CBP Did Not Fully Implement the Act (Revised)",
        "url": "https://www.oig.dhs.gov/a.pdf",
        "listing_url": "https://www.oig.dhs.gov/reports",
        "issue_date": "2023-10-20",
        "fiscal_year": "2024",
        "components": ["CBP"],
        "summary": "A summary.",
        "labels": ["revised"],
        "labels_gained": ["revised"],
        "labels_lost": [],
        "detected_at": "2026-11-23T01:30:00+00:00",
        "report_key": "OIG-24-01",
        "detail_url": None,
        "changes": [
            {
                "field": "title",
                "old": "CBP Did Not Fully Implement the Act",
                "new": "CBP Did Not Fully Implement the Act (Revised)",
            }
        ],
    }
    event.update(fields)
    return event


def bulk(s: str, **fields: Any) -> dict[str, Any]:
    """A `bulk_hold` summary (crawler/bulk.py's shape) with ``s`` in every scraped place."""
    example = {
        "kind": "revised",
        "report_number": s,
        "report_key": s,
        "title": s,
        "changes": [
            {"field": "pdf_url", "old": s, "new": s + "/x"},
            {"field": s, "old": s, "new": [s]},
            {"field": "title", "old": s, "new": s + " (Revised)"},
            {"field": "summary", "old": s, "new": s},
        ],
        "labels_gained": [s],
        "labels_lost": [s, "redacted"],
    }
    return {
        "kind": "bulk_hold",
        "source": s,
        "held": 518,
        "limit": 25,
        "report_numbers": [s, s],
        "counts": {"revised": 518, "removed": 3, s: 2},
        "fields": {s: 518, "pdf_url": 517, f"labels_gained:{s}": 1},
        "examples": [example, {**example, "kind": s, "report_number": None}] * 3,
        "event_id": s,
        "detected_at": s,
        "changes": [],
        **fields,
    }


PLACES: dict[str, Callable[[str], dict[str, Any]]] = {
    "title": lambda s: base(kind="new", title=s, changes=[], labels_gained=[]),
    "summary": lambda s: base(kind="new", summary=s, changes=[], labels_gained=[]),
    "number": lambda s: base(report_number=s, report_key=s),
    "components": lambda s: base(components=[s, "CBP"]),
    "dates": lambda s: base(issue_date=s, fiscal_year=s, detected_at=s, source=s),
    "labels": lambda s: base(labels=[s], labels_gained=[s], labels_lost=[s]),
    "title_redline": lambda s: base(
        title=s + " (Revised)", changes=[{"field": "title", "old": s, "new": s + " (Revised)"}]
    ),
    "summary_redline": lambda s: base(
        changes=[
            {"field": "summary", "old": "Old summary.", "new": s},
            {"field": "summary", "old": s, "new": "New " + s + " end"},
        ]
    ),
    "values": lambda s: base(
        changes=[
            {"field": "fiscal_year", "old": s, "new": "2024"},
            {"field": "components", "old": [s], "new": ["CBP", s + "x"]},
            {"field": "pdf_content", "old": s, "new": "ab" * 32},
            {"field": "pdf_url", "old": s, "new": s},
            {"field": s, "old": s, "new": [s]},
        ]
    ),
    "urls": lambda s: base(url=s, listing_url="https://x.example/" + s, detail_url=s),
    "unhealthy": lambda s: {"kind": "source_unhealthy", "source": s, "reason": s, "changes": []},
    "bulk_hold": lambda s: {
        "kind": "bulk_hold",
        "source": s,
        "held": s,
        "limit": 25,
        "report_numbers": [s, s],
        "event_id": s,
        "changes": [],
    },
    "bulk_site_wide": lambda s: bulk(s, site_wide=True, site_wide_field=s),
    "bulk_site_wide_link": lambda s: bulk(s, site_wide=True, site_wide_field="pdf_url"),
    "bulk_examples": lambda s: bulk(s, site_wide=False, site_wide_field=None),
    "delivery_failed": lambda s: {
        "kind": "delivery_failed",
        "target": s,
        "error": s,
        "event_id": s,
        "changes": [],
    },
}


def links(event: dict[str, Any]) -> set[str]:
    """The URLs a renderer may link: the event's own http(s) links, nothing from its text."""
    urls = (safe_url(event.get(k)) for k in ("url", "listing_url", "detail_url"))
    return {u for u in urls if u}


def slack_texts(message: SlackMessage) -> list[str]:
    found = [message.text]
    for block in message.blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [element["text"] for element in block.get("elements", [])]
    return found


def assert_slack_safe(message: SlackMessage, event: dict[str, Any]) -> None:
    """Within Slack's limits; no mention, no forged link, no stray ``&``, no control characters."""
    check_message(message.text, message.blocks)
    assert len(message.blocks) <= 50 and len(message.text) <= 3000
    for block in message.blocks:
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text" and len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert block["text"]["verbatim"] is True and len(block["text"]["text"]) <= 3000
    allowed = {slack_url(u) for u in links(event)}
    for text in slack_texts(message):
        assert not CONTROL.search(text)
        assert re.fullmatch(r"(?:[^&]|&(?:amp|lt|gt);)*", text, re.DOTALL)
        assert "<!" not in text and "<@" not in text and "<#" not in text
        for url, _label in SLACK_LINK.findall(text):
            assert url in allowed  # a label may hold "|": Slack splits a link at its first "|"
        assert "<" not in SLACK_LINK.sub("", text) and ">" not in SLACK_LINK.sub("", text)


class Page(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML document."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_email_safe(message: EmailContent, event: dict[str, Any]) -> None:
    """One-line subject; clean text; HTML with only our tags, attributes, styles and links."""
    assert not CONTROL.search(message.subject) and "\n" not in message.subject
    assert "\u2028" not in message.subject and "\u2029" not in message.subject
    assert 0 < len(message.subject) <= 120
    mail = EmailMessage()
    mail["Subject"] = message.subject
    parsed = email.message_from_string(mail.as_string())
    assert parsed.keys() == ["Subject"]
    assert not CONTROL.search(message.text) and not CONTROL.search(message.html)
    page = Page(message.html)
    allowed = links(event)
    for tag, attrs in page.tags:
        assert tag in HTML_TAGS
        for name, value in attrs:
            assert name in HTML_ATTRS
            if name == "href":
                assert value in allowed
            if tag in ("del", "ins"):
                assert f'<{tag} {name}="{value}">' == (DEL if tag == "del" else INS)
    assert not re.search(r"<(script|img|iframe|svg)", message.html, re.IGNORECASE)


def assert_console_safe(event: dict[str, Any]) -> None:
    """Terminal text: no escape sequence, carriage return, bidi override; lines only."""
    text = render_text(event)
    assert not CONTROL.search(text), repr(text)


FEED_URL = "http://127.0.0.1:8080/feeds/changes"


def feed_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event as the ledger hands it to the feeds (``detected_at`` is the ledger's own time)."""
    return {**event, "detected_at": "2026-11-23T01:30:00+00:00"}


def assert_xml_feed_safe(body: bytes) -> None:
    """Well-formed XML holding no control character, bidi override or isolate."""
    etree.fromstring(body)
    text = body.decode("utf-8")
    assert not CONTROL.search(text.replace("\n", "")), repr(CONTROL.findall(text))


def strings(value: Any) -> list[str]:
    """Every string in parsed JSON, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def assert_json_feed_safe(body: bytes) -> None:
    """No string of the JSON Feed (``_oigwatch``'s copy of the event included) holds one."""
    for text in strings(json.loads(body)):
        assert not CONTROL.search(text.replace("\n", "")), repr(text)


RENDERERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "slack_message": lambda ev: assert_slack_safe(slack_message(ev, TEMPLATES), ev),
    "slack_digest": lambda ev: assert_slack_safe(slack_digest([ev, ev], TEMPLATES, "DHS OIG"), ev),
    "email_message": lambda ev: assert_email_safe(email_message(ev, TEMPLATES), ev),
    "email_digest": lambda ev: assert_email_safe(email_digest([ev, ev], TEMPLATES, "DHS OIG"), ev),
    "console": assert_console_safe,
    "atom": lambda ev: assert_xml_feed_safe(atom_feed([feed_event(ev)], FEED_URL + ".atom")),
    "rss": lambda ev: assert_xml_feed_safe(rss_feed([feed_event(ev)], FEED_URL + ".rss")),
    "json_feed": lambda ev: assert_json_feed_safe(json_feed([feed_event(ev)], FEED_URL + ".json")),
}


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_renders_safely(hostile: str, place: str, renderer: str) -> None:
    RENDERERS[renderer](PLACES[place](HOSTILE[hostile]))


def test_slack_shows_hostile_title_as_inert_text() -> None:
    title = "<!channel> <https://evil.example|click> *bold* _it_ ~gone~ `code` & more"
    intro = slack_message(PLACES["title"](title), TEMPLATES).blocks[1]["text"]["text"]
    assert (
        "&lt;!channel&gt; &lt;https://evil.example|click&gt; ∗bold∗ ˍitˍ ∼gone∼ ˋcodeˋ &amp; more"
    ) in intro


def test_slack_redline_escapes_each_span() -> None:
    change = {"field": "title", "old": "Review of <b>A~B</b> *x*", "new": "Review of <@U1> *y*"}
    message = slack_message(base(changes=[change]), TEMPLATES)
    body = message.blocks[2]["text"]["text"].split("\n", 1)[1]
    assert body == "Review of ~&lt;b&gt;A∼B&lt;/b&gt;~ *&lt;@U1&gt;* ~∗x∗~ *∗y∗*"


def test_html_shows_hostile_text_as_text() -> None:
    title = '<script>alert(1)</script> "><img src=x onerror=alert(1)>'
    message = email_message(PLACES["title"](title), TEMPLATES)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert title in "".join(Page(message.html).text)


def test_html_redline_escapes_each_span() -> None:
    change = {"field": "summary", "old": "keep <b>old</b>", "new": "keep <script>new"}
    html = email_message(base(changes=[change]), TEMPLATES).html
    assert f"keep {DEL}&lt;b&gt;old&lt;/b&gt;</del> {INS}&lt;script&gt;new</ins>" in html


def test_header_injection_in_title_stays_in_the_subject() -> None:
    message = email_message(PLACES["title"](HOSTILE["crlf"]), TEMPLATES)
    assert message.subject == "[DHS OIG] New: OIG-24-01 Title Bcc: victim@example.org"


@pytest.mark.parametrize("text", ["تقرير المفتش العام عن الهجرة עברית", "🚨 ICE 🇺🇸 👩🏽‍⚖️ report"])
@pytest.mark.parametrize("place", ["title", "summary"])
def test_rtl_and_emoji_survive(text: str, place: str) -> None:
    event = PLACES[place](text)
    assert text in "\n".join(slack_texts(slack_message(event, TEMPLATES)))
    assert text in email_message(event, TEMPLATES).html
    assert text in email_message(event, TEMPLATES).text


def test_scraped_emoji_shortcodes_stay_text_in_slack() -> None:
    message = slack_message(PLACES["title"](":rotating_light: Alert"), TEMPLATES)
    assert ":rotatingˍlight: Alert" in message.blocks[1]["text"]["text"]
