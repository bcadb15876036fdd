"""The spider of card (teaser) lists such as /taxonomy/term/{id}."""

from __future__ import annotations

from crawler.parse_cards import parse_card_page
from crawler.spiders.listing import ListingSpider


class CardSpider(ListingSpider):
    """Card lists: title, executive summary and labelled fields per item."""

    name = "cards"
    kind = "cards"
    parse_page = staticmethod(parse_card_page)
