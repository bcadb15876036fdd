"""Helpers shared by the listing parsers: document loading, text, dates, pager, page checks."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree
from lxml.etree import _Element as Element

from crawler.normalize import repair_mojibake

MAINTENANCE = "maintenance page"
ACCESS_DENIED = "access denied page"
FILTER_REJECTED = "filter rejected by site"
EMPTY_DOCUMENT = "empty page"

_CP1252_HOLES = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})
_STRING = etree.XPath("string()")
_CLASS_XP = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"
_OUTSIDE_LISTING_TEXT = etree.XPath(
    "//text()[not(ancestor::table) and not(ancestor::script) and not(ancestor::style)"
    " and not(ancestor::*[" + _CLASS_XP.format("view-content") + "])]"
)
_TITLE_H1 = etree.XPath("//title | //h1")
_PAGER_MARK = (
    "contains(@class, 'pager') or contains(@class, 'pagination')"
    " or contains(@aria-label, 'agination')"
)
_PAGER_BOXES = etree.XPath(f"//nav[{_PAGER_MARK}] | //ul[{_PAGER_MARK}]")
_MARKED_LINKS = etree.XPath(
    "//a[@href][@rel='next' or @rel='prev' or @rel='last' or @rel='first'"
    " or contains(@class, 'pagination') or contains(@class, 'pager')]"
)
_LINKS = etree.XPath(".//a[@href]")
_VIEW_EMPTY = etree.XPath("//*[" + _CLASS_XP.format("view-empty") + "]")

_MDY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_PARAGRAPH_END = re.compile(r"</p\s*>", re.IGNORECASE)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_NEXT_SYMBOLS = frozenset({"›", "››", ">", ">>"})
_LAST_TEXT = re.compile(r"\blast\b", re.IGNORECASE)
_NUMBERED = re.compile(r"\d+\s*$")
_PAGE_MARKERS = ("under maintenance", "access denied", "illegal choice")
_CHAR_BYTE = {bytes([b]).decode("latin-1"): bytes([b]) for b in range(0x80, 0x100)} | {
    bytes([b]).decode("cp1252"): bytes([b]) for b in range(0x80, 0xC0) if b not in _CP1252_HOLES
}
_CONT = "[" + "".join(c for c, b in _CHAR_BYTE.items() if 0x80 <= b[0] < 0xC0) + "]"
_MOJIBAKE_RUN = re.compile(
    f"[\u00c2-\u00df]{_CONT}|[\u00e0-\u00ef]{_CONT}{{2}}|[\u00f0-\u00f4]{_CONT}{{3}}"
)
_NO_RESULTS = re.compile(r"no results", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII only: "¹".isdigit() is True, int("¹") raises


def load_document(text: str) -> Element | None:
    """Parse an HTML page (BOM tolerated); None when there is nothing to parse."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return None
    try:
        try:
            return etree.fromstring(text, etree.HTMLParser())
        except ValueError:  # an XML encoding declaration in a str
            return etree.fromstring(text.encode("utf-8"), etree.HTMLParser(encoding="utf-8"))
    except etree.XMLSyntaxError:
        return None


def class_xpath(token: str) -> str:
    """An XPath predicate body: the element's class list holds ``token``."""
    return _CLASS_XP.format(token)


def text_of(element: Element) -> str:
    """The element's XPath string value (all descendant text, comments excluded)."""
    return str(_STRING(element))


def fix_text(text: str) -> str:
    """Repair UTF-8 read as cp1252 or Latin-1, run by run when the whole cannot be undone."""
    repaired = repair_mojibake(text)
    if repaired != text or not _MOJIBAKE_RUN.search(text):
        return repaired
    return _MOJIBAKE_RUN.sub(_undo_run, text)


def _undo_run(match: re.Match[str]) -> str:
    """One mis-decoded UTF-8 sequence back to its character (left as is when impossible)."""
    try:
        return b"".join(_CHAR_BYTE[char] for char in match.group()).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return match.group()


def unreadable_row(element: Element, exc: Exception) -> dict[str, str]:
    """The warning for a row (or card) whose parsing raised: it is quarantined, not fatal."""
    raw = " ".join(text_of(element).split())[:200]
    return {"field": "row", "raw": raw, "problem": f"unreadable: {type(exc).__name__}: {exc}"}


def trimmed_or_none(text: str) -> str | None:
    """Trim a cell's text; an empty cell is None."""
    text = text.strip()
    return text or None


def absolute_url(page_url: str, href: str | None) -> str | None:
    """Resolve a linked href against the page URL, query string kept."""
    href = (href or "").strip()
    return urljoin(page_url, href) if href else None


def is_pdf_url(url: str) -> bool:
    """True when the URL names a PDF file (by its path, any case)."""
    return urlsplit(url).path.lower().endswith(".pdf")


def inner_html(element: Element, skip: tuple[Element, ...] = ()) -> str:
    """The element's content as HTML, without its own tag (and without ``skip`` children)."""
    parts = [html_lib.escape(element.text or "", quote=False)]
    for child in element:
        if child in skip:
            parts.append(html_lib.escape(child.tail or "", quote=False))
        else:
            parts.append(etree.tostring(child, method="html", encoding="unicode"))
    return "".join(parts)


def fragment_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags stripped, entities unescaped, paragraphs "\\n\\n"."""
    paragraphs = []
    for chunk in _PARAGRAPH_END.split(fragment):
        text = html_lib.unescape(_TAG.sub("", _BREAK.sub("\n", chunk))).strip()
        if text:
            paragraphs.append(text)
    return fix_text("\n\n".join(paragraphs))


def parse_date(time_value: str | None, text: str) -> date | None:
    """A date from an ISO ``time[datetime]`` value, else from MM/DD/YYYY text."""
    if time_value:
        try:
            return date.fromisoformat(time_value.strip()[:10])
        except ValueError:
            pass
    match = _MDY.search(text)
    if not match:
        return None
    month, day, year = (int(group) for group in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def page_problems(root: Element, raw: str) -> list[str]:
    """Whole-page findings: maintenance, WAF denial, a rejected filter value."""
    lowered = raw.lower()
    if not any(marker in lowered for marker in _PAGE_MARKERS):
        return []
    heading = " ".join(text_of(el) for el in _TITLE_H1(root)).lower()
    outside = " ".join(str(t) for t in _OUTSIDE_LISTING_TEXT(root)).lower()
    problems = []
    if "currently under maintenance" in outside:
        problems.append(MAINTENANCE)
    if "access denied" in heading or ("access denied" in outside and "reference #" in outside):
        problems.append(ACCESS_DENIED)
    if "illegal choice has been detected" in outside:
        problems.append(FILTER_REJECTED)
    return problems


def says_no_results(root: Element) -> bool:
    """True when the view renders its empty-result text ("No results found")."""
    return any(_NO_RESULTS.search(text_of(el)) for el in _VIEW_EMPTY(root))


def _page_param(href: str) -> int | None:
    """The ``page=N`` query parameter of a pager href; None unless it is a plain page number
    (superscript or full-width digits, signs and words are ignored, not trusted)."""
    try:
        values = parse_qs(urlsplit(href).query).get("page")
    except ValueError:  # a malformed href ("http://[") is no pager link
        return None
    if not values or not _PAGE_NUMBER.fullmatch(values[-1].strip()):
        return None
    return int(values[-1])


def _is_next(link: Element) -> bool:
    """True for a pager link pointing to the next page."""
    classes = link.get("class", "") + " " + (link.getparent().get("class", "") or "")
    label = " ".join((link.get("title", ""), link.get("aria-label", ""))).lower()
    return (
        link.get("rel") == "next"
        or "pager__item--next" in classes
        or "usa-pagination__next-page" in classes
        or "next page" in label
        or "next" in text_of(link).lower()
        or text_of(link).strip() in _NEXT_SYMBOLS
    )


def parse_pager(root: Element) -> tuple[bool, int | None]:
    """``(has_next, last_page)`` from the pager; last_page only when the pager names it."""
    boxed = (link for box in _PAGER_BOXES(root) for link in _LINKS(box))
    links = list(dict.fromkeys([*_MARKED_LINKS(root), *boxed]))
    has_next = any(_is_next(link) for link in links)
    last = numbered = None
    for link in links:
        page = _page_param(link.get("href", ""))
        if page is None:
            continue
        classes = link.get("class", "") + " " + (link.getparent().get("class", "") or "")
        if "--last" in classes or link.get("rel") == "last" or _LAST_TEXT.search(text_of(link)):
            last = page if last is None else max(last, page)
        elif _NUMBERED.search(text_of(link)) or link.get("aria-current"):
            numbered = page if numbered is None else max(numbered, page)
    return has_next, last if last is not None else numbered
