"""HTTP behaviour: validators and 304s, PDFs, HEAD, robots.txt, hosts, control endpoints."""

from __future__ import annotations

import email.utils
import time

import httpx

from fixture_site import FixtureSite, SiteState, build_state
from tests.fixture_site.fsite_helpers import (
    AUDITS,
    MGMT_ALERTS,
    WHISTLEBLOWER,
    get,
    keys,
    last_page,
    parse_rows,
)


def test_listing_etag_and_last_modified_give_304(client: httpx.Client, site: FixtureSite) -> None:
    first = get(client, AUDITS)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get(AUDITS, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(AUDITS, headers={"If-Modified-Since": modified}).status_code == 304
    site.mutate({"op": "add_report"})
    changed = client.get(AUDITS, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert client.get(AUDITS, headers={"If-Modified-Since": modified}).status_code == 200


def test_shuffled_listing_changes_etag(client: httpx.Client, site: FixtureSite) -> None:
    site.mutate({"op": "tie_shuffle", "mode": "shuffle"})
    etags = {get(client, AUDITS, page=1).headers["etag"] for _ in range(8)}
    assert len(etags) > 1


def _pdf_href(client: httpx.Client) -> str:
    return parse_rows(get(client, AUDITS).text)[0].href


def test_pdf_is_served_with_validators(client: httpx.Client, site: FixtureSite) -> None:
    href = _pdf_href(client)
    response = get(client, href)
    body = response.content
    report = next(r for r in site.state.reports if r.pdf_path == href)
    assert response.headers["content-type"] == "application/pdf"
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    assert (report.report_number or "").encode() in body and b"PDF version: 1" in body
    assert int(response.headers["content-length"]) == len(body)
    etag = response.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert client.get(href, headers={"If-None-Match": etag}).status_code == 304
    modified = response.headers["last-modified"]
    assert client.get(href, headers={"If-Modified-Since": modified}).status_code == 304
    older = email.utils.format_datetime(
        email.utils.parsedate_to_datetime(modified).replace(year=2001), usegmt=True
    )
    assert client.get(href, headers={"If-Modified-Since": older}).status_code == 200
    assert client.get(href, headers={"If-None-Match": '"nope"'}).status_code == 200


def test_head_has_the_headers_and_no_body(client: httpx.Client) -> None:
    href = _pdf_href(client)
    full = get(client, href)
    head = client.head(href)
    assert head.status_code == 200 and head.content == b""
    for name in ("content-length", "etag", "last-modified", "content-type"):
        assert head.headers[name] == full.headers[name]
    assert client.head(AUDITS).headers["content-type"].startswith("text/html")
    get(client, AUDITS)  # the keep-alive connection is still in a good state


def test_every_pdf_path_variant_is_served(client: httpx.Client, site: FixtureSite) -> None:
    reports = site.state.reports
    paths = {r.pdf_path for r in reports} | {r.mga_pdf_path for r in reports if r.mga_pdf_path}
    assert any("/Mgmt/" in p for p in paths) and any("/Mga/" in p for p in paths)
    for path in sorted(paths)[:400:7]:
        assert client.head(path).status_code == 200, path
    assert client.get("/sites/default/files/assets/2024-01/OIG-00-00-Jan24.pdf").status_code == 404


def test_query_string_on_pdf_href_is_ignored(client: httpx.Client) -> None:
    href = _pdf_href(client)
    assert get(client, href + "?source=govdelivery").content == get(client, href).content


def test_unknown_path_is_a_drupal_404(client: httpx.Client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "Page not found" in response.text


def test_robots_txt_default_and_configurable(client: httpx.Client, site: FixtureSite) -> None:
    text = get(client, "/robots.txt").text
    assert "Disallow: /admin/" in text and "Disallow: /search/" in text
    assert "Disallow: /node/add/" in text and "Disallow: /reports/" not in text
    site.mutate({"op": "set", "robots_txt": "User-agent: *\nDisallow: /reports/\n"})
    assert get(client, "/robots.txt").text == "User-agent: *\nDisallow: /reports/\n"


def test_any_host_header_is_served(client: httpx.Client) -> None:
    base = keys(get(client, AUDITS).text)
    for host in ("www.oig.dhs.gov", "oig.dhs.gov"):
        response = client.get(AUDITS, headers={"Host": host})
        assert response.status_code == 200 and keys(response.text) == base


def test_keep_alive_pages_are_fast(client: httpx.Client) -> None:
    get(client, AUDITS)
    started = time.perf_counter()
    for page in range(5):
        response = get(client, AUDITS, page=page)
        assert "close" not in response.headers.get("connection", "")
    assert (time.perf_counter() - started) / 5 < 0.05


def test_request_log(client: httpx.Client, site: FixtureSite) -> None:
    site.clear_log()
    client.get(AUDITS, params={"page": 2}, headers={"User-Agent": "oigwatch-test"})
    client.get("/nope")
    entries = site.log
    assert [(e.method, e.path, e.status) for e in entries] == [
        ("GET", AUDITS + "?page=2", 200),
        ("GET", "/nope", 404),
    ]
    assert entries[0].headers["User-Agent"] == "oigwatch-test"
    site.clear_log()
    assert site.log == []


def test_control_endpoints(client: httpx.Client, site: FixtureSite) -> None:
    state = client.get("/__fixture/state").json()
    assert state == site.state.to_json()
    reply = client.post("/__fixture/mutate", json=[{"op": "add_report"}, {"op": "add_report"}])
    assert reply.status_code == 200 and len(reply.json()) == 2
    bad = client.post("/__fixture/mutate", json={"op": "no_such_op"})
    assert bad.status_code == 400 and "op must be one of" in bad.json()["error"]
    client.get(AUDITS)
    assert client.get("/__fixture/log").json()[-1]["path"] == AUDITS
    assert client.post("/__fixture/state", json=state).status_code == 200
    assert SiteState.from_json(client.get("/__fixture/state").json()).to_json() == state
    assert client.delete("/__fixture/log").status_code == 200 and site.log == []


def test_2500_reports_pages_per_view_as_a_crawler_counts_them() -> None:
    views = [(AUDITS, {"field_dhs_agency_target_id": a}) for a in ["All", *range(1, 10), 2632]]
    views += [(MGMT_ALERTS, {}), (WHISTLEBLOWER, {})]
    with (
        FixtureSite(build_state(2500)) as site,
        httpx.Client(base_url=site.base_url, verify=False) as client,
    ):
        pages = []
        for path, params in views:
            text = get(client, path, **params).text
            last = last_page(text)
            pages.append(1 + (last if last is not None else 0) if parse_rows(text) else 0)
    assert pages[0] == 50
    assert 105 <= sum(pages) <= 115, pages
