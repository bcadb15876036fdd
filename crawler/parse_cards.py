"""Parse a card (teaser) list: taxonomy term pages listing reports as node teasers."""

from __future__ import annotations

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

_TEASERS = etree.XPath(
    "//article[" + class_xpath("node") + " and not(" + class_xpath("node--view-mode-full") + ")]"
)
_LIST_ITEMS = etree.XPath(
    "//*[" + class_xpath("view-content") + "]//li | //*[" + class_xpath("views-row") + "]"
)
_HEADING_LINK = etree.XPath(".//a[@href][@rel='bookmark' or ancestor::h2 or ancestor::h3]")
_LOOSE_LINK = etree.XPath(".//a[@href][not(ancestor::div[contains(@class, 'field')])]")
_FIELDS = etree.XPath(".//div[contains(@class, 'field')]")
_ITEMS = etree.XPath(".//div[contains(@class, 'field__item')]")
_LINK = etree.XPath(".//a[@href]")
_TIME = etree.XPath(".//time")
_ONLY_SPAN = etree.XPath("./span")

_FIELD_LABELS = {
    "body": "Executive Summary",
    "field-report-number": "Report Number",
    "field-issue-date": "Issue Date",
    "field-document-file": "Document File",
    "field-dhs-agency": "DHS Agency",
    "field-fy": "Fiscal Year",
}
_BY_LABEL = {label.lower(): name for name, label in _FIELD_LABELS.items()}


def parse_card_page(
    html: str, *, page_url: str, view: str, components: tuple[str, ...] = ()
) -> ParsedPage:
    """Entries, card count, pager and layout problems of one card-list page."""
    root = load_document(html)
    if root is None:
        return ParsedPage(entries=(), rows_seen=0, has_next=False, problems=(EMPTY_DOCUMENT,))
    problems = page_problems(root, html)
    has_next, last_page = parse_pager(root)
    cards = _TEASERS(root) or _LIST_ITEMS(root)
    if not cards and not problems and not says_no_results(root):
        problems.append("no card list found")
    entries, unreadable = [], []
    for card in cards:
        try:
            entry = _parse_card(card, page_url, view, components)
        except Exception as exc:  # one odd card is quarantined, the page still counts
            unreadable.append(unreadable_row(card, exc))
            continue
        if entry is not None:
            entries.append(entry)
    if cards and not entries:
        problems.append(f"none of {len(cards)} cards has a title link")
    return ParsedPage(
        tuple(entries), len(cards), has_next, last_page, tuple(problems), tuple(unreadable)
    )


def _parse_card(
    card: Element, page_url: str, view: str, components: tuple[str, ...]
) -> ReportEntry | None:
    """One entry from a teaser; None when it has no titled link."""
    links = _HEADING_LINK(card) or _LOOSE_LINK(card)
    if not links:
        return None
    title = _parse_title(links[0])
    if not title.strip():
        return None
    fields = _fields(card)
    url = absolute_url(page_url, links[0].get("href"))
    is_pdf = url is not None and is_pdf_url(url)
    return ReportEntry(
        view=view,
        title=title,
        report_number=_parse_text_field(fields.get("field-report-number")),
        summary=_parse_summary(fields.get("body")),
        issue_date=_parse_issue_date(fields.get("field-issue-date")),
        fiscal_year=_parse_text_field(fields.get("field-fy")),
        pdf_url=_parse_pdf_url(fields.get("field-document-file"), page_url)
        or (url if is_pdf else None),
        components=_parse_components(fields.get("field-dhs-agency"), components),
        detail_url=None if is_pdf else url,
    )


def _fields(card: Element) -> dict[str, Element]:
    """The card's known fields, found by ``field--name-*`` class, else by label text."""
    found: dict[str, Element] = {}
    for field in _FIELDS(card):
        classes = field.get("class", "").split()
        if "field" not in classes:
            continue
        name = next((c[len("field--name-") :] for c in classes if c.startswith("field--name-")), "")
        if name not in _FIELD_LABELS:
            label = _label(field)
            name = _BY_LABEL.get(text_of(label).strip().lower(), "") if label is not None else ""
        if name and name not in found:
            found[name] = field
    return found


def _has_class(element: Element, token: str) -> bool:
    """True when the element's class list holds ``token``."""
    return token in (element.get("class") or "").split()


def _label(field: Element) -> Element | None:
    """The field's ``field__label`` child."""
    return next((child for child in field if _has_class(child, "field__label")), None)


def _items(field: Element) -> list[Element]:
    """The field's ``field__item`` elements."""
    return [item for item in _ITEMS(field) if _has_class(item, "field__item")]


def _values(field: Element) -> list[Element]:
    """The value elements of a field (its ``field__item``s, else the field itself)."""
    return _items(field) or [field]


def _value_text(field: Element) -> str:
    """A field's value text, its label left out."""
    items = _items(field)
    if items:
        return text_of(items[0])
    label = _label(field)
    text = text_of(field)
    return text.replace(text_of(label), "", 1) if label is not None else text


def _parse_title(link: Element) -> str:
    """The link text (or its single wrapping span's text), mojibake repaired."""
    spans = _ONLY_SPAN(link)
    if len(spans) == 1 and not (link.text or "").strip() and not (spans[0].tail or "").strip():
        return fix_text(text_of(spans[0]))
    return fix_text(text_of(link))


def _parse_text_field(field: Element | None) -> str | None:
    """A trimmed single-value field (report number, FY); None when absent or empty."""
    return trimmed_or_none(_value_text(field)) if field is not None else None


def _parse_summary(field: Element | None) -> str | None:
    """The Executive Summary paragraphs joined by a blank line; None without a body field."""
    if field is None:
        return None
    items = _items(field)
    if items:
        return fragment_text(inner_html(items[0]))
    label = _label(field)
    return fragment_text(inner_html(field, skip=(label,) if label is not None else ()))


def _parse_issue_date(field: Element | None) -> date | None:
    """The issue date from ``time[datetime]``, else from MM/DD/YYYY text."""
    if field is None:
        return None
    times = _TIME(field)
    return parse_date(times[0].get("datetime") if times else None, _value_text(field))


def _parse_pdf_url(field: Element | None, page_url: str) -> str | None:
    """The Document File link, absolute."""
    links = _LINK(field) if field is not None else []
    return absolute_url(page_url, links[0].get("href")) if links else None


def _parse_components(field: Element | None, components: tuple[str, ...]) -> tuple[str, ...]:
    """The view's components plus the card's DHS Agency values, in order, deduplicated."""
    values = [text_of(item).strip() for item in _values(field)] if field is not None else []
    return tuple(dict.fromkeys([*components, *(v for v in values if v)]))
