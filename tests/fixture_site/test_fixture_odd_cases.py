"""Odd cases for crawler tests: odd pager items and cell texts, partial outages, PDF moves,
renumbering and page size."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import httpx
import lxml.html
import pytest

from fixture_site import FixtureSite, MutationError, SiteState
from tests.fixture_site.fsite_helpers import (
    AUDITS,
    MGMT_ALERTS,
    WHISTLEBLOWER,
    get,
    last_page,
    parse_rows,
    walk,
)

PAD = " " * 10
MIGRATED = "/sites/default/files/assets/migrated"


def _pager_hrefs(text: str) -> list[str]:
    """Hrefs inside pager boxes (`nav`/`ul` with pager or pagination classes)."""
    doc = lxml.html.fromstring(text)
    boxes = doc.xpath(
        "//nav[contains(@class, 'pager') or contains(@class, 'pagination')]"
        " | //ul[contains(@class, 'pager') or contains(@class, 'pagination')]"
    )
    return list(dict.fromkeys(str(h) for box in boxes for h in box.xpath(".//a/@href")))


def _page_values(text: str) -> list[str]:
    return [parse_qs(urlsplit(h).query)["page"][-1] for h in _pager_hrefs(text)]


def test_odd_pager_item_on_chosen_pages_keeps_the_query(
    client: httpx.Client, site: FixtureSite
) -> None:
    site.mutate({"op": "layout", "odd_pager_item": "¹", "odd_pager_pages": [1]})
    assert "¹" not in _page_values(get(client, AUDITS).text)
    text = get(client, AUDITS, order="title", sort="asc", page=1).text
    assert (
        '<li class="pager__item"><a href="?order=title&amp;sort=asc&amp;page=¹" '
        'title="Go to page ¹">¹</a></li>'
    ) in text
    doc = lxml.html.fromstring(text)
    item = doc.xpath('//nav[@class="pager"]/ul[contains(@class, "pager__items")]/li/a[.="¹"]')
    assert [a.get("href") for a in item] == ["?order=title&sort=asc&page=¹"]
    assert "¹" in _page_values(text) and last_page(text) == 5  # the real pager is intact
    assert len(parse_rows(text)) == 50
    assert "¹" not in _page_values(get(client, AUDITS, page=2).text)

    site.mutate({"op": "set", "odd_pager_item": "2&x #", "odd_pager_pages": None})
    for page in (0, 3, 5):
        text = get(client, AUDITS, page=page).text
        assert "?page=2%26x%20%23" in text and "2&x #" in _page_values(text)
    site.mutate({"op": "layout", "pager": "uswds", "odd_pager_item": "-1"})
    text = get(client, AUDITS, order="field_fy").text
    assert 'href="?order=field_fy&amp;page=-1" class="usa-pagination__button"' in text
    site.mutate({"op": "layout", "pager": "drupal", "odd_pager_item": None})
    assert _page_values(get(client, AUDITS, page=1).text) == ["0", "1", "2", "3", "4", "5"]


def test_odd_pager_item_on_card_pages_and_rejected_values(
    client: httpx.Client, site: FixtureSite
) -> None:
    site.mutate({"op": "layout", "odd_pager_item": "Ⅱ", "odd_pager_pages": [0]})
    assert "Ⅱ" in _page_values(get(client, "/taxonomy/term/1").text)
    assert "Ⅱ" not in _page_values(get(client, "/taxonomy/term/1", page=1).text)
    site.mutate({"op": "layout", "as_cards": True})
    assert "Ⅱ" in _page_values(get(client, AUDITS).text)
    for bad in ([-1], [True], "1", [1.5]):
        with pytest.raises(MutationError):
            site.mutate({"op": "layout", "odd_pager_pages": bad})


def test_set_cell_text_changes_only_the_shown_text(client: httpx.Client, site: FixtureSite) -> None:
    row = parse_rows(get(client, AUDITS).text)[0]
    pdf = get(client, row.href)
    before = get(client, AUDITS)
    long_number = "OIG-26-01" + "X" * 141
    for column, text in (
        ("fy", "2026²"),
        ("number", long_number),
        ("date", "Sept. 31st, 2026"),
        ("title", "Shown <Title>"),
    ):
        site.mutate(
            {"op": "set_cell_text", "report_number": row.key, "column": column, "text": text}
        )
    page0 = get(client, AUDITS)
    odd = parse_rows(page0.text)[0]
    assert odd.fy == "2026²" + PAD and odd.number == long_number + PAD and len(long_number) == 150
    assert odd.date is None and odd.date_text == "Sept. 31st, 2026"
    assert odd.title == "Shown <Title>" and "Shown &lt;Title&gt;" in page0.text
    assert (odd.href, odd.title_attr) == (row.href, row.title_attr)
    assert page0.headers["last-modified"] != before.headers["last-modified"]
    assert page0.headers["etag"] != before.headers["etag"]
    again = get(client, row.href)
    assert (again.content, again.headers["etag"]) == (pdf.content, pdf.headers["etag"])
    report = site.state.find(row.key)
    assert report.report_number == row.key and report.cell_text["fy"] == "2026²"

    # the report is still named by its real number, and every listing row shows the override
    site.mutate({"op": "cross_list", "report_number": row.key})
    alerts = parse_rows(get(client, MGMT_ALERTS).text)
    assert any(a.fy == "2026²" + PAD and a.number == long_number + PAD for a in alerts)
    site.mutate({"op": "layout", "date_mode": "text_only"})
    assert parse_rows(get(client, AUDITS).text)[0].date_text == "Sept. 31st, 2026"

    for column in ("fy", "number", "date", "title"):
        site.mutate({"op": "set_cell_text", "nid": report.nid, "column": column, "text": None})
    site.mutate({"op": "layout", "date_mode": "time"})
    assert parse_rows(get(client, AUDITS).text)[0] == row
    for bad in (
        {"column": "agency", "text": "x"},
        {"column": "fy"},
        {"column": "fy", "text": 2026},
    ):
        with pytest.raises(MutationError):
            site.mutate({"op": "set_cell_text", "report_number": row.key, **bad})


def test_cell_text_in_state_json_and_old_states_without_it(state: SiteState) -> None:
    state.reports[0].cell_text["fy"] = "2O26"
    data = state.to_json()
    assert data["reports"][0]["cell_text"] == {"fy": "2O26"}
    assert SiteState.from_json(data) == state
    for record in data["reports"]:
        del record["cell_text"]
    assert all(r.cell_text == {} for r in SiteState.from_json(data).reports)


def test_status_fault_from_page_n_on(client: httpx.Client, site: FixtureSite) -> None:
    site.mutate(
        {
            "op": "http_fault",
            "match": AUDITS,
            "kind": "status",
            "status": 503,
            "pages_from": 2,
            "count": -1,
        }
    )
    assert client.get(AUDITS).status_code == 200
    for page in (0, 1):
        assert client.get(AUDITS, params={"page": page}).status_code == 200
    for page in (2, 3, 5, 40):
        assert client.get(AUDITS, params={"page": page}).status_code == 503
    filtered = {"order": "title", "sort": "asc", "field_dhs_agency_target_id": 1}
    assert client.get(AUDITS, params={**filtered, "page": 3}).status_code == 503
    assert client.get(AUDITS, params={**filtered, "page": 1}).status_code == 200
    assert client.get(AUDITS, params={"page": "x"}).status_code == 200
    assert client.get(MGMT_ALERTS, params={"page": 2}).status_code == 200
    assert client.get("/taxonomy/term/1", params={"page": 4}).status_code == 200
    assert site.state.faults[0].seen == site.state.faults[0].fired == 5
    with pytest.raises(MutationError):
        site.mutate({"op": "http_fault", "match": "/", "kind": "reset", "pages_from": -1})


def test_move_all_pdfs_keeps_names_and_bytes(client: httpx.Client, site: FixtureSite) -> None:
    audits = walk(client, AUDITS)
    rois = walk(client, WHISTLEBLOWER)
    alerts = walk(client, MGMT_ALERTS)
    assert rois and all(r.number is None for r in rois)
    samples = [audits[0].href, audits[-1].href, rois[0].href, alerts[0].href]
    assert "/Mga/" in alerts[0].href
    old = {href: get(client, href) for href in samples}
    result = site.mutate({"op": "move_all_pdfs"})
    assert result["folder"] == MIGRATED and result["moved"] == len(site.state.reports)
    for before, path in ((audits, AUDITS), (rois, WHISTLEBLOWER), (alerts, MGMT_ALERTS)):
        after = walk(client, path)
        assert [r.number for r in after] == [r.number for r in before]
        assert [r.href for r in after] == [
            MIGRATED + "/" + r.href.rsplit("/", 1)[1] for r in before
        ]
    for href, response in old.items():
        assert client.get(href).status_code == 404
        moved = get(client, MIGRATED + "/" + href.rsplit("/", 1)[1])
        assert moved.content == response.content
        for header in ("etag", "last-modified"):
            assert moved.headers[header] == response.headers[header]


def test_move_pdf_moves_one_file_unchanged(client: httpx.Client, site: FixtureSite) -> None:
    rows = parse_rows(get(client, AUDITS).text)
    row = rows[0]
    old = get(client, row.href)
    moved = site.mutate(
        {"op": "move_pdf", "report_number": row.key, "folder": "/sites/default/files/assets/x"}
    )
    assert moved["pdf_path"] == "/sites/default/files/assets/x/" + row.href.rsplit("/", 1)[1]
    assert parse_rows(get(client, AUDITS).text)[0].href == moved["pdf_path"]
    assert client.get(row.href).status_code == 404
    new = get(client, moved["pdf_path"])
    assert (new.content, new.headers["etag"]) == (old.content, old.headers["etag"])
    explicit = site.mutate({"op": "move_pdf", "report_number": row.key, "pdf_path": row.href})
    assert explicit["pdf_path"] == row.href and get(client, row.href).content == old.content
    with pytest.raises(MutationError):
        site.mutate({"op": "move_pdf", "report_number": row.key, "pdf_path": rows[1].href})
    with pytest.raises(MutationError):
        site.mutate({"op": "move_all_pdfs", "folder": "/elsewhere"})


def test_renumbering_changes_only_the_number_cell(client: httpx.Client, site: FixtureSite) -> None:
    page0 = parse_rows(get(client, AUDITS).text)
    row = page0[3]
    pdf = get(client, row.href)
    report = site.state.find(row.key)
    site.mutate(
        {"op": "fix_metadata", "report_number": row.key, "fix": {"report_number": "OIG-26-99"}}
    )
    assert parse_rows(get(client, AUDITS).text) == [
        dataclasses.replace(r, number="OIG-26-99" + PAD) if r == row else r for r in page0
    ]
    again = get(client, row.href)
    assert again.content == pdf.content  # still printed with the old number
    assert f"Report number: {row.key}".encode() in again.content
    for header in ("etag", "last-modified"):
        assert again.headers[header] == pdf.headers[header]
    assert (report.title, report.pdf_path) == (row.title, row.href)
    assert f"{report.issue_date}T12:00:00Z" == row.date
    assert "OIG-26-99" in get(client, report.detail_path).text


def test_page_size_20_pages_the_same_rows(client: httpx.Client, site: FixtureSite) -> None:
    everything = walk(client, AUDITS)
    site.mutate({"op": "layout", "page_size": 20})
    first = get(client, AUDITS).text
    assert len(parse_rows(first)) == 20 and last_page(first) == 14  # 297 rows
    assert len(parse_rows(get(client, AUDITS, page=14).text)) == 17
    assert last_page(get(client, AUDITS, page=13).text) == 14
    assert parse_rows(get(client, AUDITS, page=15).text) == []
    small = walk(client, AUDITS)
    assert small == everything and len(small) == 297
