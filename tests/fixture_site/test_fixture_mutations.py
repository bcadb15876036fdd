"""Mutation ops (spec §8) as a crawler sees them over HTTP."""

from __future__ import annotations

import httpx
import pytest

from fixture_site import FixtureSite, MutationError
from tests.fixture_site.fsite_helpers import AUDITS, MGMT_ALERTS, get, keys, parse_rows, walk


def test_add_report_lands_on_top_and_pushes_row_49_to_page_1(
    client: httpx.Client, site: FixtureSite
) -> None:
    page0 = keys(get(client, AUDITS).text)
    result = site.mutate({"op": "add_report", "components": ["ICE"], "summary": "New & hot."})
    assert result["report_number"] == "OIG-27-02"  # FY 2027 already has OIG-27-01
    assert result["issue_date"] == "2026-11-20"
    new_page0 = keys(get(client, AUDITS).text)
    assert new_page0[0] == result["report_number"]
    assert new_page0[1:] == page0[:49]
    assert keys(get(client, AUDITS, page=1).text)[0] == page0[49]
    ice = keys(get(client, AUDITS, field_dhs_agency_target_id=3).text)
    assert ice[0] == result["report_number"]
    assert result["report_number"] not in keys(
        get(client, AUDITS, field_dhs_agency_target_id=1).text
    )
    pdf = get(client, result["pdf_path"])
    assert pdf.content.startswith(b"%PDF") and result["report_number"].encode() in pdf.content
    assert result["pdf_path"] == "/sites/default/files/assets/2026-11/OIG-27-02-Nov26.pdf"
    term = get(client, "/taxonomy/term/3").text
    assert term.index(result["title"]) < term.index("</article>")
    assert result["title"] in get(client, result["detail_path"]).text


def test_add_report_with_every_field(client: httpx.Client, site: FixtureSite) -> None:
    result = site.mutate(
        {
            "op": "add_report",
            "report_number": "OIG-27-99",
            "title": "Management Alert - Test",
            "issue_date": "2026-11-20",
            "components": ["FEMA", "CISA"],
            "management_alert": True,
        }
    )
    assert result["mga_pdf_path"] == "/sites/default/files/assets/Mga/2026/oig-27-99-nov26.pdf"
    assert keys(get(client, MGMT_ALERTS).text)[0] == "OIG-27-99"
    assert keys(get(client, AUDITS, field_dhs_agency_target_id=2632).text)[0] == "OIG-27-99"
    with pytest.raises(MutationError):
        site.mutate({"op": "add_report", "report_number": "OIG-27-99"})


def test_set_today_moves_numbering_and_dates(client: httpx.Client, site: FixtureSite) -> None:
    site.mutate({"op": "set_today", "today": "2027-10-02"})
    result = site.mutate({"op": "add_report"})
    assert result["report_number"] == "OIG-28-01" and result["issue_date"] == "2027-10-02"


@pytest.mark.parametrize("position", [0, 37, 120, 296])
def test_insert_backdated_lands_at_position(
    client: httpx.Client, site: FixtureSite, position: int
) -> None:
    before = [r.key for r in walk(client, AUDITS)]
    result = site.mutate({"op": "insert_backdated", "position": position})
    after = [r.key for r in walk(client, AUDITS)]
    assert result["position"] == position
    assert after.index(result["report_number"]) == position
    assert [k for k in after if k != result["report_number"]] == before


def test_insert_backdated_by_date(client: httpx.Client, site: FixtureSite) -> None:
    result = site.mutate({"op": "insert_backdated", "issue_date": "2019-03-04"})
    assert result["report_number"].startswith("OIG-19-")
    row = next(r for r in walk(client, AUDITS) if r.key == result["report_number"])
    assert row.date == "2019-03-04T12:00:00Z" and row.fy == "2019          "


def test_remove_report_shifts_rows_and_closes_node(client: httpx.Client, site: FixtureSite) -> None:
    page0 = keys(get(client, AUDITS).text)
    page1 = keys(get(client, AUDITS, page=1).text)
    gone = site.state.find(page0[3])
    site.mutate({"op": "remove_report", "report_number": page0[3]})
    assert keys(get(client, AUDITS).text) == page0[:3] + page0[4:] + page1[:1]
    assert all(r.key != gone.report_number for r in walk(client, AUDITS))
    assert client.get(gone.detail_path).status_code == 403
    assert client.get(f"/node/{gone.nid}").status_code == 403
    assert client.get(gone.pdf_path).status_code == 200
    site.mutate({"op": "set", "node_mode": "deleted", "removed_pdf": "404"})
    assert client.get(gone.detail_path).status_code == 404
    assert client.get(gone.pdf_path).status_code == 404
    site.mutate({"op": "set", "node_mode": "published"})
    assert client.get(gone.detail_path).status_code == 200
    site.mutate({"op": "restore_report", "report_number": gone.report_number})
    assert keys(get(client, AUDITS).text) == page0


@pytest.mark.parametrize(
    ("before", "suffix_op", "after"),
    [
        ("A Review", "append_revised", "A Review (Revised)"),
        ("A Review (Redacted)", "redacted_to_dash_redacted", "A Review - (REDACTED)"),
        (
            "A Review - (REDACTED)",
            "to_les_redacted",
            "A Review - Law Enforcement Sensitive (REDACTED)",
        ),
        ("A Review (Redacted) ", "to_paren_redacted", "A Review (Redacted)"),
        ("A Review", "add_management_alert", "Management Alert - A Review"),
        (" A Review", "trim_leading_space", "A Review"),
        ("CBP's Review", "curly_quotes", "CBP’s Review"),
        ("CBP’s Review", "mojibake", "CBPâ€™s Review"),
    ],
)
def test_retitle_suffix_ops(site: FixtureSite, before: str, suffix_op: str, after: str) -> None:
    number = site.state.reports[0].report_number
    site.mutate({"op": "retitle", "report_number": number, "title": before})
    result = site.mutate({"op": "retitle", "report_number": number, "suffix_op": suffix_op})
    assert result["title"] == after


def test_retitle_keeps_number_href_and_pdf_bytes(client: httpx.Client, site: FixtureSite) -> None:
    row = parse_rows(get(client, AUDITS).text)[0]
    etag = get(client, row.href).headers["etag"]
    site.mutate({"op": "retitle", "report_number": row.key, "suffix_op": "append_revised"})
    new = parse_rows(get(client, AUDITS).text)[0]
    assert (new.key, new.href) == (row.key, row.href)
    assert new.title == row.title + " (Revised)"
    assert get(client, row.href).headers["etag"] == etag


def test_edit_summary(client: httpx.Client, site: FixtureSite) -> None:
    row = parse_rows(get(client, AUDITS).text)[0]
    site.mutate({"op": "edit_summary", "report_number": row.key, "summary": "Edited 'text'."})
    text = get(client, AUDITS).text
    assert parse_rows(text)[0].title_attr == "<p>Edited 'text'.</p>\n\n"
    assert 'title="&lt;p&gt;Edited &#039;text&#039;.&lt;/p&gt;&#10;&#10;"' in text
    site.mutate({"op": "edit_summary", "report_number": row.key, "summary": ""})
    assert parse_rows(get(client, AUDITS).text)[0].title_attr == "<p>&nbsp;</p>\n\n"
    site.mutate({"op": "edit_summary", "report_number": row.key, "summary": None})
    assert parse_rows(get(client, AUDITS).text)[0].title_attr.startswith(" View the ")


def test_replace_pdf_bytes_href_and_query(client: httpx.Client, site: FixtureSite) -> None:
    row = parse_rows(get(client, AUDITS).text)[0]
    old = get(client, row.href)
    site.mutate({"op": "replace_pdf", "report_number": row.key, "mode": "bytes"})
    new = get(client, row.href)
    assert parse_rows(get(client, AUDITS).text)[0].href == row.href
    assert new.headers["etag"] != old.headers["etag"]
    assert new.headers["last-modified"] != old.headers["last-modified"]
    assert (
        new.headers["content-length"] != old.headers["content-length"] or new.content != old.content
    )
    assert b"PDF version: 2" in new.content
    moved = site.mutate(
        {"op": "replace_pdf", "report_number": row.key, "mode": "href", "suffix": "-Revised"}
    )
    assert moved["pdf_path"].endswith("-Revised.pdf") and moved["pdf_path"] != row.href
    assert parse_rows(get(client, AUDITS).text)[0].href == moved["pdf_path"]
    assert client.get(moved["pdf_path"]).status_code == 200
    assert client.get(row.href).status_code == 404
    site.mutate({"op": "replace_pdf", "report_number": row.key, "mode": "query"})
    href = parse_rows(get(client, AUDITS).text)[0].href
    assert href == moved["pdf_path"] + "?source=govdelivery"
    assert get(client, href).content.startswith(b"%PDF")


def test_retag_component_and_coverage_hole(client: httpx.Client, site: FixtureSite) -> None:
    cbp = keys(get(client, AUDITS, field_dhs_agency_target_id=1).text)
    number = cbp[0]
    site.mutate({"op": "retag_component", "report_number": number, "components": ["ICE"]})
    assert number not in keys(get(client, AUDITS, field_dhs_agency_target_id=1).text)
    assert number in keys(get(client, AUDITS, field_dhs_agency_target_id=3).text)
    site.mutate({"op": "retag_component", "report_number": number, "hide_from_unfiltered": True})
    assert number not in [r.key for r in walk(client, AUDITS)]
    assert number in keys(get(client, AUDITS, field_dhs_agency_target_id=3).text)


def test_cross_list_and_fix_metadata(client: httpx.Client, site: FixtureSite) -> None:
    row = parse_rows(get(client, AUDITS).text)[2]
    result = site.mutate({"op": "cross_list", "report_number": row.key})
    alerts = parse_rows(get(client, MGMT_ALERTS).text)
    assert any(a.key == row.key and a.href == result["mga_pdf_path"] for a in alerts)
    site.mutate(
        {"op": "fix_metadata", "report_number": row.key, "fix": {"report_number": "OIG--27-77"}}
    )
    site.mutate(
        {
            "op": "fix_metadata",
            "report_number": "OIG--27-77",
            "fix": {"report_number": row.key, "fiscal_year": None},
        }
    )
    fixed = parse_rows(get(client, AUDITS).text)[2]
    assert fixed.key == row.key and fixed.fy == "          "


def test_drift_fires_once_on_trigger(client: httpx.Client, site: FixtureSite) -> None:
    page0 = keys(get(client, AUDITS).text)
    site.mutate({"op": "drift_during_crawl", "trigger": "page=1", "then": {"op": "add_report"}})
    assert keys(get(client, AUDITS).text) == page0
    page1 = keys(get(client, AUDITS, page=1).text)
    assert page1[0] == page0[49]  # seen twice: the insert pushed it down between the requests
    assert keys(get(client, AUDITS, page=1).text) == page1
    assert len(walk(client, AUDITS)) == 298
    assert site.state.drifts[0].fired


def test_drift_delete_between_pages_hides_a_row(client: httpx.Client, site: FixtureSite) -> None:
    page0 = keys(get(client, AUDITS).text)
    page1 = keys(get(client, AUDITS, page=1).text)
    page2 = keys(get(client, AUDITS, page=2).text)
    then = {"op": "remove_report", "report_number": page0[10]}
    site.mutate({"op": "drift_during_crawl", "trigger": "page=1", "then": then})
    assert keys(get(client, AUDITS, page=1).text) == page1[1:] + page2[:1]  # page1[0] never seen


def test_invalid_ops_are_rejected(site: FixtureSite) -> None:
    for op in (
        {"op": "nope"},
        {"op": "retitle", "report_number": "OIG-99-99", "title": "x"},
        {"op": "layout", "pager": "fancy"},
        {"op": "layout", "no_such_toggle": 1},
        {"op": "http_fault", "match": "/", "kind": "explode"},
        {"op": "add_report", "components": ["NASA"]},
    ):
        with pytest.raises(MutationError):
            site.mutate(op)
