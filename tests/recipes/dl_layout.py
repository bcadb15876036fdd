"""A test page layout in one file: reports listed as a definition list.

    <dl class="reports">
      <dt><a href="/files/OIG-30-01.pdf">Title</a></dt>
      <dd class="number">OIG-30-01</dd>
      <dd class="date"><time datetime="2030-01-15">01/15/2030</time></dd>
      <dd class="summary">What the report found.</dd>
    </dl>

Importing this module registers the layout (``kind = "dl"`` in ``[[sources.views]]``); the crawl
child imports it again by its name (``recipes.dl_layout``, so ``tests/`` must be on its
PYTHONPATH). The shared listing spider walks it; this file only parses one page.
"""

from __future__ import annotations

from lxml import etree

from config.registry import LAYOUTS, Layout
from crawler.entry import ParsedPage, ReportEntry
from crawler.parse_common import (
    EMPTY_DOCUMENT,
    absolute_url,
    class_xpath,
    is_pdf_url,
    load_document,
    page_problems,
    parse_date,
    parse_pager,
    text_of,
    trimmed_or_none,
    unreadable_row,
)

_LISTS = etree.XPath("//dl[" + class_xpath("reports") + "]")
_TERMS = etree.XPath("./dt")
_LINK = etree.XPath(".//a[@href]")
_TIME = etree.XPath(".//time")


def parse_page(
    html: str, *, page_url: str, view: str, components: tuple[str, ...] = ()
) -> ParsedPage:
    """Entries, term count, pager and problems of one definition-list page."""
    root = load_document(html)
    if root is None:
        return ParsedPage(entries=(), rows_seen=0, has_next=False, problems=(EMPTY_DOCUMENT,))
    problems = page_problems(root, html)
    has_next, last_page = parse_pager(root)
    lists = _LISTS(root)
    if not lists:
        return ParsedPage((), 0, has_next, last_page, (*problems, "no report list found"))
    terms = [term for listing in lists for term in _TERMS(listing)]
    entries, unreadable = [], []
    for term in terms:
        try:
            entries.append(_entry(term, page_url, view, components))
        except Exception as exc:  # one odd term is quarantined, the page still counts
            unreadable.append(unreadable_row(term, exc))
    return ParsedPage(
        tuple(entries), len(terms), has_next, last_page, tuple(problems), tuple(unreadable)
    )


def _entry(
    term: etree._Element, page_url: str, view: str, components: tuple[str, ...]
) -> ReportEntry:
    """One report: the term's link, and the ``dd`` elements after it up to the next term."""
    [link] = _LINK(term)
    fields: dict[str, etree._Element] = {}
    for sibling in term.itersiblings():
        if sibling.tag != "dd":
            break
        fields[sibling.get("class", "")] = sibling
    url = absolute_url(page_url, link.get("href"))
    date_field = fields.get("date")
    times = _TIME(date_field) if date_field is not None else []
    return ReportEntry(
        view=view,
        title=text_of(link).strip(),
        report_number=trimmed_or_none(text_of(fields["number"])) if "number" in fields else None,
        summary=trimmed_or_none(text_of(fields["summary"])) if "summary" in fields else None,
        issue_date=parse_date(
            times[0].get("datetime") if times else None,
            text_of(date_field) if date_field is not None else "",
        ),
        pdf_url=url if url and is_pdf_url(url) else None,
        components=components,
        detail_url=None if url and is_pdf_url(url) else url,
    )


LAYOUT = LAYOUTS.register(Layout("dl", parse_page, __name__))
