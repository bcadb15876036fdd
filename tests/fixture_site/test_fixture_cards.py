"""Taxonomy term card lists (spec §5) and report detail pages (§6)."""

from __future__ import annotations

import httpx
import lxml.html

from fixture_site import FixtureSite
from fixture_site.paths import slugify
from tests.fixture_site.fsite_helpers import AUDITS, get, parse_rows

LABELS = [
    "Executive Summary",
    "Report Number",
    "Issue Date",
    "Document File",
    "DHS Agency",
    "Oversight Area",
    "Keywords",
    "Fiscal Year",
]


def _cards(text: str) -> list[lxml.html.HtmlElement]:
    return lxml.html.fromstring(text).xpath("//ul[@class='usa-list']/li/article")


def test_agency_term_page(client: httpx.Client, site: FixtureSite) -> None:
    text = get(client, "/taxonomy/term/6").text
    doc = lxml.html.fromstring(text)
    assert doc.xpath("//h1/text()") == ["USCIS"]
    assert "United States Citizenship and Immigration Services" in text
    cards = _cards(text)
    assert len(cards) == 10
    members = [r for r in site.state.reports if "USCIS" in r.components]
    members.sort(key=lambda r: (r.changed, r.nid), reverse=True)
    titles = [c.xpath(".//h2//span/text()")[0] for c in cards]
    assert titles[0] == members[0].title
    labels = cards[0].xpath(".//div[@class='field__label']/text()")
    assert labels == [label for label in LABELS if label in labels]
    assert {"Report Number", "Issue Date", "Document File", "DHS Agency"} <= set(labels)
    assert "pager__item--next" not in text  # exactly 10 USCIS items
    cbp = get(client, "/taxonomy/term/1", page=1).text
    assert len(_cards(cbp)) == 10 and "pager__item--next" in cbp


def test_cards_follow_changed_not_number(client: httpx.Client, site: FixtureSite) -> None:
    old = next(r for r in site.state.reports if "USCG" in r.components and r.fiscal_year == 2010)
    site.mutate({"op": "edit_summary", "report_number": old.report_number, "summary": "Edited."})
    first = _cards(get(client, "/taxonomy/term/7").text)[0]
    assert first.xpath(".//h2//span/text()") == [old.title]
    assert "field--label-above" in lxml.html.tostring(first, encoding="unicode")
    site.mutate({"op": "layout", "card_layout": "inline"})
    first = _cards(get(client, "/taxonomy/term/7").text)[0]
    assert "field--label-inline" in lxml.html.tostring(first, encoding="unicode")
    assert "Report Number" + old.report_number in first.text_content()  # type: ignore[operator]


def test_management_alert_appears_twice_second_without_fields(
    client: httpx.Client, site: FixtureSite
) -> None:
    result = site.mutate({"op": "add_report", "components": ["USSS"], "management_alert": True})
    cards = _cards(get(client, "/taxonomy/term/8").text)
    assert [c.xpath(".//h2//span/text()")[0] for c in cards[:2]] == [result["title"]] * 2
    assert cards[0].xpath(".//div[@class='node__content']")
    assert not cards[1].xpath(".//div[@class='node__content']")


def test_keyword_terms_and_unknown_terms(client: httpx.Client) -> None:
    assert _cards(get(client, "/taxonomy/term/307").text)
    assert get(client, "/taxonomy/term/1568").text.count("<h1") == 1
    assert client.get("/taxonomy/term/99999").status_code == 404


def test_detail_page_by_alias_and_node(client: httpx.Client, site: FixtureSite) -> None:
    row = parse_rows(get(client, AUDITS).text)[0]
    report = site.state.find(row.key)
    assert report.detail_path.startswith(f"/reports/{report.issue_date[:4]}/")
    assert report.detail_path.endswith("/" + row.href.rsplit("/", 1)[1][:-4].lower().strip("_"))
    for path in (report.detail_path, f"/node/{report.nid}"):
        doc = lxml.html.fromstring(get(client, path).text)
        assert doc.xpath("//h1//text()") == [report.title]
        assert doc.xpath("//div[contains(@class,'field--name-field-document-file')]//a/@href") == [
            row.href
        ]
    assert client.get("/node/1").status_code == 404


def test_slugs_are_pathauto_style() -> None:
    title = "Covert Testing of TSA’s Screening Checkpoint Effectiveness"
    assert slugify(title) == "covert-testing-tsas-screening-checkpoint-effectiveness"
    assert (
        slugify("Management Alert - DHS Needs to Address Dangerous Overcrowding")
        == "management-alert-dhs-needs-address-dangerous-overcrowding"
    )
