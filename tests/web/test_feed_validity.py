"""Feeds valid by their specifications (issue #11, observation 7): Atom by RFC 4287's RELAX NG
schema with a real author and IRI ids, RSS 2.0 and JSON Feed 1.1 by theirs; every filter its own
id and title; an OPML file of the useful feeds, linked from the page. Pure renderers first (every
variant: unfiltered, each filter, empty, hostile text), then the served feeds on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.feed_specs import (
    ATOM,
    check_atom,
    check_feed,
    check_json_feed,
    check_opml,
    check_rss,
    feed_identity,
    is_iri,
)

from config.vocabulary import HEALTH_KINDS
from web.feeds import FeedFilter, FeedHead, atom_feed, json_feed, rss_feed

FORMATS = ("atom", "rss", "json")
RENDER = {"atom": atom_feed, "rss": rss_feed, "json": json_feed}
BASE = "http://127.0.0.1:8080"
HOSTILE = '<script>alert(1)</script> & "quotes" \x01\x1b\u202e ]]> <![CDATA[x]]> Report\ufffe'


def event(event_id: int, kind: str = "new", components: tuple[str, ...] = ("CBP",), **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "event_id": event_id,
        "kind": kind,
        "source": "dhs-oig",
        "report_number": f"OIG-27-{event_id:02d}",
        "title": f"Report {event_id} on detention",
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
    event(2, "revised", ("ICE",), labels=["revised"], labels_gained=["revised"],
          changes=[{"field": "title", "old": "Report 2", "new": "Report 2 (Revised)"}]),
    event(3, "removed", (), url=None, detected_at="2026-11-24T09:00:00-05:00"),
    event(4, title=HOSTILE, summary=HOSTILE, url="javascript:alert(1)"),
    {"event_id": 5, "kind": "source_unhealthy", "source": "dhs-oig\x07 <b>",
     "reason": f"HTTP 503 {HOSTILE}", "detected_at": "2026-11-25T00:00:00"},
    event(6, "restored", ("USCIS", "ICE"), summary="Réexamen — “quoted” \u0085 é\x07",
          detected_at=None),
]  # fmt: skip
VARIANTS = {
    "unfiltered": FeedFilter(),
    "kind": FeedFilter(kinds=("revised",)),
    "component": FeedFilter(components=("ICE",), always=HEALTH_KINDS),
    "label": FeedFilter(labels=("revised",)),
    "keyword": FeedFilter(keywords=("detention",), always=HEALTH_KINDS),
    "hostile keyword": FeedFilter(keywords=(HOSTILE,)),
    "nothing matches": FeedFilter(kinds=("bulk_hold",)),
}
HEADS = {
    "unfiltered": FeedHead("DHS OIG", (), "https://www.oig.dhs.gov/"),
    "kind": FeedHead("DHS OIG", ("revised",), "https://www.oig.dhs.gov/"),
    "component": FeedHead("DHS OIG", ("ICE",)),
    "label": FeedHead("DHS OIG", ("labelled Revised",)),
    "keyword": FeedHead("DHS OIG", ('"detention"',)),
    "hostile keyword": FeedHead(
        f"DHS {HOSTILE}", (f'"{HOSTILE}"',), f"https://x.test/a b{HOSTILE}"
    ),
    "nothing matches": FeedHead("DHS OIG", ("held for release",)),
}


def url_of(fmt: str, query: str) -> str:
    return f"{BASE}/feeds/changes.{fmt}" + (f"?{query}" if query else "")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_is_valid_by_its_spec(fmt: str, variant: str) -> None:
    query = "" if variant == "unfiltered" else f"v={variant.replace(' ', '+')}"
    body = RENDER[fmt](EVENTS, url_of(fmt, query), VARIANTS[variant], HEADS[variant])
    check_feed(body, fmt)
    ident, title = feed_identity(body, fmt)
    assert is_iri(ident), ident
    assert title and "\n" not in title


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_feed_is_valid(fmt: str) -> None:
    check_feed(RENDER[fmt]([], url_of(fmt, ""), FeedFilter(), FeedHead()), fmt)


def test_atom_has_a_real_author_and_iri_ids() -> None:
    body = atom_feed(EVENTS, url_of("atom", "component=ICE&kind=revised"), FeedFilter(),
                     FeedHead("DHS OIG", ("revised", "ICE"), "https://www.oig.dhs.gov/"))  # fmt: skip
    root = check_atom(body)
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "DHS OIG"
    assert root.findtext(f"{ATOM}author/{ATOM}uri") == "https://www.oig.dhs.gov/"
    assert root.findtext(f"{ATOM}id") == url_of("atom", "component=ICE&kind=revised")
    assert root.findtext(f"{ATOM}title") == "DHS OIG: revised, ICE"
    ids = [node.text for node in root.iter(f"{ATOM}id")][1:]
    assert ids == [f"urn:oigwatch:event:{n}" for n in (5, 3, 4, 2, 1, 6)]


def test_the_schema_and_checks_can_fail() -> None:
    """The checks are honest: the feed oigwatch wrote before issue #11 (no author, an id with
    spaces) fails them, as does a schema violation."""
    body = atom_feed(EVENTS[:1], url_of("atom", ""))
    old = re.sub(rb"<author>.*?</author>", b"", body, flags=re.S)
    with pytest.raises(AssertionError, match="atom:author"):
        check_atom(old)
    spaced = re.sub(rb"<id>http[^<]*</id>", b"<id>urn:oigwatch:feed:DHS OIG report changes</id>", body)  # fmt: skip
    with pytest.raises(AssertionError, match="not an IRI"):
        check_atom(spaced)
    with pytest.raises(AssertionError):
        check_atom(body.replace(b"<updated>2026", b"<updated>Fri 2026", 1))
    with pytest.raises(AssertionError, match="pubDate"):
        check_rss(re.sub(rb"<pubDate>[^<]*</pubDate>", b"<pubDate>2026-11-21</pubDate>", rss_feed(EVENTS[:1], url_of("rss", ""))))  # fmt: skip
    with pytest.raises(AssertionError, match="url"):
        check_json_feed(json_feed(EVENTS[:1], url_of("json", "")).replace(b'"url": "https', b'"url": null, "x": "https'))  # fmt: skip


TEXT = st.text(st.characters(codec="utf-8"), max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, summary=TEXT, source=TEXT, component=TEXT, url=TEXT, site=TEXT, keyword=TEXT)
def test_any_scraped_text_keeps_every_feed_valid(
    title: str, summary: str, source: str, component: str, url: str, site: str, keyword: str
) -> None:
    events = [
        event(1, title=title, summary=summary, components=(component,), url=url),
        {"event_id": 2, "kind": "source_unhealthy", "source": source, "reason": summary,
         "detected_at": "2026-11-25T00:00:00"},
    ]  # fmt: skip
    head = FeedHead(site, (f'"{keyword}"', component), url)
    for fmt in FORMATS:
        body = RENDER[fmt](events, url_of(fmt, f"q={keyword[:5]}"), FeedFilter(), head)
        check_feed(body, fmt)
        assert is_iri(feed_identity(body, fmt)[0])


# --- served: every filter valid, each its own id and title; the OPML file -----------------------

SERVED = [
    "",
    "kind=revised",
    "kind=revised&component=ICE",
    "component=ICE",
    "component=CBP",
    "label=revised",
    "kind=removed",
    "source=dhs-oig",
    "q=detainee",
    "q=%3Cscript%3E&q=%5D%5D%3E",
    "kind=bulk_hold",
    "component=ICE&kind=revised&label=redacted&q=nothing+here",
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_served_filter_is_valid_with_its_own_id_and_title(web: httpx.Client, fmt: str) -> None:  # fmt: skip
    identities = []
    for query in SERVED:
        response = web.get(f"/feeds/changes.{fmt}" + (f"?{query}" if query else ""))
        assert response.status_code == 200, (query, response.text)
        check_feed(response.content, fmt)
        identities.append(feed_identity(response.content, fmt))
    ids, titles = zip(*identities, strict=True)
    assert len(set(ids)) == len(SERVED), ids
    # one source configured: its feed is every change, titled by its display name like the whole
    named = titles[SERVED.index("source=dhs-oig")]
    assert named == titles[0] == "DHS OIG report changes"
    assert len(set(titles)) == len(SERVED) - 1, titles
    assert all(is_iri(ident) for ident in ids)
    assert titles[SERVED.index("kind=revised&component=ICE")] == "DHS OIG: revised, ICE"
    assert titles[SERVED.index("q=detainee")] == 'DHS OIG: "detainee"'


def test_served_atom_names_the_watched_site_as_author(web: httpx.Client) -> None:
    root = check_atom(web.get("/feeds/changes.atom?kind=revised&component=ice").content)
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "DHS OIG"
    assert urlsplit(root.findtext(f"{ATOM}author/{ATOM}uri") or "").scheme in ("http", "https")
    # the canonical filter (component before kind, codes in their spelling) is the id
    assert (root.findtext(f"{ATOM}id") or "").endswith("/feeds/changes.atom?component=ICE&kind=revised")  # fmt: skip


def test_opml_lists_every_useful_feed_and_each_is_valid(web: httpx.Client) -> None:
    response = web.get("/feeds.opml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/x-opml; charset=utf-8"
    feeds = check_opml(response.content)
    urls = [outline.get("xmlUrl") or "" for outline in feeds]
    queries = [urlsplit(url).query for url in urls]
    assert queries[0] == ""  # all changes first
    for expected in ("kind=new", "kind=revised", "kind=removed", "kind=restored",
                     "component=CBP", "component=ICE"):  # fmt: skip
        assert expected in queries, expected
    assert not [q for q in queries if "source=" in q]  # one source: its feed is every change
    assert len(set(urls)) == len(urls)
    titles = [outline.get("text") for outline in feeds]
    assert "DHS OIG: revised" in titles and "DHS OIG: ICE" in titles
    for url in urls:  # each listed feed answers and is valid (served here, listed at public_url)
        path = urlsplit(url)
        served = web.get(path.path + (f"?{path.query}" if path.query else ""))
        assert served.status_code == 200, url
        check_atom(served.content)
        assert feed_identity(served.content, "atom")[0] == url  # the OPML lists the feed's id


def test_the_page_links_the_opml_file(web: httpx.Client) -> None:
    page = web.get("/").text
    assert '<link rel="outline" type="text/x-opml"' in page
    assert '<a href="/feeds.opml">' in page


def test_opml_lists_each_source_when_there_are_several_and_stays_valid() -> None:
    from types import SimpleNamespace

    from web.opml import feed_outlines, opml

    sources = [SimpleNamespace(name="dhs-oig", display_name="DHS OIG"),
               SimpleNamespace(name="usda-oig", display_name=f"USDA {HOSTILE}")]  # fmt: skip
    config = SimpleNamespace(site_title="DHS OIG · USDA OIG", sources=sources)
    outlines = feed_outlines(config, ["CBP", HOSTILE])  # type: ignore[arg-type]
    feeds = check_opml(opml(f"Every feed {HOSTILE}", BASE, outlines))
    queries = [urlsplit(outline.get("xmlUrl") or "").query for outline in feeds]
    assert "source=dhs-oig" in queries and "source=usda-oig" in queries
    assert any(q.startswith("component=%3Cscript%3E") for q in queries)
    texts = [outline.get("text") or "" for outline in feeds]
    assert "DHS OIG report changes" in texts
    assert all("\x01" not in text and "\u202e" not in text for text in texts)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.oig.dhs.gov/a/OIG-24-01.pdf", "https://www.oig.dhs.gov/a/OIG-24-01.pdf"),
        ("https://a.test/b c", "https://a.test/b%20c"),
        ("https://a.test/%zz%41", "https://a.test/%25zz%41"),
        ("https://é.test/ü\x07", "https://%C3%A9.test/%C3%BC"),
        ("javascript:alert(1)", None),
        ("/relative/path.pdf", None),
        (None, None),
    ],
)
def test_links_are_http_iris_or_absent(url: str | None, expected: str | None) -> None:
    from web.feeds import link

    assert link(url) == expected
    assert expected is None or is_iri(expected)
