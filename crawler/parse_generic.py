"""Parse any report listing whose fields the config names by CSS or XPath selectors (the generic
layout, ``config/selectors.py``): one entry per ``row``, each field read inside it.

A row whose title cannot be found, or whose date does not read with the configured format, is
quarantined (``ParsedPage.quarantined``: field, raw text, problem), never fatal: the rest of the
page counts, and the parse-rate gate judges how many rows were readable.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from lxml.etree import _Element as Element
from parsel import Selector, SelectorList

from config.selectors import SelectorConfig, selector_parts
from crawler.entry import ParsedPage, ReportEntry
from crawler.parse_common import (
    EMPTY_DOCUMENT,
    _page_param,
    absolute_url,
    fix_text,
    fragment_text,
    inner_html,
    is_pdf_url,
    load_document,
    page_problems,
    parse_pager,
    says_no_results,
    text_of,
    unreadable_row,
)

MAX_DATE_TEXT = 200  # characters of a date's text worth trying a format on
RAW_KEPT = 200
_LINK_TAGS = frozenset({"a", "area", "link"})


class RowProblem(Exception):
    """A row kept out: the field, its raw text and what is wrong with it."""

    def __init__(self, field: str, raw: str, problem: str) -> None:
        super().__init__(problem)
        self.warning = {"field": field, "raw": " ".join(raw.split())[:RAW_KEPT], "problem": problem}


@lru_cache(maxsize=64)
def selectors_from_text(text: str) -> SelectorConfig:
    """The view's selectors as the crawl job carries them (validated once per process)."""
    return SelectorConfig.from_text(text)


def parse_generic_page(
    html: str,
    *,
    page_url: str,
    view: str,
    selectors: SelectorConfig,
    components: tuple[str, ...] = (),
) -> ParsedPage:
    """Entries, row count, pager and problems of one listing page read by selectors."""
    root = load_document(html)
    if root is None:
        return ParsedPage(entries=(), rows_seen=0, has_next=False, problems=(EMPTY_DOCUMENT,))
    problems = page_problems(root, html)
    page = Selector(root=root, type="html")
    has_next, last_page = _pager(page, root, selectors)
    found = select(page, selectors.row)
    rows = [row for row in found if isinstance(row.root, Element)]
    if len(rows) < len(found):
        problems.append(f"the row selector {selectors.row!r} matches text, not elements")
    elif not rows and not problems and not _says_empty(page, root, selectors):
        problems.append(f"no rows match the row selector {selectors.row!r}")
    entries, unreadable = [], []
    for row in rows:
        try:
            entries.append(_entry(row, selectors, page_url, view, components))
        except RowProblem as problem:
            unreadable.append(problem.warning)
        except Exception as exc:  # one odd row is quarantined, the page still counts
            unreadable.append(unreadable_row(row.root, exc))
    return ParsedPage(
        tuple(entries), len(rows), has_next, last_page, tuple(problems), tuple(unreadable)
    )


def select(scope: Selector, selector: str) -> SelectorList[Selector]:
    """What a configured selector (CSS, or ``xpath:`` XPath) finds inside ``scope``."""
    kind, expression = selector_parts(selector)
    return scope.xpath(expression) if kind == "xpath" else scope.css(expression)


def value_text(found: Selector) -> str:
    """A selector result as text: an element's string value, else the string (or number)."""
    value: Any = found.root
    if isinstance(value, Element):
        return text_of(value)
    if isinstance(value, bool):
        return "true" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _first_text(row: Selector, selector: str | None) -> str | None:
    """The first match's text, whitespace collapsed; None when the selector finds nothing."""
    if not selector:
        return None
    found = select(row, selector)
    return " ".join(value_text(found[0]).split()) if found else None


def _entry(
    row: Selector,
    selectors: SelectorConfig,
    page_url: str,
    view: str,
    components: tuple[str, ...],
) -> ReportEntry:
    """One report from one row."""
    title = fix_text(_first_text(row, selectors.title) or "")
    if not title:
        raise RowProblem("title", value_text(row), f"no title text at {selectors.title!r}")
    url = _link(row, selectors.link, page_url)
    is_pdf = url is not None and is_pdf_url(url)
    return ReportEntry(
        view=view,
        title=title,
        report_number=_parse_number(row, selectors),
        summary=_parse_summary(row, selectors.summary),
        issue_date=_parse_date(row, selectors),
        fiscal_year=_first_text(row, selectors.fiscal_year) or None,
        pdf_url=_link(row, selectors.pdf, page_url) or (url if is_pdf else None),
        components=_parse_components(row, selectors.components, components),
        detail_url=None if is_pdf else url,
    )


def _link(row: Selector, selector: str | None, page_url: str) -> str | None:
    """The first match as an absolute URL: a link element's href (or the first link inside the
    element), or the selected text itself (``::attr(href)``)."""
    if not selector:
        return None
    for found in select(row, selector):
        value: Any = found.root
        if isinstance(value, Element):
            links = [value] if value.tag in _LINK_TAGS else value.iterdescendants(*_LINK_TAGS)
            href = next((link.get("href") for link in links if link.get("href")), None)
        else:
            href = value_text(found)
        url = absolute_url(page_url, " ".join((href or "").split()))
        if url:
            return url
    return None


def _parse_number(row: Selector, selectors: SelectorConfig) -> str | None:
    """The report number: the selected text, or the pattern's match inside it."""
    text = _first_text(row, selectors.report_number)
    if text and selectors.report_number_pattern:
        text = _matched(selectors.report_number_pattern, text)
    return text or None


def _parse_summary(row: Selector, selector: str | None) -> str | None:
    """Every match's text, paragraphs kept; None when the selector finds nothing."""
    if not selector:
        return None
    found = select(row, selector)
    if not found:
        return None
    parts = [
        fragment_text(inner_html(item.root))
        if isinstance(item.root, Element)
        else fix_text(value_text(item).strip())
        for item in found
    ]
    return "\n\n".join(part for part in parts if part)


def _parse_date(row: Selector, selectors: SelectorConfig) -> date | None:
    """The issue date read with ``date_format``; a date that does not read quarantines the row."""
    text = _first_text(row, selectors.date)
    if not text or not selectors.date_format:
        return None
    wanted = _matched(selectors.date_pattern, text) if selectors.date_pattern else text
    if wanted and len(wanted) <= MAX_DATE_TEXT:
        try:
            return datetime.strptime(wanted, selectors.date_format).date()
        except ValueError:
            pass
    raise RowProblem("issue_date", text, f"not a date in the format {selectors.date_format!r}")


def _parse_components(
    row: Selector, selector: str | None, components: tuple[str, ...]
) -> tuple[str, ...]:
    """The view's components, then every match's text, in order, deduplicated."""
    found = select(row, selector) if selector else []
    values = (" ".join(value_text(item).split()) for item in found)
    return tuple(dict.fromkeys([*components, *(value for value in values if value)]))


def _matched(pattern: str, text: str) -> str | None:
    """The pattern's first group (else its whole match) in ``text``; None when absent."""
    match = re.search(pattern, text)
    if match is None:
        return None
    value = next((group for group in match.groups() if group), None) or match.group()
    return value.strip() or None


def _pager(page: Selector, root: Element, selectors: SelectorConfig) -> tuple[bool, int | None]:
    """``(has_next, last_page)`` from the configured pager links, else the shared heuristics."""
    if not selectors.next_page:
        return parse_pager(root)
    has_next = bool(select(page, selectors.next_page))
    last_page = None
    if selectors.last_page:
        hrefs = (_href_of(found) for found in select(page, selectors.last_page))
        pages = [number for href in hrefs if (number := _page_param(href)) is not None]
        last_page = max(pages) if pages else None
    return has_next, last_page


def _href_of(found: Selector) -> str:
    value: Any = found.root
    if isinstance(value, Element):
        return str(value.get("href") or "")
    return value_text(found)


def _says_empty(page: Selector, root: Element, selectors: SelectorConfig) -> bool:
    """True when the page shows the listing's empty text (configured, or Drupal's view-empty)."""
    return bool(selectors.empty and select(page, selectors.empty)) or says_no_results(root)
