"""Query parameters (issue #11, observation 8, and the ``q`` filter): every whole number is
bounded, so ``?before=2147483648`` and any other out-of-range, negative or huge number is a 400
with a message on SQLite and PostgreSQL, never a 503 from the database; ``q`` filters the page,
the feeds and the API as routes match their keywords (the one matcher); arbitrary query strings
never make a 500."""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.feed_specs import check_feed

from web.params import MAX_EVENT_ID, ParamError, parse_changes

ALLOWED = ("component", "kind", "label", "source", "q", "since", "before", "limit")
PATHS = ("/", "/api/changes", "/feeds/changes.atom", "/feeds/changes.rss", "/feeds/changes.json")
OUT_OF_RANGE = [
    str(MAX_EVENT_ID + 1),  # 2147483648: PostgreSQL's integer overflow, a 503 before
    "9223372036854775808",
    "9" * 40,
    "9" * 5000,  # past Python's 4300-digit int() limit
    "-1",
    "0",
    "+5",
    " 5x",
    "1e3",
    "²",
    "٣",
]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("path", ["/", "/api/changes"])
def test_out_of_range_before_is_400_with_a_message(web: httpx.Client, path: str, value: str) -> None:  # fmt: skip
    response = web.get(path, params={"before": value})
    assert response.status_code == 400, response.text[:300]
    if path.startswith("/api/"):
        message = response.json()["detail"]
    else:
        message = html.unescape(response.text.split('class="error-message">')[1].split("</p>")[0])
    assert "parameter 'before'" in message and len(message) < 300, message


@pytest.mark.parametrize("value", ["0", "-3", "1001", "9" * 30, "ten"])
def test_out_of_range_limit_is_400_on_the_api(web: httpx.Client, value: str) -> None:
    response = web.get("/api/changes", params={"limit": value})
    assert response.status_code == 400, response.text[:300]
    assert "limit" in response.json()["detail"]


def test_the_largest_event_id_is_accepted(web: httpx.Client, ledger: Any) -> None:
    everything = [e["event_id"] for e in web.get("/api/changes").json()["changes"]]
    answer = web.get("/api/changes", params={"before": MAX_EVENT_ID})
    assert answer.status_code == 200
    assert [e["event_id"] for e in answer.json()["changes"]] == everything
    assert web.get("/", params={"before": MAX_EVENT_ID}).status_code == 200


@pytest.mark.parametrize("value", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
def test_a_since_past_the_calendar_is_400(web: httpx.Client, value: str) -> None:
    response = web.get("/api/changes", params={"since": value})
    assert response.status_code == 400
    assert "since" in response.json()["detail"]


def test_parse_bounds_every_integer() -> None:
    for value in OUT_OF_RANGE:
        with pytest.raises(ParamError, match="whole number from 1 to"):
            parse_changes([("before", value)], allowed=ALLOWED)
    assert parse_changes([("before", str(MAX_EVENT_ID))], allowed=ALLOWED).before == MAX_EVENT_ID
    assert parse_changes([("before", "007")], allowed=ALLOWED).before == 7
    with pytest.raises(ParamError, match="'limit' must be a whole number from 1 to 1000"):
        parse_changes([("limit", "1001")], allowed=ALLOWED)


QUERY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
ITEMS = st.lists(
    st.tuples(st.sampled_from((*ALLOWED, "bogus", "Q", "")), QUERY_TEXT | st.integers().map(str)),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(items=ITEMS)
def test_parse_changes_answers_a_query_or_a_param_error(items: list[tuple[str, str]]) -> None:
    try:
        query = parse_changes(items, allowed=ALLOWED, components=("CBP", "ICE"), sources=("dhs-oig",))  # fmt: skip
    except ParamError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert query.before is None or 1 <= query.before <= MAX_EVENT_ID
    assert 1 <= query.limit <= 1000
    again = parse_changes(
        [*query.filter_items(), *(("before", str(query.before)),) * (query.before is not None)],
        allowed=ALLOWED,
        components=("CBP", "ICE"),
        sources=("dhs-oig",),
    )
    assert again.filter_query() == query.filter_query()  # the canonical form is a fixed point


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=ITEMS, path=st.sampled_from(PATHS))
def test_any_query_string_is_an_answer_or_a_400(web: httpx.Client, items: list[tuple[str, str]], path: str) -> None:  # fmt: skip
    response = web.get(f"{path}?{urlencode(items)}")
    assert response.status_code in (200, 400), (path, items, response.status_code, response.text[:300])  # fmt: skip
    if response.status_code == 400:
        assert response.text.strip()


# --- q: the keyword filter -----------------------------------------------------------------------


def api_ids(web: httpx.Client, query: str = "") -> list[int]:
    response = web.get(f"/api/changes?limit=1000&{query}")
    assert response.status_code == 200, response.text
    return [event["event_id"] for event in response.json()["changes"]]


def test_q_matches_whole_words_in_title_or_summary_like_routes(web: httpx.Client, ledger: Any) -> None:  # fmt: skip
    new, revised = ledger.events["new"]["event_id"], ledger.events["revised"]["event_id"]
    assert api_ids(web, "q=detainee") == [new]  # title, any case
    assert api_ids(web, "q=TRANSFERS+between+facilities") == [new]  # a phrase in the summary
    assert api_ids(web, "q=delinquent") == [revised]
    assert api_ids(web, "q=detainee&q=delinquent") == [revised, new]  # any of several
    assert api_ids(web, "q=detain") == []  # whole words only, as routes
    assert api_ids(web, "q=detainee&kind=revised") == []  # and every other filter
    assert api_ids(web, "q=") == api_ids(web)  # a blank search filters nothing
    page = web.get("/?q=detainee").text
    assert "ICE Did Not Track Detainee Transfers" in page
    assert ledger.events["revised"]["title"] not in page
    for fmt in ("atom", "rss", "json"):
        body = web.get(f"/feeds/changes.{fmt}?q=detainee").content
        check_feed(body, fmt)
        assert f"urn:oigwatch:event:{new}".encode() in body
        assert f"urn:oigwatch:event:{revised}".encode() not in body


def test_q_is_the_routes_matcher() -> None:
    """The feeds' filter calls routes' matcher: a route and a q of the same keywords agree."""
    from config.delivery import RouteConfig
    from notifier.routes import matches
    from web.feeds import FeedFilter

    texts = ["C++ audit", "ICE's detention", "Detention.", "predetention", "de tention", ""]
    for keyword in ("detention", "C++", "ICE", "de tention"):
        route = RouteConfig(name="r", target="t", keywords=(keyword,))
        keep = FeedFilter(keywords=(keyword,))
        for text in texts:
            event = {"kind": "new", "title": text, "summary": None, "components": []}
            assert matches(route, event) == keep(event), (keyword, text)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40))
def test_any_q_answers_a_subset_escaped(web: httpx.Client, q: str) -> None:
    everything = set(api_ids(web))
    response = web.get("/api/changes", params={"q": q, "limit": 1000})
    if len(q.strip()) > 100:
        assert response.status_code == 400
        return
    assert response.status_code == 200, response.text[:300]
    assert {e["event_id"] for e in response.json()["changes"]} <= everything
    page = web.get("/", params={"q": q})
    assert page.status_code == 200
    for fmt in ("atom", "json"):
        feed = web.get(f"/feeds/changes.{fmt}", params={"q": q})
        assert feed.status_code == 200
        check_feed(feed.content, fmt)  # the q in the title and self link stays valid
    assert json.loads(web.get("/feeds/changes.json", params={"q": q}).content)["title"]
