"""Table listings: rows, pager, filters, sorting, ties, summary and date modes (spec §2-§4)."""

from __future__ import annotations

import re

import httpx
import lxml.html
import pytest

from fixture_site import FixtureSite
from fixture_site.state import AGENCY_TIDS
from tests.fixture_site.fsite_helpers import (
    AUDITS,
    DATE_HEADER,
    MGMT_ALERTS,
    WHISTLEBLOWER,
    get,
    keys,
    last_page,
    parse_rows,
    walk,
)


def test_page_zero_has_50_rows_and_a_drupal_pager(client: httpx.Client) -> None:
    text = get(client, AUDITS).text
    assert len(parse_rows(text)) == 50
    doc = lxml.html.fromstring(text)
    assert not doc.xpath('//li[contains(@class, "pager__item--first")]')
    assert doc.xpath('//li[contains(@class, "pager__item--next")]/a[@rel="next"]/@href') == [
        "?page=1"
    ]
    assert last_page(text) == 5  # 297 listed rows (3 whistleblower ROIs are elsewhere)
    assert "Last »" in text


def test_walking_all_pages_sees_every_listed_report_once(
    client: httpx.Client, site: FixtureSite
) -> None:
    rows = walk(client, AUDITS)
    listed = [r for r in site.state.reports if r.kind == "report"]
    assert len(rows) == len(listed) == 297
    assert len({r.key for r in rows}) == len(rows)
    last = get(client, AUDITS, page=5).text
    assert len(parse_rows(last)) == 47
    assert "pager__item--next" not in last and "pager__item--first" in last


def test_page_beyond_last_is_empty_or_clamped(client: httpx.Client, site: FixtureSite) -> None:
    text = get(client, AUDITS, page=99).text
    assert parse_rows(text) == []
    assert "No results" in text
    site.mutate({"op": "layout", "beyond_last": "clamp"})
    assert keys(get(client, AUDITS, page=99).text) == keys(get(client, AUDITS, page=5).text)


@pytest.mark.parametrize(("code", "tid"), sorted(AGENCY_TIDS.items()))
def test_each_agency_view_holds_only_that_agency(
    client: httpx.Client, site: FixtureSite, code: str, tid: int
) -> None:
    rows = walk(client, AUDITS, field_dhs_agency_target_id=tid, field_fy_value="All")
    expected = {
        r.report_number or r.pdf_path
        for r in site.state.reports
        if r.kind == "report" and code in r.components
    }
    assert {r.key for r in rows} == expected


def test_small_views_have_no_pager(client: httpx.Client) -> None:
    text = get(client, AUDITS, field_dhs_agency_target_id=8).text
    assert 0 < len(parse_rows(text)) <= 50
    assert '<nav class="pager"' not in text


def test_fy_and_oversight_filters(client: httpx.Client, site: FixtureSite) -> None:
    rows = walk(client, AUDITS, field_fy_value=3)
    assert rows and all(r.fy is not None and r.fy.strip() == "2022" for r in rows)
    rows = walk(client, AUDITS, field_dhs_agency_target_id=2, field_oversight_area=13)
    expected = [r for r in site.state.reports if r.oversight_area == 13 and "FEMA" in r.components]
    assert len(rows) == len(expected) > 0


def test_invalid_filter_shows_error_box_over_unfiltered_table(client: httpx.Client) -> None:
    text = get(client, AUDITS, field_dhs_agency_target_id=77).text
    assert "An illegal choice has been detected. Please contact the site administrator." in text
    assert keys(text) == keys(get(client, AUDITS).text)


@pytest.mark.parametrize("order", ["field_report_number", "title", "field_issue_date", "field_fy"])
@pytest.mark.parametrize("sort", ["asc", "desc"])
def test_sort_orders(client: httpx.Client, site: FixtureSite, order: str, sort: str) -> None:
    text = get(client, AUDITS, order=order, sort=sort, page=1).text
    by_href = {r.pdf_path: r for r in site.state.reports}
    reports = [by_href[row.href] for row in parse_rows(text)]
    key = {
        "field_report_number": lambda r: r.report_number or "",
        "title": lambda r: r.title,
        "field_issue_date": lambda r: r.issue_date,
        "field_fy": lambda r: -1 if r.fiscal_year is None else r.fiscal_year,
    }[order]
    values = [key(r) for r in reports]
    assert values == sorted(values, reverse=sort == "desc")
    doc = lxml.html.fromstring(text)
    active = doc.xpath('//th[contains(@class, "is-active")]')
    assert len(active) == 1
    assert active[0].get("aria-sort") == ("ascending" if sort == "asc" else "descending")
    hint = "Sort descending" if sort == "asc" else "Sort ascending"
    assert active[0].xpath('.//span[@class="visually-hidden"]/text()') == [hint]
    header = active[0].get("id")
    cells = doc.xpath(f'//td[@headers="{header}"]')
    assert cells and all("is-active" in td.get("class") for td in cells)


def test_title_sort_puts_leading_space_first_and_fy_typo_sorts_high(
    client: httpx.Client,
) -> None:
    first = parse_rows(get(client, AUDITS, order="title", sort="asc").text)[0]
    assert first.title.startswith(" ")
    top = parse_rows(get(client, AUDITS, order="field_fy", sort="desc").text)[0]
    assert top.fy == "20187          "


def test_header_links_keep_filters_and_toggle(client: httpx.Client) -> None:
    text = get(client, AUDITS, field_dhs_agency_target_id=3, order="title", sort="asc").text
    doc = lxml.html.fromstring(text)
    href = doc.xpath('//th[@id="view-title-table-column"]/a/@href')[0]
    assert href == (
        "?field_dhs_agency_target_id=3&field_oversight_area=All&field_fy_value=All"
        "&order=title&sort=desc"
    )
    pager_href = doc.xpath('//li[contains(@class, "pager__item--next")]/a/@href')
    assert not pager_href or "field_dhs_agency_target_id=3" in pager_href[0]


def _date_groups(text: str) -> tuple[list[str | None], dict[str | None, set[str]]]:
    rows = parse_rows(text)
    groups: dict[str | None, set[str]] = {}
    for row in rows:
        groups.setdefault(row.date, set()).add(row.key)
    return [r.date for r in rows], groups


def test_shuffle_reorders_only_ties(client: httpx.Client, site: FixtureSite) -> None:
    site.mutate({"op": "tie_shuffle", "mode": "shuffle"})
    pages = [get(client, AUDITS, page=1).text for _ in range(12)]
    dates0, groups0 = _date_groups(pages[0])
    inner = set(dates0[1:]) - {dates0[-1]} - {dates0[0]}
    assert any(len(groups0[d]) > 1 for d in inner), "seed should put ties on page 1"
    for text in pages[1:]:
        dates, groups = _date_groups(text)
        assert dates == dates0
        assert all(groups[d] == groups0[d] for d in inner)
    assert len({tuple(keys(t)) for t in pages}) > 1


def test_stable_and_per_day_modes_repeat_until_the_day_changes(
    client: httpx.Client, site: FixtureSite
) -> None:
    stable = {get(client, AUDITS, page=1).text for _ in range(4)}
    assert len(stable) == 1
    site.mutate({"op": "tie_shuffle", "mode": "shuffle_per_day"})
    day_one = {tuple(keys(get(client, AUDITS, page=1).text)) for _ in range(4)}
    assert len(day_one) == 1
    orders = set(day_one)
    for day in ("2026-11-21", "2026-11-22", "2026-11-23"):
        site.mutate({"op": "set_today", "today": day})
        orders.add(tuple(keys(get(client, AUDITS, page=1).text)))
    assert len(orders) > 1


def _row_of(client: httpx.Client, number: str) -> tuple[str, int]:
    for page in range(10):
        text = get(client, AUDITS, page=page).text
        for i, row in enumerate(parse_rows(text)):
            if row.key == number:
                return text, i
    raise AssertionError(number)


def test_summary_modes(client: httpx.Client, site: FixtureSite) -> None:
    text, i = _row_of(client, "OIG-22-08")
    row = parse_rows(text)[i]
    assert row.title_attr.startswith("<p>KPMG LLP (KPMG), under contract with")
    assert row.title_attr.endswith("</p>\n\n")
    assert 'title="&lt;p&gt;KPMG LLP' in text and "&lt;/p&gt;&#10;&#10;" in text
    site.mutate({"op": "layout", "summary_mode": "hidden_span"})
    text, i = _row_of(client, "OIG-22-08")
    row = parse_rows(text)[i]
    assert row.title_attr.startswith(" View the Independent Auditors")
    assert "<p>KPMG LLP" in row.hidden
    site.mutate({"op": "layout", "summary_mode": "none"})
    text, i = _row_of(client, "OIG-22-08")
    assert parse_rows(text)[i].hidden == '<span class="hidden"></span>'


def test_empty_summary_is_an_nbsp_paragraph(client: httpx.Client, site: FixtureSite) -> None:
    number = next(r.report_number for r in site.state.reports if r.summary == "")
    assert number
    text, _ = _row_of(client, number)
    assert 'title="&lt;p&gt;&amp;nbsp;&lt;/p&gt;&#10;&#10;"' in text


def test_row_markup_matches_the_captured_row(client: httpx.Client) -> None:
    text = get(client, AUDITS).text
    assert re.search(r'views-field-field-report-number">OIG-\d\d-\d+ {10}</td>', text)
    assert re.search(r'views-field-field-fy views-align-center">\d{4} {10}</td>', text)
    assert '<span class="hidden"></span></td>' in text
    assert re.search(
        r'<time datetime="\d{4}-\d\d-\d\dT12:00:00Z" class="datetime">\d\d/\d\d/\d{4}</time>', text
    )
    rows = parse_rows(text)
    plain = [r for r in rows if r.title_attr.startswith(" View the ")]
    assert plain and all(r.title_attr.endswith(" PDF") for r in plain)
    assert all(r.classes[DATE_HEADER].endswith("is-active views-align-center") for r in rows)
    assert "&#039;" in "".join(get(client, AUDITS, page=p).text for p in range(3))


@pytest.mark.parametrize(
    ("mode", "pattern"),
    [
        ("text_only", r'is-active views-align-center">\d\d/\d\d/\d{4}</td>'),
        ("no_datetime_attr", r'<time class="datetime">\d\d/\d\d/\d{4}</time>'),
    ],
)
def test_date_modes(client: httpx.Client, site: FixtureSite, mode: str, pattern: str) -> None:
    site.mutate({"op": "layout", "date_mode": mode})
    text = get(client, AUDITS).text
    assert len(re.findall(pattern, text)) == 50
    assert "datetime=" not in text.split("<tbody>")[1]


def test_whistleblower_and_management_alert_views(client: httpx.Client, site: FixtureSite) -> None:
    text = get(client, WHISTLEBLOWER).text
    rows = parse_rows(text)
    assert len(rows) == 3 and all(r.number is None for r in rows)
    assert "Report Number" not in text.split("<tbody>")[0].split("<table")[1]
    alerts = walk(client, MGMT_ALERTS)
    assert len(alerts) == sum(r.management_alert for r in site.state.reports) > 0
    names = [r.href.rsplit("/", 1)[1] for r in alerts]
    assert all("/Mga/" in r.href for r in alerts) and names == [n.lower() for n in names]
    audits = {r.key for r in walk(client, AUDITS)}
    assert {r.key for r in alerts} <= audits


@pytest.mark.parametrize(
    ("mode", "prefix"), [("www", "https://www.oig.dhs.gov/"), ("apex", "https://oig.dhs.gov/")]
)
def test_absolute_hrefs(client: httpx.Client, site: FixtureSite, mode: str, prefix: str) -> None:
    site.mutate({"op": "layout", "absolute_hrefs": mode})
    assert all(r.href.startswith(prefix + "sites/") for r in parse_rows(get(client, AUDITS).text))


def test_pager_variants(client: httpx.Client, site: FixtureSite) -> None:
    text = get(client, AUDITS, page=5).text
    assert 'aria-current="page"><span class="visually-hidden">Current page</span>6' in text
    site.mutate({"op": "layout", "pager": "uswds"})
    text = get(client, AUDITS, page=2).text
    assert 'class="usa-pagination"' in text and "usa-pagination__next-page" in text
    assert 'href="?page=5" class="usa-pagination__button" aria-label="last page, Page 6"' in text
    site.mutate({"op": "layout", "pager": "mini"})
    text = get(client, AUDITS, page=2).text
    assert 'rel="next"' in text and "Last" not in text.split("<nav")[1]
    site.mutate({"op": "layout", "pager": "none"})
    assert '<nav class="pager"' not in get(client, AUDITS).text


def test_layout_variants(client: httpx.Client, site: FixtureSite) -> None:
    site.mutate({"op": "layout", "title_td_class": "views-field-title-1"})
    assert 'class="views-field views-field-title"' not in get(client, AUDITS).text
    site.mutate(
        {"op": "layout", "title_td_class": "views-field-title", "column_order": ["title", "number"]}
    )
    doc = lxml.html.fromstring(get(client, AUDITS).text)
    assert doc.xpath("//thead//th/@id") == [
        "view-title-table-column",
        "view-field-report-number-table-column",
    ]
    default_columns = ["number", "title", "date", "fy"]
    site.mutate({"op": "layout", "column_order": default_columns, "extra_column": "agency"})
    assert "cols-5" in get(client, AUDITS).text
    site.mutate({"op": "layout", "as_cards": True})
    text = get(client, AUDITS).text
    assert "<table" not in text and text.count("node--view-mode-teaser") == 50
    site.mutate({"op": "layout", "as_cards": False, "theme": "dhs2020", "page_size": 25})
    text = get(client, AUDITS).text
    assert "Official website of the Department of Homeland Security" in text
    assert len(parse_rows(text)) == 25 and last_page(text) == 11


def test_maintenance_and_empty_table(client: httpx.Client, site: FixtureSite) -> None:
    site.mutate({"op": "layout", "empty_table": True})
    text = get(client, AUDITS).text
    assert parse_rows(text) == [] and "No results found" in text and "<tbody>" in text
    site.mutate({"op": "layout", "empty_table": False, "maintenance": True})
    text = get(client, AUDITS).text
    assert "The site is currently under maintenance. We should be back shortly." in text
    assert "<table" not in text


def test_titles_and_cells_survive_html_byte_exact(client: httpx.Client, site: FixtureSite) -> None:
    by_href = {r.pdf_path: r for r in site.state.reports}
    rows = walk(client, AUDITS)
    for row in rows:
        report = by_href[row.href]
        assert row.title == report.title
        assert row.number == (report.report_number or "") + " " * 10
        fy = "" if report.fiscal_year is None else str(report.fiscal_year)
        assert row.fy == fy + " " * 10
        assert row.date == f"{report.issue_date}T12:00:00Z"
    assert any(r.title.startswith(" ") for r in rows) and any(r.number == " " * 10 for r in rows)
