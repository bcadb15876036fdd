"""Parse a Drupal Views table listing (audits, management alerts, whistleblower ROIs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lxml import etree
from lxml.etree import _Element as Element

from crawler.entry import ParsedPage, ReportEntry
from crawler.parse_common import (
    EMPTY_DOCUMENT,
    absolute_url,
    class_xpath,
    fix_text,
    fragment_text,
    inner_html,
    is_pdf_url,
    load_document,
    page_problems,
    parse_date,
    parse_pager,
    says_no_results,
    text_of,
    trimmed_or_none,
    unreadable_row,
)

NUMBER, TITLE, ISSUE_DATE, FISCAL_YEAR = "Report Number", "Title", "Issue Date", "Fiscal Year"
REQUIRED_HEADERS = (TITLE, ISSUE_DATE)

_HEADER_HINTS = {
    NUMBER: "report-number",
    TITLE: "title",
    ISSUE_DATE: "issue-date",
    FISCAL_YEAR: "field-fy",
}
_WS = re.compile(r"\s+")
_VIEW_THE_PDF = re.compile(r"^\s*View the .* PDF\s*$", re.DOTALL)

_TABLES = etree.XPath("//table")
_HEADER_CELLS = etree.XPath("(.//thead//tr)[1]/th | (.//tr[th])[1]/th[not(ancestor::thead)]")
_BODY_ROWS = etree.XPath("./tbody/tr | ./tr[td]")
_CELLS = etree.XPath("./td | ./th")
_LINK = etree.XPath(".//a[@href]")
_TIME = etree.XPath(".//time")
_HIDDEN_SPAN = etree.XPath(".//span[" + class_xpath("hidden") + "]")


@dataclass(frozen=True, slots=True)
class _Column:
    """Where a known column sits: its th id (matched against td@headers) and its index."""

    header_id: str
    index: int


def parse_table_page(
    html: str, *, page_url: str, view: str, components: tuple[str, ...] = ()
) -> ParsedPage:
    """Entries, row count, pager and layout problems of one table listing page."""
    root = load_document(html)
    if root is None:
        return ParsedPage(entries=(), rows_seen=0, has_next=False, problems=(EMPTY_DOCUMENT,))
    problems = page_problems(root, html)
    has_next, last_page = parse_pager(root)
    table = _find_table(root)
    if table is None:
        if not problems and not says_no_results(root):
            problems.append("no table found")
        return ParsedPage((), 0, has_next, last_page, tuple(problems))
    columns = _map_columns(table)
    problems += [
        f"missing table header: {name}" for name in REQUIRED_HEADERS if name not in columns
    ]
    rows = [row for row in _BODY_ROWS(table) if not _is_placeholder(row)]
    entries, unreadable = [], []
    for row in rows:
        try:
            entry = _parse_row(row, columns, page_url, view, components)
        except Exception as exc:  # one odd row is quarantined, the page still counts
            unreadable.append(unreadable_row(row, exc))
            continue
        if entry is not None:
            entries.append(entry)
    if rows and not entries:
        problems.append(f"none of {len(rows)} rows has a title link")
    return ParsedPage(
        tuple(entries), len(rows), has_next, last_page, tuple(problems), tuple(unreadable)
    )


def _find_table(root: Element) -> Element | None:
    """The listing table: the first one with a Title header, else the first table."""
    tables = _TABLES(root)
    for table in tables:
        if TITLE in _map_columns(table):
            return table
    return tables[0] if tables else None


def _header_name(th: Element) -> str | None:
    """Which known column a header cell names, by its text, else by its id or class."""
    text = _WS.sub(" ", text_of(th)).strip().lower()
    for name in _HEADER_HINTS:
        if text.startswith(name.lower()):
            return name
    marks = f"{th.get('id', '')} {th.get('class', '')}"
    for name, hint in _HEADER_HINTS.items():
        if hint in marks:
            return name
    return None


def _map_columns(table: Element) -> dict[str, _Column]:
    """Known column name -> its position, read from the header row."""
    columns: dict[str, _Column] = {}
    for index, th in enumerate(_HEADER_CELLS(table)):
        name = _header_name(th)
        if name and name not in columns:
            columns[name] = _Column(th.get("id", ""), index)
    return columns


def _is_placeholder(row: Element) -> bool:
    """A single spanning cell ("No results found") is not a listing row."""
    cells = _CELLS(row)
    return len(cells) == 1 and cells[0].get("colspan", "1").strip() not in ("", "1")


def _cells(row: Element, columns: dict[str, _Column]) -> dict[str, Element]:
    """The row's td per known column: by ``headers`` attribute, else (no headers) by position."""
    cells = _CELLS(row)
    by_header = {token: td for td in cells for token in (td.get("headers") or "").split()}
    found = {}
    for name, column in columns.items():
        if by_header and column.header_id:
            cell = by_header.get(column.header_id)
        else:
            cell = cells[column.index] if column.index < len(cells) else None
        if cell is not None:
            found[name] = cell
    return found


def _parse_row(
    row: Element,
    columns: dict[str, _Column],
    page_url: str,
    view: str,
    components: tuple[str, ...],
) -> ReportEntry | None:
    """One entry from a table row; None when the row has no titled link."""
    cells = _cells(row, columns)
    title_cell = cells.get(TITLE)
    link = _parse_link(title_cell, row)
    if link is None:
        return None
    title = _parse_title(link)
    if not title.strip():
        return None
    url = absolute_url(page_url, link.get("href"))
    is_pdf = url is not None and is_pdf_url(url)
    return ReportEntry(
        view=view,
        title=title,
        report_number=_parse_number(cells.get(NUMBER)),
        summary=_parse_summary(link, title_cell),
        issue_date=_parse_issue_date(cells.get(ISSUE_DATE)),
        fiscal_year=_parse_fiscal_year(cells.get(FISCAL_YEAR)),
        pdf_url=url if is_pdf else None,
        components=components,
        detail_url=None if is_pdf else url,
    )


def _parse_link(title_cell: Element | None, row: Element) -> Element | None:
    """The title link: in the Title cell; without one, the first link of the row."""
    links = _LINK(title_cell if title_cell is not None else row)
    return links[0] if links else None


def _parse_title(link: Element) -> str:
    """The anchor text exactly as linked (mojibake repaired)."""
    return fix_text(text_of(link))


def _parse_number(cell: Element | None) -> str | None:
    """The trimmed report number, None for an empty or absent cell."""
    return trimmed_or_none(text_of(cell)) if cell is not None else None


def _parse_summary(link: Element, title_cell: Element | None) -> str | None:
    """The summary from the link's title attribute, else from the hidden span."""
    attribute = link.get("title")
    if attribute and attribute.strip() and not _VIEW_THE_PDF.match(attribute):
        return fragment_text(attribute)
    for span in _HIDDEN_SPAN(title_cell) if title_cell is not None else []:
        content = inner_html(span)
        if content.strip():
            return fragment_text(content)
    return None


def _parse_issue_date(cell: Element | None) -> date | None:
    """The issue date from ``time[datetime]``, else from the MM/DD/YYYY text."""
    if cell is None:
        return None
    times = _TIME(cell)
    return parse_date(times[0].get("datetime") if times else None, text_of(cell))


def _parse_fiscal_year(cell: Element | None) -> str | None:
    """The raw trimmed FY text (typos kept), None when empty."""
    return trimmed_or_none(text_of(cell)) if cell is not None else None
