"""Parsing helpers for the fixture-site tests (lxml, independent of the crawler's parsers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import lxml.html

AUDITS = "/reports/audits-inspections-and-evaluations"
MGMT_ALERTS = "/reports/management-alerts"
WHISTLEBLOWER = "/reports/whistleblower-retaliation-reports-of-investigation"
NUMBER_HEADER = "view-field-report-number-table-column"
TITLE_HEADER = "view-title-table-column"
DATE_HEADER = "view-field-issue-date-table-column"
FY_HEADER = "view-field-fy-table-column"


@dataclass(frozen=True)
class Row:
    """One listing row as the HTML shows it."""

    number: str | None
    title: str
    href: str
    title_attr: str
    hidden: str
    date: str | None
    date_text: str
    fy: str | None
    classes: dict[str, str]

    @property
    def key(self) -> str:
        """Number when present, else the PDF href."""
        return (self.number or "").strip() or self.href


def parse_rows(text: str) -> list[Row]:
    """Rows of the listing table (cells found by their `headers` attribute)."""
    doc = lxml.html.fromstring(text)
    rows = []
    for tr in doc.xpath("//table//tbody/tr"):
        cells = {td.get("headers"): td for td in tr.xpath("./td")}
        title_td = cells[TITLE_HEADER]
        link = title_td.xpath(".//a")[0]
        hidden = title_td.xpath('.//span[@class="hidden"]')
        date_td = cells[DATE_HEADER]
        times = date_td.xpath(".//time")
        rows.append(
            Row(
                number=cells[NUMBER_HEADER].text_content() if NUMBER_HEADER in cells else None,
                title=link.text_content(),
                href=link.get("href"),
                title_attr=link.get("title"),
                hidden=lxml.html.tostring(hidden[0], encoding="unicode") if hidden else "",
                date=times[0].get("datetime") if times else None,
                date_text=date_td.text_content(),
                fy=cells[FY_HEADER].text_content() if FY_HEADER in cells else None,
                classes={h: td.get("class", "") for h, td in cells.items()},
            )
        )
    return rows


def keys(text: str) -> list[str]:
    """Row identities of a listing page, in order."""
    return [row.key for row in parse_rows(text)]


def last_page(text: str) -> int | None:
    """The page index of the Drupal pager's "Last »" link, if any."""
    doc = lxml.html.fromstring(text)
    links = doc.xpath('//li[contains(@class, "pager__item--last")]/a/@href')
    if not links:
        return None
    return int(str(links[0]).rsplit("page=", 1)[1])


def get(client: httpx.Client, path: str, **params: Any) -> httpx.Response:
    """GET with query parameters; asserts a 200."""
    response = client.get(path, params=params)
    assert response.status_code == 200, (path, params, response.status_code)
    return response


def walk(client: httpx.Client, path: str, **params: Any) -> list[Row]:
    """Every row of a listing, page by page until an empty page."""
    rows: list[Row] = []
    for page in range(200):
        page_rows = parse_rows(get(client, path, page=page, **params).text)
        if not page_rows:
            return rows
        rows.extend(page_rows)
    raise AssertionError("listing never ended")
