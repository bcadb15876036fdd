"""The cards layout: card (teaser) lists such as /taxonomy/term/{id}."""

from __future__ import annotations

from config.registry import LAYOUTS, Layout
from crawler.entry import ParsedPage


def parse_page(
    html: str, *, page_url: str, view: str, components: tuple[str, ...] = ()
) -> ParsedPage:
    """One card list page (``crawler/parse_cards.py``): title, summary and labelled fields."""
    from crawler.parse_cards import parse_card_page

    return parse_card_page(html, page_url=page_url, view=view, components=components)


LAYOUTS.register(Layout("cards", parse_page, __name__))
