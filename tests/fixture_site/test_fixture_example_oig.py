"""The fixture's second Inspector General (Department of Examples OIG): its views-row listing,
Drupal 7 pager, report pages and PDFs over HTTP, and the ``example_*`` ops that change it."""

from __future__ import annotations

import httpx
import pytest
from lxml import html as lxml_html

from fixture_site import FixtureSite, MutationError, SiteState, build_state
from fixture_site.example_oig import LISTING, SEED, ExampleListing

DHS = "/reports/audits-inspections-and-evaluations"


def rows(client: httpx.Client, page: int = 0) -> list[lxml_html.HtmlElement]:
    response = client.get(LISTING + (f"?page={page}" if page else ""))
    assert response.status_code == 200
    return lxml_html.fromstring(response.text).cssselect("div.view-content > div.views-row")


def test_the_listing_pages_ten_rows_newest_first(client: httpx.Client) -> None:
    first = rows(client)
    assert len(first) == 10 and len(rows(client, 1)) == 10 and len(rows(client, 2)) == 4
    number = first[0].cssselect(".views-field-field-report-number")[0].text_content()
    assert number == "Report OIG-27-03 — Office of Inspections and Evaluations"
    assert first[0].cssselect(".date-display-single")[0].text_content() == "November 3, 2026"
    assert rows(client, 3) == [] and "No reports found." in client.get(LISTING + "?page=3").text
    assert client.get(LISTING + "?page=x").text == client.get(LISTING).text  # Drupal: page 0


def test_the_pager_links_next_and_last_pages(client: httpx.Client) -> None:
    page = lxml_html.fromstring(client.get(LISTING + "?page=1").text)
    assert page.cssselect("li.pager-next a")[0].get("href") == LISTING + "?page=2"
    assert page.cssselect("li.pager-last a")[0].get("href") == LISTING + "?page=2"
    assert page.cssselect("li.pager-current")[0].text_content() == "2"
    last = lxml_html.fromstring(client.get(LISTING + "?page=2").text)
    assert not last.cssselect("li.pager-next") and last.cssselect("li.pager-previous")


def test_pdfs_and_report_pages_answer_and_pulled_ones_do_not(
    site: FixtureSite, client: httpx.Client
) -> None:
    report = site.state.example_oig.find("OIG-26-05")
    pdf = client.get(report.pdf_path)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        client.get(report.pdf_path, headers={"If-None-Match": pdf.headers["ETag"]}).status_code
        == 304
    )
    assert client.get(report.detail_path).status_code == 200
    site.mutate({"op": "example_replace_pdf", "report_number": "OIG-26-05"})
    assert client.get(report.pdf_path).content != pdf.content
    site.mutate({"op": "example_remove_report", "report_number": "OIG-26-05"})
    assert client.get(report.pdf_path).status_code == 404
    assert client.get(report.detail_path).status_code == 404
    assert "OIG-26-05" not in client.get(LISTING + "?page=1").text
    site.mutate({"op": "example_restore_report", "report_number": "OIG-26-05"})
    assert "OIG-26-05" in client.get(LISTING + "?page=1").text


def test_ops_add_revise_and_change_the_listing_not_dhs(
    site: FixtureSite, client: httpx.Client
) -> None:
    dhs = client.get(DHS).text
    listing = client.get(LISTING)
    added = site.mutate({"op": "example_add_report", "summary": "Found gaps."})
    assert added["report_number"] == "OIG-27-04" and added["issue_date"] == "2026-11-20"
    after = client.get(LISTING, headers={"If-None-Match": listing.headers["ETag"]})
    assert after.status_code == 200 and "OIG-27-04" in after.text and "Found gaps." in after.text
    site.mutate(
        {"op": "example_retitle", "report_number": "OIG-27-04", "suffix_op": "append_revised"}
    )
    site.mutate({"op": "example_edit_summary", "report_number": "OIG-27-04", "summary": None})
    [row] = [r for r in rows(client) if "OIG-27-04" in r.text_content()]
    assert row.cssselect("h3 a")[0].text_content().endswith(" (Synthetic) (Revised)")
    assert not row.cssselect(".views-field-body")
    site.mutate({"op": "example_set", "date_style": "iso", "page_size": 30})
    assert len(rows(client)) == 25 and "2026-11-20</span>" in client.get(LISTING).text
    assert client.get(DHS).text == dhs, "the DHS imitation is untouched"


@pytest.mark.parametrize(
    "op",
    [
        {"op": "example_retitle", "report_number": "OIG-99-99", "title": "x"},
        {"op": "example_add_report", "report_number": "OIG-26-01"},
        {"op": "example_set", "page_size": 0},
        {"op": "example_set", "date_style": "roman"},
        {"op": "example_retitle", "report_number": "OIG-26-01"},
    ],
)
def test_bad_ops_are_refused(site: FixtureSite, op: dict[str, object]) -> None:
    with pytest.raises(MutationError):
        site.mutate(op)


def test_the_listing_survives_the_state_round_trip() -> None:
    state = build_state(n_reports=20, seed=1)
    state.example_oig.reports[0].removed = True
    again = SiteState.from_json(state.to_json())
    assert again.example_oig == state.example_oig
    old = state.to_json()
    del old["example_oig"]  # a state file written before this listing existed
    assert SiteState.from_json(old).example_oig == ExampleListing()
    assert len(ExampleListing().reports) == len(SEED) == 24
