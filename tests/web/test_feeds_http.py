"""The feeds over HTTP, served by uvicorn over a ledger the real CLI filled (SQLite and PostgreSQL):
they parse, list exactly the filtered events newest first, survive hostile text, and answer
conditional requests with 304."""

from __future__ import annotations

import html
import json
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import feedparser
import httpx
import pytest

FORMATS = ("atom", "rss", "json")
TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}


def entry_ids(response: httpx.Response, fmt: str) -> list[str]:
    """The entries' ids, after checking the document parses cleanly."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == TYPES[fmt]
    if fmt == "json":
        document = json.loads(response.content)
        assert document["version"] == "https://jsonfeed.org/version/1.1"
        assert isinstance(document["title"], str) and isinstance(document["items"], list)
        return [item["id"] for item in document["items"]]
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("atom10" if fmt == "atom" else "rss20")
    return [entry.id for entry in parsed.entries]


def ids_of(ledger: Any, *names: str) -> list[str]:
    """Expected entry ids of the named events, newest first."""
    events = sorted((ledger.events[n] for n in names), key=lambda e: -e["event_id"])
    return [f"urn:oigwatch:event:{e['event_id']}" for e in events]


@pytest.mark.parametrize("fmt", FORMATS)
def test_feed_lists_every_reader_facing_change_newest_first(web: httpx.Client, ledger: Any, fmt: str) -> None:  # fmt: skip
    ids = entry_ids(web.get(f"/feeds/changes.{fmt}"), fmt)
    assert ids == ids_of(ledger, "new", "revised", "hostile", "removed")
    assert ids == entry_ids(web.get(f"/feeds/changes.{fmt}"), fmt), "ids are stable"


FILTERS = [
    ("component=ICE", ("new",)),
    ("component=cbp", ("revised", "hostile", "removed")),  # codes match case-insensitively
    ("kind=revised", ("revised",)),
    ("kind=removed", ("removed",)),
    ("label=revised", ("revised",)),
    ("component=CBP&kind=new", ("hostile",)),
    ("component=ICE&component=CBP&kind=new", ("new", "hostile")),
    ("kind=new&kind=removed", ("new", "hostile", "removed")),
    ("component=ICE&kind=revised", ()),
    ("label=redacted", ()),
    ("kind=source_unhealthy", ()),  # ops kinds only when asked for, and there are none
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("query", "names"), FILTERS)
def test_feed_filters_like_routes(
    web: httpx.Client, ledger: Any, fmt: str, query: str, names: tuple[str, ...]
) -> None:
    assert entry_ids(web.get(f"/feeds/changes.{fmt}?{query}"), fmt) == ids_of(ledger, *names)


def test_revision_entry_says_what_changed(web: httpx.Client, ledger: Any) -> None:
    [entry] = feedparser.parse(web.get("/feeds/changes.atom?kind=revised").content).entries
    assert entry.title.startswith("Revised: OIG-19-11 ") and entry.title.endswith("(Revised)")
    assert "\nSummary" in entry.summary and "$4.3 billion" in entry.summary
    assert "None" not in entry.summary
    assert entry.link == ledger.events["revised"]["url"]
    document = web.get("/feeds/changes.json?kind=revised").json()
    [item] = document["items"]
    assert item["_oigwatch"]["labels_gained"] == ["revised"]
    assert document["feed_url"] == "http://127.0.0.1:8080/feeds/changes.json?kind=revised"


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_title_stays_text_in_every_feed(web: httpx.Client, fmt: str) -> None:
    response = web.get(f"/feeds/changes.{fmt}?component=CBP&kind=new")
    assert b"\x01" not in response.content, "XML control characters are removed"
    if fmt == "json":
        title = response.json()["items"][0]["title"]
    else:
        assert b"<script>" not in response.content, "escaped in the XML, never markup"
        title = feedparser.parse(response.content).entries[0].title
    assert '<script>alert(1)</script> & "quotes"  ]]> Report' in title


def test_feed_limit_applies_after_filtering(ledger: Any, serve: Any) -> None:
    service = ledger.settings.service.model_copy(update={"feed_limit": 2})
    settings = ledger.settings.model_copy(update={"service": service})
    server = serve(settings, ledger.engine)
    ids = entry_ids(httpx.get(server.url + "/feeds/changes.atom?component=CBP"), "atom")
    assert ids == ids_of(ledger, "hostile", "removed"), "the two newest CBP changes"


@pytest.mark.parametrize("fmt", FORMATS)
def test_conditional_requests_get_304_without_a_body(web: httpx.Client, fmt: str) -> None:
    first = web.get(f"/feeds/changes.{fmt}")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith('W/"'), "a strong ETag"
    again = web.get(f"/feeds/changes.{fmt}", headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    since = web.get(f"/feeds/changes.{fmt}", headers={"If-Modified-Since": modified})
    assert (since.status_code, since.content) == (304, b"")
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2020), usegmt=True)
    assert (
        web.get(f"/feeds/changes.{fmt}", headers={"If-Modified-Since": earlier}).status_code == 200
    )
    other = web.get(f"/feeds/changes.{fmt}", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content


def test_etag_depends_on_format_and_filter(web: httpx.Client) -> None:
    tags = {
        web.get(path).headers["etag"]
        for path in (
            "/feeds/changes.atom",
            "/feeds/changes.rss",
            "/feeds/changes.atom?kind=new",
            "/feeds/changes.atom?component=ICE",
        )
    }
    assert len(tags) == 4
    assert (
        web.get("/feeds/changes.atom?kind=new&component=ICE").headers["etag"]
        == web.get("/feeds/changes.atom?component=ice&kind=NEW").headers["etag"]
    ), "the same filter, spelled differently, is the same feed"


def test_last_modified_is_the_newest_listed_event(web: httpx.Client, ledger: Any) -> None:
    from datetime import datetime

    newest = datetime.fromisoformat(ledger.events["new"]["detected_at"])
    header = web.get("/feeds/changes.rss?component=ICE").headers["last-modified"]
    assert parsedate_to_datetime(header) == newest.replace(microsecond=0)


def test_a_new_event_changes_the_etag(empty_ledger: Any, serve: Any, record_events: Any) -> None:
    engine, settings = empty_ledger
    server = serve(settings, engine)
    url = server.url + "/feeds/changes.atom"
    empty = httpx.get(url)
    assert entry_ids(empty, "atom") == [] and "last-modified" not in empty.headers
    [first] = record_events(engine, settings, {"kind": "new", "report_number": "OIG-27-90",
                                               "title": "First", "components": ["FEMA"]})  # fmt: skip
    one = httpx.get(url, headers={"If-None-Match": empty.headers["etag"]})
    assert one.status_code == 200 and entry_ids(one, "atom") == [f"urn:oigwatch:event:{first}"]
    assert httpx.get(url, headers={"If-None-Match": one.headers["etag"]}).status_code == 304
    [second] = record_events(engine, settings, {"kind": "revised", "report_number": "OIG-27-90",
                                                "title": "First (Revised)", "components": ["FEMA"]})  # fmt: skip
    two = httpx.get(url, headers={"If-None-Match": one.headers["etag"]})
    assert two.status_code == 200 and two.headers["etag"] != one.headers["etag"]
    assert entry_ids(two, "atom")[0] == f"urn:oigwatch:event:{second}", "a revision is a new entry"
    unrelated = httpx.get(url + "?component=ICE")
    record_events(engine, settings, {"kind": "new", "title": "Other", "components": ["TSA"]})
    assert (
        httpx.get(
            url + "?component=ICE", headers={"If-None-Match": unrelated.headers["etag"]}
        ).status_code
        == 304
    ), "an event outside the filter leaves that feed unchanged"


def test_held_events_are_not_in_feeds_until_released(
    empty_ledger: Any, serve: Any, record_events: Any
) -> None:
    from sqlalchemy import update

    from ledger.models import ChangeEvent

    engine, settings = empty_ledger
    [held] = record_events(
        engine, settings, {"kind": "new", "title": "Held", "components": ["CBP"]}
    )
    with engine.begin() as conn:
        conn.execute(update(ChangeEvent).where(ChangeEvent.id == held).values(status="held"))
    server = serve(settings, engine)
    before = httpx.get(server.url + "/feeds/changes.json")
    assert entry_ids(before, "json") == []
    with engine.begin() as conn:  # what `oigwatch release` does: same id, now published
        conn.execute(update(ChangeEvent).where(ChangeEvent.id == held).values(status="published"))
    after = httpx.get(
        server.url + "/feeds/changes.json", headers={"If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200 and entry_ids(after, "json") == [f"urn:oigwatch:event:{held}"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("kind=bogus", "unknown kind 'bogus'"),
        ("component=XYZ", "unknown component 'XYZ'"),
        ("label=secret", "unknown label 'secret'"),
        ("components=CBP", "unknown parameter 'components'"),
        ("kind=", "parameter 'kind' is empty"),
    ],
)
def test_bad_parameters_are_400_with_a_message(web: httpx.Client, query: str, message: str) -> None:
    response = web.get(f"/feeds/changes.atom?{query}")
    assert response.status_code == 400 and message in response.text


def test_head_and_methods(web: httpx.Client) -> None:
    get = web.get("/feeds/changes.rss")
    head = web.head("/feeds/changes.rss")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert int(head.headers["content-length"]) == len(get.content)
    assert web.post("/feeds/changes.rss").status_code == 405, "read only"


def feed_entries(response: httpx.Response, fmt: str) -> dict[str, tuple[str, str]]:
    """Each entry's (title, text) by id, after checking the document parses cleanly."""
    entry_ids(response, fmt)
    if fmt == "json":
        items = response.json()["items"]
        return {item["id"]: (item["title"], item["content_text"]) for item in items}
    parsed = feedparser.parse(response.content)
    if fmt == "rss":  # a description is HTML: the text escaped, lines as <br>
        return {
            entry.id: (entry.title, html.unescape(entry.summary.replace("<br />", "")))
            for entry in parsed.entries
        }
    return {entry.id: (entry.title, entry.summary) for entry in parsed.entries}


@pytest.mark.parametrize("fmt", FORMATS)
def test_health_episodes_are_entries_of_every_feed(
    empty_ledger: Any, serve: Any, record_events: Any, record_health: Any, fmt: str
) -> None:
    engine, settings = empty_ledger
    [new, revised] = record_events(
        engine,
        settings,
        {"kind": "new", "report_number": "OIG-27-01", "title": "New", "components": ["CBP"]},
        {"kind": "revised", "report_number": "OIG-27-02", "title": "Revised", "components": ["ICE"],
         "labels": ["revised"], "labels_gained": ["revised"]},
    )  # fmt: skip
    reason = "HTTP 503 <script>alert(1)</script> & ]]> at 13 pages"
    record_events(engine, settings, {"kind": "bulk_hold", "held": 30, "limit": 25})
    [down] = record_health(engine, settings, reason)  # after them: their runs were healthy
    server = serve(settings, engine)
    url = f"{server.url}/feeds/changes.{fmt}"

    def ids(query: str = "") -> list[str]:
        return entry_ids(httpx.get(url + query), fmt)

    def urn(*events: int) -> list[str]:
        return [f"urn:oigwatch:event:{event}" for event in events]

    response = httpx.get(url)
    entries = feed_entries(response, fmt)
    assert list(entries) == urn(down, revised, new), "no bulk_hold without ?kind=bulk_hold"
    title, text = entries[f"urn:oigwatch:event:{down}"]
    assert title == "Watching dhs-oig is failing; changes may be missed"
    assert text.startswith("Since 20") and "UTC, oigwatch cannot read" in text
    assert "may be missed until it recovers" in text
    assert f"Reason: {reason}" in text, "the reason, as text"
    if fmt != "json":
        assert b"<script>" not in response.content, "escaped in the XML, never markup"
    assert ids("?kind=revised") == urn(revised)
    assert ids("?component=CBP") == urn(down, new), "a blind monitor is blind for every component"
    assert ids("?component=ICE&label=revised") == urn(down, revised)
    assert ids("?kind=new&component=CBP") == urn(new)
    assert ids("?kind=bulk_hold") != []

    before = httpx.get(url + "?component=CBP")
    [up] = record_health(engine, settings, None)
    assert record_health(engine, settings, None) == [], "one entry per episode"
    entries = feed_entries(httpx.get(url), fmt)
    assert list(entries) == urn(up, down, revised, new)
    title, text = entries[f"urn:oigwatch:event:{up}"]
    assert title == "Watching dhs-oig has recovered"
    assert "oigwatch reads the report listings of dhs-oig again" in text
    assert ids("?kind=source_recovered") == urn(up)
    assert ids("?kind=source_unhealthy&kind=source_recovered") == urn(up, down)
    assert ids("?kind=revised") == urn(revised)
    again = httpx.get(url + "?component=CBP", headers={"If-None-Match": before.headers["etag"]})
    assert again.status_code == 200 and entry_ids(again, fmt) == urn(up, down, new)


def test_change_list_shows_health_episodes_as_warnings(
    empty_ledger: Any, serve: Any, record_events: Any, record_health: Any
) -> None:
    engine, settings = empty_ledger
    [new] = record_events(engine, settings, {"kind": "new", "title": "New", "components": ["CBP"]})
    [down] = record_health(engine, settings, "maintenance page <b>")
    [up] = record_health(engine, settings, None)
    server = serve(settings, engine)
    page = httpx.get(server.url + "/?component=CBP").text
    assert page.index(f'id="event-{up}"') < page.index(f'id="event-{down}"')
    assert page.index(f'id="event-{down}"') < page.index(f'id="event-{new}"')
    assert 'class="change kind-source_unhealthy health"' in page
    assert 'class="change kind-source_recovered health"' in page
    assert "Watching dhs-oig is failing; changes may be missed" in page
    assert "Watching dhs-oig has recovered" in page
    assert "Reason: maintenance page &lt;b&gt;" in page and "<b>" not in page
    only = httpx.get(server.url + "/?kind=new").text
    assert "Watching dhs-oig" not in only
