"""parse_generic_page: a listing read by configured CSS / XPath selectors (the generic layout).

The pages are the fixture site's Department of Examples OIG listing (Drupal 7 ``views-row``
blocks, numbers inside text, dates "November 3, 2026"), rendered by the fixture itself."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.registry import LAYOUTS
from config.selectors import SelectorConfig
from crawler.entry import ParsedPage, ReportEntry
from crawler.parse_generic import parse_generic_page
from fixture_site.example_oig import ExampleListing
from fixture_site.render_example import render_listing

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://oig.example.gov"
LISTING = SITE + "/example-oig/reports"


def shipped_selectors() -> SelectorConfig:
    """The selectors of the shipped example (config/another-listing.toml)."""
    raw = tomllib.loads((ROOT / "config" / "another-listing.toml").read_text(encoding="utf-8"))
    return SelectorConfig.model_validate(raw["sources"][0]["views"][0]["selectors"])


CSS = shipped_selectors()
XPATH = SelectorConfig(
    row="xpath://div[contains(@class, 'view-content')]/div[contains(@class, 'views-row')]",
    title="xpath:.//h3/a",
    link="xpath:.//h3/a/@href",
    pdf="xpath:.//span[@class='file']/a/@href",
    report_number="xpath:string(.//div[contains(@class, 'field-report-number')])",
    report_number_pattern=r"Report (OIG-\d{2}-\d+)",
    date="xpath:.//span[@class='date-display-single']/@content",
    date_format="%Y-%m-%d",
    date_pattern=r"\d{4}-\d{2}-\d{2}",
    summary="xpath:.//div[contains(@class, 'views-field-body')]//p",
    components="xpath:.//div[contains(@class, 'field-office')]//a/text()",
    next_page="xpath://li[@class='pager-next']/a",
    last_page="xpath://li[contains(@class, 'pager-last')]/a/@href",
)


def parse(html: str, selectors: SelectorConfig = CSS, url: str = LISTING) -> ParsedPage:
    return parse_generic_page(
        html, page_url=url, view="reports", selectors=selectors, components=("OIG",)
    )


def test_the_generic_layout_is_registered_and_reads_selectors() -> None:
    assert "generic" in LAYOUTS.kinds() and LAYOUTS["generic"].selectors


def test_a_views_row_page_gives_every_field() -> None:
    page = parse(render_listing(ExampleListing(), 0))
    assert (page.rows_seen, page.has_next, page.last_page, page.problems) == (10, True, 2, ())
    assert page.quarantined == ()
    first = page.entries[0]
    assert first == ReportEntry(
        view="reports",
        title="Evaluation of the Office of Sample Programs’ Disaster Grant Eligibility Reviews",
        report_number="OIG-27-03",
        summary="Eligibility reviews did not follow the written procedure in 14 of 40 cases.",
        issue_date=date(2026, 11, 3),
        pdf_url=SITE + "/example-oig/sites/default/files/reports/2026-11/OIG-27-03.pdf",
        components=("OIG", "Office of Inspections and Evaluations"),
        detail_url=LISTING + "/2026/evaluation-of-the-office-of-sample-programs-disaster-grant-"
        "eligibility-reviews",
    )
    numbers = [entry.report_number for entry in page.entries]
    assert numbers[:4] == ["OIG-27-03", "OIG-27-02", "OIG-27-01", "OIG-26-21"]
    no_summary = next(e for e in page.entries if e.report_number == "OIG-26-21")
    assert no_summary.summary is None  # no body field in that row: no summary markup
    two_offices = parse(render_listing(ExampleListing(), 1)).entries
    assert next(e for e in two_offices if e.report_number == "OIG-26-10").components == (
        "OIG",
        "Office of Inspections and Evaluations",
        "Office of Audits",
    )


def test_the_last_page_announces_no_next_one() -> None:
    page = parse(render_listing(ExampleListing(), 2))
    assert (page.rows_seen, page.has_next, page.last_page) == (4, False, None)
    assert page.entries[-1].report_number == "OIG-26-01"


def test_xpath_selectors_read_the_same_reports_as_css() -> None:
    html = render_listing(ExampleListing(), 1)
    by_css, by_xpath = parse(html), parse(html, XPATH)
    assert by_xpath.entries == by_css.entries
    assert (by_xpath.has_next, by_xpath.last_page) == (True, 2)


def test_an_empty_listing_is_no_problem_but_a_vanished_one_is() -> None:
    listing = ExampleListing(reports=[])
    assert parse(render_listing(listing, 0)).problems == ()
    renamed = render_listing(ExampleListing(), 0).replace("views-row", "node-teaser")
    page = parse(renamed)
    assert page.problems == ("no rows match the row selector 'div.view-content > div.views-row'",)
    assert page.entries == () and page.rows_seen == 0


def test_odd_rows_are_quarantined_and_the_rest_read() -> None:
    html = render_listing(ExampleListing(), 0)
    html = html.replace("November 3, 2026", "Nov. 3rd, 2026", 1)
    html = html.replace(">Top Management and Performance", "><!-- -->", 1)  # a title cut short
    html = html.replace(
        "Challenges Facing the Department of Examples in Fiscal Year 2027</a>", "</a>", 1
    )
    page = parse(html)
    assert page.rows_seen == 10 and len(page.entries) == 8
    date_warning, title_warning = page.quarantined
    assert date_warning["field"] == "issue_date" and date_warning["raw"] == "Nov. 3rd, 2026"
    assert date_warning["problem"] == "not a date in the format '%B %d, %Y'"
    assert title_warning["field"] == "title"
    assert title_warning["problem"] == "no title text at 'div.views-field-title a'"


def test_a_row_selector_matching_text_is_a_page_problem() -> None:
    selectors = CSS.model_copy(update={"row": "div.views-row h3 a::text"})
    page = parse(render_listing(ExampleListing(), 0), selectors)
    assert page.entries == () and page.problems == (
        "the row selector 'div.views-row h3 a::text' matches text, not elements",
    )


def test_without_a_pager_selector_the_shared_pager_reading_is_used() -> None:
    selectors = CSS.model_copy(update={"next_page": None, "last_page": None})
    page = parse(render_listing(ExampleListing(), 0), selectors)
    assert page.has_next and page.last_page == 2


# Arbitrary pages: tags the selectors look for, nested at random, with any text and attributes.
TAGS = st.sampled_from(["div", "span", "h3", "a", "p", "ul", "li", "time", "table", "td"])
CLASSES = st.sampled_from(
    ["views-row", "view-content", "views-field-title", "date-display-single", "pager-next",
     "pager-last", "views-field-body", "field-content", "view-empty", "file", ""]
)  # fmt: skip
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
ATTR_VALUE = st.one_of(TEXT, st.sampled_from(["?page=3", "?page=¹", "http://[", "/x.pdf", " "]))


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    tag, cls = draw(TAGS), draw(CLASSES)
    href, content = draw(ATTR_VALUE), draw(ATTR_VALUE)
    children = "".join(draw(st.lists(elements(depth + 1), max_size=3))) if depth < 3 else draw(TEXT)
    return (
        f'<{tag} class="{cls}" href="{href}" content="{content}">{draw(TEXT)}{children}</{tag}>'
        + draw(st.sampled_from(["", "<", "&", "&#0;", "</div>", "<!--", "<![CDATA["]))
    )


CONFIGS = st.sampled_from(
    [
        CSS,
        XPATH,
        CSS.model_copy(update={"row": "div.views-row, li", "summary": "p::text", "link": "*"}),
        SelectorConfig(
            row="xpath://*[@class]", title="xpath:@content", link="xpath:count(.//a)",
            report_number="xpath:boolean(.//a)", date="xpath:string(@href)",
            date_format="%d/%m/%Y", components="xpath:.//text()", summary="xpath:@class",
            next_page="xpath://a/@href", last_page="xpath:.//text()",
        ),
    ]
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(elements(), max_size=6), selectors=CONFIGS)
def test_arbitrary_pages_never_raise(body: list[str], selectors: SelectorConfig) -> None:
    page = parse("<html><body>" + "".join(body) + "</body></html>", selectors)
    assert isinstance(page, ParsedPage)
    assert page.rows_seen == len(page.entries) + len(page.quarantined)
    for entry in page.entries:
        assert entry.title and entry.title == " ".join(entry.title.split())
        assert isinstance(entry.issue_date, date | None)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300), selectors=CONFIGS)
def test_any_text_at_all_never_raises(text: str, selectors: SelectorConfig) -> None:
    page = parse(text, selectors)
    assert page.rows_seen == len(page.entries) + len(page.quarantined)


@pytest.mark.parametrize("url", [LISTING, "https://oig.example.gov/other/page?page=1"])
def test_links_are_absolute_against_the_page(url: str) -> None:
    [first, *_] = parse(render_listing(ExampleListing(), 0), url=url).entries
    assert first.pdf_url and first.pdf_url.startswith(SITE + "/example-oig/sites/")
