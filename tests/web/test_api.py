"""The JSON API over a ledger the real CLI filled (SQLite and PostgreSQL): shapes, filters, paging,
the OpenAPI schema, and bad parameters."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from notifier.render.pdf_changes import pdf_changes_json

EVENT_KEYS = {
    "event_id", "kind", "source", "status", "report_number", "title", "url", "issue_date",
    "fiscal_year", "components", "summary", "labels", "changes", "detected_at", "report_page",
}  # fmt: skip


def ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [event["event_id"] for event in response.json()["changes"]]


def expected(ledger: Any, *names: str) -> list[int]:
    return sorted((ledger.events[name]["event_id"] for name in names), reverse=True)


def test_changes_are_the_documented_event_shape_newest_first(web: httpx.Client, ledger: Any) -> None:  # fmt: skip
    body = web.get("/api/changes").json()
    assert body["next_before"] is None
    assert [e["event_id"] for e in body["changes"]] == expected(
        ledger, "new", "revised", "hostile", "removed"
    )
    for event in body["changes"]:
        assert set(event) >= EVENT_KEYS and event["status"] == "published"
        assert datetime.fromisoformat(event["detected_at"]).utcoffset() == timedelta(0)
    revised = next(e for e in body["changes"] if e["kind"] == "revised")
    assert revised["report_page"] == "/reports/OIG-19-11"
    fields = {c["field"]: (c["old"], c["new"]) for c in revised["changes"]}
    assert set(fields) == {"title", "summary"}
    assert fields["title"][1] == fields["title"][0] + " (Revised)"
    facts = {"key_facts": revised.pop("key_facts"), "key_facts_changes": revised.pop("key_facts_changes")}  # fmt: skip
    crawled = dict(ledger.events["revised"])
    # pdf_changes: the crawl's object validated and rebuilt, null when the PDF was not replaced
    assert revised.pop("pdf_changes") == pdf_changes_json(crawled)["pdf_changes"]
    crawled.pop("pdf_changes", None)
    assert revised == {**crawled, "report_page": "/reports/OIG-19-11"}, (
        "the same JSON as `oigwatch crawl --json`, plus the page link, key facts and PDF changes"
    )
    assert set(facts["key_facts"]) == {"recommendations", "concurred", "response"}
    assert isinstance(facts["key_facts_changes"], list)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("component=ICE", ("new",)),
        ("component=CBP&kind=new", ("hostile",)),
        ("label=revised", ("revised",)),
        ("kind=removed&kind=revised", ("revised", "removed")),
        ("component=ICE&label=redacted", ()),
    ],
)
def test_changes_filter_like_the_feeds(
    web: httpx.Client, ledger: Any, query: str, names: tuple[str, ...]
) -> None:
    assert ids(web.get(f"/api/changes?{query}")) == expected(ledger, *names)


def test_changes_page_with_limit_and_before(web: httpx.Client, ledger: Any) -> None:
    everything = expected(ledger, "new", "revised", "hostile", "removed")
    first = web.get("/api/changes?limit=3").json()
    assert [e["event_id"] for e in first["changes"]] == everything[:3]
    assert first["next_before"] == everything[2]
    rest = web.get(f"/api/changes?limit=3&before={first['next_before']}").json()
    assert [e["event_id"] for e in rest["changes"]] == everything[3:]
    assert rest["next_before"] is None


def test_changes_since(web: httpx.Client, ledger: Any) -> None:
    revised_at = datetime.fromisoformat(ledger.events["revised"]["detected_at"])
    since = revised_at.isoformat().replace("+00:00", "Z")
    assert ids(web.get("/api/changes", params={"since": since})) == expected(
        ledger, "revised", "hostile", "removed"
    )
    assert ids(web.get("/api/changes?since=2999-01-01")) == []
    assert len(ids(web.get("/api/changes?since=2000-01-01"))) == 4


def test_report_has_current_state_and_every_version(web: httpx.Client, ledger: Any) -> None:
    body = web.get("/api/reports/OIG-19-11").json()
    assert body["number"] == "OIG-19-11"
    [report] = body["reports"]
    assert report["status"] == "active" and report["title"].endswith("(Revised)")
    assert report["summary"] == ledger.events["revised"]["summary"]
    first, second = report["versions"]
    assert (first["version"], second["version"]) == (1, 2)
    assert first["changes"] == [] and second["title"] == report["title"]
    assert [c["field"] for c in second["changes"]] == ["title", "summary", "labels"]
    assert second["changes"][2] == {"field": "labels", "old": [], "new": ["revised"]}
    pdf = first["pdf"]  # the baseline fingerprinted every PDF (--pdf-checks all)
    assert len(pdf["sha256"]) == 64 and pdf["length"] > 0 and pdf["etag"] and pdf["last_modified"]
    assert report["pdf"]["sha256"] == pdf["sha256"] and report["pdf"]["checked_at"]
    assert report["pdf_url"].startswith("http://127.0.0.1:")


def test_pulled_report_says_removed(web: httpx.Client) -> None:
    [report] = web.get("/api/reports/oig-20-75").json()["reports"]
    assert report["status"] == "removed" and report["report_number"] == "OIG-20-75"


def test_unknown_report_is_404_json(web: httpx.Client) -> None:
    response = web.get("/api/reports/OIG-99-99")
    assert response.status_code == 404
    assert response.json() == {"detail": "no report 'OIG-99-99' in the ledger"}


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("kind=nothing", 400, "unknown kind 'nothing'"),
        ("since=yesterday", 400, "parameter 'since' must be an ISO 8601 date"),
        ("compnent=CBP", 400, "unknown parameter 'compnent'"),
        ("limit=0", 400, "parameter 'limit': Input should be greater than or equal to 1"),
        ("limit=5000", 400, "less than or equal to 1000"),
        ("before=abc", 400, "parameter 'before': Input should be a valid integer"),
        ("before=2147483648", 400, "less than or equal to 2147483647"),  # issue #11: was 503
    ],
)
def test_bad_parameters_say_what_is_wrong(
    web: httpx.Client, query: str, status: int, message: str
) -> None:
    response = web.get(f"/api/changes?{query}")
    assert response.status_code == status and message in response.text
    assert response.headers["content-type"] == "application/json"


def test_openapi_describes_the_api(web: httpx.Client) -> None:
    schema = web.get("/openapi.json").json()
    assert schema["info"]["title"] == "oigwatch" and schema["info"]["version"] == "0.1.0"
    paths = schema["paths"]
    assert {"/api/changes", "/api/reports/{number}", "/healthz", "/feeds/changes.atom"} <= set(
        paths
    )
    assert "/" not in paths and "/sources" not in paths, "pages are for people"
    changes = paths["/api/changes"]["get"]
    params = {p["name"] for p in changes["parameters"]}
    assert params == {"component", "kind", "label", "source", "q", "since", "before", "limit"}
    ok = changes["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/ChangeList"}
    report = paths["/api/reports/{number}"]["get"]["responses"]
    assert report["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReportLookup")
    assert "404" in report
    event = schema["components"]["schemas"]["ChangeEvent"]["properties"]
    assert {"event_id", "kind", "changes", "detected_at"} <= set(event)


def test_health_episodes_by_default_other_ops_events_only_when_asked_for(
    empty_ledger: Any, serve: Any, record_events: Any
) -> None:
    engine, settings = empty_ledger
    [news, down, held] = record_events(
        engine,
        settings,
        {"kind": "new", "title": "A report", "components": ["CBP"], "labels": []},
        {"kind": "source_unhealthy", "reason": "maintenance page"},  # no labels, no components
        {"kind": "bulk_hold", "held": 30, "limit": 25},
    )
    server = serve(settings, engine)
    assert ids(httpx.get(server.url + "/api/changes")) == [down, news], "as the feeds list them"
    assert ids(httpx.get(server.url + "/api/changes?component=ICE")) == [down], "blind for all"
    asked = httpx.get(server.url + "/api/changes?kind=source_unhealthy").json()["changes"]
    assert [(e["event_id"], e["reason"], e["labels"], e["report_page"]) for e in asked] == [
        (down, "maintenance page", [], None)
    ]
    assert ids(httpx.get(server.url + "/api/changes?kind=new")) == [news]
    assert ids(httpx.get(server.url + "/api/changes?kind=bulk_hold")) == [held]
    both = httpx.get(server.url + "/api/changes?kind=new&kind=bulk_hold")
    assert ids(both) == [held, news]
    feed = httpx.get(server.url + "/feeds/changes.json?kind=source_unhealthy").json()
    assert [item["title"] for item in feed["items"]] == [
        "Watching dhs-oig is failing; changes may be missed"
    ]
    page = httpx.get(server.url + "/?kind=bulk_hold").text
    assert "Held for release" in page and "A report" not in page
