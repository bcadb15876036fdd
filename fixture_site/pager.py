"""Pagers (spec §4): Drupal full pager, USWDS pagination, Drupal mini pager."""

from __future__ import annotations

import math
from urllib.parse import quote, urlencode

from fixture_site.chrome import esc

QUANTITY = 9


def page_href(params: list[tuple[str, str]], page: int) -> str:
    """`?…&page=N`: the current query minus `page`, plus the new page (HTML-escaped)."""
    kept = [(k, v) for k, v in params if k != "page"] + [("page", str(page))]
    return esc("?" + urlencode(kept, quote_via=quote))


def _query_literal(char: str) -> str:
    """`char` as is, unless it would end or garble a query value (`%&#+`, blanks, controls)."""
    if char in "%&#+" or ord(char) <= 0x20 or ord(char) == 0x7F:
        return f"%{ord(char):02X}"
    return char


def odd_href(params: list[tuple[str, str]], value: str) -> str:
    """`?…&page=VALUE` with VALUE kept literal (non-ASCII included) as far as a query allows."""
    kept = urlencode([(k, v) for k, v in params if k != "page"], quote_via=quote)
    literal = "".join(_query_literal(char) for char in value)
    return esc("?" + (kept + "&" if kept else "") + "page=" + literal)


def _odd_item(mode: str, params: list[tuple[str, str]], value: str) -> str:
    """The extra pager item of the `odd_pager_item` setting, styled like a page link."""
    href, text = odd_href(params, value), esc(value)
    if mode == "uswds":
        return (
            '    <li class="usa-pagination__item usa-pagination__page-no">'
            f'<a href="{href}" class="usa-pagination__button" aria-label="Page {text}">{text}</a>'
            "</li>"
        )
    return f'    <li class="pager__item"><a href="{href}" title="Go to page {text}">{text}</a></li>'


def render_pager(
    mode: str, params: list[tuple[str, str]], current: int, last: int, odd: str | None = None
) -> str:
    """Pager markup for 0-based `current` of pages 0..`last`; empty when there is one page.

    `odd` adds one more item linking `?page=<odd>` with `odd` as its text (after the page links).
    """
    if mode == "none" or last <= 0:
        return ""
    current = min(max(current, 0), last)
    extra = [] if odd is None else [_odd_item(mode, params, odd)]
    if mode == "uswds":
        return _uswds(params, current, last, extra)
    if mode == "mini":
        return _mini(params, current, last, extra)
    return _drupal(params, current, last, extra)


def odd_item_for(value: str | None, pages: list[int] | None, index: int) -> str | None:
    """The `odd_pager_item` to show on page `index` (None: not on this page)."""
    if value is None or (pages is not None and index not in pages):
        return None
    return value


def _window(current: int, last: int) -> tuple[int, int]:
    """First and last 1-based page numbers shown (Drupal's pager arithmetic)."""
    middle = math.ceil(QUANTITY / 2)
    shown_current = current + 1
    first = shown_current - middle + 1
    final = shown_current + QUANTITY - middle
    total = last + 1
    if final > total:
        first += total - final
        final = total
    if first <= 0:
        final += 1 - first
        first = 1
    return first, min(final, total)


def _drupal_item(cls: str, href: str, title: str, hidden: str, shown: str, rel: str = "") -> str:
    rel_attr = f' rel="{rel}"' if rel else ""
    return (
        f'    <li class="pager__item pager__item--{cls}">'
        f'<a href="{href}" title="{title}"{rel_attr}>'
        f'<span class="visually-hidden">{hidden}</span><span aria-hidden="true">{shown}</span>'
        "</a></li>"
    )


def _drupal(params: list[tuple[str, str]], current: int, last: int, extra: list[str]) -> str:
    items: list[str] = []
    if current > 0:
        items.append(
            _drupal_item("first", page_href(params, 0), "Go to first page", "First page", "« First")
        )
        items.append(
            _drupal_item(
                "previous",
                page_href(params, current - 1),
                "Go to previous page",
                "Previous page",
                "‹ Previous",
                "prev",
            )
        )
    first, final = _window(current, last)
    ellipsis = '    <li class="pager__item pager__item--ellipsis" role="presentation">&hellip;</li>'
    if first > 1:
        items.append(ellipsis)
    for number in range(first, final + 1):
        href = page_href(params, number - 1)
        if number - 1 == current:
            items.append(
                f'    <li class="pager__item is-active"><a href="{href}" title="Current page" '
                f'aria-current="page"><span class="visually-hidden">Current page</span>{number}'
                "</a></li>"
            )
        else:
            items.append(
                f'    <li class="pager__item"><a href="{href}" title="Go to page {number}">'
                f'<span class="visually-hidden">Page</span>{number}</a></li>'
            )
    items += extra
    if final < last + 1:
        items.append(ellipsis)
    if current < last:
        items.append(
            _drupal_item(
                "next",
                page_href(params, current + 1),
                "Go to next page",
                "Next page",
                "Next ›",
                "next",
            )
        )
        items.append(
            _drupal_item("last", page_href(params, last), "Go to last page", "Last page", "Last »")
        )
    return _drupal_nav(items)


def _drupal_nav(items: list[str]) -> str:
    body = "\n".join(items)
    return (
        '<nav class="pager" role="navigation" aria-labelledby="pagination-heading">\n'
        '  <h4 id="pagination-heading" class="visually-hidden">Pagination</h4>\n'
        f'  <ul class="pager__items js-pager__items">\n{body}\n  </ul>\n</nav>'
    )


def _mini(params: list[tuple[str, str]], current: int, last: int, extra: list[str]) -> str:
    items: list[str] = []
    if current > 0:
        href = page_href(params, current - 1)
        items.append(
            _drupal_item("previous", href, "Go to previous page", "Previous page", "‹‹", "prev")
        )
    items.append(f'    <li class="pager__item is-active">Page {current + 1}</li>')
    items += extra
    if current < last:
        href = page_href(params, current + 1)
        items.append(_drupal_item("next", href, "Go to next page", "Next page", "››", "next"))
    return _drupal_nav(items)


def _uswds_page(params: list[tuple[str, str]], page: int, current: int, last: int) -> str:
    label = f"last page, Page {page + 1}" if page == last else f"Page {page + 1}"
    extra = ' usa-current" aria-current="page' if page == current else ""
    return (
        '    <li class="usa-pagination__item usa-pagination__page-no">'
        f'<a href="{page_href(params, page)}" class="usa-pagination__button{extra}" '
        f'aria-label="{label}">{page + 1}</a></li>'
    )


def _uswds(params: list[tuple[str, str]], current: int, last: int, extra: list[str]) -> str:
    overflow = (
        '    <li class="usa-pagination__item usa-pagination__overflow" role="presentation">'
        "<span>…</span></li>"
    )
    items: list[str] = []
    if current > 0:
        items.append(
            '    <li class="usa-pagination__item usa-pagination__arrow">'
            f'<a href="{page_href(params, current - 1)}" class="usa-pagination__link '
            'usa-pagination__previous-page" aria-label="Previous page">'
            '<span class="usa-pagination__link-text">Previous</span></a></li>'
        )
    shown = sorted({0, last, *range(max(0, current - 1), min(last, current + 1) + 1)})
    previous = -1
    for page in shown:
        if page - previous > 1:
            items.append(overflow)
        items.append(_uswds_page(params, page, current, last))
        previous = page
    items += extra
    if current < last:
        items.append(
            '    <li class="usa-pagination__item usa-pagination__arrow">'
            f'<a href="{page_href(params, current + 1)}" class="usa-pagination__link '
            'usa-pagination__next-page" aria-label="Next page">'
            '<span class="usa-pagination__link-text">Next</span></a></li>'
        )
    body = "\n".join(items)
    return (
        '<nav aria-label="Pagination" class="usa-pagination">\n'
        f'  <ul class="usa-pagination__list">\n{body}\n  </ul>\n</nav>'
    )
